"""The directory: search and filters, organisation profiles, editing and creating organisations."""

from __future__ import annotations

import datetime as dt
import math
import threading
import weakref
from collections import OrderedDict
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from graph import ConflictError, Snapshot, Vocabulary
from graph.events import next_occurrence
from graph.identity import store_clashes
from graph.model import ORG_FIELDS, ORG_TERM_FIELDS, parse_organisation, slugify

from ...directory import FILTERS, RESERVED_IDS, fold, search_orgs, visible_fields
from ...editing import edit_conflict, sign_original
from ...events import next_dates, public_events
from ...extensions import get_store
from ...security import allow, can_edit_org
from ...templating import current_lang, render_block
from .._forms import field_label
from .._shared import log_view, translated_title, when_text
from .forms import apply_issues, form_to_org, make_org_form, org_to_form_data

__all__ = ["bp", "describe_value", "org_diff"]

bp = Blueprint("directory", __name__)

# rendered page bodies per snapshot, keyed by language, staff view, search, filters and page (oldest dropped first)
BODY_CACHE_SIZE = 512
_bodies: weakref.WeakKeyDictionary[Snapshot, OrderedDict[tuple[Any, ...], Markup]] = weakref.WeakKeyDictionary()
_bodies_lock = threading.Lock()

# the filter menus' sorted labels, per snapshot (its vocabulary) and language
_filter_choices: weakref.WeakKeyDictionary[Snapshot, dict[str, dict[str, list[tuple[str, str]]]]] = (
    weakref.WeakKeyDictionary()
)


def _choices(vocab: Vocabulary, category: str, lang: str) -> list[tuple[str, str]]:
    items = [(t, vocab.label(category, t, lang)) for t in vocab.ids(category)]
    return sorted(items, key=lambda x: fold(x[1]))


@bp.route("/directory")
@allow("public")
def index() -> str:
    store = get_store()
    snap = store.snapshot()
    vocab = snap.vocabulary
    lang = current_lang()
    query = request.args.get("q", "").strip()[:200]
    filters = {}
    for name, cat in FILTERS.items():
        value = request.args.get(name, "")
        filters[name] = value if value in vocab.ids(cat) else ""
    internal = current_user.is_authenticated and current_user.is_staff
    size = int(current_app.config.get("REMO_PAGE_SIZE") or 20)
    # the page body depends only on these (and the snapshot): rendered once, then reused; the cards'
    # next event dates move on with the clock, so a body is kept for a quarter of an hour at most
    now = dt.datetime.now(get_timezone())
    key = (
        lang,
        internal,
        query,
        tuple(filters.items()),
        request.args.get("page", "1"),
        size,
        now.strftime("%Y%m%d%H"),
        now.minute // 15,
    )
    with _bodies_lock:
        bodies = _bodies.setdefault(snap, OrderedDict())
        body = bodies.get(key)
        if body is not None:
            bodies.move_to_end(key)
    if body is None:
        corrections: dict[str, list[str]] = {}
        found = search_orgs(
            snap.network.organisations, vocab, lang, query, filters, internal, snapshot=snap, corrections=corrections
        )
        pages = max(1, math.ceil(len(found) / size))
        try:
            page = min(max(1, int(request.args.get("page", "1"))), pages)
        except ValueError:
            page = 1
        shown = found[(page - 1) * size : page * size]
        args = {k: v for k, v in {"q": query, **filters}.items() if v}
        per_lang = _filter_choices.setdefault(snap, {})
        choices = per_lang.get(lang)
        if choices is None:
            choices = per_lang[lang] = {name: _choices(vocab, cat, lang) for name, cat in FILTERS.items()}
        upcoming = _next_dates(snap, now)
        body = render_block(
            "directory/index.html",
            "content",
            orgs=[visible_fields(o, internal) for o in shown],
            next_event={o.id: upcoming[o.id] for o in shown if o.id in upcoming},
            total=len(found),
            page=page,
            pages=pages,
            args=args,
            query=query,
            filters=filters,
            choices=choices,
            filtered=bool(args),
            corrections=corrections,
        )
        with _bodies_lock:
            bodies[key] = body
            while len(bodies) > BODY_CACHE_SIZE:
                bodies.popitem(last=False)
    return render_template("directory/index.html", body=body)


def _next_dates(snap: Snapshot, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """Per organisation its next public date, as the card shows it ("next date: Tue, 15:00 Homework help")."""
    out = {}
    for org_id, (occ, ev) in next_dates(snap.network.events, now).items():
        out[org_id] = {
            "id": ev.id,
            "title": ev.title,
            "lang": ev.lang,
            "translated": translated_title(ev),
            "when": when_text(occ.start, now=now),
        }
    return out


def _persons_for(snap: Any, org_id: str, internal: bool) -> list[dict[str, Any]]:
    out = []
    for p in snap.network.persons:
        if org_id not in p.organisations:
            continue
        if internal:
            out.append({**p.to_dict(), "has_consent": p.has_consent})
        else:
            pub = p.public_dict()
            if pub is not None and pub.get("name"):
                out.append({**pub, "has_consent": True})
    return sorted(out, key=lambda p: fold(p.get("name", "")))


@bp.route("/org/<org_id>")
@allow("public")
def profile(org_id: str) -> str:
    store = get_store()
    snap = store.snapshot()
    org = snap.orgs.get(org_id)
    if org is None:
        abort(404)
    internal = can_edit_org(org_id)
    d = visible_fields(org, internal)
    partners = []
    intros = []
    if internal:
        log_view("organisation", org_id)
        partners = sorted((snap.orgs[p] for p in snap.partners(org_id) if p in snap.orgs), key=lambda o: fold(o.name))
        intros = [i for i in snap.network.introductions if org_id in (i.a, i.b)]
        intros.sort(key=lambda i: i.at or "", reverse=True)
    now = dt.datetime.now(get_timezone())
    org_events = public_events(e for e in snap.network.events if org_id in e.organisations)
    nexts = {e.id: next_occurrence(e, now) for e in org_events if e.status == "published"}
    events = sorted(
        (
            {"ev": e, "translated": translated_title(e), "when": when_text(nexts[e.id].start, now=now)}
            for e in org_events
            if nexts.get(e.id)
        ),
        key=lambda x: nexts[x["ev"].id].start,
    )
    return render_template(
        "directory/profile.html",
        org=d,
        events=events,
        internal=internal,
        visibility=org.visibility,
        persons=_persons_for(snap, org_id, internal),
        partners=partners,
        intros=intros,
        names={x: snap.orgs[x].name for i in intros for x in (i.a, i.b) if x in snap.orgs},
        field_label=field_label,
    )


ORIGINAL_SALT = "remo-org-original"


def describe_value(name: str, value: Any, vocab: Vocabulary, lang: str) -> str:
    """A field value as readable text (labels instead of ids)."""
    if value in (None, "", [], {}):
        return "–"
    if name == "kind":
        return vocab.label("org_kinds", value, lang)
    if name == "legal_form":
        return vocab.label("legal_forms", value, lang)
    if name in ORG_TERM_FIELDS:
        return ", ".join(vocab.label(name, t, lang) for t in value)
    if name in ("offers", "needs"):
        parts = []
        for item in value:
            text = vocab.label("capabilities", item["capability"], lang)
            if item.get("detail"):
                text += f" ({item['detail']})"
            parts.append(text)
        return "; ".join(parts)
    if name == "visibility":
        internal = [field_label(f) for f, v in value.items() if v == "internal"]
        return _("internal: %(fields)s", fields=", ".join(internal)) if internal else "–"
    return str(value)


def org_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the organisation fields that differ between two versions."""
    return [f for f in (*ORG_FIELDS, "visibility") if before.get(f) != after.get(f)]


@bp.route("/org/<org_id>/edit", methods=["GET", "POST"])
@allow("org")
def edit(org_id: str) -> Response | str | tuple[str, int]:
    store = get_store()
    rec = store.get("organisation", org_id)
    if rec is None:
        abort(404)
    vocab = store.snapshot().vocabulary
    lang = current_lang()
    if request.method == "GET":
        log_view("organisation", org_id)
        form = make_org_form(vocab, lang, data=org_to_form_data(rec.data))
        form.version.data = str(rec.version)
        form.original.data = sign_original(rec.data, ORIGINAL_SALT)
        return render_template("directory/edit.html", form=form, org=rec.data, conflict=None, create=False)
    form = make_org_form(vocab, lang, formdata=request.form)
    if not form.validate():
        return render_template("directory/edit.html", form=form, org=rec.data, conflict=None, create=False), 422
    data = form_to_org(form, org_id, vocab)
    parsed, issues = parse_organisation(data, vocab)
    if parsed is None:
        general = apply_issues(form, issues, data)
        for msg in general:
            flash(msg, "error")
        return render_template("directory/edit.html", form=form, org=rec.data, conflict=None, create=False), 422
    if store_clashes(store, [("organisation", org_id, parsed.to_dict())]):
        form.name.errors = [*form.name.errors, _("Another organisation already has this name.")]
        return render_template("directory/edit.html", form=form, org=rec.data, conflict=None, create=False), 409
    try:
        version = int(form.version.data or "0")
    except ValueError:
        version = 0
    try:
        store.update("organisation", org_id, parsed.to_dict(), version, actor=current_user.actor(org_id))
    except ConflictError as exc:
        current = exc.current
        if current is None:
            flash(_("This organisation was deleted meanwhile."), "error")
            return redirect(url_for("directory.index"))
        conflict = edit_conflict(
            form.original.data,
            current,
            parsed.to_dict(),
            salt=ORIGINAL_SALT,
            changed=org_diff,
            describe=lambda f, d: describe_value(f, d.get(f), vocab, lang),
            label=lambda f: _("Visibility") if f == "visibility" else field_label(f),
        )
        if conflict.merged is not None:  # saving again keeps both editors' changes
            form = make_org_form(vocab, lang, data=org_to_form_data(conflict.merged))
        form.version.data, form.original.data = conflict.version, conflict.original
        return render_template(
            "directory/edit.html", form=form, org=current.data, conflict=conflict.view, create=False
        ), 409
    flash(_("Saved. Thank you!"), "success")
    return redirect(url_for("directory.profile", org_id=org_id))


@bp.route("/org/new", methods=["GET", "POST"])
@allow("staff")
def create() -> Response | str | tuple[str, int]:
    store = get_store()
    vocab = store.snapshot().vocabulary
    lang = current_lang()
    if request.method == "GET":
        form = make_org_form(vocab, lang, create=True, data={"kind": "migrant_organisation"})
        return render_template("directory/edit.html", form=form, org=None, conflict=None, create=True)
    form = make_org_form(vocab, lang, create=True, formdata=request.form)
    if not form.validate():
        return render_template("directory/edit.html", form=form, org=None, conflict=None, create=True), 422
    org_id = form.id.data or slugify(form.name.data or "")
    if org_id in RESERVED_IDS:  # would clash with /org/new
        org_id = f"{org_id}-org"
    data = form_to_org(form, org_id, vocab)
    parsed, issues = parse_organisation(data, vocab)
    if parsed is None:
        for msg in apply_issues(form, issues, data):
            flash(msg, "error")
        return render_template("directory/edit.html", form=form, org=None, conflict=None, create=True), 422
    taken = store.get("organisation", org_id) is not None  # then the short name is the problem (below)
    if not taken and store_clashes(store, [("organisation", org_id, parsed.to_dict())]):
        form.name.errors = [*form.name.errors, _("Another organisation already has this name.")]
        return render_template("directory/edit.html", form=form, org=None, conflict=None, create=True), 409
    try:
        store.create("organisation", org_id, parsed.to_dict(), actor=current_user.actor())
    except ConflictError:
        form.id.errors = [*form.id.errors, _("This short name is taken; please choose another one.")]
        if not form.id.data:
            form.id.data = org_id
        return render_template("directory/edit.html", form=form, org=None, conflict=None, create=True), 409
    flash(_("The organisation was created."), "success")
    return redirect(url_for("directory.profile", org_id=org_id))
