"""Accounts by mail, end to end against a real SMTP server: invitations, forgot password, requests for access."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORD, csrf_token, form_data, login, make_web_app, post
from tests.web.smtp_server import SmtpServer
from web.mail.accounts import REQUEST_KIND
from web.mail.compose import mail_settings
from web.mail.outbox import KIND, list_messages
from web.mail.sender import send_pending
from web.mail.smtp import Transport, parse_smtp_url
from web.sessions import SESSION_KIND

LINK = re.compile(r"http://remo\.example/m/([A-Za-z0-9._-]+)")
NEW_PASSWORD = "Neue Wege durch das Bergische Land 7"


@pytest.fixture
def app(template_db, tmp_path):
    app = make_web_app(
        template_db,
        tmp_path,
        REMO_MAIL_FROM="remo@ki.example",
        REMO_BASE_URL="http://remo.example",
        REMO_MAIL_KI="ki-desk@ki.example",
    )
    store = app.extensions["remo_store"].store
    rec = store.get("user", "rana")
    store.update("user", "rana", {**rec.data, "email": "Rana@Example.org"}, rec.version, actor="test")
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def deliver(app, smtp):
    with app.app_context():
        return send_pending(app.extensions["remo_store"].store, Transport(parse_smtp_url(smtp.url)), mail_settings())


def link_of(msg) -> str:
    return LINK.findall(msg.get_body(("plain",)).get_content())[0]


def set_password(client, token, password, password2=None, expect=200):
    page = client.get(f"/m/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    data = form_data(page.get_data(as_text=True))
    data["password"], data["password2"] = password, password2 if password2 is not None else password
    resp = client.post(f"/m/{token}", data=data)
    assert resp.status_code == expect, resp.get_data(as_text=True)[:500]
    return resp.get_data(as_text=True)


def forgot(client, address):
    return post(client, "/login/forgot", {"email": address}, token_from="/login/forgot")


def without_token(html: str) -> str:
    return re.sub(r'value="[^"]{20,}"', "", html)


def test_invitation_creates_an_account_that_opens_with_the_mailed_link_once(app, smtp):
    client = app.test_client()
    login(client, "ada")
    page = client.get("/admin/users/invite").get_data(as_text=True)
    assert "Vertreter:in per E-Mail einladen" in page
    resp = post(
        client,
        "/admin/users/invite",
        {
            "username": "leyla",
            "name": "Leyla Çelik",
            "email": "leyla@example.org",
            "organisations": ["thamarai"],
            "lang": "tr",
        },
        token_from="/admin/users/invite",
    )
    assert resp.status_code == 302
    store = app.extensions["remo_store"].store
    user = store.get("user", "leyla").data
    assert user["password_hash"] == "" and user["organisations"] == ["thamarai"]
    fresh = app.test_client()
    login(fresh, "leyla", "", expect=200)  # no password yet: nobody can log in
    deliver(app, smtp)
    (msg,) = smtp.wait_for(1)
    assert msg["To"].addresses[0].addr_spec == "leyla@example.org" and msg["Content-Language"] == "tr"
    assert msg["Subject"] == "ReMo erişiminiz"
    token = link_of(msg)
    assert "Passwörter stimmen nicht überein" in set_password(fresh, token, NEW_PASSWORD, "anders", expect=422)
    assert "zu leicht zu erraten" in set_password(fresh, token, "passwort1234", expect=422)
    assert "leyla" in set_password(fresh, token, NEW_PASSWORD)
    login(fresh, "leyla", NEW_PASSWORD)
    assert fresh.get(f"/m/{token}").status_code == 409  # used up
    with app.test_request_context("/"):
        from web.mail.accounts import _invite_ops
        from web.users import get_user

        leyla = get_user(store, "leyla")
        store.update("user", "leyla", {**leyla.to_data(), "active": False}, leyla.version, actor="test")
        store.apply(_invite_ops(get_user(store, "leyla"), "de"), actor="test")
    deliver(app, smtp)
    late = link_of(smtp.wait_for(2)[1])
    assert fresh.get(f"/m/{late}").status_code == 400  # a disabled account is not opened by a link
    assert store.get("user", "leyla").data["active"] is False
    again = post(
        client,
        "/admin/users/invite",
        {"username": "leyla", "email": "x@example.org", "organisations": ["thamarai"], "lang": "de"},
        token_from="/admin/users/invite",
    )
    assert again.status_code == 422 and "Dieser Benutzername ist schon vergeben." in again.get_data(as_text=True)


def test_invitation_refuses_bad_input_and_writes_nothing(app):
    client = app.test_client()
    login(client, "ada")
    store = app.extensions["remo_store"].store
    before = store.count(KIND)
    bad = post(
        client,
        "/admin/users/invite",
        {"username": "neu", "email": "kein-at", "lang": "de"},
        token_from="/admin/users/invite",
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Geben Sie eine gültige E-Mail-Adresse ein." in html
    none = post(
        client,
        "/admin/users/invite",
        {"username": "neu", "email": "neu@example.org", "lang": "de"},
        token_from="/admin/users/invite",
    )
    assert none.status_code == 422 and "mindestens eine Organisation" in none.get_data(as_text=True)
    assert store.get("user", "neu") is None and store.count(KIND) == before


def test_forgot_password_same_answer_then_reset_ends_every_session(app, smtp):
    store = app.extensions["remo_store"].store
    old_session = app.test_client()
    login(old_session, "rana")
    assert old_session.get("/my").status_code == 302 and store.count(SESSION_KIND) == 1
    client = app.test_client()
    known = forgot(client, "rana@example.ORG")
    unknown = forgot(client, "niemand@example.org")
    assert known.status_code == unknown.status_code == 200
    assert without_token(known.get_data(as_text=True)) == without_token(unknown.get_data(as_text=True))
    assert "Wenn ein ReMo-Konto diese Adresse hat" in known.get_data(as_text=True)
    deliver(app, smtp)
    (msg,) = smtp.wait_for(1)
    assert msg["To"].addresses[0].addr_spec == "Rana@Example.org"
    assert msg["Subject"] == "Ein neues Passwort für ReMo"
    token = link_of(msg)
    done = set_password(client, token, NEW_PASSWORD)
    assert "alle Sitzungen Ihres Kontos wurden beendet" in done
    assert store.count(SESSION_KIND) == 0
    assert old_session.get("/my").status_code == 302
    assert "/login" in old_session.get("/my").headers["Location"]  # the old login is gone
    login(app.test_client(), "rana", PASSWORD, expect=200)  # old password refused
    login(app.test_client(), "rana", NEW_PASSWORD)
    again = client.get(f"/m/{token}")
    assert again.status_code == 409 and "Dieser Link wurde schon benutzt." in again.get_data(as_text=True)


def test_reset_link_expired_tampered_and_voided_by_another_password_change(app, smtp):
    client = app.test_client()
    forgot(client, "rana@example.org")
    forgot(client, "rana@example.org")
    deliver(app, smtp)
    first, second = smtp.wait_for(2)
    a, b = link_of(first), link_of(second)
    tampered = a[:-4] + ("AAAA" if not a.endswith("AAAA") else "BBBB")
    assert client.get(f"/m/{tampered}").status_code == 400
    set_password(client, a, NEW_PASSWORD)
    # the second link was made for the old password: it stops working once the password changed
    assert client.get(f"/m/{b}").status_code == 409
    with app.test_request_context("/"):
        from web.mail.accounts import _fingerprint
        from web.mail.links import make_link

        fp = _fingerprint(app.extensions["remo_store"].store.get("user", "rana").data["password_hash"])
        old, _link = make_link("password_reset", f"rana|{fp}", days=-0.01)
    expired = client.get(f"/m/{old}")
    assert expired.status_code == 410 and 'href="/login/forgot"' in expired.get_data(as_text=True)
    resp = client.post(
        f"/m/{old}", data={"password": "x" * 20, "password2": "x" * 20, "csrf_token": csrf_token(client, "/login")}
    )
    assert resp.status_code == 410
    login(app.test_client(), "rana", NEW_PASSWORD)


def test_forgot_password_is_limited_per_address_and_disabled_accounts_get_nothing(app):
    store = app.extensions["remo_store"].store
    client = app.test_client()
    for _ in range(5):
        assert forgot(client, "rana@example.org").status_code == 200
    assert len(list_messages(store)) == 3  # REMO_MAIL_RESET_LIMIT
    rec = store.get("user", "otto")
    store.update("user", "otto", {**rec.data, "email": "otto@example.org", "active": False}, rec.version, actor="t")
    assert forgot(client, "otto@example.org").status_code == 200
    assert len(list_messages(store)) == 3
    assert forgot(client, "kein-at").status_code == 422


def test_request_for_access_lands_on_the_desk_with_a_mail_to_the_ki(app, smtp):
    client = app.test_client()
    page = client.get("/access").get_data(as_text=True)
    assert "Zugang beantragen" in page and 'class="hp"' in page
    fields = {
        "organisation": "Frauenverein Ayşe",
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.org",
        "message": "Wir möchten mitmachen.",
        "consent": "y",
    }
    resp = post(client, "/access", fields, token_from="/access")
    assert resp.status_code == 200 and "Danke für Ihre Anfrage" in resp.get_data(as_text=True)
    store = app.extensions["remo_store"].store
    (rec,) = store.list(REQUEST_KIND)
    assert rec.data["organisation"] == "Frauenverein Ayşe" and rec.data["status"] == "open"
    deliver(app, smtp)
    (msg,) = smtp.wait_for(1)
    assert msg["To"] == "KI <ki-desk@ki.example>" and "Frauenverein Ayşe" in msg["Subject"]
    assert "ayse@example.org" in msg.get_body(("plain",)).get_content()
    staff = app.test_client()
    login(staff, "stefan")
    desk = staff.get("/desk/requests").get_data(as_text=True)
    assert "Frauenverein Ayşe" in desk and "Wir möchten mitmachen." in desk
    done = post(staff, f"/desk/requests/{rec.id}", {"status": "done"}, token_from="/desk/requests")
    assert done.status_code == 302 and store.get(REQUEST_KIND, rec.id).data["status"] == "done"
    rep = app.test_client()
    login(rep, "rana")
    assert rep.get("/desk/requests").status_code == 403


def test_request_for_access_refuses_spam_and_half_filled_forms(app):
    store = app.extensions["remo_store"].store
    client = app.test_client()
    good = {"organisation": "Verein", "name": "A", "email": "a@example.org", "consent": "y"}
    robot = post(client, "/access", {**good, "website": "http://spam.example"}, token_from="/access")
    assert robot.status_code == 200 and "Danke für Ihre Anfrage" in robot.get_data(as_text=True)
    assert store.list(REQUEST_KIND) == []
    no_consent = post(client, "/access", {k: v for k, v in good.items() if k != "consent"}, token_from="/access")
    assert no_consent.status_code == 422 and "Bitte stimmen Sie zu" in no_consent.get_data(as_text=True)
    no_csrf = client.post("/access", data=good)
    assert no_csrf.status_code == 400
    assert store.list(REQUEST_KIND) == []
    assert post(client, "/access", good, token_from="/access").status_code == 200
    assert post(client, "/access", good, token_from="/access").status_code == 200  # robot counted as the first
    limited = post(client, "/access", good, token_from="/access")
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert "Zu viele Anfragen aus Ihrem Netzwerk" in limited.get_data(as_text=True)
    assert len(store.list(REQUEST_KIND)) == 2


def test_login_page_links_to_forgot_password_and_request_access(app):
    html = app.test_client().get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in html and 'href="/access"' in html


def test_stale_form_counters_are_swept(app, monkeypatch):
    import time

    from web.mail import accounts

    store = app.extensions["remo_store"].store
    monkeypatch.setattr(accounts, "_SWEEP_AT", 3)
    for i in range(3):
        store.create(accounts.THROTTLE_KIND, f"old-{i}", {"attempts": [time.time() - 7200]})
    forgot(app.test_client(), "rana@example.org")
    left = {r.id for r in store.list(accounts.THROTTLE_KIND)}
    assert not any(k.startswith("old-") for k in left) and len(left) == 2  # this request's two counters


def test_users_page_shows_a_pending_invitation(app):
    with app.test_request_context("/"):
        from web.mail.accounts import invite_user

        invite_user(app.extensions["remo_store"].store, "neu", email="neu@example.org", organisations=["thamarai"])
    client = app.test_client()
    login(client, "ada")
    html = client.get("/admin/users").get_data(as_text=True)
    assert html.count("eingeladen, noch kein Passwort") == 1
