"""Events in the model: validation, recurrence with exceptions, both stores, remo/1 and graph exports."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import networkx as nx
import pytest

from graph import ValidationError, parse_network
from graph.events import exception_starts, next_occurrence, occurrences, parse_event
from graph.io import export_network, import_document, network_document
from graph.privacy import public_network

BERLIN = ZoneInfo("Europe/Berlin")
WEEKLY = {
    "id": "hausaufgaben",
    "title": "Hausaufgabenhilfe",
    "organisations": ["a"],
    "start": "2026-09-01T15:00",
    "end": "2026-09-01T17:00",
    "recurrence": {
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "exdates": ["2026-09-08"],
        "except": [{"from": "2026-10-12", "until": "2026-10-24", "label": "Herbstferien"}],
    },
}
ORGS = [
    {"id": "a", "name": "A", "kind": "migrant_organisation"},
    {"id": "b", "name": "B", "kind": "education"},
]


def _event(**changes):
    ev, issues = parse_event({**WEEKLY, **changes})
    assert issues == [], issues
    return ev


def test_weekly_rule_skips_exdates_and_holidays():
    ev = _event()
    got = [o.start for o in occurrences(ev, "2026-09-01", "2026-10-31")]
    days = [d.strftime("%m-%d") for d in got]
    assert days == ["09-01", "09-15", "09-22", "09-29", "10-06", "10-27"]  # 09-08, 10-13, 10-20 left out
    assert all(d.tzinfo is not None and d.hour == 15 for d in got)
    with_exceptions = occurrences(ev, "2026-09-01", "2026-10-31", exceptions=True)
    assert len(with_exceptions) == len(got) + 3


def test_wall_clock_stays_across_daylight_saving():
    ev = _event(recurrence={"rrule": "FREQ=WEEKLY;BYDAY=TU"})
    summer, winter = occurrences(ev, "2026-10-20", "2026-10-20")[0], occurrences(ev, "2026-10-27", "2026-10-27")[0]
    assert (summer.start.hour, winter.start.hour) == (15, 15)
    assert summer.start.utcoffset() == dt.timedelta(hours=2) and winter.start.utcoffset() == dt.timedelta(hours=1)


def test_monthly_first_friday_and_until():
    ev = _event(
        start="2026-09-04T10:00",
        end="2026-09-04T12:00",
        recurrence={"rrule": "FREQ=MONTHLY;BYDAY=1FR;UNTIL=20261231T235900"},
    )
    days = [o.start.date().isoformat() for o in occurrences(ev, "2026-01-01", "2027-12-31")]
    assert days == ["2026-09-04", "2026-10-02", "2026-11-06", "2026-12-04"]


def test_next_occurrence_and_one_off_events():
    ev = _event()
    now = dt.datetime(2026, 9, 8, 12, 0, tzinfo=BERLIN)  # an exdate: the next one is a week later
    assert next_occurrence(ev, now).start == dt.datetime(2026, 9, 15, 15, 0, tzinfo=BERLIN)
    running = dt.datetime(2026, 9, 15, 16, 0, tzinfo=BERLIN)  # not ended yet: still "next"
    assert next_occurrence(ev, running).start.day == 15
    once = _event(recurrence=None)
    assert next_occurrence(once, dt.datetime(2026, 9, 2, tzinfo=BERLIN)) is None
    assert len(occurrences(once, "2026-09-01", "2026-09-01")) == 1


def test_exception_starts_are_finite_for_endless_rules():
    starts = exception_starts(_event())
    got = [s.strftime("%Y-%m-%d %H:%M") for s in starts]
    assert got == ["2026-09-08 15:00", "2026-10-13 15:00", "2026-10-20 15:00"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"start": "1.9.2026"}, "start", "date and time"),
        ({"end": "2026-09-01T14:00"}, "end", "after the start"),
        ({"recurrence": {"rrule": "FREQ=HOURLY"}}, "recurrence.rrule", "FREQ=DAILY"),
        ({"recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=XX"}}, "recurrence.rrule", "RFC 5545"),
        ({"recurrence": {"rrule": "FREQ=WEEKLY", "exdates": ["morgen"]}}, "recurrence.exdates[0]", "not a date"),
        (
            {"recurrence": {"rrule": "FREQ=WEEKLY", "except": [{"from": "2026-10-24", "until": "2026-10-12"}]}},
            "recurrence.except[0].until",
            "before",
        ),
        ({"organisations": []}, "organisations", "at least one"),
        ({"timezone": "Mars/Olympus"}, "timezone", "time zone"),
        ({"timezone": "Europe"}, "timezone", "time zone"),  # a directory of the zone database
        ({"timezone": "x" * 3000}, "timezone", "time zone"),  # longer than any file name
        ({"cost": {"free": False, "amount": []}}, "cost.amount", "number"),
        ({"cost": {"free": False, "amount": {"eur": 5}}}, "cost.amount", "number"),
        ({"cost": {"free": False, "amount": "inf"}}, "cost.amount", "number"),
        ({"cost": float("nan")}, "cost", "0 or more"),
        ({"status": "approved"}, "status", "draft"),
        ({"cost": {"free": False}}, "cost.amount", "amount"),
        ({"registration": {"kind": "link"}}, "registration.url", "web address"),
        ({"place": {"district": "atlantis"}}, "place.district", "atlantis"),
        ({"translations": {"de": {"title": "X"}}}, "translations.de", "written in"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_input_names_field_and_reason(changes, field, words, vocab):
    ev, issues = parse_event({**WEEKLY, **changes}, vocab)
    assert ev is None
    assert any(
        i.field == field and (words in i.reason or words in str(i.value) or words in " ".join(i.hint)) for i in issues
    ), issues


def test_translations_keep_the_original_language():
    ev = _event(lang="tr", title="Ödev yardımı", translations={"de": {"title": "Hausaufgabenhilfe", "description": ""}})
    assert ev.text("tr") == ("Ödev yardımı", "", "tr")
    assert ev.text("de")[0] == "Hausaufgabenhilfe" and ev.text("de")[2] == "de"
    assert ev.text("ar") == ("Ödev yardımı", "", "tr")  # no translation: the original, marked as Turkish


def test_network_checks_organisations_of_events():
    with pytest.raises(ValidationError) as err:
        parse_network({"organisations": ORGS, "events": [{**WEEKLY, "organisations": ["a", "zz"]}]})
    assert any(i.field == "organisations" and i.value == "zz" and i.code == "unknown_ref" for i in err.value.issues)


def test_demo_network_has_enough_events(demo_doc):
    net = parse_network(demo_doc)
    assert len(net.events) >= 40
    assert sum(e.recurring for e in net.events) * 3 >= len(net.events)
    assert sum(e.joint for e in net.events) >= 5
    assert {e.status for e in net.events} == {"draft", "submitted", "published", "cancelled"}


def test_events_in_both_stores_round_trip(store, demo_doc):
    report = import_document(store, demo_doc)
    assert report.counts["events"] == len(demo_doc["events"])
    assert import_document(store, demo_doc).created == 0
    exported = network_document(store.snapshot().network)["events"]
    assert exported == sorted(demo_doc["events"], key=lambda e: e["id"])
    rec = store.get("event", "hausaufgabenhilfe-koepru")
    changed = {**rec.data, "status": "cancelled"}
    store.update("event", rec.id, changed, rec.version)
    ev = next(e for e in store.snapshot().network.events if e.id == rec.id)
    assert ev.status == "cancelled" and ev.is_public
    if store.url.startswith(("bolt", "neo4j")):  # the Neo4j store keeps hosts as relationships

        def hosts():
            rows, _, _ = store.driver.execute_query(
                "MATCH (o:Organisation)-[r:HOSTS]->(e:Event {id: $id}) RETURN o.id, r.role ORDER BY o.id",
                {"id": rec.id},
                database_=store.database,
            )
            return [tuple(r.values()) for r in rows]

        assert hosts() == [("elternnetzwerk-koepru", "host"), ("grundschule-lindenhof", "partner")]
        now = store.get("event", rec.id)
        store.update("event", rec.id, {**now.data, "organisations": ["grundschule-lindenhof"]}, now.version)
        assert hosts() == [("grundschule-lindenhof", "host")]


def test_public_projection_hides_drafts_internal_events_and_review_notes(demo_doc):
    doc = json.loads(json.dumps(demo_doc))
    doc["events"][0]["review_note"] = "Bitte Ort ergänzen"
    net = parse_network(doc)
    public = network_document(net, public_only=True)["events"]
    assert public and all(e["status"] in ("published", "cancelled") and e["visibility"] == "public" for e in public)
    assert all("review_note" not in e and "created_by" not in e for e in public)
    assert {e.id for e in public_network(net).events} == {e["id"] for e in public}
    assert all(e.review_note == "" for e in public_network(net).events)


def test_graphml_and_gexf_carry_events_as_nodes(tmp_path, demo_doc):
    net = parse_network(demo_doc)
    for fmt in ("graphml", "gexf"):
        path = tmp_path / f"net.{fmt}"
        export_network(net, fmt, path, public_only=True)
        g = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
        events = [n for n, a in g.nodes(data=True) if a.get("type") == "event"]
        public = [e for e in net.events if e.is_public]
        assert len(events) == len(public)
        node = "event:hausaufgabenhilfe-koepru"
        assert g.nodes[node]["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
        hosts = {
            u if v == node else v for u, v, a in g.edges(data=True) if a.get("relation") == "HOSTS" and node in (u, v)
        }
        assert hosts == {"elternnetzwerk-koepru", "grundschule-lindenhof"}
        assert "event:vorstandsklausur-forum" not in g  # internal: not in a public export
