"""The outbox and the sender against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.conftest import login
from tests.web.smtp_server import SmtpServer, free_port
from web.mail.compose import compose, mail_settings, queue_op
from web.mail.outbox import KIND, list_messages
from web.mail.sender import send_pending
from web.mail.smtp import Transport, parse_smtp_url


def _queue(app, store, addresses, *, lang="de", name=""):
    with app.test_request_context("/"):
        ops = [queue_op(compose("test", lang, [{"name": name, "address": a}], lambda: "Test")) for a in addresses]
    store.apply(ops, actor="test")
    return [op.id for op in ops]


def _send(app, store, url, **kw):
    with app.app_context():
        return send_pending(store, Transport(parse_smtp_url(url)), mail_settings(app.config), **kw)


@pytest.fixture
def mail_app(template_db, tmp_path):
    from tests.web.conftest import make_web_app

    app = make_web_app(template_db, tmp_path, REMO_MAIL_FROM="remo@ki.example", REMO_MAIL_REPLY_TO="ki@ki.example")
    yield app
    app.extensions["remo_store"].close()


def test_queued_mail_arrives_once_with_its_message_id(mail_app):
    store = mail_app.extensions["remo_store"].store
    ids = _queue(mail_app, store, ["a@example.org", "b@example.org"])
    with SmtpServer() as smtp:
        report = _send(mail_app, store, smtp.url)
        got = smtp.wait_for(2)
    assert sorted(report.sent) == sorted(ids) and not report.failed
    assert sorted(m["To"] for m in got) == ["a@example.org", "b@example.org"]
    stored = {store.get(KIND, i).data["message_id"] for i in ids}
    assert {m["Message-ID"] for m in got} == stored
    assert all(m["From"] == "ReMo <remo@ki.example>" and m["Reply-To"] == "ki@ki.example" for m in got)
    assert all(store.get(KIND, i).data["status"] == "sent" for i in ids)
    with SmtpServer() as smtp2:  # nothing is sent twice
        assert _send(mail_app, store, smtp2.url).sent == []


def test_smtp_down_then_up_every_mail_arrives_once(mail_app):
    store = mail_app.extensions["remo_store"].store
    ids = _queue(mail_app, store, [f"m{i}@example.org" for i in range(5)])
    port = free_port()
    url = f"smtp://127.0.0.1:{port}"
    report = _send(mail_app, store, url)  # nobody listens
    assert report.sent == [] and len(report.retry) == 1  # the batch stops at the first connection error
    assert "not reachable" in report.retry[0][1]
    first = store.get(KIND, report.retry[0][0]).data
    assert first["status"] == "queued" and first["attempts"] == 1 and first["due"] > first["created_at"]
    assert all(store.get(KIND, i).data["status"] == "queued" for i in ids)
    with SmtpServer(port) as smtp:
        later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # noqa: E731 - after the back-off
        report = _send(mail_app, store, url, now=later)
        got = smtp.wait_for(5)
    assert len(report.sent) == 5
    assert sorted(m["To"] for m in got) == [f"m{i}@example.org" for i in range(5)]
    assert len({m["Message-ID"] for m in got}) == 5


def test_invalid_address_fails_clearly_and_the_others_go_out(mail_app):
    store = mail_app.extensions["remo_store"].store
    good, bad, refused = _queue(mail_app, store, ["ok@example.org", "kein at zeichen", "weg@example.org"])
    with SmtpServer() as smtp:
        smtp.refuse.add("weg@example.org")
        report = _send(mail_app, store, smtp.url)
        got = smtp.wait_for(1)
    assert report.sent == [good] and [m["To"] for m in got] == ["ok@example.org"]
    assert store.get(KIND, bad).data["status"] == "failed"
    assert "invalid address 'kein at zeichen'" in store.get(KIND, bad).data["last_error"]
    assert store.get(KIND, refused).data["status"] == "failed"
    assert "550" in store.get(KIND, refused).data["last_error"]


def test_smtp_login_and_wrong_password(mail_app):
    store = mail_app.extensions["remo_store"].store
    _queue(mail_app, store, ["x@example.org"])
    with SmtpServer(user="remo", password="richtig") as smtp:
        wrong = _send(mail_app, store, f"smtp://remo:falsch@127.0.0.1:{smtp.port}")
        assert wrong.sent == [] and "login refused" in wrong.retry[0][1]
        later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # noqa: E731
        right = _send(mail_app, store, smtp.url, now=later)
        assert len(right.sent) == 1 and len(smtp.wait_for(1)) == 1


def test_gives_up_after_max_attempts(mail_app):
    store = mail_app.extensions["remo_store"].store
    mail_app.config["REMO_MAIL_MAX_ATTEMPTS"] = 2
    (mid,) = _queue(mail_app, store, ["x@example.org"])
    url = f"smtp://127.0.0.1:{free_port()}"
    _send(mail_app, store, url)
    report = _send(mail_app, store, url, now=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert report.failed and store.get(KIND, mid).data["status"] == "failed"
    assert "gave up after 2 attempts" in store.get(KIND, mid).data["last_error"]


def test_non_latin_names_and_arabic_html(mail_app):
    store = mail_app.extensions["remo_store"].store
    _queue(mail_app, store, ["leyla@example.org"], lang="ar", name="ليلى Çelik")
    with SmtpServer() as smtp:
        _send(mail_app, store, smtp.url)
        (msg,) = smtp.wait_for(1)
        raw = smtp.envelopes[0][2]
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # RFC 2047 in the headers, raw bytes ASCII
    assert msg["To"].addresses[0].display_name == "ليلى Çelik"
    assert msg["Content-Language"] == "ar"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "ReMo" in text and '<html lang="ar" dir="rtl">' in html
    assert "http" not in html.split("<body>")[1].replace("http://127.0.0.1:5000", "")  # nothing from elsewhere
    assert "<img" not in html


def test_cli_test_mail_and_send_pending(mail_app):
    runner = mail_app.test_cli_runner()
    with SmtpServer() as smtp:
        mail_app.config["REMO_SMTP_URL"] = smtp.url
        result = runner.invoke(args=["mail", "test", "probe@example.org"])
        assert result.exit_code == 0, result.output
        assert "sent to probe@example.org" in result.output
        (msg,) = smtp.wait_for(1)
        assert msg["To"] == "probe@example.org"
        result = runner.invoke(args=["mail", "send-pending"])
        assert result.exit_code == 0 and "0 sent" in result.output
    bad = runner.invoke(args=["mail", "test", "not-an-address"])
    assert bad.exit_code == 2 and "invalid address" in bad.output
    mail_app.config["REMO_SMTP_URL"] = "http://127.0.0.1"
    wrong = runner.invoke(args=["mail", "send-pending"])
    assert wrong.exit_code == 2 and "REMO_SMTP_URL must start with smtp://" in wrong.output


def test_staff_outbox_page_shows_status_reason_and_preview(mail_app):
    store = mail_app.extensions["remo_store"].store
    ok, bad = _queue(mail_app, store, ["ok@example.org", "kaputt"], lang="tr")
    with SmtpServer() as smtp:
        _send(mail_app, store, smtp.url)
    client = mail_app.test_client()
    login(client, "stefan")
    html = client.get("/desk/outbox").get_data(as_text=True)
    assert "ok@example.org" in html and "kaputt" in html and "invalid address" in html
    failed = client.get("/desk/outbox?status=failed").get_data(as_text=True)
    assert "kaputt" in failed and "ok@example.org" not in failed
    detail = client.get(f"/desk/outbox/{ok}").get_data(as_text=True)
    assert 'lang="tr"' in detail and store.get(KIND, ok).data["message_id"].strip("<>") in detail
    part = client.get(f"/desk/outbox/{ok}/html")
    assert part.status_code == 200 and "default-src 'none'" in part.headers["Content-Security-Policy"]
    assert '<html lang="tr" dir="ltr">' in part.get_data(as_text=True)
    assert client.get("/desk/outbox/nope").status_code == 404
    assert len(list_messages(store)) == 2


def test_worker_once_runs_jobs_and_sends(mail_app):
    store = mail_app.extensions["remo_store"].store
    _queue(mail_app, store, ["w@example.org"])
    with SmtpServer() as smtp:
        mail_app.config["REMO_SMTP_URL"] = smtp.url
        result = mail_app.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        assert [m["To"] for m in smtp.wait_for(1)] == ["w@example.org"]
    assert "1 sent" in result.output
