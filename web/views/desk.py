"""The KI staff desk: introductions pipeline, the network's gaps, needs, recent changes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import ConflictError, ValidationError
from graph.network import SECTIONS

from ..events import waiting_for_review
from ..extensions import get_store
from ..introductions import PIPELINE, STATUSES, allowed_next, set_status
from ..security import allow

__all__ = ["bp", "needs_overview"]

bp = Blueprint("desk", __name__)

#: record kinds shown in "recent changes" (login counters are left out)
CHANGE_KINDS = (*SECTIONS.values(), "user", "term", "setting")


@bp.route("/desk")
@allow("staff")
def index() -> str:
    store = get_store()
    snap = store.snapshot()
    columns: dict[str, list[Any]] = {s: [] for s in STATUSES}
    for rec in store.list("introduction"):
        columns.setdefault(rec.data.get("status", "proposed"), []).append(rec)
    for items in columns.values():
        items.sort(key=lambda r: (r.data.get("at") or "", r.id), reverse=True)
    orgs = sorted(snap.network.organisations, key=lambda o: o.name.casefold())
    return render_template(
        "desk/index.html",
        columns=columns,
        pipeline=PIPELINE,
        names={o.id: o.name for o in orgs},
        orgs=orgs,
        allowed_next=allowed_next,
        events_waiting=len(waiting_for_review(snap.network.events)),
    )


@bp.route("/desk/act-for")
@allow("staff")
def act_for() -> Response:
    org_id = request.args.get("org", "")
    if org_id not in get_store().snapshot().orgs:
        abort(404)
    return redirect(url_for("suggestions.index", org_id=org_id))


@bp.route("/desk/introductions/<intro_id>", methods=["POST"])
@allow("staff")
def move(intro_id: str) -> Response:
    store = get_store()
    rec = store.get("introduction", intro_id)
    if rec is None:
        abort(404)
    status = request.form.get("status", "")
    if status not in STATUSES:
        abort(400)
    try:
        version = int(request.form.get("version", rec.version))
    except ValueError:
        abort(400)
    a, b = rec.data["a"], rec.data["b"]
    try:
        set_status(
            store,
            a,
            b,
            status,
            actor=current_user.actor(),
            vocab=store.snapshot().vocabulary,
            staff=True,
            expected_version=version,
        )
    except ValidationError:
        flash(_("This step is not possible for this introduction."), "error")
    except ConflictError:
        flash(_("This introduction was changed meanwhile; please check its new status."), "error")
    else:
        names = store.snapshot().orgs
        flash(
            _(
                'Moved: %(a)s and %(b)s are now "%(status)s".',
                a=names[a].name if a in names else a,
                b=names[b].name if b in names else b,
                status=_status_text(status),
            ),
            "success",
        )
    return redirect(url_for("desk.index") + f"#col-{status}")


def _status_text(status: str) -> str:
    from ..templating import status_label

    return status_label(status)


def needs_overview(snap: Any) -> list[dict[str, Any]]:
    """Per capability: how many organisations need it, how many of those needs a partner meets, offers."""
    offers: dict[str, set[str]] = {}
    for org in snap.network.organisations:
        for o in org.offers:
            offers.setdefault(o.capability, set()).add(org.id)
    needed: Counter[str] = Counter()
    met: Counter[str] = Counter()
    urgent: Counter[str] = Counter()
    for org in snap.network.organisations:
        partners = set(snap.partners(org.id)) if org.id in snap.index else set()
        for n in org.needs:
            needed[n.capability] += 1
            if n.urgency >= 3:
                urgent[n.capability] += 1
            if partners & offers.get(n.capability, set()):
                met[n.capability] += 1
    rows = [
        {
            "capability": cap,
            "needed": needed[cap],
            "met": met[cap],
            "open": needed[cap] - met[cap],
            "urgent": urgent[cap],
            "offered": len(offers.get(cap, ())),
        }
        for cap in needed
    ]
    rows.sort(key=lambda r: (-r["open"], -r["needed"], r["capability"]))
    return rows


@bp.route("/desk/network")
@allow("staff")
def network() -> str:
    snap = get_store().snapshot()
    isolated = sorted(
        (o for o in snap.network.organisations if not snap.partners(o.id)), key=lambda o: o.name.casefold()
    )
    return render_template("desk/network.html", isolated=isolated, needs=needs_overview(snap))


@bp.route("/desk/changes")
@allow("staff")
def changes() -> str:
    store = get_store()
    kinds = CHANGE_KINDS if current_user.is_admin else tuple(k for k in CHANGE_KINDS if k != "user")
    items = [c for kind in kinds for c in store.changes(limit=50, kind=kind)]
    items.sort(key=lambda c: c.seq, reverse=True)
    names = {o.id: o.name for o in store.snapshot().network.organisations}
    return render_template("desk/changes.html", changes=items[:50], names=names)
