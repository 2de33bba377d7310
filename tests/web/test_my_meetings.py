"""'Meine Treffen': representatives answer, see their agenda once staff publish, and download an .ics."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.web.conftest import ORG, OTHER_ORG, login, post
from web.meetings import today_berlin

BERLIN = ZoneInfo("Europe/Berlin")
MEETING = "treffen-winter"
OTHERS = [
    "ki-remscheid",
    "integrationsagentur-brueckenhaus",
    "kulturverein-yesil-vadi",
    "bildungsverein-al-jisr",
    "nachbarschaftsnetz-jasmin",
    "circolo-la-lanterna",
    "thamarai",
    "junge-stimmen",
]


def make_meeting(store, *, days=30, deadline_days=10, invited=(ORG,), attendance=None, **extra):
    today = today_berlin()
    doc = {
        "id": MEETING,
        "title": "Austauschtreffen Winter",
        "date": (today + dt.timedelta(days=days)).isoformat(),
        "place": "Bürgerhaus Mitte",
        "start_time": "18:00",
        "end_time": "20:30",
        "deadline": (today + dt.timedelta(days=deadline_days)).isoformat(),
        "attendance": list(attendance if attendance is not None else [o for o in OTHERS if o != OTHER_ORG]),
        "invited": list(invited),
        "rounds": 2,
        **extra,
    }
    store.create("meeting", MEETING, doc, actor="test")
    return doc


def answer(client, value, org=ORG):
    return post(client, f"/meine-treffen/{MEETING}/{org}/answer", {"answer": value}, token_from="/meine-treffen")


def test_confirm_then_agenda_only_after_publication_and_ics(web_client, web_store):
    make_meeting(web_store)
    login(web_client, "rana")
    page = web_client.get("/meine-treffen").get_data(as_text=True)
    assert "Austauschtreffen Winter" in page and "Bürgerhaus Mitte" in page
    assert "noch nicht beantwortet" in page  # German by default
    before = web_store.get("meeting", MEETING).version
    resp = answer(web_client, "yes")
    assert resp.status_code == 302
    rec = web_store.get("meeting", MEETING)
    assert ORG in rec.data["attendance"] and rec.version == before + 1
    assert "Elternnetzwerk" in web_client.get("/meine-treffen").get_data(as_text=True)  # the flash names the org
    agenda_url = f"/meine-treffen/{MEETING}/{ORG}"
    html = web_client.get(agenda_url).get_data(as_text=True)
    assert "noch nicht veröffentlicht" in html and "Runde 1" not in html

    staff = web_client.application.test_client()
    login(staff, "stefan")
    base = f"/meetings/{MEETING}"
    assert (
        post(staff, f"{base}/plan", {"rounds": "2", "table_size": "3", "format": "tables"}, token_from=base).status_code
        == 302
    )
    assert "Runde 1" not in web_client.get(agenda_url).get_data(as_text=True)  # planned, not published
    assert post(staff, f"{base}/publish", {}, token_from=base).status_code == 302
    plan = web_store.get("meeting_plan", MEETING).data
    assert plan["published_at"] and plan["published_by"].endswith("stefan")

    html = web_client.get(agenda_url).get_data(as_text=True)
    assert "Runde 1, Tisch" in html and "Runde 2, Tisch" in html
    mates = [o for tables in plan["rounds"] for t in tables if ORG in t for o in t if o != ORG]
    assert mates and all(f'href="/org/{o}"' in html for o in mates)
    assert "agenda-why" in html  # the reasons per partner

    resp = web_client.get(f"{agenda_url}.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = Calendar.from_ical(resp.data)
    assert cal["version"] == "2.0" and cal.walk("VTIMEZONE")[0]["tzid"] == "Europe/Berlin"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{MEETING}-{ORG}@localhost"
    day = dt.date.fromisoformat(web_store.get("meeting", MEETING).data["date"])
    assert event.decoded("dtstart") == dt.datetime.combine(day, dt.time(18, 0), tzinfo=BERLIN)
    assert event.decoded("dtend") == dt.datetime.combine(day, dt.time(20, 30), tzinfo=BERLIN)
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert str(event["summary"]) == "Austauschtreffen Winter" and str(event["location"]) == "Bürgerhaus Mitte"
    assert "Runde 1, Tisch" in str(event["description"])
    assert web_client.get(f"{agenda_url}.ics").data.count(b"UID:") == 1
    again = Calendar.from_ical(web_client.get(f"{agenda_url}.ics").data)
    assert again.walk("VEVENT")[0]["uid"] == event["uid"]  # stable


def test_cancel_removes_the_organisation_and_its_constraints(web_client, web_store):
    make_meeting(web_store, invited=(), attendance=[ORG, *OTHERS[:4]], must_meet=[[ORG, OTHERS[0]]])
    login(web_client, "rana")
    assert answer(web_client, "no").status_code == 302
    data = web_store.get("meeting", MEETING).data
    assert ORG not in data["attendance"] and data["declined"] == [ORG] and "must_meet" not in data
    page = web_client.get("/meine-treffen").get_data(as_text=True)
    assert "Wir nehmen nicht teil" in page
    assert answer(web_client, "yes").status_code == 302
    data = web_store.get("meeting", MEETING).data
    assert ORG in data["attendance"] and "declined" not in data


def test_no_change_after_the_deadline_but_staff_can(web_client, web_store):
    make_meeting(web_store, days=5, deadline_days=-1)
    login(web_client, "rana")
    page = web_client.get("/meine-treffen").get_data(as_text=True)
    assert "Die Frist für Antworten ist abgelaufen" in page and 'value="yes"' not in page
    before = web_store.get("meeting", MEETING)
    resp = answer(web_client, "yes")
    assert resp.status_code == 302
    after = web_store.get("meeting", MEETING)
    assert after.version == before.version and ORG not in after.data["attendance"]
    flashed = web_client.get("/meine-treffen").get_data(as_text=True)
    assert "Die Frist für Antworten zu „Austauschtreffen Winter“ war" in flashed or "war am" in flashed
    staff = web_client.application.test_client()
    login(staff, "stefan")
    base = f"/meetings/{MEETING}"
    assert post(staff, f"{base}/answer", {"org": ORG, "answer": "yes"}, token_from=base).status_code == 302
    assert ORG in web_store.get("meeting", MEETING).data["attendance"]


def test_representative_cannot_see_or_answer_for_another_organisation(web_client, web_store):
    make_meeting(web_store)
    login(web_client, "otto")
    assert "Austauschtreffen Winter" not in web_client.get("/meine-treffen").get_data(as_text=True)
    assert web_client.get(f"/meine-treffen/{MEETING}/{ORG}").status_code == 403
    assert web_client.get(f"/meine-treffen/{MEETING}/{ORG}.ics").status_code == 403
    assert answer(web_client, "yes", org=ORG).status_code == 403
    # otto's own organisation is not concerned by this meeting
    assert web_client.get(f"/meine-treffen/{MEETING}/{OTHER_ORG}").status_code == 404
    assert answer(web_client, "yes", org=OTHER_ORG).status_code == 404
    assert OTHER_ORG not in web_store.get("meeting", MEETING).data["attendance"]


def test_past_meetings_are_not_listed_and_menu_links(web_client, web_store):
    make_meeting(web_store, days=-3, deadline_days=-5)
    login(web_client, "rana")
    page = web_client.get("/meine-treffen").get_data(as_text=True)
    assert "Austauschtreffen Winter" not in page and 'href="/meine-treffen"' in page
    staff = web_client.application.test_client()
    login(staff, "stefan")
    menu = staff.get("/").get_data(as_text=True)
    assert 'href="/meetings"' in menu and 'href="/admin/audit"' not in menu
    admin = web_client.application.test_client()
    login(admin, "ada")
    assert 'href="/admin/audit"' in admin.get("/").get_data(as_text=True)


def test_staff_create_a_meeting_with_times_and_deadline(web_client, web_store):
    login(web_client, "stefan")
    day = (today_berlin() + dt.timedelta(days=20)).isoformat()
    form = {
        "title": "Sommertreffen",
        "date": day,
        "place": "Rathaus",
        "rounds": "1",
        "format": "tables",
        "table_size": "4",
        "attendance": OTHERS[:4],
    }
    bad = post(
        web_client,
        "/meetings/new",
        {**form, "start_time": "18:00", "end_time": "17:00", "deadline": "2099-01-01"},
        token_from="/meetings/new",
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Das Ende muss nach dem Beginn liegen." in html
    assert "Die Frist für Antworten darf nicht nach dem Datum des Treffens liegen." in html
    assert not [r for r in web_store.list("meeting") if r.data["title"] == "Sommertreffen"]
    assert "Bitte geben Sie eine Uhrzeit" in post(
        web_client, "/meetings/new", {**form, "start_time": "25:00"}, token_from="/meetings/new"
    ).get_data(as_text=True)
    ok = post(
        web_client,
        "/meetings/new",
        {**form, "start_time": "18:00", "end_time": "20:00", "deadline": day},
        token_from="/meetings/new",
    )
    assert ok.status_code == 302
    (rec,) = [r for r in web_store.list("meeting") if r.data["title"] == "Sommertreffen"]
    assert (rec.data["start_time"], rec.data["end_time"], rec.data["deadline"]) == ("18:00", "20:00", day)


def test_published_plan_without_a_seat_says_so(web_client, web_store):
    make_meeting(web_store, invited=(ORG,), rounds=1)
    staff = web_client.application.test_client()
    login(staff, "stefan")
    base = f"/meetings/{MEETING}"
    post(staff, f"{base}/plan", {"rounds": "1", "table_size": "3", "format": "tables"}, token_from=base)
    post(staff, f"{base}/publish", token_from=base)
    login(web_client, "rana")
    html = web_client.get(f"/meine-treffen/{MEETING}/{ORG}").get_data(as_text=True)
    assert "hat darin keinen Platz" in html and "Runde 1" not in html


def test_staff_add_an_organisation_then_its_representative_answers(web_client, web_store):
    make_meeting(web_store, invited=())
    staff = web_client.application.test_client()
    login(staff, "stefan")
    base = f"/meetings/{MEETING}"
    assert ORG in staff.get(base).get_data(as_text=True)  # offered in the list of organisations to add
    assert post(staff, f"{base}/answer", {"org": ORG, "answer": "invite"}, token_from=base).status_code == 302
    data = web_store.get("meeting", MEETING).data
    assert data["invited"] == [ORG] and ORG not in data["attendance"]
    login(web_client, "rana")
    assert "Austauschtreffen Winter" in web_client.get("/meine-treffen").get_data(as_text=True)
    assert answer(web_client, "yes").status_code == 302
    assert ORG in web_store.get("meeting", MEETING).data["attendance"]


def test_an_answer_survives_a_concurrent_change(web_store):
    """The write that loses the race reads the meeting again and applies the answer to the new version."""
    from web.meetings import set_attendance

    first = make_meeting(web_store, invited=(ORG, OTHER_ORG)) and web_store.get("meeting", MEETING)
    real_apply = web_store.apply
    raced = []

    def apply(ops, **kw):
        if not raced:  # somebody else answers between our read and our write
            raced.append(1)
            rec = web_store.get("meeting", MEETING)
            real_apply(
                [
                    type(ops[0])(
                        "meeting",
                        MEETING,
                        {**rec.data, "attendance": [*rec.data["attendance"], OTHER_ORG]},
                        rec.version,
                    )
                ]
            )
        return real_apply(ops, **kw)

    web_store.apply = apply
    try:
        set_attendance(web_store, MEETING, ORG, True, actor="rep")
    finally:
        web_store.apply = real_apply
    attendance = web_store.get("meeting", MEETING).data["attendance"]
    assert ORG in attendance and OTHER_ORG in attendance
    assert raced and web_store.get("meeting", MEETING).version == first.version + 2
