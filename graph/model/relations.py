"""How organisations relate: cooperations between two of them, and introductions made to two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import Issue
from ..vocabulary import Vocabulary
from .fields import MAX_NAME, SLUG_RE
from .parser import FieldParser, expect_mapping

__all__ = [
    "COOPERATION_KINDS_DEFAULT",
    "Cooperation",
    "INTRODUCTION_STATUSES",
    "Introduction",
    "parse_cooperation",
    "parse_introduction",
]

INTRODUCTION_STATUSES = ("proposed", "accepted", "declined", "met", "cooperating")
COOPERATION_KINDS_DEFAULT = "other"


@dataclass(slots=True)
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
    bad = expect_mapping(data, where, "cooperation")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
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
    bad = expect_mapping(data, where, "introduction")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
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
