"""Workshop planning (staff) and the representatives' proposals (Mitgestaltung).

Staff see workshop themes ranked from the network's needs and the representatives' proposals, with
whom to invite and the languages they speak, and record workshops and who came (``workshop`` records).
Representatives propose topics for the next workshop or exchange meeting and support others' proposals
(``proposal`` records; one support per organisation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import ConflictError
from graph.model import slugify
from graph.planning import PROPOSAL_STATUSES, parse_proposal, parse_workshop
from graph.store import GraphStore
from matching import workshop_proposals

from ...extensions import get_store
from ...projects import load_proposals, load_workshops, workshop_json
from ...security import allow
from ...templating import current_lang
from .._forms import apply_planning_issues
from .._shared import format_day, user_org_ids
from .forms import proposal_form, workshop_form

__all__ = ["bp"]

bp = Blueprint("workshops", __name__)

WORKSHOP_FIELDS = {f: f for f in ("title", "capability", "date", "place", "attendance", "note")}
PROPOSAL_FIELDS = {f: f for f in ("title", "capability", "description")} | {"by": "org"}


def _today() -> str:
    return dt.date.today().isoformat()


def status_labels() -> dict[str, str]:
    return {"open": _("open"), "planned": _("planned"), "done": _("done"), "withdrawn": _("withdrawn")}


def _unique_id(store: GraphStore, kind: str, base: str) -> str:
    base = base[:80].strip("-") or kind
    rid, n = base, 2
    while store.get(kind, rid) is not None:
        rid = f"{base}-{n}"
        n += 1
    return rid


# ---------------------------------------------------------------------------
# staff: ranked workshop proposals, recorded workshops
# ---------------------------------------------------------------------------
@bp.route("/workshops")
@allow("staff")
def index() -> str:
    store = get_store()
    snap = store.snapshot()
    vocab = snap.vocabulary
    lang = current_lang()
    names = {o.id: o.name for o in snap.network.organisations}
    workshops = load_workshops(store)
    proposals = {p.id: p for p in load_proposals(store)}
    ranked = workshop_proposals(snap, workshops=workshops, proposals=list(proposals.values()), today=_today(), k=20)
    docs = []
    for n, p in enumerate(ranked, start=1):
        doc = workshop_json(p, vocab, names, lang)
        doc["n"] = n
        doc["proposal_docs"] = [proposals[pid] for pid in p.proposals if pid in proposals]
        doc["capability"] = p.theme if p.theme in vocab.ids("capabilities") else ""
        docs.append(doc)
    today = _today()
    held = sorted((w for w in workshops if w.held_by(today)), key=lambda w: w.date, reverse=True)
    planned = sorted((w for w in workshops if not w.held_by(today)), key=lambda w: w.date)
    return render_template(
        "workshops/index.html",
        proposals=docs,
        held=held,
        planned=planned,
        names=names,
        format_day=format_day,
    )


def _save_workshop(workshop_id: str | None) -> Response | str | tuple[str, int]:
    store = get_store()
    snap = store.snapshot()
    lang = current_lang()
    rec = None
    if workshop_id is not None:
        rec = store.get("workshop", workshop_id)
        if rec is None:
            abort(404)
    if request.method == "GET":
        if rec is not None:
            data = dict(rec.data)
        else:
            theme = request.args.get("theme", "")
            data = {"date": _today()}
            if theme in snap.vocabulary.ids("capabilities"):
                data["capability"] = theme
                data["title"] = snap.vocabulary.label("capabilities", theme, lang)
        form = workshop_form(snap, lang, data=data)
        form.version.data = str(rec.version) if rec is not None else ""
        return render_template("workshops/edit.html", form=form, workshop=rec, general=[])
    form = workshop_form(snap, lang, formdata=request.form)
    if not form.validate():
        return render_template("workshops/edit.html", form=form, workshop=rec, general=[]), 422
    wid = workshop_id or _unique_id(store, "workshop", slugify(f"{form.title.data} {form.date.data}"))
    data = {
        "id": wid,
        "title": (form.title.data or "").strip(),
        "capability": form.capability.data,
        "date": (form.date.data or "").strip(),
        "place": (form.place.data or "").strip(),
        "attendance": list(form.attendance.data or []),
        "note": (form.note.data or "").strip(),
    }
    workshop, issues = parse_workshop(data, snap.vocabulary, "web", known_orgs=snap.orgs)
    if workshop is None:
        general = apply_planning_issues(form, issues, WORKSHOP_FIELDS, snap.vocabulary, lang)
        return render_template("workshops/edit.html", form=form, workshop=rec, general=general), 422
    try:
        if rec is None:
            store.create("workshop", wid, workshop.to_dict(), actor=current_user.actor())
        else:
            store.update("workshop", wid, workshop.to_dict(), int(form.version.data or 0), actor=current_user.actor())
    except (ConflictError, ValueError):
        flash(
            _("Somebody else changed this workshop meanwhile. Please check it and enter your changes again."), "error"
        )
        return redirect(url_for("workshops.index"))
    flash(_("The workshop was saved."), "success")
    return redirect(url_for("workshops.index") + f"#ws-{wid}")


@bp.route("/workshops/new", methods=["GET", "POST"])
@allow("staff")
def create() -> Response | str | tuple[str, int]:
    return _save_workshop(None)


@bp.route("/workshops/<workshop_id>/edit", methods=["GET", "POST"])
@allow("staff")
def edit(workshop_id: str) -> Response | str | tuple[str, int]:
    return _save_workshop(workshop_id)


# ---------------------------------------------------------------------------
# proposals (Mitgestaltung)
# ---------------------------------------------------------------------------
def _proposals_page(form: Any, status: int = 200) -> tuple[str, int]:
    store = get_store()
    snap = store.snapshot()
    names = {o.id: o.name for o in snap.network.organisations}
    mine = user_org_ids(snap)
    items = []
    for rec in store.list("proposal"):
        p, _issues = parse_proposal(rec.data, None)
        if p is None:
            continue
        items.append({"p": p, "version": rec.version, "count": len(p.backers)})
    order = {s: i for i, s in enumerate(PROPOSAL_STATUSES)}
    items.sort(key=lambda x: (order.get(x["p"].status, 9), -x["count"], x["p"].created_at, x["p"].id))
    active = [x for x in items if x["p"].status in ("open", "planned")]
    closed = [x for x in items if x["p"].status not in ("open", "planned")]
    return render_template(
        "workshops/proposals.html",
        form=form,
        active=active,
        closed=closed,
        names=names,
        mine=mine,
        statuses=status_labels(),
        format_day=format_day,
    ), status


@bp.route("/proposals")
@allow("user")
def proposals() -> tuple[str, int]:
    snap = get_store().snapshot()
    mine = user_org_ids(snap)
    form = proposal_form(snap, current_lang(), mine) if mine else None
    return _proposals_page(form)


@bp.route("/proposals/new", methods=["POST"])
@allow("user")
def propose() -> Response | tuple[str, int]:
    store = get_store()
    snap = store.snapshot()
    lang = current_lang()
    mine = user_org_ids(snap)
    if not mine:
        abort(403)
    form = proposal_form(snap, lang, mine, formdata=request.form)
    if not form.validate():
        return _proposals_page(form, 422)
    by = form.org.data
    pid = _unique_id(store, "proposal", "proposal-" + slugify(form.title.data or ""))
    data = {
        "id": pid,
        "title": (form.title.data or "").strip(),
        "capability": form.capability.data or "",
        "description": (form.description.data or "").strip(),
        "by": by,
        "supporters": [],
        "created_at": _today(),
        "status": "open",
    }
    proposal, issues = parse_proposal(data, snap.vocabulary, "web", known_orgs=snap.orgs)
    if proposal is None:
        for msg in apply_planning_issues(form, issues, PROPOSAL_FIELDS, snap.vocabulary, lang):
            flash(msg, "error")
        return _proposals_page(form, 422)
    store.create("proposal", pid, proposal.to_dict(), actor=current_user.actor(by))
    flash(_("Thank you! Your proposal is now visible to the other organisations and the KI staff."), "success")
    return redirect(url_for("workshops.proposals") + f"#prop-{pid}")


@bp.route("/proposals/<proposal_id>/support", methods=["POST"])
@allow("user")
def support(proposal_id: str) -> Response:
    store = get_store()
    snap = store.snapshot()
    mine = user_org_ids(snap)
    org_id = request.form.get("org", "")
    if org_id not in mine:
        abort(403)
    withdraw = request.form.get("action") == "withdraw"
    for _attempt in range(3):
        rec = store.get("proposal", proposal_id)
        if rec is None:
            abort(404)
        data = dict(rec.data)
        supporters = list(data.get("supporters") or [])
        if data.get("status") not in ("open", "planned"):
            flash(_("This proposal is closed."), "error")
            break
        if org_id == data.get("by"):
            flash(_("Your organisation made this proposal; it counts already."), "success")
            break
        if withdraw:
            if org_id not in supporters:
                break
            supporters.remove(org_id)
        elif org_id in supporters:
            flash(_("Your organisation supports this proposal already. Each organisation counts once."), "success")
            break
        else:
            supporters.append(org_id)
        data["supporters"] = supporters
        proposal, issues = parse_proposal(data, snap.vocabulary, "web", known_orgs=snap.orgs)
        if proposal is None:
            abort(400)
        try:
            store.update("proposal", proposal_id, proposal.to_dict(), rec.version, actor=current_user.actor(org_id))
        except ConflictError:
            continue  # somebody supported at the same moment: read again and retry
        flash(_("Your support was withdrawn.") if withdraw else _("Thank you for your support!"), "success")
        break
    else:
        flash(_("Many people are answering right now. Please try again."), "error")
    return redirect(url_for("workshops.proposals") + f"#prop-{proposal_id}")


@bp.route("/proposals/<proposal_id>/status", methods=["POST"])
@allow("staff")
def set_status(proposal_id: str) -> Response:
    store = get_store()
    rec = store.get("proposal", proposal_id)
    if rec is None:
        abort(404)
    status = request.form.get("status", "")
    if status not in PROPOSAL_STATUSES:
        abort(400)
    try:
        version = int(request.form.get("version", rec.version))
    except ValueError:
        abort(400)
    proposal, _issues = parse_proposal({**rec.data, "status": status}, None)
    if proposal is None:
        abort(400)
    try:
        store.update("proposal", proposal_id, proposal.to_dict(), version, actor=current_user.actor())
    except ConflictError:
        flash(_("This proposal was changed meanwhile; please check its status."), "error")
    else:
        flash(_('The proposal is now "%(status)s".', status=status_labels()[status]), "success")
    return redirect(url_for("workshops.proposals") + f"#prop-{proposal_id}")
