"""Privacy by design: the public projection of the network, consent, and the data subject's rights.

Everything ReMo shows or hands to the public (directory, profiles, public API,
brochure, ``remo export --public``) is built from `public_document` or
`public_network`: organisation fields marked internal are left out, persons
appear only with a recorded consent (date and version) and only with their
public fields (the phone number is internal unless marked public), staff notes
on cooperations, introductions and meeting participants are never public.
Withdrawing a consent (`withdraw_consent`) therefore removes a person from all
public output at once.

The data subject's rights: `subject_data` collects everything stored about one
person or organisation (Art. 15/20 GDPR, as JSON or as CSV rows with
`subject_rows`); `erase_person` erases a person in one transaction, with every
reference to them, leaving only an anonymous audit entry (Art. 17).

Example
-------
>>> from graph import parse_network
>>> net = parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "education", "phone": "0219 1", "visibility": {"phone": "internal"}}],
...     "persons": [{"id": "p1", "name": "Ada", "organisations": ["a"]}]})
>>> doc = public_document(net)
>>> "phone" in doc["organisations"][0], doc["persons"]
(False, [])
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ._errors import ConflictError, NotFoundError, ReMoError
from .audit import KIND as AUDIT_KIND
from .audit import audit_op
from .io import PUBLIC_MEETING_KEYS, network_document
from .migrate import read_records
from .model import ORG_FIELDS, PERSON_FIELDS, Meeting, Organisation, Person
from .network import Network
from .spreadsheet import csv_text
from .store import GraphStore
from .store.base import Op, Record
from .vocabulary import Vocabulary

__all__ = [
    "MAX_RETRIES",
    "SPECIAL_CATEGORIES",
    "ErasureReport",
    "brochure_data",
    "erase_person",
    "public_document",
    "public_network",
    "references",
    "subject_csv",
    "subject_data",
    "subject_rows",
    "withdraw_consent",
]

#: how often a write based on a fresh read is retried when another writer came first
MAX_RETRIES = 5
#: special categories of personal data (Art. 9 GDPR) and other attributes ReMo never stores about persons
SPECIAL_CATEGORIES = (
    "ethnicity",
    "ethnic_origin",
    "race",
    "religion",
    "belief",
    "nationality",
    "citizenship",
    "residence_status",
    "health",
    "disability",
    "sexual_orientation",
    "gender",
    "political_opinion",
    "trade_union",
    "biometric",
    "genetic",
    "birth_date",
    "birthplace",
)


# ---------------------------------------------------------------------------
# the public projection
# ---------------------------------------------------------------------------
def public_document(network: Network) -> dict[str, Any]:
    """The ``remo/1`` document as the public may see it (the one source for every public output)."""
    return network_document(network, public_only=True)


_ORG_DEFAULTS = {f.name: f for f in dataclasses.fields(Organisation)}
_PERSON_DEFAULTS = {f.name: f for f in dataclasses.fields(Person)}


def _default(spec: dataclasses.Field[Any]) -> Any:
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return "" if spec.default is dataclasses.MISSING else spec.default


def _public_org(org: Organisation) -> Organisation:
    blank = {name: _default(_ORG_DEFAULTS[name]) for name in ORG_FIELDS if not org.is_public(name)}
    return dataclasses.replace(org, visibility={}, **blank)


def _public_person(person: Person) -> Person:
    blank = {name: _default(_PERSON_DEFAULTS[name]) for name in PERSON_FIELDS if not person.is_public(name)}
    # every field left is public now: mark them so, or the model's default (phone internal) would hide them
    visibility = {name: "public" for name in PERSON_FIELDS if name not in blank}
    return dataclasses.replace(person, visibility=visibility, **blank)


def public_network(network: Network) -> Network:
    """A copy of ``network`` holding only what the public may see, as domain objects.

    Internal organisation and person fields are emptied, persons without
    consent, introductions, cooperation notes and meeting participants and
    planning are left out, so that templates can use it without checking
    visibility themselves.
    """
    return Network(
        organisations=[_public_org(o) for o in network.organisations],
        persons=[_public_person(p) for p in network.persons if p.has_consent],
        cooperations=[dataclasses.replace(c, note="") for c in network.cooperations],
        meetings=[Meeting(**{k: getattr(m, k) for k in PUBLIC_MEETING_KEYS}) for m in network.meetings],
        introductions=[],
        projects=list(network.projects),
        funding_programmes=list(network.funding_programmes),
        events=[dataclasses.replace(e, review_note="", created_by="") for e in network.events if e.is_public],
        vocabulary={k: [dict(t) for t in v] for k, v in network.vocabulary.items()},
        meta=dict(network.meta),
    )


# ---------------------------------------------------------------------------
# consent
# ---------------------------------------------------------------------------
def _retrying(work: Any) -> Any:
    """Run ``work()`` (read fresh, then write with exact versions) until no other writer came first."""
    for attempt in range(MAX_RETRIES):
        try:
            return work()
        except ConflictError:
            if attempt == MAX_RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def withdraw_consent(store: GraphStore, person_id: str, actor: str, *, on_behalf_of: str | None = None) -> bool:
    """Remove the person's recorded consent: from now on they appear in no public output.

    The person record stays for internal work (it may then be erased, or deleted
    by the retention rules). Returns False when there was no consent to withdraw.
    Raises `NotFoundError` for an unknown person.
    """

    def work() -> bool:
        rec = store.get("person", person_id)
        if rec is None:
            raise NotFoundError("person", person_id)
        if not rec.data.get("consent"):
            return False
        data = {**rec.data, "consent": None}
        store.apply(
            [
                Op("person", person_id, data, rec.version),
                audit_op(actor, "change", "person", person_id, on_behalf_of, detail={"consent": "withdrawn"}),
            ],
            actor=actor,
        )
        return True

    return _retrying(work)


# ---------------------------------------------------------------------------
# the data subject's rights
# ---------------------------------------------------------------------------
def _mentions(value: Any, target: str) -> bool:
    """True when ``target`` is one of the (nested) values of ``value``."""
    if isinstance(value, str):
        return value == target
    if isinstance(value, dict):
        return any(_mentions(v, target) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_mentions(v, target) for v in value)
    return False


def references(records: Iterable[Record], kind: str, id: str) -> list[Record]:
    """The records (other than ``kind``/``id`` itself) whose data names ``id`` as a value."""
    return [r for r in records if not (r.kind == kind and r.id == id) and _mentions(r.data, id)]


def _record_dict(rec: Record) -> dict[str, Any]:
    return {
        "kind": rec.kind,
        "id": rec.id,
        "version": rec.version,
        "updated_at": rec.updated_at,
        "updated_by": rec.updated_by,
        "data": rec.data,
    }


def subject_data(store: GraphStore, kind: str, id: str, *, change_limit: int = 100_000) -> dict[str, Any]:
    """Everything the store holds about one person or organisation (Art. 15 and 20 GDPR).

    The record itself, every record that names it (cooperations, introductions,
    meetings, projects, contact persons, user accounts, audit entries, ...) and
    the change-log entries about it. Raises `NotFoundError` when it does not exist.
    """
    if kind not in ("person", "organisation"):
        raise ReMoError(f"subject access covers persons and organisations, not {kind!r}")
    records = read_records(store)
    own = next((r for r in records if r.kind == kind and r.id == id), None)
    if own is None:
        raise NotFoundError(kind, id)
    refs = references(records, kind, id)
    changes = store.changes(limit=change_limit, kind=kind, id=id)
    return {
        "format": "remo-subject/1",
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "subject": {"kind": kind, "id": id},
        "record": _record_dict(own),
        "referenced_by": [_record_dict(r) for r in refs if r.kind != AUDIT_KIND],
        "audit": [_record_dict(r) for r in refs if r.kind == AUDIT_KIND],
        "changes": [dataclasses.asdict(c) for c in changes],
    }


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        if not value:
            yield prefix, ""
        for k, v in value.items():
            yield from _flatten(f"{prefix}.{k}" if prefix else str(k), v)
    elif isinstance(value, list):
        if not value:
            yield prefix, ""
        for i, v in enumerate(value):
            yield from _flatten(f"{prefix}[{i}]", v)
    else:
        yield prefix, "" if value is None else value


SUBJECT_CSV_HEADER = ("section", "kind", "id", "version", "updated_at", "updated_by", "field", "value")


def subject_rows(doc: dict[str, Any]) -> list[list[Any]]:
    """`subject_data` as flat rows (one per field; nested fields as ``a.b[0]``), header first."""
    rows: list[list[Any]] = [list(SUBJECT_CSV_HEADER)]
    sections = [("record", [doc["record"]]), ("referenced_by", doc["referenced_by"]), ("audit", doc["audit"])]
    for section, recs in sections:
        for rec in recs:
            head = [section, rec["kind"], rec["id"], rec["version"], rec["updated_at"], rec["updated_by"]]
            for name, value in _flatten("", rec["data"]):
                rows.append([*head, name, value])
    for c in doc["changes"]:
        head = ["changes", c["kind"], c["id"], c["version"], c["at"], c["actor"]]
        rows.append([*head, "action", c["action"]])
    return rows


def subject_csv(doc: dict[str, Any]) -> str:
    """`subject_rows` as CSV text (comma separated; write it as UTF-8 with BOM for spreadsheets)."""
    return csv_text(subject_rows(doc), lineterminator="\n")  # formula-like values neutralised


@dataclass
class ErasureReport:
    """What `erase_person` did: ids of the records changed, never their contents."""

    reference: str
    updated: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    anonymised_audit: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "updated": [list(x) for x in self.updated],
            "deleted": [list(x) for x in self.deleted],
            "anonymised_audit": self.anonymised_audit,
        }


def _strip(value: Any, target: str) -> Any:
    """``value`` without ``target``: list items equal to it dropped, other values equal to it set to None."""
    if isinstance(value, str):
        return None if value == target else value
    if isinstance(value, dict):
        return {k: _strip(v, target) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v, target) for v in value if v != target]
    return value


def erasure_ops(records: Iterable[Record], person_id: str, reference: str) -> tuple[list[Op], ErasureReport]:
    """The versioned writes that erase ``person_id`` from ``records`` (see `erase_person`)."""
    records = list(records)
    report = ErasureReport(reference)
    ops: list[Op] = []
    own = next((r for r in records if r.kind == "person" and r.id == person_id), None)
    if own is None:
        raise NotFoundError("person", person_id)
    ops.append(Op("person", person_id, None, own.version))
    report.deleted.append(("person", person_id))
    for rec in references(records, "person", person_id):
        if rec.kind == AUDIT_KIND:
            # keep the trail of who accessed the record, without saying whose record it was
            data = _strip(rec.data, person_id)
            if rec.data.get("id") == person_id:
                data["id"] = reference
            ops.append(Op(AUDIT_KIND, rec.id, data, rec.version))
            report.anonymised_audit += 1
        else:
            ops.append(Op(rec.kind, rec.id, _strip(rec.data, person_id), rec.version))
            report.updated.append((rec.kind, rec.id))
    return ops, report


def erase_person(store: GraphStore, person_id: str, actor: str, *, on_behalf_of: str | None = None) -> ErasureReport:
    """Erase a person completely (Art. 17 GDPR) in one store transaction.

    Deletes the person record, removes the person's id from every record that
    names it (meeting participants ``meeting.persons``, and any other
    reference), anonymises audit entries about the person and writes one audit
    entry with action ``erase`` that names only a random erasure reference
    (returned in the report, to answer the data subject). Every write names the
    version it read; if another writer came first, everything is read again and
    retried. Raises `NotFoundError` for an unknown person.

    The store's change log keeps bare ``(kind, id, time, actor)`` lines without
    contents until the change-log retention period removes them.
    """
    reference = "erasure-" + secrets.token_hex(6)

    def work() -> ErasureReport:
        ops, report = erasure_ops(read_records(store), person_id, reference)
        detail = {"updated": len(report.updated), "anonymised_audit": report.anonymised_audit}
        ops.append(audit_op(actor, "erase", "person", reference, on_behalf_of, detail=detail))
        store.apply(ops, actor=actor)
        return report

    return _retrying(work)


# ---------------------------------------------------------------------------
# the brochure's content (rendering is the web layer's: web/brochure.py)
# ---------------------------------------------------------------------------
def _sort_key(text: str) -> str:
    from .model import slugify

    return slugify(text) or text.casefold()


def brochure_data(network: Network, vocab: Vocabulary | None = None, lang: str = "de") -> dict[str, Any]:
    """The brochure's content from the public projection of ``network``, with labels in ``lang``.

    Returns ``{"lang", "entries", "groups", "by_topic", "by_district", "counts"}``:
    ``entries`` one per organisation (sorted by name; migrant organisations in
    group ``"mo"``, everybody else in ``"partners"``), each with labels for
    kind, topics, offers (with their detail), languages and districts, the
    public contact data and the consented contact persons; ``by_topic`` and
    ``by_district`` are ``[(label, [(org id, name), ...]), ...]`` sorted by label.
    """
    vocab = vocab or Vocabulary.builtin()
    pub = public_network(network)

    def lbl(category: str, term_id: str) -> str:
        return vocab.label(category, term_id, lang)

    contacts: dict[str, list[dict[str, str]]] = defaultdict(list)
    for p in sorted(pub.persons, key=lambda p: _sort_key(p.name)):
        for org_id in p.organisations:
            entry = {"name": p.name, "role": p.role, "email": p.email, "phone": p.phone}
            if any(entry.values()):
                contacts[org_id].append(entry)
    entries: list[dict[str, Any]] = []
    for o in pub.organisations:
        name = o.name or o.id
        entries.append(
            {
                "id": o.id,
                "name": name,
                "group": "mo" if o.kind == "migrant_organisation" else "partners",
                "kind": o.kind,
                "kind_label": lbl("org_kinds", o.kind) if o.kind else "",
                "description": o.description,
                "topics": [lbl("topics", t) for t in o.topics],
                "offers": [{"label": lbl("capabilities", x.capability), "detail": x.detail} for x in o.offers],
                "languages": [lbl("languages", x) for x in o.languages],
                "districts": [lbl("districts", x) for x in o.districts],
                "target_groups": [lbl("target_groups", x) for x in o.target_groups],
                "founded": o.founded,
                "website": o.website,
                "email": o.email,
                "phone": o.phone,
                "address": o.address,
                "contacts": contacts.get(o.id, []),
                "_topic_ids": list(o.topics),
                "_district_ids": list(o.districts),
            }
        )
    entries.sort(key=lambda e: (e["group"] != "mo", _sort_key(e["name"])))

    def index(key: str, category: str) -> list[tuple[str, list[tuple[str, str]]]]:
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for e in entries:
            for term in e[key]:
                groups[lbl(category, term)].append((e["id"], e["name"]))
        return [
            (label, sorted(orgs, key=lambda x: _sort_key(x[1])))
            for label, orgs in sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))
        ]

    by_topic = index("_topic_ids", "topics")
    by_district = index("_district_ids", "districts")
    for e in entries:
        del e["_topic_ids"], e["_district_ids"]
    return {
        "lang": lang,
        "entries": entries,
        "groups": {
            "mo": [e for e in entries if e["group"] == "mo"],
            "partners": [e for e in entries if e["group"] == "partners"],
        },
        "by_topic": by_topic,
        "by_district": by_district,
        "counts": {"organisations": len(entries), "contacts": sum(len(e["contacts"]) for e in entries)},
    }


def dumps(doc: dict[str, Any]) -> str:
    """JSON text for a subject export or a public document (UTF-8, readable)."""
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


__all__ += ["SUBJECT_CSV_HEADER", "dumps", "erasure_ops"]
