"""web/ics.py writes calendars that icalendar reads back as RFC 5545 with Berlin times."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from web.ics import PRODID, Person, add_event, new_calendar, to_bytes

BERLIN = ZoneInfo("Europe/Berlin")


def _roundtrip(cal):
    data = to_bytes(cal)
    assert isinstance(data, bytes)
    assert b"\r\n" in data
    return data, Calendar.from_ical(data)


def test_invitation_round_trips_with_timezone_and_people():
    cal = new_calendar(method="request")
    add_event(
        cal,
        uid="meeting-7-org-3@remo.example",
        start=datetime(2026, 3, 28, 18, 0),
        end=datetime(2026, 3, 28, 20, 30),
        summary="Austauschtreffen Nord",
        description="Runde 1: Tisch 2\nRunde 2: Tisch 1",
        location="Bürgerhaus Mitte, Raum 3",
        url="https://remo.example/meine-treffen",
        organizer=Person("netz@remo.example", "Netzwerkbüro"),
        attendees=[Person("info@verein.example", "Verein Brücke e. V."), "b@example.org"],
        stamp=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        sequence=2,
        status="confirmed",
    )
    data, parsed = _roundtrip(cal)
    assert parsed["prodid"] == PRODID
    assert parsed["version"] == "2.0"
    assert parsed["method"] == "REQUEST"
    (tz,) = parsed.walk("VTIMEZONE")
    assert tz["tzid"] == "Europe/Berlin"
    assert {sub.name for sub in tz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    (event,) = parsed.walk("VEVENT")
    assert event["uid"] == "meeting-7-org-3@remo.example"
    assert event.decoded("dtstamp") == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    start = event.decoded("dtstart")
    assert start == datetime(2026, 3, 28, 18, 0, tzinfo=BERLIN)
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event["dtend"].params["TZID"] == "Europe/Berlin"
    assert b"DTSTART;TZID=Europe/Berlin:20260328T180000" in data
    assert str(event["summary"]) == "Austauschtreffen Nord"
    assert str(event["description"]) == "Runde 1: Tisch 2\nRunde 2: Tisch 1"
    assert str(event["location"]) == "Bürgerhaus Mitte, Raum 3"
    assert str(event["url"]) == "https://remo.example/meine-treffen"
    assert str(event["organizer"]) == "mailto:netz@remo.example"
    assert event["organizer"].params["CN"] == "Netzwerkbüro"
    attendees = event["attendee"]
    assert [str(a) for a in attendees] == ["mailto:info@verein.example", "mailto:b@example.org"]
    assert attendees[0].params["CN"] == "Verein Brücke e. V."
    assert attendees[0].params["RSVP"] == "TRUE"
    assert attendees[0].params["PARTSTAT"] == "NEEDS-ACTION"
    assert event["sequence"] == 2
    assert event["status"] == "CONFIRMED"


def test_aware_times_are_converted_to_berlin_across_dst():
    cal = new_calendar()
    # 17:00 UTC in summer is 19:00 in Berlin; in winter 18:00.
    add_event(cal, uid="a", start=datetime(2026, 7, 1, 17, tzinfo=UTC), summary="Sommer")
    add_event(cal, uid="b", start=datetime(2026, 12, 1, 17, tzinfo=UTC), summary="Winter")
    data, parsed = _roundtrip(cal)
    assert "method" not in parsed
    assert b"DTSTART;TZID=Europe/Berlin:20260701T190000" in data
    assert b"DTSTART;TZID=Europe/Berlin:20261201T180000" in data
    assert len(parsed.walk("VTIMEZONE")) == 1


def test_recurrence_and_exdates():
    cal = new_calendar(method="PUBLISH", name="ReMo Veranstaltungen")
    add_event(
        cal,
        uid="workshop-1@remo",
        start=datetime(2026, 1, 6, 17),
        end=datetime(2026, 1, 6, 19),
        summary="Sprechstunde",
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=6",
        exdates=[datetime(2026, 4, 7, 17)],
    )
    add_event(cal, uid="open@remo", start=datetime(2026, 1, 5, 10), summary="Offen", rrule={"freq": "weekly"})
    _, parsed = _roundtrip(cal)
    assert parsed["x-wr-calname"] == "ReMo Veranstaltungen"
    first, second = parsed.walk("VEVENT")
    rule = first["rrule"]
    assert rule["FREQ"] == ["MONTHLY"] and rule["COUNT"] == [6] and rule["BYDAY"] == ["1TU"]
    exdate = first["exdate"]
    assert exdate.params["TZID"] == "Europe/Berlin"
    assert [d.dt for d in exdate.dts] == [datetime(2026, 4, 7, 17, tzinfo=BERLIN)]
    assert second["rrule"]["FREQ"] == ["WEEKLY"]


def test_all_day_event_needs_no_timezone():
    cal = new_calendar()
    add_event(cal, uid="day", start=date(2026, 5, 1), end=date(2026, 5, 2), summary="Tag")
    data, parsed = _roundtrip(cal)
    assert b"DTSTART;VALUE=DATE:20260501" in data
    assert parsed.walk("VTIMEZONE") == []


def test_same_input_same_bytes():
    def build():
        cal = new_calendar(method="PUBLISH")
        add_event(cal, uid="x", start=datetime(2026, 3, 1, 10), summary="S", stamp=datetime(2026, 2, 1, 8))
        return to_bytes(cal)

    assert build() == build()
