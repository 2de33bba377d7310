"""The monthly digest: opt-in on the suggestions page, only suggestions not sent before, one-click unsubscribe."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.web.conftest import ORG, login, make_web_app, post
from tests.web.smtp_server import SmtpServer
from web.mail.compose import mail_settings
from web.mail.digest import DIGEST_KIND, run_digest, sub_id
from web.mail.outbox import list_messages
from web.mail.sender import send_pending
from web.mail.smtp import Transport, parse_smtp_url

UNSUB = re.compile(r"http://remo\.example(/m/[A-Za-z0-9._-]+)")


@pytest.fixture
def app(template_db, tmp_path):
    app = make_web_app(template_db, tmp_path, REMO_MAIL_FROM="remo@ki.example", REMO_BASE_URL="http://remo.example")
    store = app.extensions["remo_store"].store
    rec = store.get("user", "rana")
    store.update("user", "rana", {**rec.data, "email": "rana@example.org"}, rec.version, actor="test")
    yield app
    app.extensions["remo_store"].close()


def deliver(app, smtp):
    with app.app_context():
        return send_pending(app.extensions["remo_store"].store, Transport(parse_smtp_url(smtp.url)), mail_settings())


def digest_at(app, days: float = 0) -> int:
    with app.app_context():
        return run_digest(app.extensions["remo_store"].store, dt.datetime.now(dt.UTC) + dt.timedelta(days=days))


def opt_in(app, lang="de"):
    client = app.test_client()
    login(client, "rana")
    client.get(f"/lang/{lang}")
    page = client.get(f"/org/{ORG}/suggestions").get_data(as_text=True)
    assert 'id="digest"' in page
    resp = post(client, f"/org/{ORG}/digest", {"digest": "on"}, token_from=f"/org/{ORG}/suggestions")
    assert resp.status_code == 302
    return client


def partners_in(msg) -> list[str]:
    text = msg.get_body(("plain",)).get_content()
    return [line[2:].split(":")[0] for line in text.splitlines() if line.startswith("- ")]


def test_opt_in_then_monthly_only_new_suggestions_and_nothing_without_news(app):
    client = opt_in(app)
    assert "einmal im Monat per E-Mail (an rana@example.org)" in client.get(f"/org/{ORG}/suggestions").get_data(
        as_text=True
    )
    result = app.test_cli_runner().invoke(args=["mail", "digest"])
    assert result.exit_code == 0 and "1 digest(s) queued" in result.output
    assert digest_at(app) == 0  # not due again before a month has passed
    with SmtpServer() as smtp:
        deliver(app, smtp)
        assert digest_at(app, 31) == 1
        deliver(app, smtp)
        assert digest_at(app, 62) == 0  # the ten suggestions went out in two mails: nothing new
        deliver(app, smtp)
        first, second = smtp.wait_for(2)
    assert len(smtp.envelopes) == 2
    one, two = partners_in(first), partners_in(second)
    assert len(one) == 5 and len(two) == 5 and not set(one) & set(two)
    assert first["Subject"].startswith("Neue Partnervorschläge für")
    sub = app.extensions["remo_store"].store.get(DIGEST_KIND, sub_id(ORG, "rana")).data
    assert len(sub["sent"]) == 10 and sub["due"] > dt.datetime.now(dt.UTC).isoformat()


def test_digest_has_rfc8058_headers_and_one_click_unsubscribe_without_login(app):
    opt_in(app, "ar")
    digest_at(app)
    with SmtpServer() as smtp:
        deliver(app, smtp)
        (msg,) = smtp.wait_for(1)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = msg["List-Unsubscribe"]
    assert header.startswith("<http://remo.example/m/") and header.endswith(">")
    path = UNSUB.search(header).group(1)
    html = msg.get_body(("html",)).get_content()
    assert '<html lang="ar" dir="rtl">' in html and f'href="http://remo.example{path}"' in html
    assert f"http://remo.example{path}" in msg.get_body(("plain",)).get_content()
    store = app.extensions["remo_store"].store
    anybody = app.test_client()
    page = anybody.get(path)
    assert page.status_code == 200 and "abbestellen" in page.get_data(as_text=True)
    # the mail program posts the RFC 8058 body itself: no session, no CSRF token
    resp = anybody.post(path, data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200 and "Sie sind abgemeldet" in resp.get_data(as_text=True)
    sub = store.get(DIGEST_KIND, sub_id(ORG, "rana")).data
    assert sub["active"] is False and sub["due"] is None
    assert anybody.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: same answer
    assert digest_at(app, 40) == 0
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert anybody.post(tampered, data={"List-Unsubscribe": "One-Click"}).status_code == 400


def test_other_links_still_need_the_csrf_token(app):
    with app.test_request_context("/"):
        from web.mail.accounts import _fingerprint
        from web.mail.links import make_link

        fp = _fingerprint(app.extensions["remo_store"].store.get("user", "rana").data["password_hash"])
        token, _link = make_link("password_reset", f"rana|{fp}", days=1)
    resp = app.test_client().post(f"/m/{token}", data={"password": "x" * 20, "password2": "x" * 20})
    assert resp.status_code == 400


def test_opt_out_on_the_page_and_no_mail_without_address_or_right(app):
    client = opt_in(app)
    resp = post(client, f"/org/{ORG}/digest", {"digest": "off"}, token_from=f"/org/{ORG}/suggestions")
    assert resp.status_code == 302
    assert digest_at(app) == 0
    opt_in(app)
    store = app.extensions["remo_store"].store
    rec = store.get("user", "rana")
    store.update("user", "rana", {**rec.data, "organisations": ["thamarai"]}, rec.version, actor="test")
    assert digest_at(app) == 0 and list_messages(store) == []  # no longer speaks for the organisation: stopped
    assert store.get(DIGEST_KIND, sub_id(ORG, "rana")).data["due"] is None
    staff = app.test_client()
    login(staff, "stefan")  # no address on the account
    refused = post(staff, f"/org/{ORG}/digest", {"digest": "on"}, token_from=f"/org/{ORG}/suggestions")
    assert refused.status_code == 302
    assert "keine E-Mail-Adresse" in staff.get(refused.headers["Location"]).get_data(as_text=True)
    assert store.get(DIGEST_KIND, sub_id(ORG, "stefan")) is None


def test_the_worker_writes_and_sends_the_digest(app):
    opt_in(app)
    with SmtpServer() as smtp:
        app.config["REMO_SMTP_URL"] = smtp.url
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        (msg,) = smtp.wait_for(1)
    assert "'digest': 1" in result.output and "1 sent" in result.output
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
