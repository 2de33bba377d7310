"""iCalendar (RFC 5545) output: the one home for calendar files.

Everything ReMo hands to a calendar program goes through here and is built with the ``icalendar``
library, never written by hand: the ``.ics`` download of a meeting, the invitation attached to a mail
(``METHOD:REQUEST``) and public event feeds (``METHOD:PUBLISH``, with recurrence).

Times are written as local times with ``TZID=Europe/Berlin`` and the calendar carries a matching
``VTIMEZONE`` (built from the zoneinfo database), so a calendar program shows the right wall-clock time
on both sides of a daylight-saving change. A naive ``datetime`` is read as Berlin time; an aware one is
converted to Berlin time.

Example
-------
>>> from datetime import datetime
>>> cal = new_calendar(method="PUBLISH")
>>> event = add_event(cal, uid="meeting-7@remo", start=datetime(2026, 3, 28, 18),
...                   end=datetime(2026, 3, 28, 20), summary="Austauschtreffen",
...                   stamp=datetime(2026, 3, 1, 12))
>>> data = to_bytes(cal)
>>> b"DTSTART;TZID=Europe/Berlin:20260328T180000" in data, b"BEGIN:VTIMEZONE" in data
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vRecur

__all__ = [
    "PRODID",
    "TZID",
    "Person",
    "add_event",
    "new_calendar",
    "to_bytes",
]

TZID = "Europe/Berlin"
BERLIN = ZoneInfo(TZID)
PRODID = "-//ReMo//Partnervermittlung//DE"
#: The last date the zoneinfo-built VTIMEZONE covers when a recurrence has no end.
_OPEN_END = date(2038, 1, 1)


@dataclass(frozen=True)
class Person:
    """An organiser or attendee: a mail address and an optional display name (``CN``)."""

    email: str
    name: str | None = None


def new_calendar(*, method: str | None = None, name: str | None = None) -> Calendar:
    """A calendar with ``PRODID`` and ``VERSION:2.0``.

    Parameters
    ----------
    method : str, optional
        iTIP method, e.g. ``"REQUEST"`` for a mail invitation or ``"PUBLISH"`` for a feed or download.
    name : str, optional
        A display name for the calendar (``NAME`` and ``X-WR-CALNAME``), useful for subscribed feeds.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method.upper())
    if name:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
    return cal


def _berlin(value: date | datetime) -> date | datetime:
    if not isinstance(value, datetime):
        return value  # an all-day date: VALUE=DATE
    if value.tzinfo is None:
        return value.replace(tzinfo=BERLIN)
    return value.astimezone(BERLIN)


def _address(person: Person | str, **params: str) -> vCalAddress:
    if isinstance(person, str):
        person = Person(person)
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def add_event(
    cal: Calendar,
    *,
    uid: str,
    start: date | datetime,
    end: date | datetime | None = None,
    summary: str,
    description: str | None = None,
    location: str | None = None,
    url: str | None = None,
    organizer: Person | str | None = None,
    attendees: Iterable[Person | str] = (),
    rrule: str | Mapping | None = None,
    exdates: Iterable[date | datetime] = (),
    stamp: datetime | None = None,
    sequence: int | None = None,
    status: str | None = None,
) -> Event:
    """Add a ``VEVENT`` to ``cal`` and return it.

    Parameters
    ----------
    uid : str
        Stable identifier: the same event must keep the same UID in every file ReMo writes, so that a
        calendar program updates it instead of adding a second copy (e.g. ``meeting-7-org-12@host``).
    start, end : datetime or date
        Naive datetimes are Berlin wall-clock time; aware ones are converted. Plain dates make an
        all-day event.
    summary, description, location, url : str
        Title, text, place and a link back to ReMo.
    organizer, attendees : Person or str
        Mail addresses (with names) for invitations; attendees get ``RSVP=TRUE`` and
        ``PARTSTAT=NEEDS-ACTION``.
    rrule : str or mapping, optional
        Recurrence, as the RFC 5545 text (``"FREQ=WEEKLY;COUNT=4"``) or a mapping
        (``{"freq": "monthly", "byday": "1TU"}``).
    exdates : iterable of datetime or date
        Occurrences of the recurrence that are left out.
    stamp : datetime, optional
        ``DTSTAMP``; now (UTC) unless given.
    sequence : int, optional
        Revision number of the event; raise it when a sent invitation changes.
    status : str, optional
        ``CONFIRMED``, ``TENTATIVE`` or ``CANCELLED``.
    """
    event = Event()
    event.add("uid", uid)
    stamp = stamp or datetime.now(UTC)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=BERLIN)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", _berlin(start))
    if end is not None:
        event.add("dtend", _berlin(end))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    if organizer:
        event.add("organizer", _address(organizer))
    for attendee in attendees:
        event.add(
            "attendee",
            _address(attendee, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="TRUE"),
        )
    if rrule:
        recur = vRecur.from_ical(rrule) if isinstance(rrule, str) else vRecur(dict(rrule))
        event.add("rrule", recur)
    exdates = [_berlin(d) for d in exdates]
    if exdates:
        event.add("exdate", exdates)
    if sequence is not None:
        event.add("sequence", sequence)
    if status:
        event.add("status", status.upper())
    cal.add_component(event)
    return event


def _timezone_range(cal: Calendar) -> tuple[date, date] | None:
    """First and last date the Berlin VTIMEZONE must cover, or None if no event uses Berlin time."""
    starts: list[date] = []
    open_ended = False
    for event in cal.walk("VEVENT"):
        for key in ("dtstart", "dtend"):
            prop = event.get(key)
            if prop is not None and isinstance(prop.dt, datetime):
                starts.append(prop.dt.date())
        exdates = event.get("exdate", [])
        for ex in exdates if isinstance(exdates, list) else [exdates]:
            starts.extend(d.dt.date() for d in ex.dts if isinstance(d.dt, datetime))
        rule = event.get("rrule")
        if rule is not None:
            until = rule.get("UNTIL")
            if until:
                starts.append(until[0] if not isinstance(until[0], datetime) else until[0].date())
            else:
                open_ended = True
    if not starts:
        return None
    first = date(min(starts).year, 1, 1)
    last = _OPEN_END if open_ended else date(max(starts).year + 2, 1, 1)
    return first, max(last, date(first.year + 2, 1, 1))


def to_bytes(cal: Calendar) -> bytes:
    """Serialise ``cal`` (CRLF line ends, folded lines), with a VTIMEZONE for Europe/Berlin first."""
    span = _timezone_range(cal)
    if span is not None and not any(tz.get("tzid") == TZID for tz in cal.walk("VTIMEZONE")):
        first, last = span
        cal.subcomponents.insert(0, Timezone.from_tzid(TZID, first_date=first, last_date=last))
    return cal.to_ical()
