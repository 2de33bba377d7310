"""Joint projects: project ideas, the team builder, turning a team into a project, project templates.

Staff see everything; representatives see the ideas that involve their organisations and build teams
around them. Project templates (``project_template`` records) are staff pages; the algorithms live in
`matching` (``project_ideas``, ``TeamBuilder``), the validation in `graph.planning` and `graph.model`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import ConflictError, Vocabulary
from graph.model import PROJECT_ROLE_RE, parse_project, slugify
from graph.planning import (
    MAX_ROLES,
    ProjectTemplate,
    Role,
    builtin_roles,
    builtin_templates,
    parse_project_template,
)
from graph.store import GraphStore
from matching import TeamBuilder, project_ideas

from ...extensions import get_store
from ...introductions import find_introduction, set_status
from ...projects import load_templates, team_json
from ...security import allow
from ...templating import current_lang
from ...weights import weights_in_use
from .._forms import add_error, apply_planning_issues
from .._shared import funding_view, user_org_ids
from .forms import (
    MAX_K,
    adhoc_roles,
    form_to_template,
    team_query_form,
    template_form,
    template_to_form_data,
)

__all__ = ["bp"]

bp = Blueprint("projects", __name__)


def _names(snap: Any) -> dict[str, str]:
    return {o.id: o.name for o in snap.network.organisations}


def _templates(store: GraphStore, vocab: Vocabulary) -> dict[str, ProjectTemplate]:
    return {t.id: t for t in load_templates(store, vocab)}


def _projects_for(snap: Any, org_ids: list[str] | None) -> list[Any]:
    """Joint projects (all for staff, ``org_ids``' otherwise), newest first."""
    out = [p for p in snap.network.projects if org_ids is None or any(m.org in org_ids for m in p.members)]
    return sorted(out, key=lambda p: (p.start or "", p.id), reverse=True)


# ---------------------------------------------------------------------------
# project ideas
# ---------------------------------------------------------------------------
@bp.route("/projects")
@allow("user")
def ideas() -> str:
    store = get_store()
    snap = store.snapshot()
    vocab = snap.vocabulary
    lang = current_lang()
    names = _names(snap)
    templates = _templates(store, vocab)
    staff = current_user.is_staff
    mine = user_org_ids(snap)
    if not staff and not mine:
        abort(403)
    found = []
    if staff:
        found = project_ideas(snap, list(templates.values()), k=MAX_K, weights=weights_in_use(store))
        projects = _projects_for(snap, None)
    else:
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for org_id in mine:
            for idea in project_ideas(
                snap, list(templates.values()), k=MAX_K, org=org_id, weights=weights_in_use(store)
            ):
                key = (idea.template, tuple(idea.team.org_ids))
                if key not in seen:
                    seen.add(key)
                    found.append(idea)
        found.sort(key=lambda i: -i.score)
        projects = _projects_for(snap, mine)
    docs = []
    for n, idea in enumerate(found, start=1):
        tpl = templates[idea.template]
        docs.append(
            {
                "n": n,
                "template": tpl,
                "template_label": tpl.label(lang),
                "score": idea.score,
                "topics": idea.topics,
                "needs": idea.needs,
                "team": team_json(idea.team, tpl, vocab, names, lang),
                "funding": funding_view(idea.funding, snap, lang),
                "around": None if staff else next((o for o in idea.team.org_ids if o in mine), None),
            }
        )
    return render_template(
        "projects/ideas.html",
        ideas=docs,
        projects=projects,
        names=names,
        templates=templates,
        mine=mine,
    )


# ---------------------------------------------------------------------------
# team builder
# ---------------------------------------------------------------------------
@bp.route("/projects/teams")
@allow("user")
def teams() -> str | tuple[str, int]:
    store = get_store()
    snap = store.snapshot()
    vocab = snap.vocabulary
    lang = current_lang()
    staff = current_user.is_staff
    mine = user_org_ids(snap)
    if not staff and not mine:
        abort(403)
    if not staff and request.args.get("org") and request.args["org"] not in mine:
        abort(403)
    templates = _templates(store, vocab)
    form = team_query_form(snap, templates, lang, staff, mine, request.args)
    asked = bool(request.args)
    results: list[dict[str, Any]] = []
    template: ProjectTemplate | None = None
    roles: list[Role] = []
    status = 200
    message = ""
    if asked:
        if not form.validate():
            status = 422
        else:
            around = form.org.data or None
            if around is not None and not staff and around not in mine:
                abort(403)
            k = form.k.data or 5
            if form.template.data:
                template = templates.get(form.template.data)
                roles = list(template.roles) if template else []
            else:
                shared = adhoc_roles()
                roles = [shared[r] for r in form.roles.data or [] if r in shared]
                if form.topic.data:
                    expertise = builtin_roles()["topic_expertise"]
                    roles.insert(0, Role("topic_expertise", dict(expertise.labels), [{"topics": [form.topic.data]}]))
                roles = roles[:MAX_ROLES]
                if not roles:
                    add_error(form.roles, _("Choose a template or at least one role."))
                    status = 422
            if roles:
                builder = TeamBuilder(weights_in_use(store), k=k).fit(snap)
                found = builder.suggest(
                    template or roles,
                    around=around,
                    k=k,
                    topics=None if template else [form.topic.data] if form.topic.data else [],
                )
                names = _names(snap)
                adhoc_tpl = template or ProjectTemplate("", {"de": "", "en": ""}, roles)
                for n, team in enumerate(found, start=1):
                    doc = team_json(team, adhoc_tpl, vocab, names, lang)
                    results.append({"n": n, "team": doc, "around": around})
                if not found:
                    message = _("No team can fill every role. Try fewer roles or another organisation.")
    return render_template(
        "projects/teams.html",
        form=form,
        asked=asked,
        results=results,
        template=template,
        roles=roles,
        message=message,
        role_labels={r.id: r.label(lang) for r in roles},
        template_id=template.id if template else "",
        topics=(template.topics if template else ([form.topic.data] if form.topic.data else [])),
    ), status


def _team_from_post(snap: Any) -> tuple[list[tuple[str, list[str]]], str | None]:
    """The posted team (``member`` = ``org`` or ``org:role,role``) and ``around``; 400 when malformed."""
    members: list[tuple[str, list[str]]] = []
    for raw in request.form.getlist("member"):
        org_id, _sep, roles = raw.partition(":")
        if org_id not in snap.orgs or any(org_id == m[0] for m in members):
            abort(400)
        members.append((org_id, [r for r in roles.split(",") if r]))
    if not 2 <= len(members) <= MAX_ROLES:
        abort(400)
    around = request.form.get("around") or None
    if around is not None and around not in {m[0] for m in members}:
        abort(400)
    if not current_user.is_staff and (around is None or around not in user_org_ids(snap)):
        abort(403)
    return members, around


def _back() -> str:
    target = request.form.get("next", "")
    if target.startswith("/projects") and not target.startswith("//"):
        return target
    return url_for("projects.teams")


@bp.route("/projects/teams/project", methods=["POST"])
@allow("user")
def create_project() -> Response:
    store = get_store()
    snap = store.snapshot()
    members, around = _team_from_post(snap)
    title = (request.form.get("title") or "").strip()
    if not title:
        flash(_("Please give the project a title."), "error")
        return redirect(_back())
    template_id = request.form.get("template", "")
    templates = _templates(store, snap.vocabulary)
    tpl = templates.get(template_id)
    member_docs = []
    for org_id, roles in members:
        if org_id == around:
            role = "lead"
        else:
            role = next((r for r in roles if PROJECT_ROLE_RE.match(r)), "partner")
        member_docs.append({"org": org_id, "role": role})
    base = slugify(title)[:60] or "project"
    project_id = base
    n = 2
    while store.get("project", project_id) is not None:
        project_id = f"{base}-{n}"
        n += 1
    data = {
        "id": project_id,
        "title": title,
        "description": "",
        "template": tpl.id if tpl else "",
        "topics": list(tpl.topics) if tpl else [t for t in request.form.getlist("topic") if t],
        "start": None,
        "end": None,
        "members": member_docs,
    }
    project, issues = parse_project(data, snap.vocabulary, "web")
    if project is None:
        for msg in apply_planning_issues(None, issues, {}, snap.vocabulary, current_lang()):
            flash(msg, "error")
        return redirect(_back())
    try:
        store.create("project", project.id, project.to_dict(), actor=current_user.actor(around))
    except ConflictError:
        flash(_("A project with this title was created at the same moment. Please try again."), "error")
        return redirect(_back())
    flash(_("The joint project %(title)s was recorded.", title=title), "success")
    return redirect(url_for("projects.ideas") + f"#project-{project.id}")


@bp.route("/projects/teams/introductions", methods=["POST"])
@allow("user")
def introduce() -> Response:
    """Proposed introductions inside a team: the organisation it is built around with every other member,
    or (staff, no such organisation) every member with its strongest tie."""
    store = get_store()
    snap = store.snapshot()
    members, around = _team_from_post(snap)
    ids = [m[0] for m in members]
    pairs: list[tuple[str, str]] = []
    if around is not None:
        pairs = [(around, o) for o in ids if o != around]
    else:
        for raw in request.form.getlist("pair"):
            a, _sep, b = raw.partition(":")
            if a in ids and b in ids and a != b:
                pairs.append((a, b))
    staff = current_user.is_staff
    created = 0
    seen: set[frozenset[str]] = set()
    for a, b in pairs:
        key = frozenset((a, b))
        if key in seen or b in snap.partners(a) or find_introduction(store, a, b) is not None:
            continue
        seen.add(key)
        set_status(
            store,
            a,
            b,
            "proposed" if staff else "accepted",
            actor=current_user.actor(None if staff else a),
            vocab=snap.vocabulary,
            staff=staff,
        )
        created += 1
    if created:
        flash(
            ngettext(
                "%(num)d introduction was added to the staff desk.",
                "%(num)d introductions were added to the staff desk.",
                created,
            ),
            "success",
        )
    else:
        flash(_("These organisations already know each other or are already being introduced."), "success")
    return redirect(_back())


# ---------------------------------------------------------------------------
# project templates (staff)
# ---------------------------------------------------------------------------
@bp.route("/projects/templates")
@allow("staff")
def templates() -> str:
    store = get_store()
    vocab = store.snapshot().vocabulary
    stored = {r.id: r for r in store.list("project_template")}
    merged = load_templates(store, vocab)
    builtin_ids = {t.id for t in builtin_templates(vocab)}
    return render_template(
        "projects/templates.html",
        templates=sorted(merged, key=lambda t: t.label(current_lang()).casefold()),
        stored=stored,
        builtin_ids=builtin_ids,
    )


def _save_template(template_id: str | None) -> Response | tuple[str, int] | str:
    store = get_store()
    vocab = store.snapshot().vocabulary
    lang = current_lang()
    create = template_id is None
    rec = None if create else store.get("project_template", template_id)
    builtin = {t.id: t for t in builtin_templates(vocab)}
    if not create and rec is None and template_id not in builtin:
        abort(404)
    if request.method == "GET":
        if rec is not None:
            source = rec.data
        elif not create:
            source = builtin[template_id].to_dict()
        else:
            copy = builtin.get(request.args.get("copy", ""))
            source = copy.to_dict() if copy else {}
            if copy:
                source["id"] = ""
        form = template_form(vocab, lang, create=create, data=template_to_form_data(source, vocab, lang))
        form.version.data = str(rec.version) if rec is not None else ""
        return render_template(
            "projects/template_edit.html",
            form=form,
            create=create,
            template_id=template_id,
            builtin=template_id in builtin,
            stored=rec is not None,
            general=[],
        )
    form = template_form(vocab, lang, create=create, formdata=request.form)
    tid = (form.id.data or "").strip() if create else template_id
    form_ok = form.validate()
    data, mapping = form_to_template(form, tid or "")
    tpl, issues = parse_project_template(data, vocab, "web")
    general = apply_planning_issues(form, issues, mapping, vocab, lang) if tpl is None else []
    if create and tid and (tid in builtin or store.get("project_template", tid) is not None):
        add_error(form.id, _("This short name is taken; please choose another one."))
        tpl = None
    if tpl is None or not form_ok:
        return render_template(
            "projects/template_edit.html",
            form=form,
            create=create,
            template_id=template_id,
            builtin=template_id in builtin,
            stored=rec is not None,
            general=general,
        ), 422
    try:
        if rec is None:
            store.create("project_template", tpl.id, tpl.to_dict(), actor=current_user.actor())
        else:
            try:
                version = int(form.version.data or "0")
            except ValueError:
                version = 0
            store.update("project_template", tpl.id, tpl.to_dict(), version, actor=current_user.actor())
    except ConflictError:
        flash(
            _("Somebody else changed this template meanwhile. Please check it and enter your changes again."), "error"
        )
        return redirect(url_for("projects.templates"))
    flash(_("The template was saved."), "success")
    return redirect(url_for("projects.templates") + f"#tpl-{tpl.id}")


@bp.route("/projects/templates/new", methods=["GET", "POST"])
@allow("staff")
def template_new() -> Response | tuple[str, int] | str:
    return _save_template(None)


@bp.route("/projects/templates/<template_id>/edit", methods=["GET", "POST"])
@allow("staff")
def template_edit(template_id: str) -> Response | tuple[str, int] | str:
    return _save_template(template_id)


@bp.route("/projects/templates/<template_id>/delete", methods=["POST"])
@allow("staff")
def template_delete(template_id: str) -> Response:
    store = get_store()
    rec = store.get("project_template", template_id)
    if rec is None:
        abort(404)
    store.delete("project_template", template_id, actor=current_user.actor())
    builtin = {t.id for t in builtin_templates(store.snapshot().vocabulary)}
    if template_id in builtin:
        flash(_("Your changes were removed; the built-in template applies again."), "success")
    else:
        flash(_("The template was deleted."), "success")
    return redirect(url_for("projects.templates"))
