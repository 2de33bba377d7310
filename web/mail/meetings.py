"""Exchange meeting mail: invitations, two reminders and the agenda, each in the recipient's language.

Staff invite the organisations of a meeting from its page: each organisation's contact gets a mail
with date, place, the response deadline, a link to "Meine Treffen", two signed one-click links
(take part / do not take part, valid until the deadline) and the meeting as an ``.ics`` file
(``METHOD:REQUEST``, UID stable per meeting and organisation). The mails are written in the same
transaction as a record of kind ``meeting_mail`` (id: the meeting's id) that says who was invited
when and when the next reminder is due (`GraphStore.due`, run by ``remo worker`` as the job
``meeting_reminders``): ``REMO_MEETING_REMINDER_DAYS`` (default 3) days before the deadline, at 9:00
Berlin time, to those who have not answered; then the day before the meeting, at 9:00, to those who
take part. When staff publish the plan, each seated organisation gets its own agenda (with the
reasons), again with the calendar entry, now carrying the agenda (a higher ``SEQUENCE``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from graph import ConflictError, NotFoundError
from graph.store import GraphStore
from graph.store.base import Op, now_iso

from .. import ics
from .compose import _base_url, compose, external_url, mail_settings, org_recipients, queue_op, recipient_lang
from .jobs import job
from .links import Link, LinkAction, LinkError, make_link, register, used_op
from .outbox import Attachment

__all__ = ["SCHEDULE_KIND", "agenda_ops", "invite_ops", "remind"]

SCHEDULE_KIND = "meeting_mail"
BERLIN = ZoneInfo("Europe/Berlin")
_MORNING = dt.time(9, 0)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, _MORNING, tzinfo=BERLIN)


def _reminder_days() -> float:
    value = current_app.config.get("REMO_MEETING_REMINDER_DAYS")
    return float(value) if value not in (None, "") else 3.0


def next_due(meeting: Any, stage: str, now: dt.datetime) -> tuple[str, str | None]:
    """The next stage (``deadline``, ``eve`` or ``done``) at or after ``stage`` and when it is due."""
    if stage == "deadline":
        deadline = meeting.response_deadline()
        if deadline:
            day = dt.date.fromisoformat(deadline)
            when = _morning(day) - dt.timedelta(days=_reminder_days())
            if now < _morning(day):  # still worth reminding: before the deadline's morning
                return "deadline", _iso(max(when, now))
        stage = "eve"
    if stage == "eve" and meeting.date and len(meeting.date) == 10:
        when = _morning(dt.date.fromisoformat(meeting.date) - dt.timedelta(days=1))
        if now < when + dt.timedelta(hours=12):
            return "eve", _iso(max(when, now))
    return "done", None


def _deadline_day(meeting: Any) -> str:
    deadline = meeting.response_deadline()
    return format_date(dt.date.fromisoformat(deadline), "full") if deadline else ""


def _link_days(meeting: Any, now: dt.datetime) -> float:
    """Answer links work until the end of the deadline's day (Berlin), at least one hour."""
    deadline = meeting.response_deadline()
    if not deadline:
        return 30.0
    end = dt.datetime.combine(dt.date.fromisoformat(deadline) + dt.timedelta(days=1), dt.time(0), tzinfo=BERLIN)
    return max((end - now).total_seconds() / 86400, 1 / 24)


def _mail(
    store: GraphStore,
    snap: Any,
    meeting: Any,
    org_id: str,
    purpose: str,
    subject: Any,
    *,
    now: dt.datetime,
    sequence: int,
    answer_links: bool = False,
    agenda: bool = False,
    plan: Any = None,
) -> list[Op]:
    """One meeting mail to the contact of ``org_id``, with the calendar entry attached."""
    from ..meetings import agenda_for, agenda_text, calendar_for, describe_when, event_times

    to = org_recipients(store, snap, org_id)
    org = snap.orgs.get(org_id)
    if not to or org is None:
        return []
    lang = recipient_lang(store, to[0]["address"], org)
    agenda_url = external_url("my_meetings.agenda", meeting_id=meeting.id, org_id=org_id)
    links: dict[str, str] = {}
    if answer_links:
        days = _link_days(meeting, now)
        for answer in ("yes", "no"):
            token, _link = make_link(f"meeting_{answer}", f"{meeting.id}|{org_id}", days=days)
            links[answer] = external_url("links.confirm", token=token)
    items = (lambda: agenda_for(plan, snap, org_id, lang)) if agenda and plan is not None else (lambda: [])
    attachments: list[Attachment] = []
    if event_times(meeting) is not None:
        settings = mail_settings()
        with force_locale(lang):
            description = agenda_text(items()) if agenda else ""
        data = calendar_for(
            meeting,
            org_id,
            base_url=_base_url(),
            url=agenda_url,
            description=description,
            method="REQUEST",
            organizer=ics.Person(settings.sender, settings.sender_name),
            attendees=[ics.Person(to[0]["address"], to[0]["name"] or org.name)],
            sequence=sequence,
        )
        attachments.append(Attachment(f"{meeting.id}.ics", "text/calendar", data.decode("utf-8")))
    draft = compose(
        purpose,
        lang,
        to,
        subject,
        attachments=attachments,
        ref={"meeting": meeting.id, "organisation": org_id},
        name=to[0]["name"],
        org=org,
        meeting=meeting,
        when=lambda: describe_when(meeting),
        deadline=lambda: _deadline_day(meeting),
        show_deadline=purpose in ("meeting_invite", "meeting_deadline"),
        my_url=external_url("my_meetings.index"),
        agenda_url=agenda_url,
        yes_url=links.get("yes", ""),
        no_url=links.get("no", ""),
        items=items,
    )
    return [queue_op(draft)]


def invite_ops(store: GraphStore, meeting: Any, *, now: dt.datetime | None = None) -> tuple[list[str], list[Op]]:
    """Invitations to the organisations of ``meeting`` not invited by mail yet, and the schedule record.

    Returns the organisations mailed (those with a contact address) and the ops to apply.
    """
    now = now or dt.datetime.now(dt.UTC)
    snap = store.snapshot()
    rec = store.get(SCHEDULE_KIND, meeting.id)
    data = dict(rec.data) if rec is not None else {"meeting": meeting.id, "invited": {}, "sequence": 0}
    invited = dict(data.get("invited") or {})
    ops: list[Op] = []
    mailed: list[str] = []
    for org_id in meeting.organisations():
        if org_id in invited or meeting.answer_of(org_id) == "no":
            continue
        mail = _mail(
            store,
            snap,
            meeting,
            org_id,
            "meeting_invite",
            lambda title=meeting.title: _("Invitation: %(title)s", title=title),
            now=now,
            sequence=int(data.get("sequence") or 0),
            answer_links=True,
        )
        if mail:
            ops += mail
            mailed.append(org_id)
            invited[org_id] = now_iso()
    stage, due = next_due(meeting, "deadline", now)
    data.update({"invited": invited, "stage": stage, "due": due})
    if mailed:
        ops.append(Op(SCHEDULE_KIND, meeting.id, data, rec.version if rec is not None else None))
    return mailed, ops


def agenda_ops(store: GraphStore, meeting: Any, plan: Any, *, now: dt.datetime | None = None) -> list[Op]:
    """Each seated organisation's agenda by mail (add to the publication's transaction)."""
    now = now or dt.datetime.now(dt.UTC)
    snap = store.snapshot()
    rec = store.get(SCHEDULE_KIND, meeting.id)
    data = dict(rec.data) if rec is not None else {"meeting": meeting.id, "invited": {}, "stage": "done", "due": None}
    sequence = int(data.get("sequence") or 0) + 1
    ops: list[Op] = []
    seated = sorted({o for tables in plan.rounds for t in tables for o in t})
    for org_id in seated:
        ops += _mail(
            store,
            snap,
            meeting,
            org_id,
            "meeting_agenda",
            lambda title=meeting.title: _("Your agenda: %(title)s", title=title),
            now=now,
            sequence=sequence,
            agenda=True,
            plan=plan,
        )
    data["sequence"] = sequence
    if rec is None:
        data["stage"], data["due"] = next_due(meeting, "eve", now)
    ops.append(Op(SCHEDULE_KIND, meeting.id, data, rec.version if rec is not None else None))
    return ops


@job("meeting_reminders")
def remind(store: GraphStore, now: dt.datetime) -> int:
    """Before the deadline: remind who has not answered; the day before: remind who takes part."""
    from ..meeting_plans import load_meeting

    queued = 0
    for rec in store.due(SCHEDULE_KIND, _iso(now)):
        data = dict(rec.data)
        try:
            meeting = load_meeting(store, rec.id)
        except NotFoundError:
            meeting = None
        ops: list[Op] = []
        if meeting is None:
            data["stage"], data["due"] = "done", None
        else:
            snap = store.snapshot()
            stage = data.get("stage")
            sequence = int(data.get("sequence") or 0)
            if stage == "deadline":
                for org_id in sorted(data.get("invited") or {}):
                    if meeting.answer_of(org_id) == "open":
                        ops += _mail(
                            store,
                            snap,
                            meeting,
                            org_id,
                            "meeting_deadline",
                            lambda title=meeting.title: _("Reminder: please answer for %(title)s", title=title),
                            now=now,
                            sequence=sequence,
                            answer_links=True,
                        )
                data["stage"], data["due"] = next_due(meeting, "eve", now)
            elif stage == "eve":
                for org_id in meeting.attendance:
                    ops += _mail(
                        store,
                        snap,
                        meeting,
                        org_id,
                        "meeting_eve",
                        lambda title=meeting.title: _("Tomorrow: %(title)s", title=title),
                        now=now,
                        sequence=sequence,
                    )
                data["stage"], data["due"] = "done", None
            else:
                data["due"] = None
        ops.append(Op(SCHEDULE_KIND, rec.id, data, rec.version))
        try:
            store.apply(ops, actor="worker")
        except ConflictError:  # changed meanwhile (e.g. invitations sent): look again next round
            continue
        queued += len(ops) - 1
    return queued


# ---------------------------------------------------------------------------
# one-click answers from the mail
# ---------------------------------------------------------------------------
def _parts(store: GraphStore, link: Link) -> tuple[Any, str, str]:
    from ..meeting_plans import load_meeting

    meeting_id, _sep, org_id = link.ref.partition("|")
    try:
        meeting = load_meeting(store, meeting_id)
    except NotFoundError as exc:
        raise LinkError("invalid") from exc
    if meeting.answer_of(org_id) is None:
        raise LinkError("invalid")
    orgs = store.snapshot().orgs
    return meeting, org_id, orgs[org_id].name if org_id in orgs else org_id


def _describe(coming: bool):
    def describe(store: GraphStore, link: Link) -> dict[str, str]:
        from ..meetings import can_answer

        meeting, _org_id, name = _parts(store, link)
        if not can_answer(meeting):
            raise LinkError("expired")
        if coming:
            return {
                "title": _("Does %(org)s take part in “%(title)s”?", org=name, title=meeting.title),
                "text": _("Confirm, and the KI staff plan a seat for %(org)s at the tables.", org=name),
                "button": _("Yes, we take part"),
            }
        return {
            "title": _("Cancel the attendance of %(org)s at “%(title)s”?", org=name, title=meeting.title),
            "text": _(
                "%(org)s gets no seat at the tables. You can change your answer in ReMo until the deadline.", org=name
            ),
            "button": _("No, we do not take part"),
        }

    return describe


def _perform(coming: bool):
    def perform(store: GraphStore, link: Link, form: Any) -> str:
        from ..meetings import DeadlinePassed, set_attendance

        meeting, org_id, name = _parts(store, link)
        try:
            set_attendance(store, meeting.id, org_id, coming, actor=f"mail-link:{org_id}", extra_ops=[used_op(link)])
        except DeadlinePassed as exc:
            raise LinkError("expired") from exc
        except ConflictError as exc:
            if store.get("mail_link", link.jti) is not None:
                raise LinkError("used") from exc
            raise
        if coming:
            return _("Thank you: %(org)s takes part in “%(title)s”.", org=name, title=meeting.title)
        return _("Thank you: %(org)s does not take part in “%(title)s”.", org=name, title=meeting.title)

    return perform


register("meeting_yes", LinkAction(_describe(True), _perform(True)))
register("meeting_no", LinkAction(_describe(False), _perform(False)))
