"""Events under ``/api/v1/events``: the public calendar, and for a token its organisations' other events."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from werkzeug.wrappers import Response

from graph import Issue

from ...api.errors import ApiError
from ...api.openapi import Param, operation
from ...api.schemas import DATE
from ...extensions import get_store
from ...security import allow
from .base import (
    P_PAGE,
    P_PER_PAGE,
    Caller,
    caller,
    current_snapshot,
    paged,
    request_args,
    v1,
    vocab_param,
)

__all__: list[str] = []

P_EVENT = Param("event_id", {"type": "string", "maxLength": 128}, where="path", description="Event id")
DATE_SCHEMA = {"type": "string", "format": "date", "pattern": DATE, "maxLength": 10}  # a real day, as the server checks
EVENT_FILTERS = [
    vocab_param("district", "districts", "Takes place in this district"),
    vocab_param("language", "languages", "This language is spoken"),
    vocab_param("topic", "topics", "On this topic"),
    vocab_param("target_group", "target_groups", "For this target group"),
    Param("free", {"type": "boolean"}, description="Only events free of charge"),
    Param("accessible", {"type": "boolean"}, description="Only places with step-free access"),
    Param("org", {"type": "string", "maxLength": 128}, description="Only events (co-)hosted by this organisation"),
    Param("from", DATE_SCHEMA, description="Only events with a date on or after this day (YYYY-MM-DD)"),
    Param("to", DATE_SCHEMA, description="Only events with a date on or before this day (YYYY-MM-DD)"),
]


def _event_out(ev: Any, who: Caller, version: int | None = None) -> dict[str, Any]:
    from graph.events import next_occurrence

    nxt = next_occurrence(ev) if ev.status == "published" else None
    out = ev.to_dict() if any(who.owns(o) for o in ev.organisations) else ev.public_dict()
    if version is not None and any(who.owns(o) for o in ev.organisations):
        out["version"] = version
    out["next_occurrence"] = {"start": nxt.start.isoformat(), "end": nxt.end.isoformat()} if nxt else None
    out["url"] = url_for("events.detail", event_id=ev.id, _external=True)
    return out


def _events_for(who: Caller) -> list[Any]:
    """The public events, and for a token's owner also their own organisations' other events."""
    snap = current_snapshot()
    return [e for e in snap.network.events if e.is_public or any(who.owns(o) for o in e.organisations)]


def _day_arg(args: dict[str, Any], name: str) -> Any:
    import datetime as dt

    if not args[name]:
        return None
    try:
        return dt.date.fromisoformat(args[name])
    except ValueError as exc:
        raise ApiError(
            400,
            "Some query parameters are not valid.",
            details=[
                Issue(name, args[name], "is not a date (YYYY-MM-DD)", where="query", code="bad_parameter").to_dict()
            ],
        ) from exc


@v1.get("/events")
@allow("public")
@operation(
    "listEvents",
    "List events (the public calendar)",
    tag="events",
    params=[*EVENT_FILTERS, P_PAGE, P_PER_PAGE],
    responses={200: ("EventList", "One page of events, by their first date")},
    errors=(404,),
    description="The calendar's filters. Without a token only public events (published or cancelled) are listed; "
    "a token also lists its organisations' drafts, submitted and internal events. With `from`/`to` only events "
    "with a date in that period.",
)
def list_events() -> Response:
    import datetime as dt

    from ...events import EventFilter

    args = request_args()
    who = caller()
    snap = current_snapshot()
    flt = EventFilter.from_args(
        {
            k: ("1" if args[k] else "") if k in ("free", "accessible") else (args[k] or "")
            for k in ("district", "language", "topic", "target_group", "free", "accessible", "org")
        },
        snap.vocabulary,
        snap.orgs,
    )
    if args["org"] and args["org"] not in snap.orgs:
        raise ApiError(404, f"organisation {args['org']!r} does not exist")
    found = [e for e in _events_for(who) if flt.matches(e)]
    since, until = _day_arg(args, "from"), _day_arg(args, "to")
    if since or until:
        from graph.events import occurrences

        last = dt.date(9998, 12, 31)  # no calendar reaches further; beyond it day arithmetic overflows
        lo = min(since or dt.date(1900, 1, 1), last)
        hi = min(until, last) if until else lo + dt.timedelta(days=min(3660, (last - lo).days))
        # a range that ends before it starts holds no day: an empty page, as each bound documents
        found = [e for e in found if occurrences(e, lo, hi)] if lo <= hi else []
    found.sort(key=lambda e: (e.start, e.id))
    page = paged(found, args["page"], args["per_page"])
    page["items"] = [_event_out(e, who) for e in page["items"]]
    return jsonify(page)


@v1.get("/events/<event_id>")
@allow("public")
@operation(
    "getEvent",
    "One event",
    tag="events",
    params=[P_EVENT],
    responses={200: ("Event", "The event; `version`, review note and author for its organisations' tokens")},
)
def get_event(event_id: str) -> Response:
    who = caller()
    rec = get_store().get("event", event_id)
    if rec is not None:
        from graph.events import event_from_stored

        ev = event_from_stored(rec.data)
        if ev.is_public or any(who.owns(o) for o in ev.organisations):
            return jsonify(_event_out(ev, who, rec.version))
    raise ApiError(404, f"event {event_id!r} does not exist")
