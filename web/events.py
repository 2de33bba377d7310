"""Events: who may write, submit, publish and cancel them, and what the public calendar shows.

Plain service functions over the store (no Flask; only the two text helpers use Flask-Babel when called):
the pages, the API, the feeds, the map, the dashboard and the brochure call them.

Workflow (``status`` of a `graph.events.Event`)::

    draft --submit--> submitted --publish (staff)--> published --cancel--> cancelled
      ^                   |
      +---send back-------+   (staff, with a note for the representative)

A representative writes and submits events for their own organisation(s); KI staff publish them
or send them back with a note. A representative of a *trusted* organisation may publish directly
(staff set the trust per organisation: a record of kind ``event_trust`` with the organisation's id).
Changing a published event without the right to publish sends it back to review (``submitted``).
A cancelled event stays visible, marked as cancelled. Every write names the version it was based on
(a stale one raises `graph.ConflictError`) and writes an audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph import ConflictError, Issue, ReMoError, ValidationError, Vocabulary
from graph.audit import audit_op
from graph.events import (
    PUBLIC_STATUSES,
    Event,
    Occurrence,
    event_from_stored,
    next_occurrence,
    occurrences,
    parse_event,
)
from graph.model import slugify
from graph.store import GraphStore
from graph.store.base import Op, Record, now_iso

__all__ = [
    "ACTIONS",
    "FILTERS",
    "KIND",
    "TRUST_KIND",
    "EventFilter",
    "EventPermissionError",
    "calendar",
    "can_publish",
    "event_action",
    "is_trusted",
    "joint_activity",
    "new_event_id",
    "next_dates",
    "public_events",
    "recurrence_text",
    "regular_activities",
    "set_trust",
    "trusted_orgs",
    "waiting_for_review",
]

KIND = "event"
TRUST_KIND = "event_trust"
#: what an editor can do with an event (see the module docstring)
ACTIONS = ("save", "submit", "publish", "send_back", "cancel")
#: the calendar's filters: name -> vocabulary category (``free`` and ``accessible`` are yes/no)
#: ids that would clash with the calendar's own addresses (/events/month, ...)
RESERVED_IDS = frozenset({"month", "new"})
FILTERS = {"district": "districts", "language": "languages", "topic": "topics", "target_group": "target_groups"}


class EventPermissionError(ReMoError):
    """The user may not do this with this event (``reason``: a stable code the caller translates)."""

    code = "forbidden"

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# ---------------------------------------------------------------------------
# trust
# ---------------------------------------------------------------------------
def is_trusted(store: GraphStore, org_id: str) -> bool:
    """Whether representatives of ``org_id`` may publish events without a review."""
    rec = store.get(TRUST_KIND, org_id)
    return bool(rec and rec.data.get("trusted"))


def trusted_orgs(store: GraphStore) -> set[str]:
    return {r.id for r in store.list(TRUST_KIND) if r.data.get("trusted")}


def set_trust(store: GraphStore, org_id: str, trusted: bool, *, actor: str, version: int | None = None) -> None:
    """Set or clear the trust of one organisation (staff), with an audit entry.

    ``version``: the trust record's version the staff member saw (0: none yet; ``None``: whatever is stored now).
    """
    rec = store.get(TRUST_KIND, org_id)
    if version is None:
        version = rec.version if rec else 0
    data = {"trusted": bool(trusted), "by": actor, "at": now_iso()}
    ops = [
        Op(TRUST_KIND, org_id, data, version or None),
        audit_op(actor, "change", TRUST_KIND, org_id, detail={"trusted": bool(trusted)}),
    ]
    store.apply(ops, actor=actor)


def can_publish(store: GraphStore, *, staff: bool, org_id: str | None) -> bool:
    """Staff always; a representative acting for ``org_id`` when that organisation is trusted."""
    return staff or (org_id is not None and is_trusted(store, org_id))


# ---------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------
def new_event_id(store: GraphStore, title: str) -> str:
    """An unused record id from the title (``hausaufgabenhilfe``, ``hausaufgabenhilfe-2``, ...)."""
    base = slugify(title)[:60].strip("-") or "event"
    candidate, n = base, 1
    while candidate in RESERVED_IDS or store.get(KIND, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _next_status(current: str, action: str, *, may_publish: bool, staff: bool) -> str:
    if action == "save":
        if current == "cancelled":
            raise EventPermissionError("cancelled")
        if current == "published":
            return "published" if may_publish else "submitted"
        return "draft" if current in ("draft", "submitted") else current
    if action == "submit":
        if current == "cancelled":
            raise EventPermissionError("cancelled")
        return "published" if current == "published" and may_publish else "submitted"
    if action == "publish":
        if not may_publish:
            raise EventPermissionError("publish")
        if current == "cancelled":
            raise EventPermissionError("cancelled")
        return "published"
    if action == "send_back":
        if not staff:
            raise EventPermissionError("send_back")
        if current != "submitted":
            raise EventPermissionError("not_submitted")
        return "draft"
    if action == "cancel":
        if current != "published":
            raise EventPermissionError("not_published")
        return "cancelled"
    raise ValueError(f"unknown event action {action!r}; use one of {', '.join(ACTIONS)}")


def event_action(
    store: GraphStore,
    vocab: Vocabulary,
    action: str,
    *,
    actor: str,
    staff: bool,
    org_id: str | None,
    event_id: str | None = None,
    data: Mapping[str, Any] | None = None,
    version: int | None = None,
    note: str = "",
) -> Record:
    """Create or change one event and move it along the workflow, in one transaction with an audit entry.

    ``org_id``: the organisation a representative acts for (must be one of the event's; ``None`` for
    staff acting as themselves). ``data``: the edited event (``Event.to_dict`` shape without the
    workflow fields) for ``save``, ``submit`` and ``publish``; ``None`` to change only the status.
    ``version``: the version the user loaded (``None`` creates a new event). Raises
    `graph.ValidationError` (nothing written), `graph.ConflictError` (a stale version) and
    `EventPermissionError`.
    """
    current = store.get(KIND, event_id) if event_id else None
    if event_id and version is not None and (current is None or current.version != version):
        raise ConflictError(KIND, event_id, version, current)
    old = dict(current.data) if current else {}
    if current is not None and not staff and (org_id is None or org_id not in old.get("organisations", [])):
        raise EventPermissionError("other_org")
    if data is None and current is None:
        raise EventPermissionError("missing")
    record: dict[str, Any] = dict(old) if data is None else {**old, **dict(data)}
    if data is not None:
        orgs = [o for o in record.get("organisations") or [] if o]
        if org_id and org_id not in orgs:
            orgs.insert(0, org_id)  # the acting organisation always stays an organiser
        record["organisations"] = list(dict.fromkeys(orgs))
    status = _next_status(
        old.get("status", "draft"), action, may_publish=can_publish(store, staff=staff, org_id=org_id), staff=staff
    )
    record["status"] = status
    record["id"] = event_id or record.get("id") or new_event_id(store, str(record.get("title") or ""))
    record.setdefault("created_by", actor)
    if action == "send_back":
        record["review_note"] = note.strip()
    elif status == "published":
        record["review_note"] = ""
    if status == "submitted" and old.get("status") != "submitted":
        record["submitted_at"] = now_iso()
    if status == "published" and old.get("status") != "published":
        record["published_at"] = record.get("published_at") or now_iso()
    parsed, issues = parse_event(record, vocab)
    if parsed is None:
        raise ValidationError(issues)
    stored = parsed.to_dict()
    # the store checks the version again inside the transaction (a write in between raises a conflict)
    op = Op(KIND, parsed.id, stored, current.version if current else None)
    detail = {"action": action, "status": status}
    store.apply([op, audit_op(actor, "change", KIND, parsed.id, org_id, detail=detail)], actor=actor)
    rec = store.get(KIND, parsed.id)
    assert rec is not None
    return rec


def waiting_for_review(events: Iterable[Event]) -> list[Event]:
    """Submitted events, oldest submission first (the staff desk's queue)."""
    return sorted((e for e in events if e.status == "submitted"), key=lambda e: (e.submitted_at or "", e.id))


# ---------------------------------------------------------------------------
# the public calendar
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EventFilter:
    """The calendar's filters; empty values match everything."""

    district: str = ""
    language: str = ""
    topic: str = ""
    target_group: str = ""
    free: bool = False
    accessible: bool = False
    org: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any], vocab: Vocabulary, orgs: Iterable[str] = ()) -> EventFilter:
        """From query arguments; unknown terms are dropped (a stale link still shows a calendar)."""
        values = {}
        for name, category in FILTERS.items():
            value = str(args.get(name) or "")
            values[name] = value if value in vocab.ids(category) else ""
        org = str(args.get("org") or "")
        return cls(
            **values,
            free=str(args.get("free") or "") in ("1", "true", "on", "yes"),
            accessible=str(args.get("accessible") or "") in ("1", "true", "on", "yes"),
            org=org if org in set(orgs) else "",
        )

    def args(self) -> dict[str, str]:
        """The filters as query arguments (only those set)."""
        out = {name: getattr(self, name) for name in (*FILTERS, "org") if getattr(self, name)}
        if self.free:
            out["free"] = "1"
        if self.accessible:
            out["accessible"] = "1"
        return out

    def matches(self, ev: Event) -> bool:
        if self.district and ev.district != self.district:
            return False
        if self.language and self.language not in ev.languages:
            return False
        if self.topic and self.topic not in ev.topics:
            return False
        if self.target_group and self.target_group not in ev.target_groups:
            return False
        if self.free and not ev.free:
            return False
        if self.accessible and ev.accessible is not True:
            return False
        return not (self.org and self.org not in ev.organisations)


def public_events(events: Iterable[Event], flt: EventFilter | None = None) -> list[Event]:
    """The events the public sees (public, published or cancelled) that fit the filter."""
    return [e for e in events if e.is_public and (flt is None or flt.matches(e))]


def calendar(events: Iterable[Event], since: dt.date, until: dt.date) -> list[tuple[Occurrence, Event]]:
    """Every date of ``events`` on the days ``since`` .. ``until`` (inclusive), in time order."""
    out = [(occ, ev) for ev in events for occ in occurrences(ev, since, until)]
    out.sort(key=lambda x: (x[0].start, x[1].title.casefold(), x[1].id))
    return out


def next_dates(events: Iterable[Event], now: dt.datetime | None = None) -> dict[str, tuple[Occurrence, Event]]:
    """Per organisation, the next date of its public, not cancelled events (for profiles and cards)."""
    out: dict[str, tuple[Occurrence, Event]] = {}
    for ev in events:
        if not ev.is_public or ev.status != "published":
            continue
        occ = next_occurrence(ev, now)
        if occ is None:
            continue
        for org in ev.organisations:
            if org not in out or occ.start < out[org][0].start:
                out[org] = (occ, ev)
    return out


def joint_activity(
    events: Iterable[Event], since: dt.date, until: dt.date, *, public_only: bool = False
) -> dict[tuple[str, str], list[str]]:
    """Pairs of organisations that held a joint event on some day of ``since`` .. ``until``.

    Counts published events (a cancelled one did not take place, drafts have not been agreed);
    ``public_only`` leaves out internal ones (for public views). Returns ``{(a, b): [event ids]}``
    with ``a < b``: the activity between organisations that the dashboard and the map show next
    to the recorded cooperations.
    """
    out: dict[tuple[str, str], list[str]] = {}
    for ev in events:
        if not ev.joint or ev.status != "published" or (public_only and ev.visibility != "public"):
            continue
        if not occurrences(ev, since, until):
            continue
        orgs = sorted(set(ev.organisations))
        for i, a in enumerate(orgs):
            for b in orgs[i + 1 :]:
                out.setdefault((a, b), []).append(ev.id)
    return out


def recurrence_text(ev: Event) -> str:
    """The recurrence in words in the current locale ("every week on Tuesday, until 30 Jun 2027"); '' if none.

    Needs a Flask-Babel context (a request, or ``force_locale`` in an app context).
    """
    from flask_babel import format_date
    from flask_babel import gettext as _

    if not ev.rrule:
        return ""
    parts = dict(p.split("=", 1) for p in ev.rrule.split(";") if "=" in p)
    freq, interval = parts.get("FREQ"), int(parts.get("INTERVAL", "1") or 1)
    start = dt.datetime.fromisoformat(ev.start)
    weekday = format_date(start.date(), "EEEE")
    if freq == "WEEKLY" and interval == 1:
        text = _("every week on %(weekday)s", weekday=weekday)
    elif freq == "WEEKLY" and interval == 2:
        text = _("every two weeks on %(weekday)s", weekday=weekday)
    elif freq == "MONTHLY":
        text = _("every month")
    elif freq == "DAILY":
        text = _("every day")
    else:
        text = _("regularly")
    if "UNTIL" in parts:
        try:
            until = dt.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
            text += ", " + _("until %(date)s", date=format_date(until, "medium"))
        except ValueError:
            pass
    return text


def regular_activities(events: Iterable[Event], org_id: str) -> list[dict[str, str]]:
    """An organisation's regular activities for the brochure: public, published, recurring events.

    Each as ``{"title", "lang", "when", "place"}`` with the rhythm in words and the time of day (needs a
    Flask-Babel context, as `recurrence_text`).
    """
    from flask_babel import format_time

    out = []
    for ev in events:
        if org_id not in ev.organisations or not ev.recurring or not ev.is_public or ev.status != "published":
            continue
        start = dt.datetime.fromisoformat(ev.start).replace(tzinfo=ev.tz)
        end = dt.datetime.fromisoformat(ev.end).replace(tzinfo=ev.tz)
        when = f"{recurrence_text(ev)}, {format_time(start, 'short')}–{format_time(end, 'short')}"
        out.append({"title": ev.title, "lang": ev.lang, "when": when, "place": ev.place_name})
    return sorted(out, key=lambda a: a["title"].casefold())


def stored_event(rec: Record) -> Event:
    return event_from_stored(rec.data)


def issues_by_field(issues: Iterable[Issue]) -> dict[str, list[Issue]]:
    out: dict[str, list[Issue]] = {}
    for i in issues:
        out.setdefault(i.field, []).append(i)
    return out


__all__ += ["PUBLIC_STATUSES", "issues_by_field", "stored_event"]
