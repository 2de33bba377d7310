"""A whole network as plain domain objects, and the ``remo/1`` interchange format.

Example
-------
>>> net = parse_network({"format": "remo/1", "organisations": [
...     {"id": "a", "name": "A", "kind": "migrant_organisation"},
...     {"id": "b", "name": "B", "kind": "education"}],
...     "cooperations": [{"a": "b", "b": "a", "kind": "event", "since": "2024-01-01"}]})
>>> len(net.organisations), net.cooperations[0].a
(2, 'a')
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import Issue, ValidationError
from .events import Event, event_from_stored, parse_event
from .model import (
    Cooperation,
    FundingProgramme,
    Introduction,
    Meeting,
    Need,
    Offer,
    Organisation,
    Person,
    Project,
    parse_cooperation,
    parse_funding_programme,
    parse_introduction,
    parse_meeting,
    parse_organisation,
    parse_person,
    parse_project,
)
from .vocabulary import CATEGORIES, Vocabulary

__all__ = ["FORMAT", "KINDS", "SECTIONS", "Network", "parse_network"]

FORMAT = "remo/1"

#: section name in the interchange format -> record kind in a store
SECTIONS: dict[str, str] = {
    "organisations": "organisation",
    "persons": "person",
    "cooperations": "cooperation",
    "meetings": "meeting",
    "introductions": "introduction",
    "projects": "project",
    "funding_programmes": "funding_programme",
    "events": "event",
}
KINDS = {v: k for k, v in SECTIONS.items()}

_PARSERS: dict[str, Callable[..., tuple[Any, list[Issue]]]] = {
    "organisations": parse_organisation,
    "persons": parse_person,
    "cooperations": parse_cooperation,
    "meetings": parse_meeting,
    "introductions": parse_introduction,
    "projects": parse_project,
    "funding_programmes": parse_funding_programme,
    "events": parse_event,
}


@dataclass
class Network:
    """Every entity of one network, plus vocabulary terms added on top of the built-in ones."""

    organisations: list[Organisation] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    cooperations: list[Cooperation] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    introductions: list[Introduction] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    funding_programmes: list[FundingProgramme] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    vocabulary: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> list[Any]:
        return getattr(self, name)

    def org(self, org_id: str) -> Organisation | None:
        for org in self.organisations:
            if org.id == org_id:
                return org
        return None

    def counts(self) -> dict[str, int]:
        return {name: len(self.section(name)) for name in SECTIONS}

    def to_dict(self) -> dict[str, Any]:
        """The canonical ``remo/1`` document: sections sorted by id."""
        out: dict[str, Any] = {"format": FORMAT}
        if self.meta:
            out["meta"] = dict(self.meta)
        if any(self.vocabulary.values()):
            out["vocabulary"] = {
                cat: sorted(terms, key=lambda t: t["id"]) for cat, terms in sorted(self.vocabulary.items()) if terms
            }
        for name in SECTIONS:
            items = sorted(self.section(name), key=lambda e: e.id)
            out[name] = [e.to_dict() for e in items]
        return out

    def records(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """``(kind, id, data)`` for every entity, as stores keep them."""
        for cat, terms in self.vocabulary.items():
            for term in terms:
                yield "term", f"{cat}:{term['id']}", {"category": cat, **term}
        for name, kind in SECTIONS.items():
            for entity in self.section(name):
                yield kind, entity.id, entity.to_dict()

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, dict[str, Any]]], vocab: Vocabulary | None = None) -> Network:
        """Rebuild a network from stored ``(kind, data)`` pairs (already validated)."""
        net = cls()
        # one record at a time (``records`` may be a generator over a cursor): each becomes its
        # entity at once, so the parsed dicts need not all be alive together
        for kind, data in records:
            if kind == "term":
                term = dict(data)
                cat = term.pop("category")
                net.vocabulary.setdefault(cat, []).append(term)
                continue
            name = KINDS.get(kind)
            if name is None:
                continue
            trusted = _TRUSTED.get(name)
            if trusted is not None:
                net.section(name).append(trusted(data))
                continue
            entity, issues = _PARSERS[name](data, None, f"stored {SECTIONS[name]} {data.get('id')}")
            if entity is None:  # pragma: no cover - stored data was validated on write
                raise ValidationError(issues)
            net.section(name).append(entity)
        return net


def _org_from_stored(d: dict[str, Any]) -> Organisation:
    """Fast path for stored (already validated, canonical) organisations: no re-validation."""
    return Organisation(
        id=d["id"],
        name=d["name"],
        kind=d["kind"],
        description=d.get("description", ""),
        topics=list(d.get("topics", ())),
        offers=[Offer(o["capability"], o.get("detail", "")) for o in d.get("offers", ())],
        needs=[Need(n["capability"], n.get("detail", ""), n.get("urgency", 2)) for n in d.get("needs", ())],
        districts=list(d.get("districts", ())),
        languages=list(d.get("languages", ())),
        target_groups=list(d.get("target_groups", ())),
        legal_form=d.get("legal_form", ""),
        founded=d.get("founded"),
        website=d.get("website", ""),
        email=d.get("email", ""),
        phone=d.get("phone", ""),
        address=d.get("address", ""),
        visibility=dict(d.get("visibility") or {}),
    )


def _coop_from_stored(d: dict[str, Any]) -> Cooperation:
    return Cooperation(
        d["a"], d["b"], d.get("kind", "other"), d.get("since"), d.get("until"), d.get("note", ""), d["id"]
    )


_TRUSTED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "organisations": _org_from_stored,
    "cooperations": _coop_from_stored,
    "events": event_from_stored,
}


def _read_header(data: Mapping[str, Any], vocab: Vocabulary, net: Network, where: str) -> list[Issue]:
    """Check ``format`` and the section names; take ``meta`` and the vocabulary extension (into ``vocab``)."""
    prefix = f"{where}: " if where else ""
    issues: list[Issue] = []
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        issues.append(Issue("format", fmt, f"unsupported format, expected {FORMAT!r}", where=where))
    allowed = {"format", "meta", "vocabulary", *SECTIONS}
    for key in data:
        if key not in allowed:
            issues.append(Issue(str(key), "…", "unknown section", where=where, code="unknown_field"))
    meta = data.get("meta") or {}
    if not isinstance(meta, Mapping):
        issues.append(Issue("meta", meta, "must be an object", where=where))
    else:
        net.meta = dict(meta)
    extension = data.get("vocabulary") or {}
    if extension:
        if not isinstance(extension, Mapping):
            issues.append(Issue("vocabulary", extension, "must be an object of categories", where=where))
        else:
            try:
                added = vocab.extend(extension, where=f"{prefix}vocabulary")
            except ValidationError as exc:
                issues.extend(exc.issues)
            else:
                del added
                net.vocabulary = {
                    cat: [dict(t) for t in terms] for cat, terms in extension.items() if cat in CATEGORIES
                }
    return issues


def _read_sections(
    data: Mapping[str, Any], vocab: Vocabulary, net: Network, where: str, loc: Callable[[str, int, Any], str]
) -> list[Issue]:
    """Parse every entry of every section into ``net``; an id used twice in a section is an issue."""
    issues: list[Issue] = []
    for name, parser in _PARSERS.items():
        entries = data.get(name) or []
        if not isinstance(entries, list):
            issues.append(Issue(name, type(entries).__name__, "must be a list", where=where))
            continue
        section = net.section(name)
        seen: dict[str, str] = {}
        for i, entry in enumerate(entries):
            here = loc(name, i, entry)
            entity, errs = parser(entry, vocab, here)
            issues.extend(errs)
            if entity is None:
                continue
            if entity.id in seen:
                issues.append(
                    Issue(
                        "id", entity.id, f"duplicate id (first used at {seen[entity.id]})", where=here, code="duplicate"
                    )
                )
                continue
            seen[entity.id] = here
            section.append(entity)
    return issues


def _references(net: Network) -> Iterator[tuple[str, Any, str, str, str]]:
    """Every reference between sections: ``(section, entity, field, id, what it names)``."""
    for c in net.cooperations:
        yield "cooperations", c, "b" if c.swapped else "a", c.a, "organisation"
        yield "cooperations", c, "a" if c.swapped else "b", c.b, "organisation"
    for p in net.persons:
        for o in p.organisations:
            yield "persons", p, "organisations", o, "organisation"
    for m in net.meetings:
        for name in ("attendance", "invited", "declined"):
            for o in getattr(m, name):
                yield "meetings", m, name, o, "organisation"
        for person in m.persons:
            yield "meetings", m, "persons", person, "person"
    for intro in net.introductions:
        yield "introductions", intro, "a", intro.a, "organisation"
        yield "introductions", intro, "b", intro.b, "organisation"
        if intro.meeting:
            yield "introductions", intro, "meeting", intro.meeting, "meeting"
    for project in net.projects:
        for member in project.members:
            yield "projects", project, "members", member.org, "organisation"
    for ev in net.events:
        for o in ev.organisations:
            yield "events", ev, "organisations", o, "organisation"


def _check_references(
    net: Network, known: Mapping[str, Iterable[str]], loc: Callable[[str, int, Any], str]
) -> list[Issue]:
    """An issue (with close matches as hints) for every reference to a record neither in ``net`` nor ``known``."""
    pools = {
        "organisation": {o.id for o in net.organisations} | set(known["organisation"]),
        "person": {p.id for p in net.persons} | set(known["person"]),
        "meeting": {m.id for m in net.meetings} | set(known["meeting"]),
    }
    located = {name: {e.id: loc(name, i, {"id": e.id}) for i, e in enumerate(net.section(name))} for name in SECTIONS}
    issues: list[Issue] = []
    for name, entity, fname, value, what in _references(net):
        pool = pools[what]
        if value and value not in pool:
            hint = tuple(difflib.get_close_matches(value, pool, n=3)) if len(pool) <= 5000 else ()
            issues.append(
                Issue(
                    fname,
                    value,
                    f"unknown {what}",
                    where=located[name].get(entity.id, name),
                    code="unknown_ref",
                    hint=hint,
                )
            )
    return issues


def parse_network(
    data: Any,
    vocab: Vocabulary | None = None,
    *,
    known_orgs: Iterable[str] = (),
    known_persons: Iterable[str] = (),
    known_meetings: Iterable[str] = (),
    where: str = "",
    locate: Callable[[str, int], str] | None = None,
) -> Network:
    """Validate an interchange document and return a `Network`.

    ``known_*`` are ids already in the target store, so that a file may refer to
    them. ``locate(section, index)`` names an entry for messages (a spreadsheet
    row, say). Raises `ValidationError` with every problem found.
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(data, Mapping):
        raise ValidationError(Issue("document", type(data).__name__, "must be a JSON object", where=where))
    vocab = (vocab or Vocabulary.builtin()).copy()
    net = Network()
    issues = _read_header(data, vocab, net, where)

    def loc(section: str, i: int, entry: Any) -> str:
        if locate is not None:
            return locate(section, i)
        ident = entry.get("id") if isinstance(entry, Mapping) else None
        return f"{prefix}{section}[{i}]" + (f" ({ident})" if isinstance(ident, str) and ident else "")

    issues += _read_sections(data, vocab, net, where, loc)
    known = {"organisation": known_orgs, "person": known_persons, "meeting": known_meetings}
    issues += _check_references(net, known, loc)
    if issues:
        raise ValidationError(issues)
    return net
