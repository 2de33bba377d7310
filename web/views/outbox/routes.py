"""The staff's view of the outbox: what is queued, sent or failed (with the reason), and a preview."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...extensions import get_store
from ...i18n import LANGUAGE_NAMES, text_direction
from ...mail.outbox import KIND, STATUSES, list_messages
from ...security import allow

__all__ = ["bp"]

bp = Blueprint("outbox", __name__)

#: the mail's own HTML may only style itself: nothing is loaded, no script runs
HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _status_names() -> dict[str, str]:
    return {"queued": _("queued"), "sending": _("sending"), "sent": _("sent"), "failed": _("failed")}


@bp.route("/desk/outbox")
@allow("staff")
def index() -> str:
    store = get_store()
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(404)
    everything = list_messages(store, limit=10**9)
    counts = Counter(r.data.get("status") for r in everything)
    shown = [r for r in everything if status is None or r.data.get("status") == status][:200]
    return render_template(
        "outbox/index.html",
        messages=shown,
        counts=counts,
        status=status,
        statuses=STATUSES,
        mail_status=_status_names(),
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


def _message(message_id: str):
    rec = get_store().get(KIND, message_id)
    if rec is None:
        abort(404)
    return rec


@bp.route("/desk/outbox/<message_id>")
@allow("staff")
def detail(message_id: str) -> str:
    rec = _message(message_id)
    return render_template(
        "outbox/detail.html",
        m=rec,
        mail_dir=text_direction(rec.data.get("lang", "de")),
        mail_status=_status_names(),
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


@bp.route("/desk/outbox/<message_id>/html")
@allow("staff")
def html_part(message_id: str) -> Response:
    rec = _message(message_id)
    resp = make_response(rec.data.get("html") or "")
    resp.headers["Content-Type"] = "text/html; charset=utf-8"
    resp.headers["Content-Security-Policy"] = HTML_CSP
    return resp
