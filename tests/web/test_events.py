"""Events on the web: the workflow (draft, submit, publish, send back, cancel, trust), the public calendar
with its filters, event pages with JSON-LD, profile and directory cards, feeds and the API."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from .conftest import ORG, OTHER_ORG, login, post

BERLIN = ZoneInfo("Europe/Berlin")


def next_weekday(weekday: int, *, weeks: int = 1) -> dt.date:
    """A date ``weeks`` weeks ahead on ``weekday`` (0 = Monday)."""
    today = dt.datetime.now(BERLIN).date()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * (weeks - 1) or 7)


def event_form(**over) -> dict:
    day = next_weekday(1)
    data = {
        "title": "Sprachcafé am Dienstag",
        "description": "Deutsch üben bei Tee und Gebäck.",
        "lang": "de",
        "start": f"{day.isoformat()}T16:00",
        "end": f"{day.isoformat()}T18:00",
        "repeat": "weekly",
        "rrule": "",
        "repeat_until": "",
        "exdates": (day + dt.timedelta(days=14)).isoformat(),
        "place_name": "Stadtteilzentrum",
        "address": "Hauptstraße 1, 42853 Remscheid",
        "district": "alt_remscheid",
        "accessible": "yes",
        "languages": ["de", "tr"],
        "topics": ["language_courses"],
        "target_groups": ["women"],
        "free": "y",
        "amount": "",
        "cost_note": "",
        "registration": "none",
        "registration_url": "",
        "registration_contact": "",
        "visibility": "public",
        "version": "",
        "title_en": "Language café on Tuesdays",
        "action": "submit",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def submit_event(client, org=ORG, **over):
    return post(client, f"/org/{org}/events/new", event_form(**over), token_from=f"/org/{org}/events/new")


def _event(store, title="Sprachcafé am Dienstag"):
    found = [r for r in store.list("event") if r.data["title"] == title]
    assert len(found) == 1, [r.data["title"] for r in store.list("event")]
    return found[0]


def _logout(client):
    post(client, "/logout")


def _publish_as_staff(client, store, rec):
    _logout(client)
    login(client, "stefan")
    page = client.get("/desk/events").get_data(as_text=True)
    assert rec.data["title"] in page
    assert "warten auf Prüfung" in client.get("/desk").get_data(as_text=True)
    resp = post(
        client,
        f"/desk/events/{rec.id}/review",
        {"action": "publish", "version": rec.version},
        token_from="/desk/events",
    )
    assert resp.status_code == 302
    return store.get("event", rec.id)


def test_done_when_weekly_event_submitted_published_listed_everywhere(web_client, web_store):
    """The issue's "done when": submit, publish, calendar (filters), profile, API."""
    login(web_client, "rana")
    resp = submit_event(web_client)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    rec = _event(web_store)
    assert rec.data["status"] == "submitted"
    assert rec.data["organisations"] == [ORG]
    assert rec.data["recurrence"]["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
    # not public while waiting
    _logout(web_client)
    assert "Sprachcafé am Dienstag" not in web_client.get("/events").get_data(as_text=True)
    assert web_client.get(f"/events/{rec.id}").status_code == 404
    rec = _publish_as_staff(web_client, web_store, rec)
    assert rec.data["status"] == "published" and rec.data["published_at"]
    _logout(web_client)
    # the public calendar, with filters that fit and one that does not
    assert "Sprachcafé am Dienstag" in web_client.get("/events").get_data(as_text=True)
    assert "Sprachcafé am Dienstag" in web_client.get("/events?language=tr&free=1&accessible=1").get_data(as_text=True)
    assert "Sprachcafé am Dienstag" in web_client.get(
        "/events?district=alt_remscheid&topic=language_courses&target_group=women"
    ).get_data(as_text=True)
    assert "Sprachcafé am Dienstag" not in web_client.get("/events?language=ar").get_data(as_text=True)
    day = dt.date.fromisoformat(rec.data["start"][:10])
    month = web_client.get(f"/events/month?month={day:%Y-%m}").get_data(as_text=True)
    assert "Sprachcafé am Dienstag" in month
    # the event page: organisation, place, JSON-LD allowed by its hash in the CSP
    resp = web_client.get(f"/events/{rec.id}")
    html = resp.get_data(as_text=True)
    assert "Stadtteilzentrum" in html and f"/org/{ORG}" in html
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(ld)
    assert data["@type"] == "Event" and data["name"] == "Sprachcafé am Dienstag"
    assert data["startDate"].endswith("+01:00") or data["startDate"].endswith("+02:00")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp
    # the profile shows the next date
    profile = web_client.get(f"/org/{ORG}").get_data(as_text=True)
    assert "Sprachcafé am Dienstag" in profile
    # the API lists it
    api = web_client.get("/api/v1/events?language=tr").get_json()
    assert rec.id in [e["id"] for e in api["items"]]
    one = web_client.get(f"/api/v1/events/{rec.id}").get_json()
    assert one["recurrence"]["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
    assert "review_note" not in one and "created_by" not in one
    # date bounds: a weekly event lies in a week; a range that ends before it starts is empty, not an
    # error; a real day far ahead is no server error; a day that does not exist is a clear 400
    week = f"from={day:%Y-%m-%d}&to={day + dt.timedelta(days=6):%Y-%m-%d}"
    assert rec.id in [e["id"] for e in web_client.get(f"/api/v1/events?{week}").get_json()["items"]]
    back = web_client.get(f"/api/v1/events?from={day:%Y-%m-%d}&to={day - dt.timedelta(days=1):%Y-%m-%d}")
    assert back.status_code == 200 and back.get_json()["items"] == []
    assert web_client.get("/api/v1/events?from=9999-12-30").status_code == 200
    bad = web_client.get("/api/v1/events?from=2026-02-30")
    assert bad.status_code == 400 and bad.get_json()["error"]["details"][0]["field"] == "from"


def test_english_ui_shows_the_translation_next_to_the_original(web_client, web_store):
    login(web_client, "rana")
    submit_event(web_client)
    rec = _publish_as_staff(web_client, web_store, _event(web_store))
    web_client.get("/lang/en")
    html = web_client.get(f"/events/{rec.id}").get_data(as_text=True)
    assert '<bdi lang="de">Sprachcafé am Dienstag</bdi>' in html
    assert "Language café on Tuesdays" in html


def test_send_back_with_note_then_resubmit(web_client, web_store):
    login(web_client, "rana")
    submit_event(web_client)
    rec = _event(web_store)
    _logout(web_client)
    login(web_client, "stefan")
    resp = post(
        web_client,
        f"/desk/events/{rec.id}/review",
        {"action": "send_back", "version": rec.version, "note": "Bitte die Adresse prüfen."},
        token_from="/desk/events",
    )
    assert resp.status_code == 302
    rec = web_store.get("event", rec.id)
    assert rec.data["status"] == "draft" and rec.data["review_note"] == "Bitte die Adresse prüfen."
    _logout(web_client)
    login(web_client, "rana")
    assert "Bitte die Adresse prüfen." in web_client.get(f"/org/{ORG}/events").get_data(as_text=True)


def test_trusted_organisation_publishes_directly(web_client, web_store):
    login(web_client, "rana")
    resp = submit_event(web_client, action="publish")
    assert resp.status_code == 403  # not trusted yet
    assert not [r for r in web_store.list("event") if r.data["title"] == "Sprachcafé am Dienstag"]
    _logout(web_client)
    login(web_client, "stefan")
    resp = post(web_client, f"/desk/events/trust/{ORG}", {"trusted": "1", "version": "0"}, token_from="/desk/events")
    assert resp.status_code == 302
    assert web_store.get("event_trust", ORG).data["trusted"] is True
    _logout(web_client)
    login(web_client, "rana")
    resp = submit_event(web_client, action="publish")
    assert resp.status_code == 302
    assert _event(web_store).data["status"] == "published"
    entries = [r.data for r in web_store.list("audit") if r.data["kind"] in ("event", "event_trust")]
    assert {e["action"] for e in entries} == {"change"}
    assert any(e["kind"] == "event_trust" for e in entries) and any(e.get("on_behalf_of") == ORG for e in entries)


def test_cancel_keeps_the_event_visible_as_cancelled(web_client, web_store):
    login(web_client, "rana")
    submit_event(web_client)
    rec = _publish_as_staff(web_client, web_store, _event(web_store))
    _logout(web_client)
    login(web_client, "rana")
    resp = post(
        web_client, f"/org/{ORG}/events/{rec.id}/cancel", {"version": rec.version}, token_from=f"/org/{ORG}/events"
    )
    assert resp.status_code == 302
    assert web_store.get("event", rec.id).data["status"] == "cancelled"
    _logout(web_client)
    html = web_client.get(f"/events/{rec.id}").get_data(as_text=True)
    assert "EventCancelled" in html
    assert "Sprachcafé am Dienstag" in web_client.get("/events").get_data(as_text=True)


def test_stale_version_is_a_conflict_and_writes_nothing(web_client, web_store):
    login(web_client, "rana")
    submit_event(web_client)
    rec = _publish_as_staff(web_client, web_store, _event(web_store))
    resp = post(
        web_client,
        f"/desk/events/{rec.id}/review",
        {"action": "publish", "version": rec.version - 1},
        token_from="/desk/events",
    )
    assert resp.status_code == 302
    assert web_store.get("event", rec.id).version == rec.version


def test_representative_cannot_touch_another_organisations_events(web_client, web_store):
    login(web_client, "rana")
    submit_event(web_client)
    rec = _event(web_store)
    _logout(web_client)
    login(web_client, "otto")
    assert web_client.get(f"/org/{ORG}/events/{rec.id}/edit").status_code == 403
    # through his own organisation's address the event does not exist for him
    assert web_client.get(f"/org/{OTHER_ORG}/events/{rec.id}/edit").status_code == 404
    resp = post(
        web_client,
        f"/org/{OTHER_ORG}/events/{rec.id}/edit",
        event_form(title="Gekapert", version=rec.version),
        token_from=f"/org/{OTHER_ORG}/events/new",
    )
    assert resp.status_code == 404
    resp = post(
        web_client,
        f"/org/{ORG}/events/{rec.id}/cancel",
        {"version": rec.version},
        token_from=f"/org/{OTHER_ORG}/events",
    )
    assert resp.status_code == 403
    assert web_client.get(f"/events/{rec.id}").status_code == 404  # a submitted event is not his to see
    assert web_store.get("event", rec.id).data == rec.data
    # nor can he review
    assert web_client.get("/desk/events").status_code == 403


@pytest.mark.parametrize(
    ("over", "field_text"),
    [
        ({"end": "2026-01-01T10:00"}, "Das Ende muss nach dem Beginn liegen."),
        ({"repeat": "custom", "rrule": "FREQ=SOMETIMES"}, "Diese Wiederholungsregel ist nicht gültig."),
        ({"repeat": "custom", "rrule": "FREQ=WEEKLY;BYDAY=XX"}, "Diese Wiederholungsregel ist nicht gültig."),
        ({"start": "morgen"}, "Geben Sie Datum und Uhrzeit an"),
        ({"registration": "link"}, "Geben Sie die Webadresse für die Anmeldung an"),
    ],
)
def test_bad_input_gives_a_german_error_and_writes_nothing(web_client, web_store, over, field_text):
    login(web_client, "rana")
    before = web_store.count("event")
    resp = submit_event(web_client, **over)
    assert resp.status_code == 422
    assert field_text in resp.get_data(as_text=True)
    assert web_store.count("event") == before


def test_drafts_and_internal_events_never_appear_publicly(web_client, web_store):
    login(web_client, "rana")
    submit_event(web_client, title="Nur ein Entwurf", action="save")
    assert _event(web_store, "Nur ein Entwurf").data["status"] == "draft"
    _logout(web_client)
    login(web_client, "stefan")
    post(web_client, f"/desk/events/trust/{ORG}", {"trusted": "1", "version": "0"}, token_from="/desk/events")
    _logout(web_client)
    login(web_client, "rana")
    submit_event(web_client, title="Internes Treffen", visibility="internal", action="publish")
    assert _event(web_store, "Internes Treffen").data["status"] == "published"
    _logout(web_client)
    snap = web_store.snapshot()
    hidden = [e for e in snap.network.events if not e.is_public]
    assert hidden
    pages = [
        web_client.get("/events").get_data(as_text=True),
        web_client.get("/events?week=this").get_data(as_text=True),
        web_client.get("/events/feed.atom").get_data(as_text=True),
        web_client.get(f"/org/{ORG}").get_data(as_text=True),
        json.dumps(web_client.get("/api/v1/events?per_page=100").get_json()),
    ]
    for ev in hidden:
        for page in pages:
            assert f'/events/{ev.id}"' not in page and f'"id": "{ev.id}"' not in page
        assert web_client.get(f"/events/{ev.id}").status_code == 404
        assert web_client.get(f"/api/v1/events/{ev.id}").status_code == 404
    for text in ("Nur ein Entwurf", "Internes Treffen"):
        assert all(text not in page for page in pages)


def test_atom_feed_is_atom(web_client):
    from xml.etree import ElementTree as ET

    resp = web_client.get("/events/feed.atom")
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"a:{name}", ns) is not None
    entries = root.findall("a:entry", ns)
    assert entries
    for e in entries:
        for name in ("id", "title", "updated"):
            assert (e.find(f"a:{name}", ns).text or "").strip()
        assert e.find("a:link", ns).get("href").startswith("http")
    updated = [e.find("a:updated", ns).text for e in entries]
    assert updated == sorted(updated, reverse=True)


def test_calendar_pages_render_for_everybody(web_client):
    for url in (
        "/events",
        "/events?week=this",
        "/events/month",
        "/events/month?month=2027-02",
        "/events/month?month=bad",
        "/events?from=bad&district=nowhere",
    ):
        assert web_client.get(url).status_code == 200, url
    # the demo's weekly homework help shows on a Tuesday of its term
    html = web_client.get("/events/month?month=2026-09").get_data(as_text=True)
    assert "Hausaufgabenhilfe" in html


def _expand(vevent, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """A VEVENT's dates in ``[since, until)``: RRULE expanded with dateutil, EXDATEs left out."""
    from dateutil.rrule import rrulestr

    start = vevent["DTSTART"].dt
    if "RRULE" not in vevent:
        return [start] if since <= start < until else []
    rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=start)
    exdates = vevent.get("EXDATE", [])
    excluded = {d.dt for ex in (exdates if isinstance(exdates, list) else [exdates]) for d in ex.dts}
    return [d for d in rule.between(since, until, inc=True) if d not in excluded and d < until]


def test_organisation_feed_has_the_right_recurrence(web_client, web_store):
    import icalendar

    from graph.events import event_from_stored, occurrences

    login(web_client, "rana")
    until = next_weekday(1, weeks=9)
    submit_event(web_client, repeat_until=until.isoformat())
    rec = _publish_as_staff(web_client, web_store, _event(web_store))
    submit_event(web_client, title="Noch nicht veröffentlicht")  # stefan is logged in: staff may draft for an org
    _logout(web_client)
    resp = web_client.get(f"/org/{ORG}/events.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(resp.data)
    vevents = {str(v["UID"]): v for v in cal.walk("VEVENT")}
    mine = vevents[f"event-{rec.id}@localhost"]
    assert str(mine["SUMMARY"]) == "Sprachcafé am Dienstag"
    assert mine["DTSTART"].dt.tzinfo is not None and mine["DTSTART"].params["TZID"] == "Europe/Berlin"
    rule = mine["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"]
    assert rule["UNTIL"][0].tzinfo is not None  # UTC, as RFC 5545 wants with a TZID start
    ev = event_from_stored(web_store.get("event", rec.id).data)
    lo = dt.datetime.now(BERLIN) - dt.timedelta(days=1)
    hi = lo + dt.timedelta(days=120)
    expanded = _expand(mine, lo, hi)
    expected = [o.start for o in occurrences(ev, lo, hi)]
    assert expanded == expected
    assert len(expected) == 8  # nine Tuesdays, one of them (the exdate) left out
    assert "Noch nicht veröffentlicht" not in resp.get_data(as_text=True)
    # the joint demo event of this organisation is in its feed too
    assert any(v["UID"].startswith("event-hausaufgabenhilfe-koepru@") for v in cal.walk("VEVENT"))


def test_filtered_feed_and_all_events_feed(web_client, web_store):
    import icalendar

    snap = web_store.snapshot()
    public = [e for e in snap.network.events if e.is_public]
    cal = icalendar.Calendar.from_ical(web_client.get("/events.ics").data)
    assert {str(v["UID"]).split("@")[0] for v in cal.walk("VEVENT")} == {f"event-{e.id}" for e in public}
    turkish = {f"event-{e.id}" for e in public if "tr" in e.languages}
    cal = icalendar.Calendar.from_ical(web_client.get("/events.ics?language=tr").data)
    assert {str(v["UID"]).split("@")[0] for v in cal.walk("VEVENT")} == turkish
    cancelled = [e for e in public if e.status == "cancelled"]
    assert cancelled
    cal = icalendar.Calendar.from_ical(web_client.get("/events.ics").data)
    status = {str(v["UID"]).split("@")[0]: str(v["STATUS"]) for v in cal.walk("VEVENT")}
    assert all(status[f"event-{e.id}"] == "CANCELLED" for e in cancelled)
    # a demo event with exception periods: its EXDATEs are exactly the excluded dates
    ev = next(e for e in public if e.exceptions and e.rrule)
    from graph.events import exception_starts

    vevent = next(v for v in cal.walk("VEVENT") if str(v["UID"]).startswith(f"event-{ev.id}@"))
    exdates = vevent.get("EXDATE", [])
    got = sorted(
        d.dt.replace(tzinfo=None) for ex in (exdates if isinstance(exdates, list) else [exdates]) for d in ex.dts
    )
    assert got == exception_starts(ev)


def test_directory_card_shows_the_next_date(web_client, web_store):
    login(web_client, "rana")
    submit_event(web_client, start=f"{next_weekday(1)}T15:00", end=f"{next_weekday(1)}T17:00")
    _publish_as_staff(web_client, web_store, _event(web_store))
    _logout(web_client)
    html = web_client.get("/directory?q=elternnetzwerk").get_data(as_text=True)
    card = html[html.find(f'href="/org/{ORG}"') :]
    card = card[: card.find("</li>\n")]
    # "nächster Termin: Di., 15:00 Sprachcafé" (or an earlier demo date of the organisation, in the same form)
    match = re.search(r'nächster Termin: (\w\w\.), (\d\d:\d\d) <a href="/events/([^"]+)">', card)
    assert match, card
    assert ORG in web_store.get("event", match.group(3)).data["organisations"]


def test_dashboard_counts_joint_events_apart_from_cooperations(web_client, web_store):
    from web.map.dashboard import dashboard_figures

    snap = web_store.snapshot()
    fig = dashboard_figures(snap.network, "2026-09-01", "2026-12-31")
    pairs = dict(fig["joint_event_pairs"])
    assert "hausaufgabenhilfe-koepru" in pairs[("elternnetzwerk-koepru", "grundschule-lindenhof")]
    assert fig["joint_events"] >= 1
    # draft, submitted and cancelled joint events are no activity
    ids = {e for v in pairs.values() for e in v}
    assert all(e.status == "published" for e in snap.network.events if e.id in ids)
    # the cooperation figures do not include them
    without = dashboard_figures(
        type(snap.network)(**{**snap.network.__dict__, "events": []}), "2026-09-01", "2026-12-31"
    )
    for key in ("cooperations", "density", "bridges", "organisations"):
        assert fig[key] == without[key]
    login(web_client, "stefan")
    assert "Gemeinsame Veranstaltungen im Zeitraum" in web_client.get("/dashboard").get_data(as_text=True)


def test_brochure_lists_regular_activities(web_app, web_store):
    from web.brochure import brochure_context

    net = web_store.snapshot().network
    with web_app.test_request_context():
        ctx = brochure_context(net, web_store.snapshot().vocabulary, "de")
        entry = next(e for e in ctx["b"]["entries"] if e["id"] == ORG)
        titles = [a["title"] for a in entry["activities"]]
        assert "Hausaufgabenhilfe" in titles
        hw = entry["activities"][titles.index("Hausaufgabenhilfe")]
        assert hw["when"].startswith("jede Woche am Dienstag") and "15:00" in hw["when"]
        # only public, published, recurring events
        assert "Lesepaten-Infotreffen" not in " ".join(titles)
        off = brochure_context(net, web_store.snapshot().vocabulary, "de", activities=False)
        assert all(not e["activities"] for e in off["b"]["entries"])


def test_map_names_joint_events_next_to_the_cooperations(web_client, web_store):
    from web.map.model import MapFilter, build_map

    snap = web_store.snapshot()
    flt = MapFilter(start="2026-09-01", end="2026-12-31")
    view = build_map(snap.network, {}, flt)
    pairs = {(a, b) for a, b, _n in view.joint_events}
    assert ("elternnetzwerk-koepru", "grundschule-lindenhof") in pairs
    assert view.summary()["joint_event_pairs"] == len(view.joint_events)
    without = build_map(type(snap.network)(**{**snap.network.__dict__, "events": []}), {}, flt)
    assert without.summary()["cooperations"] == view.summary()["cooperations"]
    assert [(n.id, n.degree) for n in without.nodes] == [(n.id, n.degree) for n in view.nodes]
    login(web_client, "stefan")
    html = web_client.get("/map?from=2026-09-01&to=2026-12-31").get_data(as_text=True)
    assert "auf der Karte haben auch gemeinsame Veranstaltungen durchgeführt" in html


def test_editor_refuses_a_stale_version(web_client, web_store):
    rec = web_store.get("event", "lesepaten-infotreffen")  # a draft of ORG in the demo network
    login(web_client, "rana")
    page = web_client.get(f"/org/{ORG}/events/{rec.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{rec.version}"' in page or f'value="{rec.version}"' in page
    web_store.update(
        "event", rec.id, {**rec.data, "title": "Lesepaten: Infotreffen (neu)"}, rec.version, actor="stefan"
    )
    data = event_form(title="Mein Titel", version=rec.version, action="save", repeat="", exdates="")
    resp = post(web_client, f"/org/{ORG}/events/{rec.id}/edit", data, token_from=f"/org/{ORG}/events")
    assert resp.status_code == 302
    assert web_store.get("event", rec.id).data["title"] == "Lesepaten: Infotreffen (neu)"
    assert "inzwischen von jemand anderem geändert" in web_client.get(resp.headers["Location"]).get_data(as_text=True)
    # with the current version the save goes through, and the draft stays a draft
    current = web_store.get("event", rec.id)
    resp = post(
        web_client,
        f"/org/{ORG}/events/{rec.id}/edit",
        {**data, "version": current.version},
        token_from=f"/org/{ORG}/events",
    )
    assert resp.status_code == 302
    saved = web_store.get("event", rec.id)
    assert saved.data["title"] == "Mein Titel" and saved.data["status"] == "draft"


def test_lists_keep_the_title_as_written_with_the_translation(web_client):
    web_client.get("/lang/tr")
    html = web_client.get("/events/month?month=2026-09").get_data(as_text=True)
    assert '<bdi lang="de">Hausaufgabenhilfe</bdi>' in html
    html = web_client.get("/events?from=2026-09-01").get_data(as_text=True)
    translated = '<span class="event-translated" lang="tr">(Ödev yardımı)</span>'
    assert f'<bdi lang="de">Hausaufgabenhilfe</bdi></a> {translated}' in html
