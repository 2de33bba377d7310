"""The domain model: organisations, persons, cooperations, meetings, ...

Each entity is a dataclass with ``to_dict()`` (the canonical JSON shape of the
``remo/1`` interchange format) and a ``parse_*`` function that turns loosely
typed input (JSON, a spreadsheet row) into the entity, resolving vocabulary
labels to ids and collecting every problem as an `Issue`.

Example
-------
>>> from graph import Vocabulary
>>> org, issues = parse_organisation(
...     {"id": "kulturverein-lennep", "name": "Kulturverein Lennep", "kind": "Migrantenorganisation",
...      "offers": ["Räume"], "needs": [{"capability": "money", "urgency": 3}]},
...     Vocabulary.builtin())
>>> issues
[]
>>> org.kind, org.offers[0].capability, org.needs[0].urgency
('migrant_organisation', 'rooms', 3)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import Issue
from .text import FORBIDDEN_REASON, has_forbidden
from .vocabulary import Vocabulary

__all__ = [
    "COOPERATION_KINDS_DEFAULT",
    "INTRODUCTION_STATUSES",
    "ORG_FIELDS",
    "PERSON_FIELDS",
    "Cooperation",
    "FundingProgramme",
    "Introduction",
    "Meeting",
    "Need",
    "Offer",
    "Organisation",
    "Person",
    "Project",
    "ProjectMember",
    "parse_cooperation",
    "parse_funding_programme",
    "parse_introduction",
    "parse_meeting",
    "parse_organisation",
    "parse_person",
    "parse_project",
    "slugify",
]

#: The one home of the id patterns: the API schemas (`web.api.schemas.SLUG`, ``RECORD_ID``) and the
#: forms' validators use these very objects (their ``.pattern``), never a copy of the text.
#: An organisation (and cooperation end) id: lowercase letters, digits and single hyphens.
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Any other record id (persons, meetings, projects, ...).
RECORD_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[0-9 ()/\-]{5,30}$")

INTRODUCTION_STATUSES = ("proposed", "accepted", "declined", "met", "cooperating")
COOPERATION_KINDS_DEFAULT = "other"
VISIBILITIES = ("public", "internal")

#: Organisation fields that carry a visibility; all are public unless marked internal.
ORG_FIELDS = (
    "name",
    "kind",
    "description",
    "topics",
    "offers",
    "needs",
    "districts",
    "languages",
    "target_groups",
    "legal_form",
    "founded",
    "website",
    "email",
    "phone",
    "address",
)
#: Person fields with a visibility, and those internal unless marked public.
PERSON_FIELDS = ("name", "role", "email", "phone")
PERSON_INTERNAL_DEFAULT = frozenset({"phone"})
MAX_TEXT = 5000
MAX_NAME = 200


def slugify(text: str) -> str:
    """A URL-safe id from a name.

    >>> slugify("Türkischer Elternverein Lüttringhausen e.V.")
    'tuerkischer-elternverein-luettringhausen-e-v'
    """
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
    import unicodedata

    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", text).translate(table))  # NFD "ü" too
    text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "org"


# ---------------------------------------------------------------------------
# small field parsers; each appends to ``issues`` and returns a clean value
# ---------------------------------------------------------------------------
class _Ctx:
    def __init__(self, data: Mapping[str, Any], vocab: Vocabulary | None, where: str):
        self.data = data
        self.vocab = vocab
        self.where = where
        self.issues: list[Issue] = []

    def err(self, field: str, value: Any, reason: str, code: str = "invalid", hint: tuple[str, ...] = ()) -> None:
        self.issues.append(Issue(field, value, reason, where=self.where, code=code, hint=hint))

    def present(self, name: str) -> bool:
        value = self.data.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def text(self, name: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(name, value, "is required", code="required")
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.err(name, value, "must be text")
            return ""
        value = unicodedata.normalize("NFC", value.strip())  # one form for "é" typed on any system
        if len(value) > max_len:
            self.err(name, value, f"is longer than {max_len} characters", code="too_long")
        if has_forbidden(value):
            self.err(name, value, FORBIDDEN_REASON, code="forbidden_character")
        return value

    def ident(self, name: str, pattern: re.Pattern[str] = RECORD_ID_RE, *, required: bool = True) -> str:
        value = self.text(name, required=required, max_len=128)
        if value and not pattern.match(value):
            reason = (
                "ids use lowercase letters, digits and single hyphens (e.g. 'kulturverein-lennep')"
                if pattern is SLUG_RE
                else "ids use letters, digits and . _ : - only"
            )
            self.err(name, value, reason, code="bad_id")
        return value

    def ref(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not RECORD_ID_RE.match(value.strip()):
            self.err(name, value, "must be the id of a record", code="bad_id")
            return ""
        return value.strip()

    def refs(self, name: str) -> list[str]:
        out: list[str] = []
        for v in self.listish(name):
            r = self.ref(name, v)
            if r and r not in out:
                out.append(r)
        return out

    def listish(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        if isinstance(value, (list, tuple)):
            return list(value)
        self.err(name, value, "must be a list")
        return []

    def terms(self, name: str, category: str) -> list[str]:
        values = self.listish(name)
        if self.vocab is None:
            return [str(v) for v in values]
        ids, issues = self.vocab.resolve_many(category, values, field=name, where=self.where)
        self.issues.extend(issues)
        return ids

    def term(self, name: str, category: str, *, required: bool = False, default: str = "") -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(name, value, "is required", code="required")
            return default
        if self.vocab is None:
            return str(value)
        term_id = self.vocab.lookup(category, value) if isinstance(value, str) else None
        if term_id is None:
            self.issues.append(self.vocab.unknown_issue(category, value, field=name, where=self.where))
            return default
        return term_id

    def date(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.err(name, value, "is required", code="required")
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            v = value.strip()
            for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m", "%Y"):
                try:
                    parsed = dt.datetime.strptime(v, fmt).date()
                except ValueError:
                    continue
                return parsed.isoformat()
        self.err(name, value, "is not a date (use YYYY-MM-DD or DD.MM.YYYY)", code="bad_date")
        return None

    def integer(self, name: str, *, lo: int | None = None, hi: int | None = None, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.err(name, value, "is required", code="required")
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                number = int(value)
            else:
                number = int(str(value).strip())
        except ValueError:
            self.err(name, value, "must be a whole number", code="bad_number")
            return None
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            self.err(name, value, f"must be between {lo} and {hi}", code="out_of_range")
            return None
        return number

    def number(self, name: str, *, lo: float = 0) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except ValueError:
            self.err(name, value, "must be a number", code="bad_number")
            return None
        if number < lo:
            self.err(name, value, f"must be at least {lo:g}", code="out_of_range")
            return None
        return int(number) if number.is_integer() else number

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "ja", "x"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "nein"}:
            return False
        self.err(name, value, "must be true or false")
        return default

    def visibility(self, fields: tuple[str, ...]) -> dict[str, str]:
        value = self.data.get("visibility")
        if value is None or value == "":
            return {}
        if not isinstance(value, Mapping):
            self.err("visibility", value, "must map field names to 'public' or 'internal'")
            return {}
        out: dict[str, str] = {}
        for key, vis in value.items():
            if key not in fields:
                self.err("visibility", key, f"unknown field (fields: {', '.join(fields)})")
            elif vis not in VISIBILITIES:
                self.err(f"visibility.{key}", vis, "must be 'public' or 'internal'")
            else:
                out[key] = vis
        return out

    def no_unknown(self, known: set[str]) -> None:
        for key in self.data:
            if key not in known:
                self.err(str(key), self.data[key], "unknown field", code="unknown_field")

    def email(self, name: str) -> str:
        value = self.text(name, max_len=254)
        if value and not EMAIL_RE.match(value):
            self.err(name, value, "is not an email address", code="bad_email")
        return value

    def url(self, name: str) -> str:
        value = self.text(name, max_len=500)
        if value and not URL_RE.match(value):
            if "://" not in value and "." in value and " " not in value:
                return "https://" + value
            self.err(name, value, "is not a web address (http:// or https://)", code="bad_url")
        return value

    def phone(self, name: str) -> str:
        value = self.text(name, max_len=40)
        if value and not PHONE_RE.match(value):
            self.err(name, value, "is not a phone number", code="bad_phone")
        return value


def _mapping(data: Any, where: str, what: str) -> list[Issue]:
    if isinstance(data, Mapping):
        return []
    return [Issue(what, data, "must be an object", where=where)]


# ---------------------------------------------------------------------------
# entities
# ---------------------------------------------------------------------------
@dataclass
class Offer:
    capability: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"capability": self.capability, "detail": self.detail}


@dataclass
class Need:
    capability: str
    detail: str = ""
    urgency: int = 2

    def to_dict(self) -> dict[str, Any]:
        return {"capability": self.capability, "detail": self.detail, "urgency": self.urgency}


@dataclass
class Organisation:
    id: str
    name: str
    kind: str
    description: str = ""
    topics: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    legal_form: str = ""
    founded: int | None = None
    website: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    visibility: dict[str, str] = field(default_factory=dict)

    @property
    def is_migrant_organisation(self) -> bool:
        return self.kind == "migrant_organisation"

    def field_visibility(self, name: str) -> str:
        return self.visibility.get(name, "public")

    def is_public(self, name: str) -> bool:
        return self.field_visibility(name) == "public"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "topics": list(self.topics),
            "offers": [o.to_dict() for o in self.offers],
            "needs": [n.to_dict() for n in self.needs],
            "districts": list(self.districts),
            "languages": list(self.languages),
            "target_groups": list(self.target_groups),
            "legal_form": self.legal_form,
            "founded": self.founded,
            "website": self.website,
            "email": self.email,
            "phone": self.phone,
            "address": self.address,
            "visibility": dict(sorted(self.visibility.items())),
        }

    def public_dict(self) -> dict[str, Any]:
        """Only the fields marked public (``id`` always)."""
        full = self.to_dict()
        out = {"id": self.id}
        for name in ORG_FIELDS:
            if self.is_public(name):
                out[name] = full[name]
        return out


ORG_KEYS = {"id", *ORG_FIELDS, "visibility"}


def _parse_capabilities(ctx: _Ctx, name: str, *, need: bool) -> list[Any]:
    out: list[Any] = []
    seen: set[str] = set()
    for i, item in enumerate(ctx.listish(name)):
        fname = f"{name}[{i}]"
        detail = ""
        urgency = 2
        if isinstance(item, str):
            raw: Any = item
        elif isinstance(item, Mapping):
            raw = item.get("capability")
            extra = set(item) - ({"capability", "detail", "urgency"} if need else {"capability", "detail"})
            for key in sorted(extra):
                ctx.err(f"{fname}.{key}", item[key], "unknown field", code="unknown_field")
            d = item.get("detail")
            if d is not None and not isinstance(d, str):
                ctx.err(f"{fname}.detail", d, "must be text")
            else:
                detail = (d or "").strip()
                if len(detail) > 500:
                    ctx.err(f"{fname}.detail", detail, "is longer than 500 characters", code="too_long")
                if has_forbidden(detail):
                    ctx.err(f"{fname}.detail", detail, FORBIDDEN_REASON, code="forbidden_character")
            if need:
                u = item.get("urgency", 2)
                if isinstance(u, bool) or not (isinstance(u, int) or (isinstance(u, str) and u.strip().isdigit())):
                    ctx.err(f"{fname}.urgency", u, "must be 1, 2 or 3", code="out_of_range")
                elif int(u) not in (1, 2, 3):
                    ctx.err(f"{fname}.urgency", u, "must be 1, 2 or 3", code="out_of_range")
                else:
                    urgency = int(u)
        else:
            ctx.err(fname, item, "must be a capability id or an object with 'capability'")
            continue
        if ctx.vocab is not None:
            cap = ctx.vocab.lookup("capabilities", raw) if isinstance(raw, str) else None
            if cap is None:
                ctx.issues.append(ctx.vocab.unknown_issue("capabilities", raw, field=fname, where=ctx.where))
                continue
        else:
            cap = str(raw)
        if cap in seen:
            ctx.err(fname, raw, f"capability '{cap}' is listed twice", code="duplicate")
            continue
        seen.add(cap)
        out.append(Need(cap, detail, urgency) if need else Offer(cap, detail))
    return out


def parse_organisation(data: Any, vocab: Vocabulary | None, where: str = "") -> tuple[Organisation | None, list[Issue]]:
    """Parse and validate one organisation; returns ``(org or None, issues)``."""
    bad = _mapping(data, where, "organisation")
    if bad:
        return None, bad
    c = _Ctx(data, vocab, where)
    c.no_unknown(ORG_KEYS)
    org = Organisation(
        id=c.ident("id", SLUG_RE),
        name=c.text("name", required=True, max_len=MAX_NAME),
        kind=c.term("kind", "org_kinds", required=True),
        description=c.text("description"),
        topics=c.terms("topics", "topics"),
        offers=_parse_capabilities(c, "offers", need=False),
        needs=_parse_capabilities(c, "needs", need=True),
        districts=c.terms("districts", "districts"),
        languages=c.terms("languages", "languages"),
        target_groups=c.terms("target_groups", "target_groups"),
        legal_form=c.term("legal_form", "legal_forms"),
        founded=c.integer("founded", lo=1800, hi=dt.date.today().year),
        website=c.url("website"),
        email=c.email("email"),
        phone=c.phone("phone"),
        address=c.text("address", max_len=300),
        visibility=c.visibility(ORG_FIELDS),
    )
    return (org if not c.issues else None), c.issues


@dataclass
class Person:
    """A contact person. Personal data: public output only with recorded consent."""

    id: str
    name: str
    organisations: list[str] = field(default_factory=list)
    role: str = ""
    email: str = ""
    phone: str = ""
    consent_date: str | None = None
    consent_version: str = ""
    visibility: dict[str, str] = field(default_factory=dict)

    @property
    def has_consent(self) -> bool:
        return bool(self.consent_date and self.consent_version)

    def is_public(self, name: str) -> bool:
        default = "internal" if name in PERSON_INTERNAL_DEFAULT else "public"
        return self.has_consent and self.visibility.get(name, default) == "public"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "email": self.email,
            "phone": self.phone,
            "organisations": list(self.organisations),
            "consent": {"date": self.consent_date, "version": self.consent_version} if self.has_consent else None,
            "visibility": dict(sorted(self.visibility.items())),
        }

    def public_dict(self) -> dict[str, Any] | None:
        if not self.has_consent:
            return None
        full = self.to_dict()
        out = {"id": self.id, "organisations": list(self.organisations)}
        for name in PERSON_FIELDS:
            if self.is_public(name):
                out[name] = full[name]
        return out


def parse_person(data: Any, vocab: Vocabulary | None = None, where: str = "") -> tuple[Person | None, list[Issue]]:
    bad = _mapping(data, where, "person")
    if bad:
        return None, bad
    c = _Ctx(data, vocab, where)
    c.no_unknown({"id", "name", "role", "email", "phone", "organisations", "consent", "visibility"})
    consent_date, consent_version = None, ""
    consent = data.get("consent")
    if consent not in (None, "", {}):
        if not isinstance(consent, Mapping):
            c.err("consent", consent, "must be an object with 'date' and 'version', or null")
        else:
            cc = _Ctx(consent, vocab, where)
            consent_date = cc.date("date", required=True)
            consent_version = cc.text("version", required=True, max_len=20)
            c.issues.extend(Issue("consent." + i.field, i.value, i.reason, i.where, i.code) for i in cc.issues)
            if consent_date and consent_date > dt.date.today().isoformat():
                c.err("consent.date", consent_date, "lies in the future", code="future_date")
    person = Person(
        id=c.ident("id"),
        name=c.text("name", required=True, max_len=MAX_NAME),
        role=c.text("role", max_len=MAX_NAME),
        email=c.email("email"),
        phone=c.phone("phone"),
        organisations=c.refs("organisations"),
        consent_date=consent_date,
        consent_version=consent_version,
        visibility=c.visibility(PERSON_FIELDS),
    )
    return (person if not c.issues else None), c.issues


@dataclass
class Cooperation:
    """An undirected cooperation between two organisations (``a < b``)."""

    a: str
    b: str
    kind: str = COOPERATION_KINDS_DEFAULT
    since: str | None = None
    until: str | None = None
    note: str = ""
    id: str = ""
    #: True when the input named the two organisations the other way round (for error messages)
    swapped: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.a > self.b:
            self.a, self.b = self.b, self.a
            self.swapped = True
        if not self.id:
            self.id = f"{self.a}--{self.b}--{self.kind}" + (f"--{self.since}" if self.since else "")

    def active_on(self, day: str | None = None) -> bool:
        day = day or dt.date.today().isoformat()
        return (self.since is None or self.since <= day) and (self.until is None or self.until >= day)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "a": self.a,
            "b": self.b,
            "kind": self.kind,
            "since": self.since,
            "until": self.until,
            "note": self.note,
        }


def parse_cooperation(data: Any, vocab: Vocabulary | None, where: str = "") -> tuple[Cooperation | None, list[Issue]]:
    bad = _mapping(data, where, "cooperation")
    if bad:
        return None, bad
    c = _Ctx(data, vocab, where)
    c.no_unknown({"id", "a", "b", "kind", "since", "until", "note"})
    a = c.ident("a", SLUG_RE)
    b = c.ident("b", SLUG_RE)
    if a and a == b:
        c.err("b", b, "an organisation cannot cooperate with itself", code="self_loop")
    kind = c.term("kind", "cooperation_kinds", default=COOPERATION_KINDS_DEFAULT)
    since = c.date("since")
    until = c.date("until")
    if since and until and until < since:
        c.err("until", until, f"lies before 'since' ({since})", code="bad_period")
    record_id = c.ident("id", required=False)
    note = c.text("note", max_len=1000)
    if c.issues:
        return None, c.issues
    return Cooperation(a, b, kind, since, until, note, record_id), []


#: How an exchange meeting seats its guests: 1:1 conversations or small tables.
MEETING_FORMATS = ("pairs", "tables")
MEETING_DEFAULTS: dict[str, Any] = {"rounds": 1, "format": "tables", "table_size": 4}
MAX_ROUNDS = 20
TABLE_SIZE_RANGE = (2, 8)


@dataclass
class Meeting:
    """An exchange meeting (Austauschtreffen): attendance and how the introductions are planned.

    ``rounds`` conversation rounds in ``format`` ``"pairs"`` (1:1) or ``"tables"`` of about
    ``table_size`` (2-8) organisations; ``themes`` give tables a topic (``{"table": n, "topic": id}``);
    ``must_meet`` / ``must_not_meet`` are pairs of registered organisations (each sorted, the list
    sorted); ``locked`` are tables fixed by staff (``{"round": r, "table": t, "orgs": [...]}``).

    ``to_dict`` leaves out planning fields that have their default value, so meetings without
    planning keep the shape they always had.

    >>> m, issues = parse_meeting({"id": "m1", "title": "Treffen", "attendance": ["a", "b", "c"],
    ...                            "rounds": 2, "must_meet": [["b", "a"]]})
    >>> issues, m.must_meet, sorted(m.to_dict())[-3:]
    ([], [('a', 'b')], ['place', 'rounds', 'title'])
    """

    id: str
    title: str
    date: str | None = None
    place: str = ""
    attendance: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    rounds: int = 1
    format: str = "tables"
    table_size: int = 4
    themes: list[dict[str, Any]] = field(default_factory=list)
    must_meet: list[tuple[str, str]] = field(default_factory=list)
    must_not_meet: list[tuple[str, str]] = field(default_factory=list)
    locked: list[dict[str, Any]] = field(default_factory=list)
    deadline: str | None = None
    #: organisations asked to confirm or cancel (``attendance`` are those coming, ``declined`` those not)
    invited: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    #: wall-clock times in Europe/Berlin, ``"HH:MM"`` (without them the meeting is a whole-day entry)
    start_time: str | None = None
    end_time: str | None = None

    def organisations(self) -> list[str]:
        """Every organisation the meeting concerns: registered, invited or declined (first seen first)."""
        return list(dict.fromkeys([*self.attendance, *self.invited, *self.declined]))

    def answer_of(self, org: str) -> str | None:
        """``"yes"`` (coming), ``"no"`` (declined), ``"open"`` (invited, no answer yet) or None."""
        if org in self.attendance:
            return "yes"
        if org in self.declined:
            return "no"
        if org in self.invited:
            return "open"
        return None

    def response_deadline(self) -> str | None:
        """Last day on which representatives confirm or cancel: ``deadline``, else the day before ``date``."""
        if self.deadline:
            return self.deadline
        if not self.date or len(self.date) != 10:
            return None
        return (dt.date.fromisoformat(self.date) - dt.timedelta(days=1)).isoformat()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "place": self.place,
            "attendance": list(self.attendance),
            "persons": list(self.persons),
        }
        for key, default in MEETING_DEFAULTS.items():
            if getattr(self, key) != default:
                out[key] = getattr(self, key)
        if self.themes:
            out["themes"] = [{"table": t["table"], "topic": t["topic"]} for t in self.themes]
        if self.must_meet:
            out["must_meet"] = [list(p) for p in self.must_meet]
        if self.must_not_meet:
            out["must_not_meet"] = [list(p) for p in self.must_not_meet]
        if self.locked:
            out["locked"] = [{"round": x["round"], "table": x["table"], "orgs": list(x["orgs"])} for x in self.locked]
        if self.deadline:
            out["deadline"] = self.deadline
        for key in ("invited", "declined"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        for key in ("start_time", "end_time"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


MEETING_KEYS = {
    "id",
    "title",
    "date",
    "place",
    "attendance",
    "persons",
    "rounds",
    "format",
    "table_size",
    "themes",
    "must_meet",
    "must_not_meet",
    "locked",
    "deadline",
    "invited",
    "declined",
    "start_time",
    "end_time",
}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _meeting_time(c: _Ctx, name: str) -> str | None:
    value = c.text(name, max_len=5)
    if not value:
        return None
    if len(value) == 4 and value[1] == ":":
        value = "0" + value
    if not _CLOCK.match(value):
        c.err(name, value, "must be a time of day as HH:MM, e.g. 18:30", code="bad_time")
        return None
    return value


def _meeting_pairs(c: _Ctx, name: str, registered: set[str]) -> list[tuple[str, str]]:
    """``[[a, b], ...]`` (or ``"a:b"`` strings) -> sorted, de-duplicated pairs of registered organisations."""
    out: set[tuple[str, str]] = set()
    for i, item in enumerate(c.listish(name) if not isinstance(c.data.get(name), str) else [c.data[name]]):
        fname = f"{name}[{i}]"
        if isinstance(item, str) and ":" in item:
            item = [p.strip() for p in item.split(":")]
        if isinstance(item, Mapping):
            item = [item.get("a"), item.get("b")]
        if not isinstance(item, (list, tuple)) or len(item) != 2 or not all(isinstance(x, str) for x in item):
            c.err(fname, item, "must be a pair of organisation ids, e.g. ['a', 'b'] or 'a:b'")
            continue
        a, b = (x.strip() for x in item)
        if a == b:
            c.err(fname, item, "names the same organisation twice", code="self_loop")
            continue
        bad = [x for x in (a, b) if registered and x not in registered]
        if bad:
            c.err(fname, item, f"{', '.join(bad)} is not registered for the meeting (attendance)", code="unknown_ref")
            continue
        pair = (a, b) if a < b else (b, a)
        if pair in out:
            c.err(fname, item, "is listed twice", code="duplicate")
        out.add(pair)
    return sorted(out)


def _meeting_themes(c: _Ctx) -> list[dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for i, item in enumerate(c.listish("themes")):
        fname = f"themes[{i}]"
        if not isinstance(item, Mapping) or set(item) - {"table", "topic"}:
            c.err(fname, item, "must be an object with 'table' (number) and 'topic' (topic id)")
            continue
        tc = _Ctx(item, c.vocab, c.where)
        table = tc.integer("table", lo=1, hi=500, required=True)
        topic = tc.term("topic", "topics", required=True)
        c.issues.extend(Issue(f"{fname}.{x.field}", x.value, x.reason, x.where, x.code, x.hint) for x in tc.issues)
        if table is None or not topic:
            continue
        if table in out:
            c.err(f"{fname}.table", table, "table already has a theme", code="duplicate")
            continue
        out[table] = {"table": table, "topic": topic}
    return [out[t] for t in sorted(out)]


def _meeting_locked(
    c: _Ctx, registered: set[str], rounds: int, fmt: str, must_not: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seated: dict[tuple[int, str], int] = {}  # (round, org) -> table
    tables: set[tuple[int, int]] = set()
    pairs: dict[tuple[str, str], int] = {}  # pair -> round it is locked in
    forbidden = set(must_not)
    for i, item in enumerate(c.listish("locked")):
        fname = f"locked[{i}]"
        if not isinstance(item, Mapping) or set(item) - {"round", "table", "orgs"}:
            c.err(fname, item, "must be an object with 'round', 'table' and 'orgs'")
            continue
        lc = _Ctx(item, c.vocab, c.where)
        rnd = lc.integer("round", lo=1, hi=rounds, required=True)
        table = lc.integer("table", lo=1, hi=500, required=True)
        orgs = lc.refs("orgs")
        c.issues.extend(Issue(f"{fname}.{x.field}", x.value, x.reason, x.where, x.code, x.hint) for x in lc.issues)
        if rnd is None or table is None:
            continue
        lo, hi = (2, 3) if fmt == "pairs" else (1, TABLE_SIZE_RANGE[1] + 1)
        if not lo <= len(orgs) <= hi:
            c.err(
                f"{fname}.orgs",
                orgs,
                f"a locked {'pair' if fmt == 'pairs' else 'table'} seats {lo} to {hi} organisations",
                code="out_of_range",
            )
            continue
        bad = [o for o in orgs if registered and o not in registered]
        if bad:
            c.err(f"{fname}.orgs", bad, "not registered for the meeting (attendance)", code="unknown_ref")
            continue
        if (rnd, table) in tables:
            c.err(f"{fname}.table", table, f"round {rnd} has table {table} locked twice", code="duplicate")
            continue
        clash = [o for o in orgs if (rnd, o) in seated]
        if clash:
            c.err(
                f"{fname}.orgs",
                clash,
                f"already locked at table {seated[(rnd, clash[0])]} in round {rnd}",
                code="conflict",
            )
            continue
        ok = True
        for x, a in enumerate(orgs):
            for b in orgs[x + 1 :]:
                pair = (a, b) if a < b else (b, a)
                if pair in forbidden:
                    c.err(f"{fname}.orgs", list(pair), "this pair is in must_not_meet", code="conflict")
                    ok = False
                elif pair in pairs:
                    c.err(
                        f"{fname}.orgs",
                        list(pair),
                        f"this pair is already locked together in round {pairs[pair]} (pairs never meet twice)",
                        code="conflict",
                    )
                    ok = False
        if not ok:
            continue
        tables.add((rnd, table))
        for o in orgs:
            seated[(rnd, o)] = table
        for x, a in enumerate(orgs):
            for b in orgs[x + 1 :]:
                pairs[(a, b) if a < b else (b, a)] = rnd
        out.append({"round": rnd, "table": table, "orgs": orgs})
    return sorted(out, key=lambda x: (x["round"], x["table"]))


def parse_meeting(data: Any, vocab: Vocabulary | None = None, where: str = "") -> tuple[Meeting | None, list[Issue]]:
    """Parse and validate a meeting with its planning settings; returns ``(meeting or None, issues)``.

    Constraints must name registered organisations (``attendance``); a pair cannot be in
    ``must_meet`` and ``must_not_meet``; locked tables may not seat a must-not pair, seat an
    organisation twice in a round or repeat a pair.
    """
    bad = _mapping(data, where, "meeting")
    if bad:
        return None, bad
    c = _Ctx(data, vocab, where)
    c.no_unknown(MEETING_KEYS)
    attendance = c.refs("attendance")
    registered = set(attendance)
    rounds = c.integer("rounds", lo=1, hi=MAX_ROUNDS)
    fmt = c.text("format", max_len=20) or MEETING_DEFAULTS["format"]
    if fmt not in MEETING_FORMATS:
        c.err("format", fmt, "must be one of " + ", ".join(MEETING_FORMATS), code="bad_format")
        fmt = MEETING_DEFAULTS["format"]
    lo, hi = TABLE_SIZE_RANGE
    table_size = c.integer("table_size", lo=lo, hi=hi)
    if fmt == "pairs":
        if table_size not in (None, 2):
            c.err("table_size", table_size, "must be 2 (or left out) for format 'pairs'", code="out_of_range")
        table_size = 2
    must_meet = _meeting_pairs(c, "must_meet", registered)
    must_not = _meeting_pairs(c, "must_not_meet", registered)
    for pair in sorted(set(must_meet) & set(must_not)):
        c.err("must_not_meet", list(pair), "this pair is also in must_meet", code="conflict")
    m = Meeting(
        id=c.ident("id"),
        title=c.text("title", required=True, max_len=MAX_NAME),
        date=c.date("date"),
        place=c.text("place", max_len=300),
        attendance=attendance,
        persons=c.refs("persons"),
        rounds=rounds or MEETING_DEFAULTS["rounds"],
        format=fmt,
        table_size=table_size or MEETING_DEFAULTS["table_size"],
        themes=_meeting_themes(c),
        must_meet=must_meet,
        must_not_meet=must_not,
        locked=_meeting_locked(c, registered, rounds or 1, fmt, must_not),
        deadline=c.date("deadline"),
        invited=c.refs("invited"),
        declined=c.refs("declined"),
        start_time=_meeting_time(c, "start_time"),
        end_time=_meeting_time(c, "end_time"),
    )
    if m.deadline and m.date and m.deadline > m.date:
        c.err("deadline", m.deadline, "must not be after the meeting's date", code="out_of_range")
    both = [o for o in m.declined if o in registered]
    if both:
        c.err("declined", both, "is also registered (attendance): an organisation either comes or not", code="conflict")
    if m.start_time and m.end_time and m.end_time <= m.start_time:
        c.err("end_time", m.end_time, f"must be after the start time {m.start_time}", code="out_of_range")
    return (m if not c.issues else None), c.issues


@dataclass
class Introduction:
    """A suggestion made to two organisations, and what became of it."""

    id: str
    a: str
    b: str
    status: str = "proposed"
    by: str = ""
    at: str | None = None
    meeting: str | None = None
    note: str = ""
    reasons: list[dict[str, Any]] = field(default_factory=list)
    #: the staff desk's follow-up: what happens next, by when, and who of the staff sees to it
    next_step: str = ""
    due: str | None = None
    owner: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "a": self.a,
            "b": self.b,
            "status": self.status,
            "by": self.by,
            "at": self.at,
            "meeting": self.meeting,
            "note": self.note,
            "reasons": list(self.reasons),
        }
        # follow-up fields only when set, so that older files and exports keep their shape
        if self.next_step:
            d["next_step"] = self.next_step
        if self.due:
            d["due"] = self.due
        if self.owner:
            d["owner"] = self.owner
        return d


def parse_introduction(
    data: Any, vocab: Vocabulary | None = None, where: str = ""
) -> tuple[Introduction | None, list[Issue]]:
    bad = _mapping(data, where, "introduction")
    if bad:
        return None, bad
    c = _Ctx(data, vocab, where)
    c.no_unknown({"id", "a", "b", "status", "by", "at", "meeting", "note", "reasons", "next_step", "due", "owner"})
    a = c.ident("a", SLUG_RE)
    b = c.ident("b", SLUG_RE)
    if a and a == b:
        c.err("b", b, "an organisation cannot be introduced to itself", code="self_loop")
    status = c.text("status") or "proposed"
    if status not in INTRODUCTION_STATUSES:
        c.err("status", status, "must be one of " + ", ".join(INTRODUCTION_STATUSES), code="bad_status")
    reasons = data.get("reasons") or []
    if not isinstance(reasons, list) or not all(isinstance(r, Mapping) for r in reasons):
        c.err("reasons", reasons, "must be a list of objects")
        reasons = []
    meeting = c.text("meeting", max_len=128) or None
    intro = Introduction(
        id=c.ident("id"),
        a=a,
        b=b,
        status=status,
        by=c.text("by", max_len=MAX_NAME),
        at=c.date("at"),
        meeting=meeting,
        note=c.text("note", max_len=1000),
        reasons=[dict(r) for r in reasons],
        next_step=c.text("next_step", max_len=200),
        due=c.date("due"),
        owner=c.text("owner", max_len=MAX_NAME),
    )
    return (intro if not c.issues else None), c.issues


@dataclass
class ProjectMember:
    org: str
    role: str = "partner"

    def to_dict(self) -> dict[str, Any]:
        return {"org": self.org, "role": self.role}


@dataclass
class Project:
    """A joint project of several organisations."""

    id: str
    title: str
    description: str = ""
    template: str = ""
    topics: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    members: list[ProjectMember] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "template": self.template,
            "topics": list(self.topics),
            "start": self.start,
            "end": self.end,
            "members": [m.to_dict() for m in self.members],
        }


def parse_project(data: Any, vocab: Vocabulary | None, where: str = "") -> tuple[Project | None, list[Issue]]:
    bad = _mapping(data, where, "project")
    if bad:
        return None, bad
    c = _Ctx(data, vocab, where)
    c.no_unknown({"id", "title", "description", "template", "topics", "start", "end", "members"})
    members: list[ProjectMember] = []
    for i, m in enumerate(c.listish("members")):
        if isinstance(m, str):
            m = {"org": m}
        if not isinstance(m, Mapping) or not isinstance(m.get("org"), str):
            c.err(f"members[{i}]", m, "must be an object with 'org' and 'role'")
            continue
        role = m.get("role") or "partner"
        if not isinstance(role, str) or not re.match(r"^[a-z_]{1,40}$", role):
            c.err(f"members[{i}].role", role, "must be a short role id such as lead, partner, funder")
            continue
        members.append(ProjectMember(m["org"].strip(), role))
    start, end = c.date("start"), c.date("end")
    if start and end and end < start:
        c.err("end", end, f"lies before 'start' ({start})", code="bad_period")
    p = Project(
        id=c.ident("id"),
        title=c.text("title", required=True, max_len=MAX_NAME),
        description=c.text("description"),
        template=c.text("template", max_len=80),
        topics=c.terms("topics", "topics"),
        start=start,
        end=end,
        members=members,
    )
    return (p if not c.issues else None), c.issues


@dataclass
class FundingProgramme:
    """A funding programme the KI can refer organisations to."""

    id: str
    name: str
    funder: str = ""
    description: str = ""
    example: bool = False
    topics: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    eligible_kinds: list[str] = field(default_factory=list)
    eligible_legal_forms: list[str] = field(default_factory=list)
    amount_min: float | None = None
    amount_max: float | None = None
    deadline: str | None = None
    region: str = ""
    url: str = ""

    def open_on(self, day: str | None = None) -> bool:
        day = day or dt.date.today().isoformat()
        return self.deadline is None or self.deadline >= day

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "funder": self.funder,
            "description": self.description,
            "example": self.example,
            "funds": {"topics": list(self.topics), "capabilities": list(self.capabilities)},
            "eligible_kinds": list(self.eligible_kinds),
            "eligible_legal_forms": list(self.eligible_legal_forms),
            "amount_min": self.amount_min,
            "amount_max": self.amount_max,
            "deadline": self.deadline,
            "region": self.region,
            "url": self.url,
        }


def parse_funding_programme(
    data: Any, vocab: Vocabulary | None, where: str = ""
) -> tuple[FundingProgramme | None, list[Issue]]:
    bad = _mapping(data, where, "funding programme")
    if bad:
        return None, bad
    c = _Ctx(data, vocab, where)
    c.no_unknown(
        {
            "id",
            "name",
            "funder",
            "description",
            "example",
            "funds",
            "eligible_kinds",
            "eligible_legal_forms",
            "amount_min",
            "amount_max",
            "deadline",
            "region",
            "url",
        }
    )
    funds = data.get("funds") or {}
    topics: list[str] = []
    caps: list[str] = []
    if not isinstance(funds, Mapping):
        c.err("funds", funds, "must be an object with 'topics' and 'capabilities'")
    else:
        fc = _Ctx(funds, vocab, where)
        fc.no_unknown({"topics", "capabilities"})
        topics = fc.terms("topics", "topics")
        caps = fc.terms("capabilities", "capabilities")
        c.issues.extend(Issue("funds." + i.field, i.value, i.reason, i.where, i.code, i.hint) for i in fc.issues)
    amin, amax = c.number("amount_min"), c.number("amount_max")
    if amin is not None and amax is not None and amax < amin:
        c.err("amount_max", amax, f"is smaller than amount_min ({amin:g})", code="out_of_range")
    f = FundingProgramme(
        id=c.ident("id"),
        name=c.text("name", required=True, max_len=MAX_NAME),
        funder=c.text("funder", max_len=MAX_NAME),
        description=c.text("description"),
        example=c.flag("example"),
        topics=topics,
        capabilities=caps,
        eligible_kinds=c.terms("eligible_kinds", "org_kinds"),
        eligible_legal_forms=c.terms("eligible_legal_forms", "legal_forms"),
        amount_min=amin,
        amount_max=amax,
        deadline=c.date("deadline"),
        region=c.text("region", max_len=100),
        url=c.url("url"),
    )
    return (f if not c.issues else None), c.issues
