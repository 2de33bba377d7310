"""Meeting invitations, reminders and agendas by mail, end to end with a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.web.conftest import ORG, OTHER_ORG, login, make_web_app, post
from tests.web.smtp_server import SmtpServer
from tests.web.test_my_meetings import MEETING, OTHERS, make_meeting
from web.mail.compose import mail_settings, org_recipients
from web.mail.jobs import run_jobs
from web.mail.meetings import SCHEDULE_KIND
from web.mail.sender import send_pending
from web.mail.smtp import Transport, parse_smtp_url

BERLIN = ZoneInfo("Europe/Berlin")
LINK = re.compile(r"http://remo\.example/m/([A-Za-z0-9._-]+)")


@pytest.fixture
def app(template_db, tmp_path):
    app = make_web_app(template_db, tmp_path, REMO_MAIL_FROM="remo@ki.example", REMO_BASE_URL="http://remo.example")
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def deliver(app, smtp, now=None):
    with app.app_context():
        return send_pending(
            app.extensions["remo_store"].store, Transport(parse_smtp_url(smtp.url)), mail_settings(), now=now
        )


def address_of(app, org):
    store = app.extensions["remo_store"].store
    with app.app_context():
        to = org_recipients(store, store.snapshot(), org)
    return to[0]["address"] if to else None


def by_recipient(mails):
    return {m["To"].addresses[0].addr_spec: m for m in mails}


def calendar_of(msg):
    (part,) = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    return Calendar.from_ical(part.get_payload(decode=True))


def text_of(msg):
    return msg.get_body(("plain",)).get_content()


def test_invitation_links_reminders_and_agenda(app, smtp):
    store = app.extensions["remo_store"].store
    attending = [o for o in OTHERS if o != OTHER_ORG][:5]
    doc = make_meeting(store, invited=(ORG, OTHER_ORG), attendance=attending)
    staff = app.test_client()
    login(staff, "stefan")
    base = f"/meetings/{MEETING}"
    assert post(staff, f"{base}/invite", token_from=base).status_code == 302
    expected = {o: address_of(app, o) for o in [*attending, ORG, OTHER_ORG]}
    with_address = {o: a for o, a in expected.items() if a}
    assert ORG in with_address and OTHER_ORG in with_address
    deliver(app, smtp)
    mails = by_recipient(smtp.wait_for(len(with_address)))
    assert set(mails) == set(with_address.values())

    mine = mails[with_address[ORG]]
    assert mine["Content-Language"] == "tr"  # Elternnetzwerk Köprü's first language
    assert mine["Subject"] == "Davet: Austauschtreffen Winter"
    assert "Bürgerhaus Mitte" in text_of(mine) and "http://remo.example/meine-treffen" in text_of(mine)
    cal = calendar_of(mine)
    assert cal["method"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{MEETING}-{ORG}@remo.example"
    day = dt.date.fromisoformat(doc["date"])
    assert event.decoded("dtstart") == dt.datetime.combine(day, dt.time(18), tzinfo=BERLIN)
    assert str(event["organizer"]) == "mailto:remo@ki.example"
    assert [str(a) for a in event["attendee"]] == [f"mailto:{with_address[ORG]}"] or str(
        event["attendee"]
    ) == f"mailto:{with_address[ORG]}"

    # one click: yes (opening alone changes nothing)
    yes, _no = LINK.findall(text_of(mine))[:2]
    client = app.test_client()
    assert client.get(f"/m/{yes}").status_code == 200
    assert ORG not in store.get("meeting", MEETING).data["attendance"]
    assert post(client, f"/m/{yes}", token_from=f"/m/{yes}").status_code == 200
    assert ORG in store.get("meeting", MEETING).data["attendance"]
    assert client.get(f"/m/{yes}").status_code == 409  # used up

    # inviting again sends nothing new
    assert post(staff, f"{base}/invite", token_from=base).status_code == 302
    assert store.get(SCHEDULE_KIND, MEETING).data["stage"] == "deadline"
    deliver(app, smtp)
    assert len(smtp.envelopes) == len(with_address)

    # reminder before the deadline: only to who has not answered (Yeşil Vadi)
    deadline = dt.date.fromisoformat(doc["deadline"])
    soon = dt.datetime.combine(deadline - dt.timedelta(days=3), dt.time(10), tzinfo=BERLIN)
    with app.app_context():
        assert run_jobs(store, soon)["meeting_reminders"] == 1
        assert run_jobs(store, soon)["meeting_reminders"] == 0  # not twice
    deliver(app, smtp)
    reminder = smtp.wait_for(len(with_address) + 1)[-1]
    assert reminder["To"].addresses[0].addr_spec == with_address[OTHER_ORG]
    assert LINK.findall(text_of(reminder))
    assert store.get(SCHEDULE_KIND, MEETING).data["stage"] == "eve"

    # the day before: everyone who takes part
    eve = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(9, 30), tzinfo=BERLIN)
    coming = [o for o in store.get("meeting", MEETING).data["attendance"] if expected.get(o)]
    with app.app_context():
        assert run_jobs(store, eve)["meeting_reminders"] == len(coming)
    deliver(app, smtp)
    eve_mails = smtp.wait_for(len(with_address) + 1 + len(coming))[-len(coming) :]
    assert {m["To"].addresses[0].addr_spec for m in eve_mails} == {expected[o] for o in coming}
    assert store.get(SCHEDULE_KIND, MEETING).data["due"] is None

    # publication: each seated organisation gets its own agenda
    before = len(smtp.envelopes)
    assert (
        post(staff, f"{base}/plan", {"rounds": "1", "table_size": "3", "format": "tables"}, token_from=base).status_code
        == 302
    )
    assert store.get("meeting_plan", MEETING) is not None
    assert post(staff, f"{base}/publish", token_from=base).status_code == 302
    deliver(app, smtp)
    agendas = by_recipient(smtp.wait_for(before + len(coming))[before:])
    assert set(agendas) == {expected[o] for o in coming}
    agenda = agendas[with_address[ORG]]
    assert agenda["Subject"].startswith("Programınız")
    plan = store.get("meeting_plan", MEETING).data
    names = {o.id: o.name for o in store.snapshot().network.organisations}
    mates = {names[o] for tables in plan["rounds"] for t in tables if ORG in t for o in t if o != ORG}
    body = text_of(agenda)
    assert "Tur 1, masa" in body and all(n in body for n in mates)
    event = calendar_of(agenda).walk("VEVENT")[0]
    assert str(event["uid"]) == f"meeting-{MEETING}-{ORG}@remo.example" and event["sequence"] == 1
    assert "Tur 1, masa" in str(event["description"])


def test_answer_link_after_the_deadline_is_expired(app, smtp):
    store = app.extensions["remo_store"].store
    make_meeting(store, invited=(ORG,), attendance=OTHERS[:3])
    staff = app.test_client()
    login(staff, "stefan")
    base = f"/meetings/{MEETING}"
    post(staff, f"{base}/invite", token_from=base)
    deliver(app, smtp)
    mine = by_recipient(smtp.wait_for(1 + sum(1 for o in OTHERS[:3] if address_of(app, o))))[address_of(app, ORG)]
    yes = LINK.findall(text_of(mine))[0]
    rec = store.get("meeting", MEETING)
    data = {**rec.data, "deadline": (dt.date.today() - dt.timedelta(days=2)).isoformat()}
    store.update("meeting", MEETING, data, rec.version, actor="test")
    resp = app.test_client().get(f"/m/{yes}")
    assert resp.status_code == 410
    assert ORG not in store.get("meeting", MEETING).data["attendance"]
