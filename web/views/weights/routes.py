"""The staff page on the matching weights: which weights are in use, where they came from, and a refit."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ...extensions import get_store
from ...security import allow
from ...weights import learn_and_store, stored_weights

__all__ = ["SIGNAL_LABELS", "SOURCE_LABELS", "bp"]

bp = Blueprint("weights", __name__)

#: What each score part means, for people (the engine's signal names are internal).
SIGNAL_LABELS = {
    "topics": _l("Shared topics"),
    "complementarity": _l("One offers what the other needs"),
    "proximity": _l("Common partners"),
    "bridging": _l("Bridge between parts of the network"),
    "district": _l("Same district"),
    "language": _l("Shared languages"),
    "activity": _l("Already works with many partners"),
}

SOURCE_LABELS = {
    "outcomes": _l("the outcomes of introductions (accepted, met, cooperating or declined)"),
    "history": _l("the network's own history (its newest cooperations as the outcome of the network before them)"),
    "defaults": _l("nothing yet: too few outcomes and too little dated history"),
}


@bp.route("/desk/weights")
@allow("staff")
def index() -> str:
    data = stored_weights(get_store())
    rows = sorted(data["weights"].items(), key=lambda kv: -kv[1])
    learned = data.get("learned") or {}

    def pct(x: float | None) -> str:
        return format_percent(x or 0.0, "#,##0.0 %")

    return render_template(
        "weights/index.html",
        data=data,
        rows=[(SIGNAL_LABELS.get(name, name), pct(value), pct(learned.get(name))) for name, value in rows],
        source=SOURCE_LABELS.get(data["source"], data["source"]),
        gain=format_percent(data["cv_gain"], "+#,##0.0 %;-#,##0.0 %"),
        split=format_date(dt.date.fromisoformat(data["split"][:10]), "long") if data.get("split") else None,
    )


@bp.route("/desk/weights/refit", methods=["POST"])
@allow("staff")
def refit() -> Response:
    data = learn_and_store(get_store())
    if data["used"]:
        flash(_("The weights were fitted again and are in use."), "success")
    else:
        flash(_("The weights were fitted again; the defaults stay in use."), "info")
    return redirect(url_for("weights.index"))
