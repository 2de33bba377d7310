"""Planning records: project templates, workshops held, and representatives' proposals.

These are store records of the kinds ``project_template``, ``workshop`` and ``proposal`` (not part
of the ``remo/1`` network sections). Each has a dataclass with ``to_dict()`` and a ``parse_*``
function returning ``(entity or None, issues)`` like `graph.model`.

A project template is a list of *roles*; an organisation fills a role when it matches any of the
role's criteria (``any``); inside one criterion every field must match, and a field matches when
the organisation has at least one of the listed terms:

==================  ==============================================================
``offers``          offers one of these capabilities (topics count as expertise)
``topics``          works on one of these topics, or offers it as a capability
``target_groups``   names one of these target groups
``kinds``           is of one of these organisation kinds
``legal_forms``     has one of these legal forms
``languages``       speaks one of these languages
==================  ==============================================================

The built-in templates and the shared role catalogue live in ``seeds/project_templates.json``;
staff define more as records (a stored template replaces a built-in one with the same id).

Example
-------
>>> from graph import Vocabulary
>>> tpl, issues = parse_project_template(
...     {"id": "reading_club", "labels": {"de": "Lesekreis", "en": "Reading club"},
...      "topics": ["Kultur"], "roles": [{"role": "room_provider"},
...      {"id": "readers", "labels": {"de": "Vorlesende"}, "any": [{"languages": ["tr", "ar"]}]}]},
...     Vocabulary.builtin())
>>> issues, tpl.topics, [r.id for r in tpl.roles], tpl.roles[0].any
([], ['culture'], ['room_provider', 'readers'], [{'offers': ['rooms']}])
>>> _, issues = parse_workshop({"id": "w1", "title": "Förderanträge", "capability": "Geld",
...                             "date": "2025-13-01"}, Vocabulary.builtin())
>>> [(i.field, i.reason) for i in issues]
[('date', 'is not a date (use YYYY-MM-DD or DD.MM.YYYY)')]
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ._errors import Issue, ValidationError
from .model import MAX_NAME, MAX_TEXT, FieldParser, expect_mapping
from .vocabulary import LANGUAGES, Vocabulary, seeds_dir

__all__ = [
    "CRITERIA",
    "MAX_ROLES",
    "PLANNING_KINDS",
    "PROPOSAL_STATUSES",
    "ProjectTemplate",
    "Proposal",
    "Role",
    "Workshop",
    "builtin_roles",
    "builtin_templates",
    "merge_templates",
    "parse_project_template",
    "parse_proposal",
    "parse_role",
    "parse_workshop",
]

#: criterion field -> vocabulary category of its terms
CRITERIA: dict[str, str] = {
    "offers": "capabilities",
    "topics": "topics",
    "target_groups": "target_groups",
    "kinds": "org_kinds",
    "legal_forms": "legal_forms",
    "languages": "languages",
}
#: a team has at most six members, so a template has at most six roles
MAX_ROLES = 6
PROPOSAL_STATUSES = ("open", "planned", "done", "withdrawn")
TEMPLATE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: store record kinds of this module
PLANNING_KINDS = ("project_template", "workshop", "proposal")


def _labels(c: FieldParser, name: str, *, required: bool) -> dict[str, str]:
    value = c.data.get(name)
    if value is None or value == {}:
        if required:
            c.err(name, value, 'is required: an object of labels, e.g. {"de": "…", "en": "…"}', code="required")
        return {}
    if not isinstance(value, Mapping):
        c.err(name, value, "must map language codes (" + ", ".join(LANGUAGES) + ") to text")
        return {}
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            c.err(f"{name}.{lang}", text, "unknown language; labels use " + ", ".join(LANGUAGES), code="bad_language")
        elif not isinstance(text, str) or not text.strip():
            c.err(f"{name}.{lang}", text, "must be non-empty text")
        elif len(text.strip()) > MAX_NAME:
            c.err(f"{name}.{lang}", text, f"is longer than {MAX_NAME} characters", code="too_long")
        else:
            out[lang] = text.strip()
    if required and value and not out.keys() & {"de", "en"}:
        c.err(name, value, "needs at least a German (de) or English (en) label", code="required")
    return out


def _label(labels: Mapping[str, str], lang: str, fallback: str) -> str:
    return labels.get(lang) or labels.get("de") or labels.get("en") or fallback


# ---------------------------------------------------------------------------
# roles and templates
# ---------------------------------------------------------------------------
@dataclass
class Role:
    """One role of a project template; an organisation fills it when it matches any criterion."""

    id: str
    labels: dict[str, str] = field(default_factory=dict)
    any: list[dict[str, list[str]]] = field(default_factory=list)

    def label(self, lang: str = "de") -> str:
        return _label(self.labels, lang, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "labels": dict(self.labels), "any": [dict(c) for c in self.any]}


def _criteria(c: FieldParser, value: Any, fname: str) -> list[dict[str, list[str]]]:
    if not isinstance(value, list) or not value:
        c.err(fname, value, 'must be a non-empty list of criteria such as [{"offers": ["rooms"]}]')
        return []
    out: list[dict[str, list[str]]] = []
    for k, crit in enumerate(value):
        here = f"{fname}[{k}]"
        if not isinstance(crit, Mapping) or not crit:
            c.err(here, crit, "a criterion must be a non-empty object with fields " + ", ".join(CRITERIA))
            continue
        clean: dict[str, list[str]] = {}
        for key, terms in crit.items():
            if key not in CRITERIA:
                c.err(
                    f"{here}.{key}", terms, "unknown criterion (use " + ", ".join(CRITERIA) + ")", code="unknown_field"
                )
                continue
            if isinstance(terms, str):
                terms = [terms]
            if not isinstance(terms, list) or not terms:
                c.err(f"{here}.{key}", terms, "must be a non-empty list of vocabulary terms")
                continue
            if c.vocab is None:
                clean[key] = [str(t) for t in terms]
                continue
            ids, issues = c.vocab.resolve_many(CRITERIA[key], terms, field=f"{here}.{key}", where=c.where)
            c.issues.extend(issues)
            if ids:
                clean[key] = ids
        if clean:
            out.append(clean)
    return out


def parse_role(
    data: Any,
    vocab: Vocabulary | None = None,
    where: str = "",
    *,
    shared: Mapping[str, Role] | None = None,
    prefix: str = "",
) -> tuple[Role | None, list[Issue]]:
    """One role: ``{"role": shared id}`` (optionally with its own ``any``) or ``{"id", "labels", "any"}``."""
    if isinstance(data, str):
        data = {"role": data}
    bad = expect_mapping(data, where, prefix or "role")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
    for key in data:
        if key not in {"role", "id", "labels", "any"}:
            c.err(f"{prefix}{key}", data[key], "unknown field (use role, id, labels, any)", code="unknown_field")
    shared = builtin_roles() if shared is None else shared
    base: Role | None = None
    ref = data.get("role")
    if ref is not None:
        if not isinstance(ref, str) or ref not in shared:
            c.err(
                f"{prefix}role",
                ref,
                "unknown role; built-in roles are " + ", ".join(sorted(shared)),
                code="unknown_role",
            )
        else:
            base = shared[ref]
    role_id = data.get("id", ref)
    if not isinstance(role_id, str) or not TEMPLATE_ID_RE.match(role_id):
        c.err(
            f"{prefix}id",
            role_id,
            "role ids use lowercase letters, digits, '_' and '-' (e.g. 'room_provider')",
            code="bad_id",
        )
        role_id = ""
    if ref is not None and base is None:
        return None, c.issues
    sub = FieldParser(data, vocab, where)
    labels = _labels(sub, "labels", required=base is None)
    crits = _criteria(sub, data["any"], "any") if "any" in data else (list(base.any) if base else [])
    if base is None and "any" not in data:
        sub.err("any", None, "is required for a role that is not a built-in one", code="required")
    elif base is not None and not crits and "any" not in data:
        sub.err(
            "any",
            None,
            f"the built-in role '{ref}' needs criteria here (e.g. the topics of this template)",
            code="required",
        )
    c.issues.extend(Issue(prefix + i.field, i.value, i.reason, i.where, i.code, i.hint) for i in sub.issues)
    if c.issues:
        return None, c.issues
    merged = {**(base.labels if base else {}), **labels}
    return Role(role_id, merged, crits), []


@dataclass
class ProjectTemplate:
    """A kind of joint project and the roles a team for it needs."""

    id: str
    labels: dict[str, str]
    roles: list[Role]
    topics: list[str] = field(default_factory=list)
    builtin: bool = False

    def label(self, lang: str = "de") -> str:
        return _label(self.labels, lang, self.id)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "labels": dict(self.labels),
            "topics": list(self.topics),
            "roles": [r.to_dict() for r in self.roles],
        }


def parse_project_template(
    data: Any, vocab: Vocabulary | None = None, where: str = "", *, roles: Mapping[str, Role] | None = None
) -> tuple[ProjectTemplate | None, list[Issue]]:
    """Validate a template; ``roles`` is the shared role catalogue (default: the built-in one)."""
    bad = expect_mapping(data, where, "project template")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
    c.no_unknown({"id", "labels", "topics", "roles"})
    tid = c.text("id", required=True, max_len=64)
    if tid and not TEMPLATE_ID_RE.match(tid):
        c.err("id", tid, "template ids use lowercase letters, digits, '_' and '-' (e.g. 'reading_club')", code="bad_id")
    labels = _labels(c, "labels", required=True)
    topics = c.terms("topics", "topics")
    raw_roles = data.get("roles")
    parsed: list[Role] = []
    if not isinstance(raw_roles, list) or not raw_roles:
        c.err("roles", raw_roles, "must be a non-empty list of roles", code="required")
    elif len(raw_roles) > MAX_ROLES:
        c.err(
            "roles",
            len(raw_roles),
            f"at most {MAX_ROLES} roles (a team has at most {MAX_ROLES} organisations)",
            code="too_many",
        )
    else:
        seen: set[str] = set()
        for i, raw in enumerate(raw_roles):
            role, issues = parse_role(raw, vocab, where, shared=roles, prefix=f"roles[{i}].")
            c.issues.extend(issues)
            if role is None:
                continue
            if role.id in seen:
                c.err(
                    f"roles[{i}].id",
                    role.id,
                    "role is listed twice; give the second one its own 'id'",
                    code="duplicate",
                )
                continue
            seen.add(role.id)
            parsed.append(role)
    if c.issues:
        return None, c.issues
    return ProjectTemplate(tid, labels, parsed, topics), []


@lru_cache(maxsize=1)
def _load_seed() -> dict[str, Any]:
    with (seeds_dir() / "project_templates.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def builtin_roles() -> dict[str, Role]:
    """The shared role catalogue of ``seeds/project_templates.json`` (``any`` may be empty)."""
    out: dict[str, Role] = {}
    for rid, raw in _load_seed().get("roles", {}).items():
        out[rid] = Role(rid, dict(raw.get("labels", {})), [dict(x) for x in raw.get("any", [])])
    return out


def builtin_templates(vocab: Vocabulary | None = None) -> list[ProjectTemplate]:
    """The templates shipped in ``seeds/project_templates.json``, validated (raises on a broken file)."""
    vocab = vocab or Vocabulary.builtin()
    shared = builtin_roles()
    out: list[ProjectTemplate] = []
    issues: list[Issue] = []
    for i, raw in enumerate(_load_seed().get("templates", [])):
        tpl, errs = parse_project_template(raw, vocab, f"seeds/project_templates.json templates[{i}]", roles=shared)
        issues.extend(errs)
        if tpl is not None:
            tpl.builtin = True
            out.append(tpl)
    if issues:
        raise ValidationError(issues)
    return out


def merge_templates(stored: Iterable[Mapping[str, Any]], vocab: Vocabulary | None = None) -> list[ProjectTemplate]:
    """Built-in templates plus stored ones (``project_template`` record data; same id replaces)."""
    by_id = {t.id: t for t in builtin_templates(vocab)}
    for data in stored:
        tpl, _ = parse_project_template(data, vocab, f"stored project_template {data.get('id')}")
        if tpl is not None:  # stored data was validated on write
            by_id[tpl.id] = tpl
    return list(by_id.values())


# ---------------------------------------------------------------------------
# workshops and proposals
# ---------------------------------------------------------------------------
def _check_refs(c: FieldParser, name: str, values: list[str], known: Collection[str] | None) -> None:
    if known is None:
        return
    for v in values:
        if v not in known:
            c.err(name, v, "unknown organisation", code="unknown_ref")


@dataclass
class Workshop:
    """A workshop (qualification offer) held or planned, on one capability or topic, and who came."""

    id: str
    title: str
    capability: str
    date: str
    place: str = ""
    attendance: list[str] = field(default_factory=list)
    note: str = ""

    def held_by(self, day: str) -> bool:
        return self.date <= day

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "capability": self.capability,
            "date": self.date,
            "place": self.place,
            "attendance": list(self.attendance),
            "note": self.note,
        }


def parse_workshop(
    data: Any, vocab: Vocabulary | None = None, where: str = "", *, known_orgs: Collection[str] | None = None
) -> tuple[Workshop | None, list[Issue]]:
    """Validate a workshop; with ``known_orgs`` every attendee must be one of them."""
    bad = expect_mapping(data, where, "workshop")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
    c.no_unknown({"id", "title", "capability", "date", "place", "attendance", "note"})
    attendance = c.refs("attendance")
    _check_refs(c, "attendance", attendance, known_orgs)
    w = Workshop(
        id=c.ident("id"),
        title=c.text("title", required=True, max_len=MAX_NAME),
        capability=c.term("capability", "capabilities", required=True),
        date=c.date("date", required=True) or "",
        place=c.text("place", max_len=300),
        attendance=attendance,
        note=c.text("note", max_len=MAX_TEXT),
    )
    return (w if not c.issues else None), c.issues


@dataclass
class Proposal:
    """A topic a representative proposes for the next workshop or exchange meeting, and its supporters."""

    id: str
    title: str
    by: str
    created_at: str
    capability: str = ""
    description: str = ""
    supporters: list[str] = field(default_factory=list)
    status: str = "open"

    @property
    def backers(self) -> list[str]:
        """The proposer and every supporter."""
        return [self.by, *(s for s in self.supporters if s != self.by)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "capability": self.capability,
            "description": self.description,
            "by": self.by,
            "supporters": list(self.supporters),
            "created_at": self.created_at,
            "status": self.status,
        }


def parse_proposal(
    data: Any, vocab: Vocabulary | None = None, where: str = "", *, known_orgs: Collection[str] | None = None
) -> tuple[Proposal | None, list[Issue]]:
    """Validate a proposal; ``by`` and the supporters must be organisations (checked with ``known_orgs``)."""
    bad = expect_mapping(data, where, "proposal")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
    c.no_unknown({"id", "title", "capability", "description", "by", "supporters", "created_at", "status"})
    by = c.text("by", required=True, max_len=128)
    if by:
        by = c.ref("by", by)
    supporters = c.refs("supporters")
    if by and by in supporters:
        c.err(
            "supporters",
            by,
            "the proposing organisation counts as a supporter already; do not list it again",
            code="duplicate",
        )
        supporters = [s for s in supporters if s != by]
    _check_refs(c, "by", [by] if by else [], known_orgs)
    _check_refs(c, "supporters", supporters, known_orgs)
    status = c.text("status") or "open"
    if status not in PROPOSAL_STATUSES:
        c.err("status", status, "must be one of " + ", ".join(PROPOSAL_STATUSES), code="bad_status")
    created = c.date("created_at", required=True) or ""
    if created and created > (dt.date.today() + dt.timedelta(days=1)).isoformat():
        c.err("created_at", created, "lies in the future", code="future_date")
    p = Proposal(
        id=c.ident("id"),
        title=c.text("title", required=True, max_len=MAX_NAME),
        capability=c.term("capability", "capabilities"),
        description=c.text("description", max_len=2000),
        by=by,
        supporters=supporters,
        created_at=created,
        status=status,
    )
    return (p if not c.issues else None), c.issues
