"""Start page, language choice, "my organisation" and the legal pages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ...extensions import get_store
from ...i18n import UI_LANGUAGES
from ...security import allow
from .._shared import safe_next

__all__ = ["bp"]

bp = Blueprint("main", __name__)


@bp.route("/")
@allow("public")
def index() -> str:
    snap = get_store().snapshot()
    counts = {
        "organisations": len(snap.network.organisations),
        "migrant_organisations": int(snap.is_mo.sum()) if snap.n else 0,
        "cooperations": snap.graph.number_of_edges(),
    }
    return render_template("main/index.html", counts=counts)


@bp.route("/lang/<code>")
@allow("public")
def set_language(code: str) -> Response:
    if code not in UI_LANGUAGES:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("main.index")))


@bp.route("/my")
@allow("user")
def mine() -> Response | str:
    orgs = list(current_user.organisations)
    if len(orgs) == 1:
        return redirect(url_for("suggestions.index", org_id=orgs[0]))
    snap = get_store().snapshot()
    items = [snap.orgs[o] for o in orgs if o in snap.orgs]
    return render_template("main/mine.html", orgs=items)


@bp.route("/privacy")
@allow("public")
def privacy() -> str:
    return render_template("main/privacy.html")


@bp.route("/accessibility")
@allow("public")
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.route("/imprint")
@allow("public")
def imprint() -> str:
    return render_template("main/imprint.html")
