"""Partner suggestions for one organisation: reasons, answers, and a printable sheet."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import ConflictError, NotFoundError, ValidationError
from matching import hints

from ...extensions import get_store
from ...i18n import LANGUAGE_NAMES, UI_LANGUAGES, text_direction
from ...introductions import allowed_next, current_cooperation, find_introduction, set_status
from ...mail.digest import is_subscribed
from ...security import allow
from ...suggestion_cache import suggestion_document, suggestion_list
from ...templating import current_lang
from ...weights import weights_in_use
from .._forms import field_label
from .._shared import log_view

__all__ = ["bp", "suggestion_doc"]

bp = Blueprint("suggestions", __name__)
ACTIONS = ("accepted", "declined", "met", "cooperating")


def suggestion_doc(org_id: str, lang: str, k: int = 10) -> tuple[Any, dict[str, Any]]:
    """The snapshot and the suggestions document with reasons rendered in ``lang``."""
    store = get_store()
    snap = store.snapshot()
    if org_id not in snap.orgs:
        abort(404)
    try:
        doc = suggestion_document(snap, org_id, k, lang, weights_in_use(store))
    except NotFoundError:
        abort(404)
    return snap, doc


def _intro_status(snap: Any, org_id: str) -> dict[str, Any]:
    out = {}
    for i in snap.network.introductions:
        if org_id in (i.a, i.b):
            out[i.b if i.a == org_id else i.a] = i
    return out


@bp.route("/org/<org_id>/suggestions")
@allow("org")
def index(org_id: str) -> str:
    lang = current_lang()
    snap, doc = suggestion_doc(org_id, lang)
    # staff looking at an organisation's suggestions act for it (staff-assisted mode)
    log_view("organisation", org_id, on_behalf_of=org_id if current_user.is_staff else None)
    intros = _intro_status(snap, org_id)
    suggested = {s["partner"] for s in doc["suggestions"]}
    open_intros = sorted(
        (i for p, i in intros.items() if p not in suggested and i.status in ("proposed", "accepted", "met")),
        key=lambda i: i.at or "",
        reverse=True,
    )
    return render_template(
        "suggestions/index.html",
        org=snap.orgs[org_id],
        doc=doc,
        orgs=snap.orgs,
        intros=intros,
        open_intros=open_intros,
        hint_fields=[field_label(f) for f in hints(snap, org_id)],
        allowed_next=allowed_next,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        digest_on=is_subscribed(get_store(), org_id, current_user.id),
    )


@bp.route("/org/<org_id>/suggestions/<partner_id>", methods=["POST"])
@allow("org")
def respond(org_id: str, partner_id: str) -> Response:
    status = request.form.get("status", "")
    if status not in ACTIONS:
        abort(400)
    store = get_store()
    snap = store.snapshot()
    if org_id not in snap.orgs or partner_id not in snap.orgs or partner_id == org_id:
        abort(404)
    reasons: list[dict[str, Any]] = []
    if find_introduction(store, org_id, partner_id) is None:
        for s in suggestion_list(snap, org_id, 10, weights_in_use(store)):
            if s.partner == partner_id:
                reasons = s.to_dict()["reasons"]
    kept = current_cooperation(store, org_id, partner_id) if status == "cooperating" else None
    try:
        set_status(
            store, org_id, partner_id, status, actor=current_user.actor(org_id), vocab=snap.vocabulary, reasons=reasons
        )
    except ValidationError:
        flash(_("This step is not possible for this introduction (any more)."), "error")
    except ConflictError:
        flash(_("Somebody else answered this suggestion at the same time. Please check and try again."), "error")
    else:
        name = snap.orgs[partner_id].name
        messages = {
            "accepted": _("Thank you! The KI staff will help you get in touch with %(name)s.", name=name),
            "declined": _("Understood. %(name)s will not be suggested again for a while.", name=name),
            "met": _("Great that you met %(name)s!", name=name),
            "cooperating": _("Wonderful: your cooperation with %(name)s is now recorded.", name=name),
        }
        flash(messages[status], "success")
        if kept is not None:
            flash(_("The two organisations already cooperate; their recorded cooperation was kept unchanged."), "info")
    return redirect(url_for("suggestions.index", org_id=org_id) + f"#p-{partner_id}")


@bp.route("/org/<org_id>/suggestions/sheet")
@allow("org")
def sheet(org_id: str) -> str:
    lang = request.args.get("lang", "")
    if lang not in UI_LANGUAGES:
        lang = current_lang()
    with force_locale(lang):
        snap, doc = suggestion_doc(org_id, lang)
        return render_template(
            "suggestions/sheet.html",
            org=snap.orgs[org_id],
            doc=doc,
            orgs=snap.orgs,
            sheet_lang=lang,
            page_lang=lang,
            page_dir=text_direction(lang),
            hint_fields=[field_label(f) for f in hints(snap, org_id)],
        )
