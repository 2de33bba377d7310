"""Outbox guarantees on both stores: SMTP down then up, a sender killed mid-batch, an invalid address, and
signed mail links used twice, expired or tampered with."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.web.smtp_server import SmtpServer, free_port
from web.mail.outbox import KIND

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mail_app(store_url):
    from web import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": store_url, "REMO_MAIL_FROM": "remo@ki.example"}
    )
    yield app
    app.extensions["remo_store"].close()


def _queue(app, n: int, addresses: list[str] | None = None) -> list[str]:
    from web.mail.compose import compose, queue_op

    store = app.extensions["remo_store"].store
    with app.test_request_context("/"):
        ops = [
            queue_op(compose("test", "de", [{"name": "", "address": a}], lambda: "T"))
            for a in (addresses or [f"m{i}@example.org" for i in range(n)])
        ]
    store.apply(ops, actor="test")
    return [store.get(KIND, op.id).data["message_id"] for op in ops]


def test_smtp_down_then_up_on_both_stores(mail_app):
    from web.mail.compose import mail_settings
    from web.mail.sender import send_pending
    from web.mail.smtp import Transport, parse_smtp_url

    store = mail_app.extensions["remo_store"].store
    ids = _queue(mail_app, 4)
    url = f"smtp://127.0.0.1:{free_port()}"
    with mail_app.app_context():
        settings = mail_settings()
        down = send_pending(store, Transport(parse_smtp_url(url)), settings)
        assert down.sent == [] and down.retry
        assert {r.data["status"] for r in store.list(KIND)} == {"queued"}
        with SmtpServer(int(url.rsplit(":", 1)[1])) as smtp:
            later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)  # noqa: E731
            up = send_pending(store, Transport(parse_smtp_url(url)), settings, now=later)
            got = smtp.wait_for(4)
    assert len(up.sent) == 4
    assert sorted(m["Message-ID"] for m in got) == sorted(ids)
    assert {r.data["status"] for r in store.list(KIND)} == {"sent"}


@pytest.mark.slow
def test_sender_killed_mid_batch_loses_nothing_and_never_changes_an_id(mail_app, store_url, tmp_path):
    n = 8
    ids = _queue(mail_app, n)
    mail_app.extensions["remo_store"].close()
    with SmtpServer() as smtp:
        smtp.delay = 0.25
        env = {
            **os.environ,
            "REMO_STORE": store_url,
            "REMO_SMTP_URL": smtp.url,
            "REMO_MAIL_FROM": "remo@ki.example",
            "REMO_MAIL_LEASE": "0",  # a claim lapses at once: the second run retakes the killed one
            "REMO_SECRET_KEY": "test",
        }
        cmd = [sys.executable, "-m", "web.cli", "mail", "send-pending"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(smtp.envelopes) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # right after the first message arrived
        proc.wait(timeout=10)
        assert 1 <= len(smtp.envelopes) < n, "the kill should land mid-batch"
        smtp.delay = 0
        again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        got = smtp.wait_for(n)
    seen = Counter(m["Message-ID"] for m in got)
    assert set(seen) == set(ids)  # no loss, and no message under a second id
    assert sum(seen.values()) - n <= 1  # at most the one in flight at the kill came twice (same id)
    from graph.store import open_store

    store = open_store(store_url)
    try:
        assert {r.data["status"] for r in store.list(KIND)} == {"sent"}
    finally:
        store.close()


def test_invalid_address_fails_clearly_and_the_others_go_out_on_both_stores(mail_app):
    from web.mail.compose import mail_settings
    from web.mail.sender import send_pending
    from web.mail.smtp import Transport, parse_smtp_url

    store = mail_app.extensions["remo_store"].store
    _queue(mail_app, 0, ["a@example.org", "kein at zeichen", "weg@example.org", "b@example.org"])
    with SmtpServer() as smtp, mail_app.app_context():
        smtp.refuse.add("weg@example.org")
        report = send_pending(store, Transport(parse_smtp_url(smtp.url)), mail_settings())
        got = smtp.wait_for(2)
    assert sorted(m["To"] for m in got) == ["a@example.org", "b@example.org"] and len(report.sent) == 2
    failed = {
        r.data["to"][0]["address"]: r.data["last_error"] for r in store.list(KIND) if r.data["status"] == "failed"
    }
    assert "invalid address 'kein at zeichen'" in failed["kein at zeichen"]
    assert "550" in failed["weg@example.org"] and len(failed) == 2


def test_mail_links_used_twice_expired_and_tampered_on_both_stores(mail_app):
    """A password-reset link and a digest's unsubscribe link on each store."""
    from tests.web.conftest import csrf_token, form_data
    from web.mail.accounts import _fingerprint, request_reset
    from web.mail.digest import DIGEST_KIND
    from web.mail.links import make_link
    from web.users import create_user, hash_password

    store = mail_app.extensions["remo_store"].store
    with mail_app.app_context():
        create_user(
            store,
            "rana",
            role="staff",
            password_hash=hash_password("Alte Brücke am Morsbach 3"),
            email="rana@example.org",
            actor="test",
        )
    with mail_app.test_request_context("/"):
        request_reset(store, "rana@example.org", client="127.0.0.1")
    (msg,) = [r for r in store.list(KIND) if r.data["purpose"] == "password_reset"]
    token = msg.data["text"].split("/m/", 1)[1].split()[0]
    client = mail_app.test_client()
    page = client.get(f"/m/{token}")
    assert page.status_code == 200
    data = form_data(page.get_data(as_text=True))
    data["password"] = data["password2"] = "Neue Wege durch das Bergische Land 7"
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.post(f"/m/{tampered}", data=data).status_code == 400
    assert client.post(f"/m/{token}", data=data).status_code == 200
    assert client.post(f"/m/{token}", data=data).status_code == 409  # used
    assert store.get("user", "rana").data["password_hash"] != ""
    with mail_app.test_request_context("/"):
        fp = _fingerprint(store.get("user", "rana").data["password_hash"])
        old, _link = make_link("password_reset", f"rana|{fp}", days=-0.01)
        store.create(DIGEST_KIND, "org.rana", {"org": "org", "user": "rana", "active": True, "due": None, "sent": []})
        unsubscribe, _link = make_link("digest_unsubscribe", "org.rana", days=1)
        stale, _link = make_link("digest_unsubscribe", "org.rana", days=-0.01)
    assert client.get(f"/m/{old}").status_code == 410
    data["csrf_token"] = csrf_token(client, "/login")
    assert client.post(f"/m/{old}", data=data).status_code == 410
    assert client.post(f"/m/{stale}", data={"List-Unsubscribe": "One-Click"}).status_code == 410
    for _twice in range(2):  # unsubscribing again changes nothing and says the same
        assert client.post(f"/m/{unsubscribe}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert store.get(DIGEST_KIND, "org.rana").data["active"] is False


@pytest.mark.slow  # seeding the demo network into Neo4j takes about half a minute
def test_access_request_and_digest_on_both_stores(mail_app):
    import datetime as dt

    from web.mail.accounts import REQUEST_KIND, request_access, set_request_status
    from web.mail.digest import DIGEST_KIND, run_digest, subscribe
    from web.users import create_user, hash_password

    store = mail_app.extensions["remo_store"].store
    mail_app.config["REMO_MAIL_KI"] = "ki@ki.example"
    seeded = mail_app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert seeded.exit_code == 0, seeded.output
    with mail_app.test_request_context("/"):
        rid = request_access(
            store, {"organisation": "Verein", "name": "A", "email": "a@example.org", "website": ""}, client="10.0.0.1"
        )
        set_request_status(store, rid, "done", actor="staff:stefan")
        create_user(
            store,
            "rana",
            role="representative",
            organisations=["elternnetzwerk-koepru"],
            password_hash=hash_password("Alte Brücke am Morsbach 3"),
            email="rana@example.org",
            actor="t",
        )
        subscribe(store, "elternnetzwerk-koepru", "rana", on=True, lang="tr", actor="t")
        from web.mail.accounts import invite_user

        invite_user(store, "leyla", email="leyla@example.org", organisations=["thamarai"], lang="ar")
        assert store.get("user", "leyla").data["password_hash"] == ""
        now = dt.datetime.now(dt.UTC)
        assert run_digest(store, now) == 1 and run_digest(store, now) == 0
        assert run_digest(store, now + dt.timedelta(days=31)) == 1
    assert store.get(REQUEST_KIND, rid).data["status"] == "done"
    purposes = sorted(r.data["purpose"] for r in store.list(KIND))
    assert purposes == ["access_request", "account_invite", "digest", "digest"]
    assert len(store.get(DIGEST_KIND, "elternnetzwerk-koepru.rana").data["sent"]) == 10
