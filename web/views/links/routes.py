"""One-click links from mail (no login): a page that says what will happen, then a button that does it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from graph import ConflictError, ValidationError

from ...extensions import get_store
from ...mail import accounts, digest, introductions, meetings  # noqa: F401 - they register their link actions
from ...mail.links import ACTIONS, LinkError, read_link
from ...security import allow, csrf

__all__ = ["bp"]

bp = Blueprint("links", __name__)


def _problem(reason: str) -> tuple[str, int]:
    texts = {
        "invalid": (_("This link is not valid."), 400),
        "expired": (_("This link has expired."), 410),
        "used": (_("This link has already been used."), 409),
    }
    text, status = texts.get(reason, texts["invalid"])
    return render_template("links/problem.html", text=text), status


@bp.route("/m/<token>", methods=["GET", "POST"])
@allow("public")
@csrf.exempt  # checked below for every action but RFC 8058 one-click unsubscribe
def confirm(token: str):
    store = get_store()
    try:
        link = read_link(token, store)
        action = ACTIONS[link.action]
        what = action.describe(store, link)
    except LinkError as exc:
        return _problem(exc.reason)
    errors: list[str] = []
    if request.method == "POST":
        if not action.one_click:
            csrf.protect()
        try:
            done = action.perform(store, link, request.form)
        except LinkError as exc:
            return _problem(exc.reason)
        except ValidationError as exc:
            errors = [i.reason for i in exc.issues]
        except ConflictError:
            errors = [_("Somebody else answered at the same time. Please open the link again.")]
        else:
            return render_template("links/done.html", text=done)
    return render_template("links/confirm.html", what=what, fields=action.fields, errors=errors), (
        422 if errors else 200
    )
