"""Exchange meetings (Austauschtreffen): attendance, answers and the planning settings."""

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
    "MAX_ROUNDS",
    "MEETING_DEFAULTS",
    "MEETING_FORMATS",
    "MEETING_KEYS",
    "Meeting",
    "TABLE_SIZE_RANGE",
    "parse_meeting",
]

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


def _meeting_time(c: FieldParser, name: str) -> str | None:
    value = c.text(name, max_len=5)
    if not value:
        return None
    if len(value) == 4 and value[1] == ":":
        value = "0" + value
    if not _CLOCK.match(value):
        c.err(name, value, "must be a time of day as HH:MM, e.g. 18:30", code="bad_time")
        return None
    return value


def _meeting_pairs(c: FieldParser, name: str, registered: set[str]) -> list[tuple[str, str]]:
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


def _meeting_themes(c: FieldParser) -> list[dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for i, item in enumerate(c.listish("themes")):
        fname = f"themes[{i}]"
        if not isinstance(item, Mapping) or set(item) - {"table", "topic"}:
            c.err(fname, item, "must be an object with 'table' (number) and 'topic' (topic id)")
            continue
        tc = FieldParser(item, c.vocab, c.where)
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
    c: FieldParser, registered: set[str], rounds: int, fmt: str, must_not: list[tuple[str, str]]
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
        lc = FieldParser(item, c.vocab, c.where)
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
    bad = expect_mapping(data, where, "meeting")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
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
