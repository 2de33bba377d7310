"""Events: what the organisations offer, when and where (one-off dates and regular activities).

An `Event` has a start and an end in wall-clock time of a time zone (``Europe/Berlin`` unless
told otherwise) and an optional recurrence: an RFC 5545 ``RRULE`` plus exceptions, either single
days (``exdates``) or periods such as school holidays (``except``). Occurrences are computed with
``python-dateutil`` on wall-clock times, so "every Tuesday 15:00" stays 15:00 across daylight
saving changes.

Example
-------
>>> ev, issues = parse_event({
...     "id": "hausaufgaben", "title": "Hausaufgabenhilfe", "organisations": ["a"],
...     "start": "2026-09-01T15:00", "end": "2026-09-01T17:00",
...     "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=TU", "exdates": ["2026-09-08"],
...                    "except": [{"from": "2026-10-12", "until": "2026-10-24", "label": "Herbstferien"}]}})
>>> issues
[]
>>> [o.start.strftime("%a %d.%m. %H:%M") for o in occurrences(ev, "2026-09-01", "2026-10-31")][:3]
['Tue 01.09. 15:00', 'Tue 15.09. 15:00', 'Tue 22.09. 15:00']
>>> len(occurrences(ev, "2026-10-12", "2026-10-25"))
0
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from ._errors import Issue
from .clock import NETWORK_TZ
from .model import MAX_NAME, RECORD_ID_RE, FieldParser, expect_mapping
from .vocabulary import Vocabulary

__all__ = [
    "EVENT_KEYS",
    "EVENT_STATUSES",
    "PUBLIC_STATUSES",
    "REGISTRATION_KINDS",
    "Event",
    "Occurrence",
    "next_occurrence",
    "occurrences",
    "parse_event",
]

EVENT_STATUSES = ("draft", "submitted", "published", "cancelled")
#: statuses the public sees (a cancelled event stays visible, marked as cancelled)
PUBLIC_STATUSES = ("published", "cancelled")
REGISTRATION_KINDS = ("none", "link", "contact")
DEFAULT_TZ = NETWORK_TZ
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
TEXT_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M")
#: a recurrence is expanded at most this many times (ten years of a daily event)
MAX_OCCURRENCES = 3660
EVENT_KEYS = frozenset(
    {
        "id",
        "title",
        "description",
        "lang",
        "translations",
        "organisations",
        "start",
        "end",
        "timezone",
        "recurrence",
        "place",
        "languages",
        "topics",
        "target_groups",
        "cost",
        "registration",
        "visibility",
        "status",
        "review_note",
        "created_by",
        "submitted_at",
        "published_at",
    }
)


@dataclass(frozen=True)
class Occurrence:
    """One date of an event: aware start and end datetimes in the event's time zone."""

    start: dt.datetime
    end: dt.datetime


@dataclass
class Event:
    """An event or a regular activity of one organisation or several (a joint event)."""

    id: str
    title: str
    organisations: list[str]
    start: str  # wall-clock "YYYY-MM-DDTHH:MM" in ``timezone``
    end: str
    timezone: str = DEFAULT_TZ
    description: str = ""
    lang: str = "de"
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    rrule: str = ""
    exdates: list[str] = field(default_factory=list)
    exceptions: list[dict[str, str]] = field(default_factory=list)  # {"from", "until", "label"}
    place_name: str = ""
    address: str = ""
    district: str = ""
    accessible: bool | None = None
    languages: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    free: bool = True
    amount: float | None = None
    cost_note: str = ""
    registration: str = "none"
    registration_url: str = ""
    registration_contact: str = ""
    visibility: str = "public"
    status: str = "draft"
    review_note: str = ""
    created_by: str = ""
    submitted_at: str | None = None
    published_at: str | None = None

    @property
    def recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def joint(self) -> bool:
        return len(self.organisations) > 1

    @property
    def is_public(self) -> bool:
        """Shown to everybody: public and published (or cancelled after publication)."""
        return self.visibility == "public" and self.status in PUBLIC_STATUSES

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def text(self, lang: str) -> tuple[str, str, str]:
        """``(title, description, language of the text)``: a translation into ``lang`` if there is one."""
        tr = self.translations.get(lang) if lang != self.lang else None
        if tr and tr.get("title"):
            return tr["title"], tr.get("description", "") or self.description, lang
        return self.title, self.description, self.lang

    def to_dict(self) -> dict[str, Any]:
        recurrence = None
        if self.rrule:
            recurrence = {
                "rrule": self.rrule,
                "exdates": list(self.exdates),
                "except": [dict(x) for x in self.exceptions],
            }
        cost: dict[str, Any] = {"free": True} if self.free else {"free": False, "amount": self.amount}
        if self.cost_note:
            cost["note"] = self.cost_note
        registration: dict[str, Any] = {"kind": self.registration}
        if self.registration == "link":
            registration["url"] = self.registration_url
        elif self.registration == "contact":
            registration["contact"] = self.registration_contact
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "lang": self.lang,
            "translations": {k: dict(v) for k, v in sorted(self.translations.items())},
            "organisations": list(self.organisations),
            "start": self.start,
            "end": self.end,
            "timezone": self.timezone,
            "recurrence": recurrence,
            "place": {
                "name": self.place_name,
                "address": self.address,
                "district": self.district,
                "accessible": self.accessible,
            },
            "languages": list(self.languages),
            "topics": list(self.topics),
            "target_groups": list(self.target_groups),
            "cost": cost,
            "registration": registration,
            "visibility": self.visibility,
            "status": self.status,
            "review_note": self.review_note,
            "created_by": self.created_by,
            "submitted_at": self.submitted_at,
            "published_at": self.published_at,
        }

    def public_dict(self) -> dict[str, Any]:
        """What the public may see: no review note, no author."""
        d = self.to_dict()
        for key in ("review_note", "created_by", "submitted_at"):
            d.pop(key)
        return d


def _local(text: str) -> dt.datetime | None:
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _datetime(c: FieldParser, name: str, *, required: bool) -> dt.datetime | None:
    value = c.data.get(name)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    text = c.text(name, required=required, max_len=40)
    if not text:
        return None
    parsed = _local(text)
    if parsed is None:
        c.err(name, text, "is not a date and time (use YYYY-MM-DDTHH:MM, e.g. 2026-09-01T15:00)", code="bad_date")
        return None
    return parsed.replace(second=0)


def _sub_issues(c: FieldParser, prefix: str, issues: Iterable[Issue]) -> None:
    c.issues.extend(Issue(f"{prefix}.{i.field}", i.value, i.reason, i.where, i.code, i.hint) for i in issues)


def _recurrence(c: FieldParser, start: dt.datetime | None) -> tuple[str, list[str], list[dict[str, str]]]:
    value = c.data.get("recurrence")
    if value in (None, "", {}):
        return "", [], []
    if isinstance(value, str):
        value = {"rrule": value}
    if not isinstance(value, Mapping):
        c.err("recurrence", value, "must be an object with 'rrule', 'exdates' and 'except', or null")
        return "", [], []
    rc = FieldParser(value, c.vocab, c.where)
    rc.no_unknown({"rrule", "exdates", "except"})
    rule = rc.text("rrule", required=True, max_len=300)
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    rule = rule.strip().upper()
    if rule:
        parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
        if parts.get("FREQ") not in FREQUENCIES:
            why = "needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (e.g. FREQ=WEEKLY;BYDAY=TU)"
            rc.err("rrule", rule, why, code="bad_rrule")
        elif start is not None:
            if "UNTIL" in parts and parts["UNTIL"].endswith("Z"):
                rc.err("rrule", rule, "UNTIL is in local time here: leave out the Z", code="bad_rrule")
            else:
                try:
                    rrulestr(rule, dtstart=start)
                except (ValueError, TypeError) as exc:
                    rc.err("rrule", rule, f"is not an RFC 5545 rule: {exc}", code="bad_rrule")
    exdates: list[str] = []
    for i, item in enumerate(rc.listish("exdates")):
        dc = FieldParser({"date": item}, c.vocab, c.where)
        day = dc.date("date")
        if dc.issues:
            rc.err(f"exdates[{i}]", item, "is not a date (use YYYY-MM-DD)", code="bad_date")
        elif day and day not in exdates:
            exdates.append(day)
    periods: list[dict[str, str]] = []
    for i, item in enumerate(rc.listish("except")):
        if not isinstance(item, Mapping):
            rc.err(f"except[{i}]", item, "must be an object with 'from', 'until' and an optional 'label'")
            continue
        pc = FieldParser(item, c.vocab, c.where)
        pc.no_unknown({"from", "until", "label"})
        lo, hi = pc.date("from", required=True), pc.date("until", required=True)
        label = pc.text("label", max_len=100)
        if lo and hi and hi < lo:
            pc.err("until", hi, f"lies before 'from' ({lo})", code="bad_period")
        _sub_issues(rc, f"except[{i}]", pc.issues)
        if not pc.issues and lo and hi:
            periods.append({"from": lo, "until": hi, "label": label})
    _sub_issues(c, "recurrence", rc.issues)
    return rule, sorted(exdates), sorted(periods, key=lambda p: (p["from"], p["until"]))


def _translations(c: FieldParser, own: str) -> dict[str, dict[str, str]]:
    value = c.data.get("translations")
    if value in (None, "", {}):
        return {}
    if not isinstance(value, Mapping):
        c.err("translations", value, "must map language codes to {'title', 'description'}")
        return {}
    out: dict[str, dict[str, str]] = {}
    for lang, item in value.items():
        where = f"translations.{lang}"
        if not isinstance(lang, str) or not TEXT_LANG_RE.match(lang):
            c.err("translations", lang, "keys are language codes such as en, tr, ar")
            continue
        if lang == own:
            c.err(where, lang, "is the language the event is written in; edit the title instead")
            continue
        if not isinstance(item, Mapping):
            c.err(where, item, "must be an object with 'title' and 'description'")
            continue
        tc = FieldParser(item, c.vocab, c.where)
        tc.no_unknown({"title", "description"})
        title = tc.text("title", max_len=MAX_NAME)
        desc = tc.text("description")
        _sub_issues(c, where, tc.issues)
        if title or desc:
            if not title:
                c.err(f"{where}.title", "", "a translation needs a title", code="required")
                continue
            out[lang] = {"title": title, "description": desc}
    return out


def _timezone(c: FieldParser) -> str:
    tz = c.text("timezone", max_len=60) or DEFAULT_TZ
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file system can hold
        c.err("timezone", tz, "is not a time zone (e.g. Europe/Berlin)", code="bad_timezone")
        tz = DEFAULT_TZ
    return tz


def _period(c: FieldParser) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``start`` and ``end`` (two hours after the start when left out): end after start, at most 14 days."""
    start = _datetime(c, "start", required=True)
    end = _datetime(c, "end", required=False)
    if start and end is None:
        end = start + dt.timedelta(hours=2)
    if start and end and end <= start:
        c.err(
            "end",
            end.isoformat(timespec="minutes"),
            f"must lie after the start ({start:%Y-%m-%d %H:%M})",
            code="bad_period",
        )
    if start and end and end - start > dt.timedelta(days=14):
        c.err(
            "end",
            end.isoformat(timespec="minutes"),
            "an event lasts at most 14 days; use a recurrence instead",
            code="out_of_range",
        )
    return start, end


def _place(c: FieldParser) -> tuple[str, str, str, bool | None]:
    """``(name, address, district, accessible)`` of the event's place."""
    place = c.data.get("place") or {}
    place_name = address = district = ""
    accessible: bool | None = None
    if not isinstance(place, Mapping):
        c.err("place", place, "must be an object with 'name', 'address', 'district' and 'accessible'")
        return place_name, address, district, accessible
    pc = FieldParser(place, c.vocab, c.where)
    pc.no_unknown({"name", "address", "district", "accessible"})
    place_name = pc.text("name", max_len=MAX_NAME)
    address = pc.text("address", max_len=300)
    district = pc.term("district", "districts")
    if place.get("accessible") not in (None, ""):
        accessible = pc.flag("accessible")
    _sub_issues(c, "place", pc.issues)
    return place_name, address, district, accessible


def _cost(c: FieldParser) -> tuple[bool, float | None, str]:
    """``(free, amount, note)`` from ``cost``: ``"free"``, an amount in euros, or an object."""
    cost = c.data.get("cost")
    free, amount, cost_note = True, None, ""
    if cost in (None, "", "free", 0):
        pass
    elif isinstance(cost, (int, float)) and not isinstance(cost, bool):
        free, amount = False, float(cost)
        if not (math.isfinite(amount) and amount >= 0):  # NaN and infinity too
            c.err("cost", cost, "must be 0 or more", code="out_of_range")
    elif isinstance(cost, Mapping):
        cc = FieldParser(cost, c.vocab, c.where)
        cc.no_unknown({"free", "amount", "note"})
        amount = cc.number("amount")
        free = cc.flag("free", default=amount in (None, 0))
        cost_note = cc.text("note", max_len=200)
        if not free and amount is None:
            cc.err("amount", None, "give the amount in euros, or mark the event as free", code="required")
        if free:
            amount = None
        _sub_issues(c, "cost", cc.issues)
    else:
        c.err("cost", cost, "must be 'free', an amount in euros, or an object with 'free', 'amount' and 'note'")
    return free, amount, cost_note


def _registration(c: FieldParser) -> tuple[str, str, str]:
    """``(kind, url, contact)``: registration by nothing, a link or a contact."""
    reg = c.data.get("registration") or {"kind": "none"}
    if isinstance(reg, str):
        reg = {"kind": reg}
    if not isinstance(reg, Mapping):
        c.err("registration", reg, "must be an object with 'kind' (none, link or contact)")
        return "none", "", ""
    rc = FieldParser(reg, c.vocab, c.where)
    rc.no_unknown({"kind", "url", "contact"})
    reg_kind = rc.text("kind", max_len=10) or "none"
    if reg_kind not in REGISTRATION_KINDS:
        rc.err("kind", reg_kind, "must be none, link or contact", code="bad_kind")
    reg_url = rc.url("url")
    reg_contact = rc.text("contact", max_len=200)
    if reg_kind == "link" and not reg_url:
        rc.err("url", "", "registration by link needs the web address", code="required")
    if reg_kind == "contact" and not reg_contact:
        rc.err("contact", "", "registration by contact needs an email address or phone number", code="required")
    _sub_issues(c, "registration", rc.issues)
    return reg_kind, reg_url, reg_contact


def parse_event(data: Any, vocab: Vocabulary | None = None, where: str = "") -> tuple[Event | None, list[Issue]]:
    """Parse and validate one event; returns ``(event or None, issues)``."""
    bad = expect_mapping(data, where, "event")
    if bad:
        return None, bad
    c = FieldParser(data, vocab, where)
    c.no_unknown(set(EVENT_KEYS))
    tz = _timezone(c)
    start, end = _period(c)
    orgs = c.refs("organisations")
    if not orgs and "organisations" not in [i.field for i in c.issues]:
        c.err("organisations", data.get("organisations"), "an event needs at least one organisation", code="required")
    lang = c.text("lang", max_len=3) or "de"
    if not TEXT_LANG_RE.match(lang):
        c.err("lang", lang, "must be a language code such as de, tr, ar", code="bad_lang")
    rule, exdates, periods = _recurrence(c, start)
    place_name, address, district, accessible = _place(c)
    free, amount, cost_note = _cost(c)
    reg_kind, reg_url, reg_contact = _registration(c)
    visibility = c.text("visibility", max_len=10) or "public"
    if visibility not in ("public", "internal"):
        c.err("visibility", visibility, "must be 'public' or 'internal'", code="bad_visibility")
    status = c.text("status", max_len=12) or "draft"
    if status not in EVENT_STATUSES:
        c.err("status", status, "must be one of " + ", ".join(EVENT_STATUSES), code="bad_status")
    ev = Event(
        id=c.ident("id", RECORD_ID_RE),
        title=c.text("title", required=True, max_len=MAX_NAME),
        description=c.text("description"),
        lang=lang,
        translations=_translations(c, lang),
        organisations=orgs,
        start=start.isoformat(timespec="minutes") if start else "",
        end=end.isoformat(timespec="minutes") if end else "",
        timezone=tz,
        rrule=rule,
        exdates=exdates,
        exceptions=periods,
        place_name=place_name,
        address=address,
        district=district,
        accessible=accessible,
        languages=c.terms("languages", "languages"),
        topics=c.terms("topics", "topics"),
        target_groups=c.terms("target_groups", "target_groups"),
        free=free,
        amount=amount,
        cost_note=cost_note,
        registration=reg_kind,
        registration_url=reg_url if reg_kind == "link" else "",
        registration_contact=reg_contact if reg_kind == "contact" else "",
        visibility=visibility,
        status=status,
        review_note=c.text("review_note", max_len=1000),
        created_by=c.text("created_by", max_len=MAX_NAME),
        submitted_at=c.text("submitted_at", max_len=40) or None,
        published_at=c.text("published_at", max_len=40) or None,
    )
    return (ev if not c.issues else None), c.issues


# ---------------------------------------------------------------------------
# recurrence
# ---------------------------------------------------------------------------
def _day(value: str | dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def excluded(event: Event, local_start: dt.datetime) -> bool:
    """Whether the occurrence starting at ``local_start`` (wall clock) is an exception."""
    day = local_start.date().isoformat()
    if day in event.exdates:
        return True
    return any(p["from"] <= day <= p["until"] for p in event.exceptions)


def _local_starts(event: Event, lo: dt.datetime, hi: dt.datetime) -> list[dt.datetime]:
    """Wall-clock starts of the occurrences that overlap ``[lo, hi)`` (naive, in the event's zone)."""
    start = dt.datetime.fromisoformat(event.start)
    length = dt.datetime.fromisoformat(event.end) - start
    if not event.rrule:
        return [start] if start < hi and start + length > lo else []
    rule = rrulestr(event.rrule, dtstart=start)
    out = []
    for s in rule.between(lo - length, hi, inc=True):
        if s + length <= lo or s >= hi:
            continue
        out.append(s)
        if len(out) >= MAX_OCCURRENCES:
            break
    return out


def occurrences(
    event: Event, since: str | dt.date | dt.datetime, until: str | dt.date | dt.datetime, *, exceptions: bool = False
) -> list[Occurrence]:
    """The event's dates that overlap the days ``since`` .. ``until`` (``until`` exclusive when a datetime).

    Dates are read as wall-clock days in the event's zone; an aware datetime is converted first.
    Exceptions (``exdates``, ``except`` periods) are left out unless ``exceptions`` is true.
    """
    tz = event.tz

    def bound(v: str | dt.date | dt.datetime, end: bool) -> dt.datetime:
        if isinstance(v, dt.datetime):
            return v.astimezone(tz).replace(tzinfo=None) if v.tzinfo else v
        d = _day(v)
        return dt.datetime.combine(d + dt.timedelta(days=1) if end else d, dt.time())

    lo, hi = bound(since, False), bound(until, True)
    length = dt.datetime.fromisoformat(event.end) - dt.datetime.fromisoformat(event.start)
    out = []
    for s in _local_starts(event, lo, hi):
        if not exceptions and excluded(event, s):
            continue
        out.append(Occurrence(s.replace(tzinfo=tz), (s + length).replace(tzinfo=tz)))
    return out


def next_occurrence(event: Event, now: dt.datetime | None = None, *, horizon_days: int = 400) -> Occurrence | None:
    """The first date that has not ended at ``now`` (aware; default: the current time), within the horizon."""
    now = now or dt.datetime.now(event.tz)
    if now.tzinfo is None:
        now = now.replace(tzinfo=event.tz)
    found = occurrences(event, now, now + dt.timedelta(days=horizon_days))
    return found[0] if found else None


def exception_starts(event: Event) -> list[dt.datetime]:
    """Wall-clock starts of every occurrence that an exception removes (for ``EXDATE`` in iCalendar).

    Finite even for an endless rule: exceptions are days and bounded periods.
    """
    if not event.rrule:
        return []
    out: set[dt.datetime] = set()
    spans = [(d, d) for d in event.exdates] + [(p["from"], p["until"]) for p in event.exceptions]
    for lo, hi in spans:
        lo_t = dt.datetime.combine(_day(lo), dt.time())
        hi_t = dt.datetime.combine(_day(hi) + dt.timedelta(days=1), dt.time())
        for s in _local_starts(event, lo_t, hi_t):
            if excluded(event, s):
                out.add(s)
    return sorted(out)


def event_from_stored(d: Mapping[str, Any]) -> Event:
    """An `Event` from a stored (validated, canonical) record, without validating again."""
    rec = d.get("recurrence") or {}
    place = d.get("place") or {}
    cost = d.get("cost") or {"free": True}
    reg = d.get("registration") or {"kind": "none"}
    return Event(
        id=d["id"],
        title=d["title"],
        organisations=list(d.get("organisations", ())),
        start=d["start"],
        end=d["end"],
        timezone=d.get("timezone", DEFAULT_TZ),
        description=d.get("description", ""),
        lang=d.get("lang", "de"),
        translations={k: dict(v) for k, v in (d.get("translations") or {}).items()},
        rrule=rec.get("rrule", ""),
        exdates=list(rec.get("exdates", ())),
        exceptions=[dict(x) for x in rec.get("except", ())],
        place_name=place.get("name", ""),
        address=place.get("address", ""),
        district=place.get("district", ""),
        accessible=place.get("accessible"),
        languages=list(d.get("languages", ())),
        topics=list(d.get("topics", ())),
        target_groups=list(d.get("target_groups", ())),
        free=bool(cost.get("free", True)),
        amount=cost.get("amount"),
        cost_note=cost.get("note", ""),
        registration=reg.get("kind", "none"),
        registration_url=reg.get("url", ""),
        registration_contact=reg.get("contact", ""),
        visibility=d.get("visibility", "public"),
        status=d.get("status", "draft"),
        review_note=d.get("review_note", ""),
        created_by=d.get("created_by", ""),
        submitted_at=d.get("submitted_at"),
        published_at=d.get("published_at"),
    )


__all__ += ["event_from_stored", "exception_starts", "excluded"]
