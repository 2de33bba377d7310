"""Joint projects of several organisations, and the funding programmes they can apply to."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import Issue
from ..vocabulary import Vocabulary
from .fields import MAX_NAME
from .parser import FieldParser, expect_mapping

__all__ = [
    "PROJECT_ROLE_RE",
    "FundingProgramme",
    "Project",
    "ProjectMember",
    "parse_funding_programme",
    "parse_project",
]


#: a project member's role: a short id such as ``lead``, ``partner`` or ``funder``
PROJECT_ROLE_RE = re.compile(r"^[a-z_]{1,40}$")


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
    bad = expect_mapping(data, where, "project")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
    c.no_unknown({"id", "title", "description", "template", "topics", "start", "end", "members"})
    members: list[ProjectMember] = []
    for i, m in enumerate(c.listish("members")):
        if isinstance(m, str):
            m = {"org": m}
        if not isinstance(m, Mapping) or not isinstance(m.get("org"), str):
            c.err(f"members[{i}]", m, "must be an object with 'org' and 'role'")
            continue
        role = m.get("role") or "partner"
        if not isinstance(role, str) or not PROJECT_ROLE_RE.match(role):
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
    bad = expect_mapping(data, where, "funding programme")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
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
        fc = FieldParser(funds, vocab, where)
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
