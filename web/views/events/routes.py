"""Events: the public calendar (list and month), event pages with schema.org JSON-LD, the Atom feed,
the representatives' event editor and the staff's review queue with trust per organisation.

The workflow rules live in `web.events`; this module parses requests, calls it and renders.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any
from xml.etree import ElementTree as ET

from babel.dates import format_skeleton
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, format_date, format_datetime, format_time, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from graph import ConflictError, ValidationError
from graph.events import Event, Occurrence, event_from_stored, next_occurrence, occurrences

from ... import events as svc
from ...extensions import get_store
from ...security import CSP, allow, can_edit_org
from ...templating import current_lang
from .._shared import translated_title, when_text
from .forms import apply_event_issues, event_to_form_data, form_to_event, make_event_form

__all__ = ["bp", "event_json_ld"]

bp = Blueprint("events", __name__)

#: the list view shows this many days from its first day
LIST_DAYS = 28
#: the Atom feed's entries (newest publications first)
FEED_ENTRIES = 50


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------
def _locale() -> Any:
    return get_locale() or "de"


def _day_heading(day: dt.date) -> str:
    return format_date(day, "full")


def _text(ev: Event) -> dict[str, Any]:
    """The text as written, and its translation for the UI language when there is one."""
    lang = current_lang()
    out = {"title": ev.title, "description": ev.description, "lang": ev.lang, "translation": None}
    tr = ev.translations.get(lang) if lang != ev.lang else None
    if tr and tr.get("title"):
        out["translation"] = {"title": tr["title"], "description": tr.get("description", ""), "lang": lang}
    return out


def _item(occ: Occurrence, ev: Event, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": ev.id,
        "title": ev.title,
        "title_lang": ev.lang,
        "translated": translated_title(ev),
        "start": occ.start,
        "time": f"{format_time(occ.start.astimezone(get_timezone()), 'short')}–"
        f"{format_time(occ.end.astimezone(get_timezone()), 'short')}",
        "orgs": [(o, names.get(o, o)) for o in ev.organisations],
        "place": ev.place_name,
        "district": ev.district,
        "free": ev.free,
        "accessible": ev.accessible,
        "cancelled": ev.status == "cancelled",
        "recurring": ev.recurring,
    }


def _names(snap: Any) -> dict[str, str]:
    return {o.id: o.name for o in snap.network.organisations}


# ---------------------------------------------------------------------------
# the public calendar
# ---------------------------------------------------------------------------
def _filter_choices(vocab: Any, lang: str) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for name, category in svc.FILTERS.items():
        items = [(t, vocab.label(category, t, lang)) for t in vocab.ids(category)]
        out[name] = sorted(items, key=lambda x: x[1].casefold())
    return out


def _today() -> dt.date:
    return dt.datetime.now(get_timezone()).date()


def _parse_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@bp.route("/events")
@allow("public")
def index() -> str:
    snap = get_store().snapshot()
    vocab = snap.vocabulary
    flt = svc.EventFilter.from_args(request.args, vocab, snap.orgs)
    today = _today()
    week = request.args.get("week") == "this"
    if week:
        since = today - dt.timedelta(days=today.weekday())
        until = since + dt.timedelta(days=6)
    else:
        since = max(_parse_day(request.args.get("from")) or today, today - dt.timedelta(days=366))
        until = since + dt.timedelta(days=LIST_DAYS - 1)
    names = _names(snap)
    days: dict[dt.date, list[dict[str, Any]]] = {}
    for occ, ev in svc.calendar(svc.public_events(snap.network.events, flt), since, until):
        days.setdefault(occ.start.date(), []).append(_item(occ, ev, names))
    return render_template(
        "events/index.html",
        days=[(d, _day_heading(d), items) for d, items in days.items()],
        flt=flt,
        args=flt.args(),
        choices=_filter_choices(vocab, current_lang()),
        week=week,
        since=since,
        until=until,
        range_text=_("%(start)s to %(end)s", start=format_date(since, "medium"), end=format_date(until, "medium")),
        later=(until + dt.timedelta(days=1)).isoformat(),
        earlier=(since - dt.timedelta(days=LIST_DAYS)).isoformat() if since > today else None,
        org_name=names.get(flt.org, ""),
        ics_available=True,
    )


@bp.route("/events/month")
@allow("public")
def month() -> str:
    snap = get_store().snapshot()
    vocab = snap.vocabulary
    flt = svc.EventFilter.from_args(request.args, vocab, snap.orgs)
    today = _today()
    try:
        first = dt.datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        first = today.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    last = nxt - dt.timedelta(days=1)
    names = _names(snap)
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for occ, ev in svc.calendar(svc.public_events(snap.network.events, flt), first, last):
        by_day.setdefault(occ.start.date(), []).append(_item(occ, ev, names))
    grid_start = first - dt.timedelta(days=first.weekday())
    weeks = []
    day = grid_start
    while day <= last:
        days = [day + dt.timedelta(days=i) for i in range(7)]
        weeks.append([(d, d.month == first.month, by_day.get(d, [])) for d in days])
        day += dt.timedelta(days=7)
    weekdays = [format_skeleton("EEE", grid_start + dt.timedelta(days=i), locale=_locale()) for i in range(7)]
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    return render_template(
        "events/month.html",
        weeks=weeks,
        weekdays=weekdays,
        month_title=format_date(first, "LLLL yyyy"),
        month=first.strftime("%Y-%m"),
        prev=prev.strftime("%Y-%m"),
        next=nxt.strftime("%Y-%m"),
        today=today,
        flt=flt,
        args=flt.args(),
        choices=_filter_choices(vocab, current_lang()),
        day_label=lambda d: format_date(d, "full"),
        count=sum(len(v) for v in by_day.values()),
    )


def _script_json(data: Any) -> str:
    """JSON for a ``<script>`` data block: ``<``, ``>`` and ``&`` escaped, so no text can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def event_json_ld(ev: Event, snap: Any, occ: Occurrence | None, url: str) -> dict[str, Any]:
    """The schema.org ``Event`` of an event page (its next date, or its first when none is ahead)."""
    start = occ.start if occ else dt.datetime.fromisoformat(ev.start).replace(tzinfo=ev.tz)
    end = occ.end if occ else dt.datetime.fromisoformat(ev.end).replace(tzinfo=ev.tz)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": ev.title,
        "description": ev.description,
        "inLanguage": ev.lang,
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if ev.status == "cancelled"
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "url": url,
        "isAccessibleForFree": ev.free,
        "organizer": [
            {
                "@type": "Organization",
                "name": snap.orgs[o].name,
                "url": url_for("directory.profile", org_id=o, _external=True),
            }
            for o in ev.organisations
            if o in snap.orgs
        ],
    }
    if ev.place_name or ev.address:
        place: dict[str, Any] = {"@type": "Place", "name": ev.place_name or ev.address}
        if ev.address:
            place["address"] = ev.address
        data["location"] = place
    if not ev.free and ev.amount is not None:
        data["offers"] = {"@type": "Offer", "price": f"{ev.amount:.2f}", "priceCurrency": "EUR"}
    if ev.registration == "link" and ev.registration_url:
        data.setdefault("offers", {"@type": "Offer"})["url"] = ev.registration_url
    return data


def _visible_event(event_id: str) -> tuple[Event, bool]:
    """The event if the user may see it (public, or theirs / staff); 404 otherwise. ``(event, may_edit)``."""
    rec = get_store().get(svc.KIND, event_id)
    if rec is None:
        abort(404)
    ev = event_from_stored(rec.data)
    may_edit = any(can_edit_org(o) for o in ev.organisations)
    internal_ok = current_user.is_authenticated and ev.visibility == "internal" and ev.status in svc.PUBLIC_STATUSES
    if not (ev.is_public or may_edit or internal_ok):
        abort(404)
    return ev, may_edit


@bp.route("/events/<event_id>")
@allow("public")
def detail(event_id: str) -> Response:
    snap = get_store().snapshot()
    ev, may_edit = _visible_event(event_id)
    now = dt.datetime.now(ev.tz)
    upcoming = occurrences(ev, now, now + dt.timedelta(days=120))
    nxt = upcoming[0] if upcoming else None
    url = url_for("events.detail", event_id=ev.id, _external=True)
    ld = _script_json(event_json_ld(ev, snap, nxt, url)) if ev.is_public else ""
    own = next((o for o in ev.organisations if can_edit_org(o)), None) if may_edit else None
    html = render_template(
        "events/detail.html",
        ev=ev,
        text=_text(ev),
        orgs=[(o, snap.orgs[o].name) for o in ev.organisations if o in snap.orgs],
        upcoming=[(o, format_date(o.start.date(), "full"), _item(o, ev, {})["time"]) for o in upcoming[:8]],
        first=(format_datetime(dt.datetime.fromisoformat(ev.start).replace(tzinfo=ev.tz), "medium")),
        recurrence=svc.recurrence_text(ev),
        exceptions=ev.exceptions,
        json_ld=Markup(ld),
        cost=format_currency(ev.amount or 0, "EUR") if not ev.free else "",
        own=own,
    )
    response = Response(html, mimetype="text/html")
    if ld:
        # the JSON-LD data block is allowed by its hash; everything else stays 'self' only
        digest = base64.b64encode(hashlib.sha256(ld.encode()).digest()).decode()
        response.headers["Content-Security-Policy"] = f"{CSP}; script-src 'self' 'sha256-{digest}'"
    return response


@bp.route("/events/feed.atom")
@allow("public")
def atom() -> Response:
    """An Atom feed (RFC 4287) of the newest public events, newest publication first."""
    snap = get_store().snapshot()
    items = sorted(
        svc.public_events(snap.network.events),
        key=lambda e: (e.published_at or e.submitted_at or "", e.id),
        reverse=True,
    )[:FEED_ENTRIES]
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    feed = ET.Element(f"{{{ns}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": current_lang()})
    ET.SubElement(feed, f"{{{ns}}}id").text = url_for("events.atom", _external=True)
    ET.SubElement(feed, f"{{{ns}}}title").text = _("New events in the ReMo network")
    newest = max((e.published_at or "" for e in items), default="") or "2000-01-01T00:00:00+00:00"
    ET.SubElement(feed, f"{{{ns}}}updated").text = newest
    ET.SubElement(
        feed,
        f"{{{ns}}}link",
        {"rel": "self", "href": url_for("events.atom", _external=True), "type": "application/atom+xml"},
    )
    ET.SubElement(
        feed,
        f"{{{ns}}}link",
        {"rel": "alternate", "href": url_for("events.index", _external=True), "type": "text/html"},
    )
    author = ET.SubElement(feed, f"{{{ns}}}author")
    ET.SubElement(author, f"{{{ns}}}name").text = "ReMo"
    for ev in items:
        entry = ET.SubElement(feed, f"{{{ns}}}entry")
        link = url_for("events.detail", event_id=ev.id, _external=True)
        ET.SubElement(entry, f"{{{ns}}}id").text = link
        title = ev.title + (f" ({_('cancelled')})" if ev.status == "cancelled" else "")
        ET.SubElement(entry, f"{{{ns}}}title").text = title
        ET.SubElement(entry, f"{{{ns}}}updated").text = ev.published_at or newest
        if ev.published_at:
            ET.SubElement(entry, f"{{{ns}}}published").text = ev.published_at
        ET.SubElement(entry, f"{{{ns}}}link", {"rel": "alternate", "href": link, "type": "text/html"})
        for org in ev.organisations:
            if org in snap.orgs:
                a = ET.SubElement(entry, f"{{{ns}}}author")
                ET.SubElement(a, f"{{{ns}}}name").text = snap.orgs[org].name
        occ = next_occurrence(ev)
        when = (
            format_datetime(occ.start, "medium")
            if occ
            else format_datetime(dt.datetime.fromisoformat(ev.start).replace(tzinfo=ev.tz), "medium")
        )
        summary = f"{when}" + (f" – {ev.place_name}" if ev.place_name else "")
        if ev.description:
            summary += "\n\n" + ev.description
        ET.SubElement(entry, f"{{{ns}}}summary", {"type": "text"}).text = summary
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


# ---------------------------------------------------------------------------
# iCalendar feeds (built by web.ics)
# ---------------------------------------------------------------------------
def _utc_until(rule: str, tz: Any) -> str:
    """The rule with its local ``UNTIL`` (how ReMo stores it) in UTC, as RFC 5545 wants with a ``TZID`` start."""
    parts = []
    for part in rule.split(";"):
        key, _sep, value = part.partition("=")
        if key == "UNTIL" and not value.endswith("Z"):
            try:
                local = (
                    dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
                    if "T" in value
                    else dt.datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59)
                )
            except ValueError:
                parts.append(part)
                continue
            value = local.replace(tzinfo=tz).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        parts.append(f"{key}={value}" if _sep else part)
    return ";".join(parts)


def _stamp(ev: Event) -> dt.datetime | None:
    for value in (ev.published_at, ev.submitted_at):
        try:
            return dt.datetime.fromisoformat(value) if value else None
        except ValueError:
            continue
    return None


def ics_response(items: list[Event], snap: Any, name: str, filename: str) -> Response:
    """A ``METHOD:PUBLISH`` calendar of ``items`` with their recurrences and exceptions."""
    from graph.events import exception_starts

    from ...ics import add_event, new_calendar, to_bytes

    cal = new_calendar(method="PUBLISH", name=name)
    host = request.host.split(":")[0] or "remo"
    for ev in items:
        tz = ev.tz
        place = ", ".join(x for x in (ev.place_name, ev.address) if x)
        organisers = ", ".join(snap.orgs[o].name for o in ev.organisations if o in snap.orgs)
        description = "\n\n".join(x for x in (ev.description, organisers) if x)
        add_event(
            cal,
            uid=f"event-{ev.id}@{host}",
            start=dt.datetime.fromisoformat(ev.start).replace(tzinfo=tz),
            end=dt.datetime.fromisoformat(ev.end).replace(tzinfo=tz),
            summary=ev.title,
            description=description or None,
            location=place or None,
            url=url_for("events.detail", event_id=ev.id, _external=True),
            rrule=_utc_until(ev.rrule, tz) if ev.rrule else None,
            exdates=[s.replace(tzinfo=tz) for s in exception_starts(ev)],
            stamp=_stamp(ev),
            status="CANCELLED" if ev.status == "cancelled" else "CONFIRMED",
        )
    response = Response(to_bytes(cal), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.route("/events.ics")
@allow("public")
def ics() -> Response:
    """All public events, or those that fit the calendar's filters (the same query arguments)."""
    snap = get_store().snapshot()
    flt = svc.EventFilter.from_args(request.args, snap.vocabulary, snap.orgs)
    return ics_response(svc.public_events(snap.network.events, flt), snap, _("ReMo events"), "remo-events.ics")


@bp.route("/org/<org_id>/events.ics")
@allow("public")
def org_ics(org_id: str) -> Response:
    """The public events of one organisation (also the joint ones)."""
    snap = get_store().snapshot()
    org = snap.orgs.get(org_id)
    if org is None:
        abort(404)
    items = svc.public_events(snap.network.events, svc.EventFilter(org=org_id))
    return ics_response(items, snap, org.name, f"{org_id}.ics")


# ---------------------------------------------------------------------------
# the representatives' editor
# ---------------------------------------------------------------------------
def _partners(snap: Any, org_id: str) -> list[tuple[str, str]]:
    return sorted(((o.id, o.name) for o in snap.network.organisations if o.id != org_id), key=lambda x: x[1].casefold())


def _status_labels() -> dict[str, str]:
    return {
        "draft": _("draft"),
        "submitted": _("waiting for review"),
        "published": _("published"),
        "cancelled": _("cancelled"),
    }


@bp.route("/org/<org_id>/events")
@allow("org")
def manage(org_id: str) -> str:
    store = get_store()
    snap = store.snapshot()
    org = snap.orgs.get(org_id)
    if org is None:
        abort(404)
    mine = sorted(
        (e for e in snap.network.events if org_id in e.organisations),
        key=lambda e: ({"submitted": 0, "draft": 1, "published": 2, "cancelled": 3}[e.status], e.start, e.id),
    )
    return render_template(
        "events/manage.html",
        org=org,
        events=mine,
        trusted=svc.is_trusted(store, org_id),
        status_labels=_status_labels(),
        next_of={e.id: next_occurrence(e) for e in mine},
        versions={e.id: (r.version if (r := store.get(svc.KIND, e.id)) else 0) for e in mine},
        when_text=when_text,
    )


_PERMISSION_MESSAGES = {
    "cancelled": lambda: _("A cancelled event cannot be changed any more."),
    "publish": lambda: _("Only the KI staff and trusted organisations can publish events directly."),
    "send_back": lambda: _("Only the KI staff can send an event back."),
    "not_submitted": lambda: _("This event is not waiting for review."),
    "not_published": lambda: _("Only a published event can be cancelled."),
    "other_org": lambda: _("You can only change events of your own organisation."),
    "missing": lambda: _("This event does not exist."),
}


def _permission_message(exc: svc.EventPermissionError) -> str:
    return _PERMISSION_MESSAGES.get(exc.reason, lambda: _("This step is not possible for this event."))()


def _editor(org_id: str, event_id: str | None) -> Response | str | tuple[str, int]:
    store = get_store()
    snap = store.snapshot()
    vocab = snap.vocabulary
    lang = current_lang()
    if org_id not in snap.orgs:
        abort(404)
    rec = store.get(svc.KIND, event_id) if event_id else None
    if event_id and (rec is None or org_id not in rec.data.get("organisations", [])):
        abort(404)  # another organisation's event: as if it did not exist
    partners = _partners(snap, org_id)
    may_publish = svc.can_publish(store, staff=current_user.is_staff, org_id=org_id)
    ctx = {"org": snap.orgs[org_id], "rec": rec, "may_publish": may_publish, "status_labels": _status_labels()}
    if request.method == "GET":
        data = event_to_form_data(rec.data, org_id) if rec else {"lang": "de", "free": True, "visibility": "public"}
        form = make_event_form(vocab, lang, partners, data=data)
        form.version.data = str(rec.version) if rec else ""
        return render_template("events/edit.html", form=form, **ctx)
    form = make_event_form(vocab, lang, partners, formdata=request.form)
    if not form.validate():
        return render_template("events/edit.html", form=form, **ctx), 422
    action = request.form.get("action", "save")
    if action not in ("save", "submit", "publish"):
        abort(400)
    try:
        version = int(form.version.data) if form.version.data else None
    except ValueError:
        abort(400)
    data = form_to_event(form, rec.data if rec else None)
    try:
        saved = svc.event_action(
            store,
            vocab,
            action,
            actor=current_user.actor(org_id),
            staff=current_user.is_staff,
            org_id=org_id,
            event_id=event_id,
            data=data,
            version=version if rec else None,
        )
    except ValidationError as exc:
        for msg in apply_event_issues(form, exc.issues):
            flash(msg, "error")
        flash(_("The event was not saved. Please correct the marked fields."), "error")
        return render_template("events/edit.html", form=form, **ctx), 422
    except ConflictError:
        flash(
            _("This event was changed meanwhile by somebody else. Please check it and enter your changes again."),
            "error",
        )
        if rec is None:
            return render_template("events/edit.html", form=form, **ctx), 409
        return redirect(url_for("events.edit", org_id=org_id, event_id=event_id))
    except svc.EventPermissionError as exc:
        flash(_permission_message(exc), "error")
        return render_template("events/edit.html", form=form, **ctx), 403
    flash(
        {
            "draft": _("The draft was saved. Submit it when it is ready."),
            "submitted": _("Thank you! The KI staff will review the event and publish it."),
            "published": _("The event is published in the calendar."),
        }.get(saved.data["status"], _("Saved. Thank you!")),
        "success",
    )
    return redirect(url_for("events.manage", org_id=org_id))


@bp.route("/org/<org_id>/events/new", methods=["GET", "POST"])
@allow("org")
def new(org_id: str) -> Response | str | tuple[str, int]:
    return _editor(org_id, None)


@bp.route("/org/<org_id>/events/<event_id>/edit", methods=["GET", "POST"])
@allow("org")
def edit(org_id: str, event_id: str) -> Response | str | tuple[str, int]:
    return _editor(org_id, event_id)


def _status_change(org_id: str | None, event_id: str, action: str, back: str) -> Response:
    store = get_store()
    rec = store.get(svc.KIND, event_id)
    if rec is None or (org_id is not None and org_id not in rec.data.get("organisations", [])):
        abort(404)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    note = (request.form.get("note") or "").strip()[:1000]
    if action == "send_back" and not note:
        flash(_("Please write a note that tells the organisation what to change."), "error")
        return redirect(back)
    try:
        svc.event_action(
            store,
            store.snapshot().vocabulary,
            action,
            actor=current_user.actor(org_id),
            staff=current_user.is_staff,
            org_id=org_id,
            event_id=event_id,
            version=version,
            note=note,
        )
    except ConflictError:
        flash(_("This event was changed meanwhile; please look at it again."), "error")
    except svc.EventPermissionError as exc:
        flash(_permission_message(exc), "error")
    except ValidationError:
        flash(_("This event has invalid data; please edit it first."), "error")
    else:
        flash(
            {
                "cancel": _("The event is marked as cancelled."),
                "publish": _("The event is published in the calendar."),
                "send_back": _("The event was sent back to the organisation with your note."),
            }[action],
            "success",
        )
    return redirect(back)


@bp.route("/org/<org_id>/events/<event_id>/cancel", methods=["POST"])
@allow("org")
def cancel(org_id: str, event_id: str) -> Response:
    return _status_change(org_id, event_id, "cancel", url_for("events.manage", org_id=org_id))


# ---------------------------------------------------------------------------
# staff: review and trust
# ---------------------------------------------------------------------------
@bp.route("/desk/events")
@allow("staff")
def review() -> str:
    store = get_store()
    snap = store.snapshot()
    trust = {r.id: r for r in store.list(svc.TRUST_KIND)}
    queue = svc.waiting_for_review(snap.network.events)
    versions = {e.id: store.get(svc.KIND, e.id) for e in queue}
    orgs = sorted(snap.network.organisations, key=lambda o: o.name.casefold())
    return render_template(
        "events/review.html",
        queue=[(e, versions[e.id].version if versions[e.id] else 0) for e in queue],
        names=_names(snap),
        orgs=orgs,
        trust=trust,
        when_text=when_text,
        first=lambda e: dt.datetime.fromisoformat(e.start).replace(tzinfo=e.tz),
    )


@bp.route("/desk/events/<event_id>/review", methods=["POST"])
@allow("staff")
def decide(event_id: str) -> Response:
    action = request.form.get("action", "")
    if action not in ("publish", "send_back"):
        abort(400)
    return _status_change(None, event_id, action, url_for("events.review"))


@bp.route("/desk/events/trust/<org_id>", methods=["POST"])
@allow("staff")
def trust(org_id: str) -> Response:
    store = get_store()
    if org_id not in store.snapshot().orgs:
        abort(404)
    try:
        version = int(request.form.get("version", "0"))
    except ValueError:
        abort(400)
    trusted = request.form.get("trusted") == "1"
    name = store.snapshot().orgs[org_id].name
    try:
        svc.set_trust(store, org_id, trusted, actor=current_user.actor(), version=version)
    except ConflictError:
        flash(_("The trust setting was changed meanwhile; please look at it again."), "error")
    else:
        flash(
            _("%(name)s may now publish events directly.", name=name)
            if trusted
            else _("Events of %(name)s are now reviewed before they are published.", name=name),
            "success",
        )
    return redirect(url_for("events.review") + "#trust")
