"""Funding referral: the public catalogue of open programmes, staff editing, and funding for one organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import ConflictError, FundingProgramme, NotFoundError, Vocabulary
from graph.model import parse_funding_programme, slugify
from matching import funding_for_org, programme_size
from matching._funding import open_programmes

from ...editing import edit_conflict, sign_original
from ...extensions import get_store
from ...security import allow
from ...templating import current_lang
from .._forms import add_error, apply_planning_issues
from .._shared import format_amount, format_day, funding_view
from .forms import (
    FIELDS,
    ISSUE_FIELDS,
    form_to_programme,
    make_funding_form,
    programme_labels,
    programme_to_form_data,
)

__all__ = ["bp"]

bp = Blueprint("funding", __name__)

FILTERS = {"topic": "topics", "need": "capabilities", "kind": "org_kinds"}


def _describe(name: str, d: dict[str, Any], vocab: Vocabulary, lang: str) -> str:
    funds = d.get("funds") or {}
    value = funds.get(name) if name in ("topics", "capabilities") else d.get(name)
    if value in (None, "", [], {}):
        return "–"
    cats = {
        "topics": "topics",
        "capabilities": "capabilities",
        "eligible_kinds": "org_kinds",
        "eligible_legal_forms": "legal_forms",
    }
    if name in cats:
        return ", ".join(vocab.label(cats[name], t, lang) for t in value)
    if name == "example":
        return _("yes") if value else _("no")
    if name in ("amount_min", "amount_max"):
        return format_amount(value)
    if name == "deadline":
        return format_day(value)
    return str(value)


def _changed(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    def get(d: dict[str, Any], f: str) -> Any:
        return (d.get("funds") or {}).get(f) if f in ("topics", "capabilities") else d.get(f)

    return [f for f in FIELDS if get(a, f) != get(b, f)]


ORIGINAL_SALT = "remo-funding-original"


def _today() -> str:
    return dt.date.today().isoformat()


def _card(p: FundingProgramme, vocab: Vocabulary, lang: str, today: str) -> dict[str, Any]:
    days = (dt.date.fromisoformat(p.deadline) - dt.date.fromisoformat(today)).days if p.deadline else None
    return {
        "id": p.id,
        "name": p.name,
        "funder": p.funder,
        "description": p.description,
        "example": p.example,
        "topics": [vocab.label("topics", t, lang) for t in p.topics],
        "capabilities": [vocab.label("capabilities", c, lang) for c in p.capabilities],
        "kinds": [vocab.label("org_kinds", k, lang) for k in p.eligible_kinds],
        "legal_forms": [vocab.label("legal_forms", k, lang) for k in p.eligible_legal_forms],
        "amount_min_text": format_amount(p.amount_min),
        "amount_max_text": format_amount(p.amount_max),
        "deadline": p.deadline,
        "deadline_text": format_day(p.deadline),
        "days_left": days,
        "open": p.open_on(today),
        "region": p.region,
        "url": p.url,
        "large": programme_size(p) == "large",
    }


# ---------------------------------------------------------------------------
# public catalogue
# ---------------------------------------------------------------------------
@bp.route("/funding")
@allow("public")
def index() -> str:
    snap = get_store().snapshot()
    vocab = snap.vocabulary
    lang = current_lang()
    today = _today()
    filters = {}
    for name, cat in FILTERS.items():
        value = request.args.get(name, "")
        filters[name] = value if value in vocab.ids(cat) else ""
    regions = sorted({p.region for p in snap.network.funding_programmes if p.region}, key=str.casefold)
    region = request.args.get("region", "")
    filters["region"] = region if region in regions else ""
    shown = []
    for p in open_programmes(snap.network.funding_programmes, today):
        if filters["topic"] and filters["topic"] not in p.topics:
            continue
        if filters["need"] and filters["need"] not in p.capabilities:
            continue
        if filters["kind"] and p.eligible_kinds and filters["kind"] not in p.eligible_kinds:
            continue
        if filters["region"] and p.region != filters["region"]:
            continue
        shown.append(_card(p, vocab, lang, today))
    choices = {
        name: sorted(((t, vocab.label(cat, t, lang)) for t in vocab.ids(cat)), key=lambda x: x[1].casefold())
        for name, cat in FILTERS.items()
    }
    names = {o.id: o.name for o in snap.network.organisations}
    return render_template(
        "funding/index.html",
        programmes=shown,
        filters=filters,
        choices=choices,
        regions=regions,
        filtered=any(filters.values()),
        names=names,
    )


@bp.route("/org/<org_id>/funding")
@allow("org")
def for_org(org_id: str) -> str:
    snap = get_store().snapshot()
    try:
        res = funding_for_org(snap, org_id, today=_today())
    except NotFoundError:
        abort(404)
    lang = current_lang()
    return render_template("funding/org.html", org=snap.orgs[org_id], fv=funding_view(res, snap, lang))


# ---------------------------------------------------------------------------
# staff: manage the catalogue
# ---------------------------------------------------------------------------
@bp.route("/funding/manage")
@allow("staff")
def manage() -> str:
    store = get_store()
    vocab = store.snapshot().vocabulary
    lang = current_lang()
    today = _today()
    cards = []
    for rec in store.list("funding_programme"):
        prog, _issues = parse_funding_programme(rec.data, None)
        if prog is not None:
            cards.append(_card(prog, vocab, lang, today))
    cards.sort(key=lambda c: (not c["open"], c["deadline"] is None, c["deadline"] or "", c["name"].casefold()))
    return render_template("funding/manage.html", programmes=cards)


@bp.route("/funding/new", methods=["GET", "POST"])
@allow("staff")
def create() -> Response | str | tuple[str, int]:
    store = get_store()
    vocab = store.snapshot().vocabulary
    lang = current_lang()
    if request.method == "GET":
        form = make_funding_form(vocab, lang, create=True)
        return render_template("funding/edit.html", form=form, prog=None, conflict=None, create=True)
    form = make_funding_form(vocab, lang, create=True, formdata=request.form)
    if not form.validate():
        return render_template("funding/edit.html", form=form, prog=None, conflict=None, create=True), 422
    prog_id = form.id.data or slugify(form.name.data or "")[:80] or "programme"
    data = form_to_programme(form, prog_id)
    prog, issues = parse_funding_programme(data, vocab, "web")
    if prog is None:
        for msg in apply_planning_issues(form, issues, ISSUE_FIELDS, vocab, lang):
            flash(msg, "error")
        return render_template("funding/edit.html", form=form, prog=None, conflict=None, create=True), 422
    try:
        store.create("funding_programme", prog.id, prog.to_dict(), actor=current_user.actor())
    except ConflictError:
        add_error(form.id, _("This short name is taken; please choose another one."))
        if not form.id.data:
            form.id.data = prog_id
        return render_template("funding/edit.html", form=form, prog=None, conflict=None, create=True), 409
    flash(_("The funding programme was saved."), "success")
    return redirect(url_for("funding.manage") + f"#prog-{prog.id}")


@bp.route("/funding/<prog_id>/edit", methods=["GET", "POST"])
@allow("staff")
def edit(prog_id: str) -> Response | str | tuple[str, int]:
    store = get_store()
    rec = store.get("funding_programme", prog_id)
    if rec is None:
        abort(404)
    vocab = store.snapshot().vocabulary
    lang = current_lang()
    if request.method == "GET":
        form = make_funding_form(vocab, lang, create=False, data=programme_to_form_data(rec.data))
        form.version.data = str(rec.version)
        form.original.data = sign_original(rec.data, ORIGINAL_SALT)
        return render_template("funding/edit.html", form=form, prog=rec.data, conflict=None, create=False)
    form = make_funding_form(vocab, lang, create=False, formdata=request.form)
    if not form.validate():
        return render_template("funding/edit.html", form=form, prog=rec.data, conflict=None, create=False), 422
    data = form_to_programme(form, prog_id)
    prog, issues = parse_funding_programme(data, vocab, "web")
    if prog is None:
        for msg in apply_planning_issues(form, issues, ISSUE_FIELDS, vocab, lang):
            flash(msg, "error")
        return render_template("funding/edit.html", form=form, prog=rec.data, conflict=None, create=False), 422
    try:
        version = int(form.version.data or "0")
    except ValueError:
        version = 0
    try:
        store.update("funding_programme", prog_id, prog.to_dict(), version, actor=current_user.actor())
    except ConflictError as exc:
        current = exc.current
        if current is None:
            flash(_("This funding programme was deleted meanwhile."), "error")
            return redirect(url_for("funding.manage"))
        labels = programme_labels(vocab, lang)
        conflict = edit_conflict(
            form.original.data,
            current,
            prog.to_dict(),
            salt=ORIGINAL_SALT,
            changed=_changed,
            describe=lambda f, d: _describe(f, d, vocab, lang),
            label=labels.__getitem__,
        )
        if conflict.merged is not None:  # saving again keeps both editors' changes
            form = make_funding_form(
                vocab, lang, create=False, formdata=None, data=programme_to_form_data(conflict.merged)
            )
        form.version.data, form.original.data = conflict.version, conflict.original
        return render_template(
            "funding/edit.html", form=form, prog=current.data, conflict=conflict.view, create=False
        ), 409
    flash(_("The funding programme was saved."), "success")
    return redirect(url_for("funding.manage") + f"#prog-{prog_id}")


@bp.route("/funding/<prog_id>/delete", methods=["POST"])
@allow("staff")
def delete(prog_id: str) -> Response:
    store = get_store()
    if store.get("funding_programme", prog_id) is None:
        abort(404)
    store.delete("funding_programme", prog_id, actor=current_user.actor())
    flash(_("The funding programme was deleted."), "success")
    return redirect(url_for("funding.manage"))
