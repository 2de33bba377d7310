"""Introductions with double opt-in, end to end: mails to a real SMTP server, links followed."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.web.conftest import ORG, OTHER_ORG, login, make_web_app, post
from tests.web.smtp_server import SmtpServer
from web.mail.compose import mail_settings
from web.mail.introductions import OPTIN_KIND
from web.mail.jobs import run_jobs
from web.mail.sender import send_pending
from web.mail.smtp import Transport, parse_smtp_url

LINK = re.compile(r"http://remo\.example/m/([A-Za-z0-9._-]+)")


@pytest.fixture
def app(template_db, tmp_path):
    app = make_web_app(
        template_db,
        tmp_path,
        REMO_MAIL_FROM="remo@ki.example",
        REMO_BASE_URL="http://remo.example",
        REMO_MAIL_KI="ki-desk@ki.example",
    )
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def deliver(app, smtp, now=None):
    store = app.extensions["remo_store"].store
    with app.app_context():
        return send_pending(store, Transport(parse_smtp_url(smtp.url)), mail_settings(), now=now)


def links_of(msg) -> tuple[str, str]:
    text = msg.get_body(("plain",)).get_content()
    accept, decline = LINK.findall(text)[:2]
    return accept, decline


def to_of(msg) -> str:
    return msg["To"].addresses[0].addr_spec


def propose(app, a=ORG, b=OTHER_ORG):
    """Staff propose the introduction of a and b (through the projects page's introduce action)."""
    client = app.test_client()
    login(client, "stefan")
    resp = post(client, "/projects/teams/introductions", {"member": [a, b], "around": a})
    assert resp.status_code == 302
    store = app.extensions["remo_store"].store
    from web.introductions import find_introduction

    return find_introduction(store, a, b)


def contacts(app, org_id):
    snap = app.extensions["remo_store"].store.snapshot()
    return [p.email for p in snap.network.persons if org_id in p.organisations and p.email][:1]


def test_proposal_mails_both_and_two_clicks_exchange_the_contacts(app, smtp):
    store = app.extensions["remo_store"].store
    intro = propose(app)
    assert intro.data["status"] == "proposed"
    optin = store.get(OPTIN_KIND, intro.id)
    assert {s["state"] for s in optin.data["sides"].values()} == {"pending"}
    deliver(app, smtp)
    mails = smtp.wait_for(2)
    assert sorted(to_of(m) for m in mails) == sorted(contacts(app, ORG) + contacts(app, OTHER_ORG))
    by_to = {to_of(m): m for m in mails}
    mine = by_to[contacts(app, ORG)[0]]
    assert mine["Content-Language"] == "tr"  # Elternnetzwerk Köprü speaks Turkish first
    assert "Kulturverein" in mine["Subject"] or "Yeşil" in mine["Subject"]
    client = app.test_client()
    for m in mails:
        accept, _decline = links_of(m)
        page = client.get(f"/m/{accept}")
        assert page.status_code == 200 and '<form method="post"' in page.get_data(as_text=True)
        assert store.get(OPTIN_KIND, intro.id).data["consent"] is None  # opening alone changes nothing
        done = post(client, f"/m/{accept}", token_from=f"/m/{accept}")
        assert done.status_code == 200, done.get_data(as_text=True)[:300]
    assert store.get("introduction", intro.id).data["status"] == "accepted"
    consent = store.get(OPTIN_KIND, intro.id).data["consent"]
    assert set(consent["sides"]) == {"a", "b"} and all(v["via"] == "mail link" for v in consent["sides"].values())
    deliver(app, smtp)
    contact_mails = smtp.wait_for(4)[2:]
    assert len(contact_mails) == 2
    for m in contact_mails:
        other = OTHER_ORG if to_of(m) == contacts(app, ORG)[0] else ORG
        assert contacts(app, other)[0] in m.get_body(("plain",)).get_content()


def test_no_contact_details_before_both_accept_and_a_decline_shares_nothing(app, smtp):
    store = app.extensions["remo_store"].store
    intro = propose(app)
    deliver(app, smtp)
    first, second = smtp.wait_for(2)
    client = app.test_client()
    accept, _ = links_of(first)
    post(client, f"/m/{accept}", token_from=f"/m/{accept}")
    deliver(app, smtp)
    assert len(smtp.envelopes) == 2  # one yes: nothing sent yet
    _, decline = links_of(second)
    resp = post(client, f"/m/{decline}", token_from=f"/m/{decline}")
    assert resp.status_code == 200
    assert store.get("introduction", intro.id).data["status"] == "declined"
    assert store.get(OPTIN_KIND, intro.id).data["consent"] is None
    deliver(app, smtp)
    assert len(smtp.envelopes) == 2


def test_link_used_twice_expired_and_tampered(app, smtp):
    intro = propose(app)
    deliver(app, smtp)
    first, second = smtp.wait_for(2)
    client = app.test_client()
    accept, decline = links_of(first)
    assert post(client, f"/m/{accept}", token_from=f"/m/{accept}").status_code == 200
    again = client.get(f"/m/{accept}")
    assert again.status_code == 409 and "Dieser Link wurde schon benutzt." in again.get_data(as_text=True)
    assert client.get(f"/m/{decline}").status_code == 409  # that side has answered
    tampered = accept[:-3] + ("AAA" if accept[-3:] != "AAA" else "BBB")
    assert client.get(f"/m/{tampered}").status_code == 400
    assert client.get("/m/not-a-link").status_code == 400
    store = app.extensions["remo_store"].store
    assert store.get("introduction", intro.id).data["status"] == "proposed"
    sides = store.get(OPTIN_KIND, intro.id).data["sides"]
    (waiting,) = [s for s in sides if sides[s]["state"] == "pending"]
    with app.test_request_context("/"):
        from web.mail.links import make_link

        old, _link = make_link("intro_accept", f"{intro.id}|{waiting}", days=-1)
    assert client.get(f"/m/{old}").status_code == 410
    assert post(client, f"/m/{old}", token_from="/login").status_code == 410
    assert store.get(OPTIN_KIND, intro.id).data["sides"][waiting]["state"] == "pending"


def test_representatives_yes_counts_and_asks_only_the_other_side(app, smtp):
    store = app.extensions["remo_store"].store
    rana = app.test_client()
    login(rana, "rana")
    post(rana, f"/org/{ORG}/suggestions/{OTHER_ORG}", {"status": "accepted"})
    from web.introductions import find_introduction

    intro = find_introduction(store, ORG, OTHER_ORG)
    assert intro.data["status"] == "accepted"
    sides = store.get(OPTIN_KIND, intro.id).data["sides"]
    mine = "a" if intro.data["a"] == ORG else "b"
    assert sides[mine]["state"] == "accepted" and sides[mine]["via"].startswith("login")
    deliver(app, smtp)
    (only,) = smtp.wait_for(1)
    assert to_of(only) == contacts(app, OTHER_ORG)[0]
    accept, _ = links_of(only)
    post(app.test_client(), f"/m/{accept}", token_from=f"/m/{accept}")
    deliver(app, smtp)
    assert len(smtp.wait_for(3)) == 3  # both got the other's details


def test_reminder_after_n_days_then_the_ki_is_told(app, smtp):
    store = app.extensions["remo_store"].store
    intro = propose(app)
    deliver(app, smtp)
    assert len(smtp.wait_for(2)) == 2
    with app.app_context():
        assert run_jobs(store, dt.datetime.now(dt.UTC) + dt.timedelta(days=1))["introduction_reminders"] == 0
        in8 = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
        assert run_jobs(store, in8)["introduction_reminders"] == 2
        assert run_jobs(store, in8)["introduction_reminders"] == 0  # not twice
    deliver(app, smtp, now=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=8))
    reminders = smtp.wait_for(4)[2:]
    assert all(
        "Reminder" in m["Subject"] or "Hatırlatma" in m["Subject"] or "Erinnerung" in m["Subject"] for m in reminders
    ), [m["Subject"] for m in reminders]
    with app.app_context():
        in16 = dt.datetime.now(dt.UTC) + dt.timedelta(days=16)
        assert run_jobs(store, in16)["introduction_reminders"] == 1
    deliver(app, smtp, now=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=16))
    ki = smtp.wait_for(5)[4]
    assert to_of(ki) == "ki-desk@ki.example"
    assert store.get(OPTIN_KIND, intro.id).data["ki_told"] is True
