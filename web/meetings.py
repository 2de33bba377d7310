"""The representatives' side of the exchange meetings: answers, publication, agendas, calendar files.

Plain service functions over the store, shared by the pages (`web.views.my_meetings`,
`web.views.meetings`) and the mail (`web.mail.meetings`); they know no request. A representative
confirms or cancels for their organisation until the meeting's response deadline
(`graph.Meeting.response_deadline`, a day in Europe/Berlin); the answer is written into the meeting
record (``attendance`` / ``declined``) with a version check, so the planner's attendee list is the
confirmed one. Staff may change answers at any time. Representatives see tables only after staff
published the plan (``published_at`` on the ``meeting_plan`` record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _

from graph import ConflictError, Meeting, NotFoundError, ValidationError
from graph.clock import network_today
from graph.model import parse_meeting
from graph.store import GraphStore
from graph.store.base import Op, now_iso

from . import ics
from .meeting_plans import PLAN_KIND, load_plan
from .reasons import reason_text

__all__ = [
    "DeadlinePassed",
    "NotPublishable",
    "agenda_for",
    "agenda_text",
    "day_text",
    "describe_when",
    "calendar_for",
    "can_answer",
    "event_times",
    "invite_org",
    "meetings_of",
    "publish_ops",
    "set_attendance",
    "today_berlin",
    "unpublish_ops",
]

BERLIN = ZoneInfo("Europe/Berlin")
#: length of a meeting that has a start time but no end time
DEFAULT_LENGTH = dt.timedelta(hours=2)


class DeadlinePassed(Exception):
    """The response deadline of ``meeting`` (``deadline``, ISO day) has passed."""

    def __init__(self, meeting: Meeting, deadline: str):
        super().__init__(f"the response deadline of meeting {meeting.id} was {deadline}")
        self.meeting = meeting
        self.deadline = deadline


class NotPublishable(Exception):
    """The plan has pairs that meet twice and staff have not accepted them yet."""


def today_berlin(now: dt.datetime | None = None) -> dt.date:
    """Today (or the day of ``now``) in the network's time zone, as `graph.clock.network_today`."""
    return dt.date.fromisoformat(network_today(now))


def can_answer(meeting: Meeting, today: dt.date | None = None) -> bool:
    """True until the end of the response deadline's day (Berlin time); no deadline: always."""
    deadline = meeting.response_deadline()
    return deadline is None or (today or today_berlin()).isoformat() <= deadline


@dataclass(frozen=True)
class MyMeeting:
    """One meeting as one organisation sees it."""

    meeting: Meeting
    org: str
    answer: str  # yes / no / open
    open: bool  # can still answer
    published: bool  # the plan is published: the agenda can be shown


def meetings_of(store: GraphStore, orgs: list[str], *, today: dt.date | None = None) -> list[MyMeeting]:
    """The upcoming meetings (today or later, or undated) that concern any of ``orgs``, soonest first."""
    day = (today or today_berlin()).isoformat()
    published = {r.id for r in store.list(PLAN_KIND) if r.data.get("published_at")}
    out: list[MyMeeting] = []
    for rec in store.list("meeting"):
        meeting, _issues = parse_meeting(rec.data, None, where=f"meeting {rec.id}")
        if meeting is None or (meeting.date and meeting.date < day):
            continue
        for org in orgs:
            answer = meeting.answer_of(org)
            if answer is not None:
                out.append(MyMeeting(meeting, org, answer, can_answer(meeting, today), meeting.id in published))
    out.sort(key=lambda m: (m.meeting.date or "9999", m.meeting.title.casefold(), m.org))
    return out


def _without(meeting: Meeting, org: str) -> dict[str, Any]:
    """The meeting's record without ``org`` in attendance and in the planning constraints."""
    doc = meeting.to_dict()
    doc["attendance"] = [o for o in meeting.attendance if o != org]
    for key in ("must_meet", "must_not_meet"):
        if key in doc:
            doc[key] = [p for p in doc[key] if org not in p]
    if "locked" in doc:
        locked = []
        for lk in doc["locked"]:
            orgs = [o for o in lk["orgs"] if o != org]
            if orgs:
                locked.append({**lk, "orgs": orgs})
        doc["locked"] = locked
    return doc


def set_attendance(
    store: GraphStore,
    meeting_id: str,
    org: str,
    coming: bool,
    *,
    actor: str,
    staff: bool = False,
    today: dt.date | None = None,
    extra_ops: list[Op] | None = None,
) -> Meeting:
    """Confirm (``coming``) or cancel ``org``'s attendance; returns the meeting as written.

    Writes the meeting record with the version it was read at (a concurrent change is read again and
    the answer applied to it, up to a few times), together with ``extra_ops`` (e.g. a used mail link).
    A cancellation also drops the organisation from must-meet / must-not-meet pairs and locked tables.
    Representatives (``staff=False``) may answer only for an organisation the meeting concerns and
    only until the response deadline (`DeadlinePassed`); staff may always, and may add organisations.
    Raises `graph.NotFoundError` for an unknown meeting or an organisation it does not concern.
    """
    for _attempt in range(5):
        rec = store.require("meeting", meeting_id)
        meeting, issues = parse_meeting(rec.data, None, where=f"meeting {meeting_id}")
        if meeting is None:
            raise ValidationError(issues)
        if meeting.answer_of(org) is None and not staff:
            raise NotFoundError("meeting", f"{meeting_id} (for {org})")
        if not staff and not can_answer(meeting, today):
            raise DeadlinePassed(meeting, meeting.response_deadline() or "")
        if coming:
            doc = meeting.to_dict()
            if org not in meeting.attendance:
                doc["attendance"] = [*meeting.attendance, org]
        else:
            doc = _without(meeting, org)
        declined = [o for o in meeting.declined if o != org] + ([] if coming else [org])
        doc.pop("declined", None)
        if declined:
            doc["declined"] = declined
        if staff and org not in meeting.organisations():
            doc["invited"] = [*meeting.invited, org]
        checked, issues = parse_meeting(doc, None, where=f"meeting {meeting_id}")
        if checked is None:
            raise ValidationError(issues)
        ops = [*(extra_ops or [])]
        if checked.to_dict() != meeting.to_dict():  # an answer given again changes nothing
            ops.insert(0, Op("meeting", meeting_id, checked.to_dict(), rec.version))
        try:
            if ops:
                store.apply(ops, actor=actor)
        except ConflictError:
            if extra_ops and any(store.get(op.kind, op.id) is not None for op in extra_ops if op.version is None):
                raise
            continue
        return checked
    raise ConflictError("meeting", meeting_id, None, message="the meeting kept changing; please answer again")


def invite_org(store: GraphStore, meeting_id: str, org: str, *, actor: str) -> Meeting:
    """Add ``org`` to the meeting's ``invited`` organisations (no answer yet); nothing if it is concerned already."""
    for _attempt in range(5):
        rec = store.require("meeting", meeting_id)
        meeting, issues = parse_meeting(rec.data, None, where=f"meeting {meeting_id}")
        if meeting is None:
            raise ValidationError(issues)
        if meeting.answer_of(org) is not None:
            return meeting
        meeting.invited = [*meeting.invited, org]
        try:
            store.apply([Op("meeting", meeting_id, meeting.to_dict(), rec.version)], actor=actor)
        except ConflictError:
            continue
        return meeting
    raise ConflictError("meeting", meeting_id, None, message="the meeting kept changing; please try again")


def publish_ops(store: GraphStore, meeting_id: str, *, actor: str, version: int | None) -> tuple[Any, list[Op]]:
    """The plan marked as published and the `Op` that writes it (with the version staff saw).

    Raises `graph.NotFoundError` without a plan and `NotPublishable` while it has unaccepted repeats.
    """
    plan, current = load_plan(store, meeting_id)
    if plan is None:
        raise NotFoundError(PLAN_KIND, meeting_id)
    if not plan.publishable:
        raise NotPublishable(meeting_id)
    plan.published_at = now_iso()
    plan.published_by = actor
    return plan, [Op(PLAN_KIND, meeting_id, plan.to_dict(), current if version is None else version)]


def unpublish_ops(store: GraphStore, meeting_id: str, *, version: int | None) -> list[Op]:
    plan, current = load_plan(store, meeting_id)
    if plan is None:
        raise NotFoundError(PLAN_KIND, meeting_id)
    plan.published_at = plan.published_by = ""
    return [Op(PLAN_KIND, meeting_id, plan.to_dict(), current if version is None else version)]


def agenda_for(plan: Any, snap: Any, org: str, lang: str) -> list[dict[str, Any]]:
    """Per round: table, theme label and the table mates with names and the reasons as text in ``lang``."""
    names = {o.id: o.name for o in snap.network.organisations}
    out = []
    for item in plan.agenda(org):
        mates = [
            {
                "org": m["org"],
                "name": names.get(m["org"], m["org"]),
                "known": m["org"] in snap.orgs,
                "texts": [reason_text(x, snap.vocabulary, names, lang) for x in m["reasons"]],
            }
            for m in item["with"]
        ]
        theme = snap.vocabulary.label("topics", item["theme"], lang) if item["theme"] else ""
        out.append({"round": item["round"], "table": item["table"], "theme": theme, "with": mates})
    return out


def event_times(meeting: Meeting) -> tuple[dt.date | dt.datetime, dt.date | dt.datetime] | None:
    """Start and end of the meeting (Berlin wall-clock datetimes, or whole-day dates); None without a date."""
    if not meeting.date or len(meeting.date) != 10:
        return None
    day = dt.date.fromisoformat(meeting.date)
    if not meeting.start_time:
        return day, day + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time.fromisoformat(meeting.start_time))
    end = dt.datetime.combine(day, dt.time.fromisoformat(meeting.end_time)) if meeting.end_time else None
    return start, end or start + DEFAULT_LENGTH


def day_text(iso: str | None) -> str:
    """An ISO day as a full date in the current language (Babel)."""
    if not iso or len(iso) != 10:
        return iso or ""
    return format_date(dt.date.fromisoformat(iso), "full")


def describe_when(meeting: Any) -> str:
    """When the meeting is, e.g. "Samstag, 28. März 2026, 18:00–20:00", in the current language."""
    times = event_times(meeting)
    if times is None:
        return day_text(meeting.date)
    start, end = times
    day = day_text(meeting.date)
    if not isinstance(start, dt.datetime):
        return day
    return _("%(day)s, %(start)s–%(end)s", day=day, start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))


def agenda_text(items: list[dict[str, Any]]) -> str:
    """The agenda as plain lines (for the calendar entry and mails), in the current language."""
    lines = []
    for item in items:
        head = _("Round %(r)s, table %(t)s", r=item["round"], t=item["table"])
        if item["theme"]:
            head += f" ({item['theme']})"
        lines.append(head + ": " + ", ".join(m["name"] for m in item["with"]))
        for mate in item["with"]:
            for text in mate["texts"]:
                lines.append(f"  - {mate['name']}: {text}")
    return "\n".join(lines)


def _uid_domain(base_url: str) -> str:
    return urlsplit(base_url).hostname or "remo.invalid"


def calendar_for(
    meeting: Meeting,
    org: str,
    *,
    base_url: str,
    url: str,
    description: str = "",
    method: str = "PUBLISH",
    organizer: ics.Person | None = None,
    attendees: list[ics.Person] | None = None,
    sequence: int | None = None,
    cancelled: bool = False,
) -> bytes:
    """The ``.ics`` of ``meeting`` for ``org``: one event, UID stable per meeting and organisation.

    Raises ValueError when the meeting has no date.
    """
    times = event_times(meeting)
    if times is None:
        raise ValueError(f"meeting {meeting.id} has no date")
    cal = ics.new_calendar(method=method)
    ics.add_event(
        cal,
        uid=f"meeting-{meeting.id}-{org}@{_uid_domain(base_url)}",
        start=times[0],
        end=times[1],
        summary=meeting.title,
        description=description or None,
        location=meeting.place or None,
        url=url,
        organizer=organizer,
        attendees=attendees or (),
        sequence=sequence,
        status="CANCELLED" if cancelled else "CONFIRMED",
    )
    return ics.to_bytes(cal)
