"""The KI staff desk: introductions pipeline, the network's gaps, needs, recent changes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import ConflictError, NotFoundError, ValidationError
from graph.network import SECTIONS

from ...events import waiting_for_review
from ...extensions import get_store
from ...introductions import PIPELINE, STATUSES, allowed_next, current_cooperation, set_follow_up, set_status
from ...security import allow
from ...users import list_users

__all__ = ["bp", "needs_overview"]

bp = Blueprint("desk", __name__)

#: record kinds shown in "recent changes" (login counters are left out)
CHANGE_KINDS = (*SECTIONS.values(), "user", "term", "setting")


#: the desk's sort orders: newest change first, next due first, by organisation name, by owner
SORTS = ("at", "due", "org", "owner")
DUE_FILTERS = ("overdue", "week", "none")


def desk_filters(args: Any, owners: dict[str, str], org_ids: set[str]) -> dict[str, str]:
    """The desk's filter and sort choices from the query string; unknown values mean "all"."""
    status = args.get("status", "")
    owner = args.get("owner", "")
    org = args.get("org", "")
    due = args.get("due", "")
    sort = args.get("sort", "")
    return {
        "status": status if status in STATUSES else "",
        "owner": owner if owner in owners or owner == "-" else "",
        "org": org if org in org_ids else "",
        "due": due if due in DUE_FILTERS else "",
        "sort": sort if sort in SORTS else "at",
    }


def filter_introductions(
    records: list[Any], f: dict[str, str], names: dict[str, str], owners: dict[str, str], today: str
) -> list[Any]:
    """The introductions that pass the desk's filters, in the chosen order."""
    week = (dt.date.fromisoformat(today) + dt.timedelta(days=7)).isoformat()

    def keep(r: Any) -> bool:
        d = r.data
        if f["status"] and d.get("status", "proposed") != f["status"]:
            return False
        if f["owner"] and (d.get("owner") or "-") != f["owner"]:
            return False
        if f["org"] and f["org"] not in (d.get("a"), d.get("b")):
            return False
        due = d.get("due") or ""
        if f["due"] == "overdue" and not (due and due < today):
            return False
        if f["due"] == "week" and not (due and due <= week):
            return False
        return not (f["due"] == "none" and due)

    out = [r for r in records if keep(r)]
    if f["sort"] == "due":  # undated ones last
        out.sort(key=lambda r: (not r.data.get("due"), r.data.get("due") or "", r.id))
    elif f["sort"] == "org":

        def pair(r: Any) -> tuple[str, str]:
            x, y = (names.get(r.data[k], r.data[k]).casefold() for k in ("a", "b"))
            return (min(x, y), max(x, y))

        out.sort(key=lambda r: (pair(r), r.id))
    elif f["sort"] == "owner":
        out.sort(
            key=lambda r: (
                not r.data.get("owner"),
                owners.get(r.data.get("owner", ""), r.data.get("owner", "")).casefold(),
                r.id,
            )
        )
    else:
        out.sort(key=lambda r: (r.data.get("at") or "", r.id), reverse=True)
    return out


def staff_owners() -> dict[str, str]:
    """Who may own an introduction's next step: active staff and admin accounts, username → name."""
    users = [u for u in list_users(get_store()) if u.is_staff and u.active]
    return {u.id: u.display_name for u in sorted(users, key=lambda u: u.display_name.casefold())}


@bp.route("/desk")
@allow("staff")
def index() -> str:
    store = get_store()
    snap = store.snapshot()
    orgs = sorted(snap.network.organisations, key=lambda o: o.name.casefold())
    names = {o.id: o.name for o in orgs}
    owners = staff_owners()
    f = desk_filters(request.args, owners, set(names))
    today = dt.date.today().isoformat()
    records = filter_introductions(store.list("introduction"), f, names, owners, today)
    columns: dict[str, list[Any]] = {s: [] for s in STATUSES}
    for rec in records:
        columns.setdefault(rec.data.get("status", "proposed"), []).append(rec)
    return render_template(
        "desk/index.html",
        columns=columns,
        pipeline=PIPELINE,
        names=names,
        orgs=orgs,
        owners=owners,
        f=f,
        filtered=any(f[k] for k in ("status", "owner", "org", "due")),
        today=today,
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
    kept = current_cooperation(store, a, b) if status == "cooperating" else None
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
        if kept is not None:
            flash(_("The two organisations already cooperate; their recorded cooperation was kept unchanged."), "info")
    return redirect(url_for("desk.index") + f"#col-{status}")


@bp.route("/desk/introductions/<intro_id>/follow-up", methods=["POST"])
@allow("staff")
def follow_up(intro_id: str) -> Response:
    store = get_store()
    rec = store.get("introduction", intro_id)
    if rec is None:
        abort(404)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    owner = request.form.get("owner", "").strip()
    if owner and owner not in staff_owners() and owner != rec.data.get("owner"):
        abort(400)
    try:
        set_follow_up(
            store,
            intro_id,
            note=request.form.get("note", ""),
            next_step=request.form.get("next_step", ""),
            due=request.form.get("due", "").strip() or None,
            owner=owner,
            actor=current_user.actor(),
            expected_version=version,
            vocab=store.snapshot().vocabulary,
        )
    except NotFoundError:
        abort(404)
    except ValidationError:
        flash(_("Please check the note, the next step and the due date (a date such as 2026-12-31)."), "error")
    except ConflictError:
        flash(_("This introduction was changed meanwhile; please check it and enter your changes again."), "error")
    else:
        flash(_("Saved the notes and the next step."), "success")
    return redirect(url_for("desk.index") + f"#intro-{intro_id}")


def _status_text(status: str) -> str:
    from ...templating import status_label

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
