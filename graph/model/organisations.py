"""Organisations with what they offer and need, and their contact persons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import Issue
from ..text import FORBIDDEN_REASON, has_forbidden
from ..vocabulary import Vocabulary
from .fields import MAX_NAME, ORG_FIELDS, PERSON_FIELDS, PERSON_INTERNAL_DEFAULT, SLUG_RE
from .parser import FieldParser, expect_mapping

__all__ = [
    "Need",
    "ORG_KEYS",
    "Offer",
    "Organisation",
    "Person",
    "parse_organisation",
    "parse_person",
]


@dataclass(slots=True)
class Offer:
    capability: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"capability": self.capability, "detail": self.detail}


@dataclass(slots=True)
class Need:
    capability: str
    detail: str = ""
    urgency: int = 2

    def to_dict(self) -> dict[str, Any]:
        return {"capability": self.capability, "detail": self.detail, "urgency": self.urgency}


@dataclass(slots=True)
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


def _parse_capabilities(ctx: FieldParser, name: str, *, need: bool) -> list[Any]:
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
    bad = expect_mapping(data, where, "organisation")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
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


@dataclass(slots=True)
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
    bad = expect_mapping(data, where, "person")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
    c.no_unknown({"id", "name", "role", "email", "phone", "organisations", "consent", "visibility"})
    consent_date, consent_version = None, ""
    consent = data.get("consent")
    if consent not in (None, "", {}):
        if not isinstance(consent, Mapping):
            c.err("consent", consent, "must be an object with 'date' and 'version', or null")
        else:
            cc = FieldParser(consent, vocab, where)
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
