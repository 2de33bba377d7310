"""Mail as people read it: every kind of message ReMo writes, sent to a real SMTP server and read back.

Each message has a plain-text and an HTML part in UTF-8, the HTML in the recipient's language and
direction (Arabic right to left), names in any script encoded in the headers (RFC 2047; SMTPUTF8 for
addresses that need it), and nothing that loads from or points to other hosts than the app itself
(no images, scripts, style sheets, trackers). Non-transactional mail carries RFC 8058 headers.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import ORG, make_web_app
from tests.web.smtp_server import SmtpServer
from web.mail.compose import compose, mail_settings, queue_op
from web.mail.outbox import KIND
from web.mail.sender import send_pending
from web.mail.smtp import Transport, parse_smtp_url

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://remo.example"
MEETING = "austauschtreffen-2025-1"


@pytest.fixture
def app(template_db, tmp_path):
    app = make_web_app(
        template_db, tmp_path, REMO_MAIL_FROM="remo@ki.example", REMO_BASE_URL=BASE, REMO_MAIL_KI="ki-desk@ki.example"
    )
    yield app
    app.extensions["remo_store"].close()


def _set(store, username, **changes):
    rec = store.get("user", username)
    store.update("user", username, {**rec.data, **changes}, rec.version, actor="test")


def queue_every_kind(app) -> None:
    """One message of every kind, in several languages, with names in several scripts."""
    from tests.web.test_mail_introductions import propose
    from web.mail import introductions as intro_mail
    from web.mail.accounts import invite_user, request_access, request_reset
    from web.mail.digest import run_digest, subscribe

    store = app.extensions["remo_store"].store
    _set(store, "rana", email="rana@example.org", name="Рана Шевченко")
    with app.test_request_context("/"):
        store.apply(
            [
                queue_op(
                    compose("test", "ar", [{"name": "ليلى Çelik", "address": "leyla@example.org"}], lambda: "اختبار")
                )
            ],
            actor="test",
        )
        invite_user(
            store, "leyla", email="leyla@example.org", organisations=[ORG], name="ليلى Çelik", lang="ar", actor="test"
        )
        request_reset(store, "rana@example.org", client="127.0.0.1", lang="ru")
        request_access(
            store,
            {
                "organisation": "Kadın Derneği „Güneş“",
                "name": "Ayşe Yılmaz",
                "email": "ayse@example.org",
                "message": "<b>hallo</b> https://spam.example/x",
                "website": "",
            },
            client="127.0.0.1",
            lang="tr",
        )
        subscribe(store, ORG, "rana", on=True, lang="uk", actor="test")
        run_digest(store, dt.datetime.now(dt.UTC))
    intro = propose(app)  # the two accept/decline requests
    with app.test_request_context("/"):
        snap = store.snapshot()
        ops = intro_mail._contacts_mail(store, snap, {**intro.data, "id": intro.id}, "a")
        ops += intro_mail._tell_ki(store, store.get("introduction", intro.id), ["b"])
        store.apply(ops, actor="test")
    queue_meeting_mail(app)


def queue_meeting_mail(app) -> None:
    """The exchange meeting's invitation, both reminders and the agenda."""
    from web.mail import meetings as meeting_mail
    from web.meeting_plans import load_meeting
    from web.meetings import publish_ops

    store = app.extensions["remo_store"].store
    planned = app.test_cli_runner().invoke(args=["plan-meeting", MEETING, "--save", "--json"])
    assert planned.exit_code == 0, planned.output
    now = dt.datetime.now(dt.UTC)
    with app.test_request_context("/"):
        meeting = load_meeting(store, MEETING)
        _mailed, ops = meeting_mail.invite_ops(store, meeting)
        store.apply(ops, actor="test")
        snap = store.snapshot()
        org_id = sorted(meeting.organisations())[0]
        for purpose in ("meeting_deadline", "meeting_eve"):
            store.apply(
                meeting_mail._mail(
                    store,
                    snap,
                    meeting,
                    org_id,
                    purpose,
                    lambda: "Erinnerung",
                    now=now,
                    sequence=0,
                    answer_links=purpose == "meeting_deadline",
                ),
                actor="test",
            )
        plan, ops = publish_ops(store, MEETING, actor="staff:stefan", version=None)
        store.apply([*ops, *meeting_mail.agenda_ops(store, load_meeting(store, MEETING), plan)], actor="test")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "background", "poster", "srcset", "data") and value:
                self.urls.append(value)
            if name == "style" and value and "url(" in value:
                self.urls.append(value)


def foreign_urls(html: str) -> list[str]:
    """Every URL in ``html`` (attributes and CSS) that is not a link into the app itself."""
    parser = _Links()
    parser.feed(html)
    found = parser.urls + re.findall(r"url\(([^)]*)\)", html) + re.findall(r"@import\s+([^;]+)", html)
    bad = []
    for url in found:
        url = url.strip("'\" ")
        parts = urlsplit(url)
        if parts.scheme == "mailto":
            continue
        if parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" == BASE:
            continue
        bad.append(url)
    return bad


def test_every_kind_of_mail_reads_well_and_loads_nothing(app):
    queue_every_kind(app)
    store = app.extensions["remo_store"].store
    records = {r.data["message_id"]: r.data for r in store.list(KIND)}
    with SmtpServer() as smtp:
        with app.app_context():
            report = send_pending(store, Transport(parse_smtp_url(smtp.url)), mail_settings())
        assert not report.failed and not report.retry, report
        got = smtp.wait_for(len(records))
        raws = {m["Message-ID"]: raw for m, (_f, _t, raw) in zip(got, smtp.envelopes, strict=True)}
    assert len(got) == len(records)
    kinds = set()
    for msg in got:
        data = records[msg["Message-ID"]]
        kinds.add(data["purpose"])
        where = f"{data['purpose']} ({data['lang']})"
        head = raws[msg["Message-ID"]].split(b"\r\n\r\n", 1)[0]
        head.decode("ascii")  # RFC 2047: every header is ASCII on the wire (no address here needs SMTPUTF8)
        assert msg.get_content_type() in ("multipart/alternative", "multipart/mixed"), where
        text, html = msg.get_body(("plain",)), msg.get_body(("html",))
        assert text is not None and html is not None, where
        assert text.get_content_charset() == html.get_content_charset() == "utf-8", where
        assert msg["Content-Language"] == data["lang"]
        body = html.get_content()
        direction = "rtl" if data["lang"] == "ar" else "ltr"
        assert f'<html lang="{data["lang"]}" dir="{direction}">' in body, where
        assert foreign_urls(body) == [], where
        assert not {"img", "script", "link", "iframe", "object", "embed", "form"} & _tags(body), where
        assert "<b>hallo</b>" not in body  # what visitors typed is escaped
        assert text.get_content().strip() and "<html" not in text.get_content(), where
        assert msg["Auto-Submitted"] == "auto-generated"
        if data["transactional"]:
            assert msg["List-Unsubscribe"] is None, where
        else:
            assert msg["List-Unsubscribe"].startswith(f"<{BASE}/m/"), where
            assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", where
            assert msg["List-Unsubscribe"][1:-1] in body and msg["List-Unsubscribe"][1:-1] in text.get_content()
    by_purpose = {records[m["Message-ID"]]["purpose"]: m for m in got}
    invite = by_purpose["account_invite"]
    assert invite["To"].addresses[0].display_name == "ليلى Çelik"
    assert b"=?utf-8?" in raws[invite["Message-ID"]].split(b"\r\n\r\n")[0]
    assert by_purpose["password_reset"]["To"].addresses[0].display_name == "Рана Шевченко"
    assert "Güneş" in by_purpose["access_request"]["Subject"]
    templates = {p.stem for p in (ROOT / "web" / "templates" / "mail").glob("*.html") if not p.stem.startswith("_")}
    assert templates <= kinds, f"add a sample of these mail kinds to queue_every_kind: {templates - kinds}"


def _tags(html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    return parser.tags


def test_the_scanner_finds_foreign_images_and_links():
    html = (
        f'<p><a href="{BASE}/m/x">ok</a><a href="mailto:a@b.example">ok</a>'
        '<img src="https://tracker.example/p.gif"><a href="http://other.example/">x</a>'
        '<div style="background: url(https://cdn.example/b.png)"></div></p>'
    )
    assert foreign_urls(html) == [
        "https://tracker.example/p.gif",
        "http://other.example/",
        "background: url(https://cdn.example/b.png)",
        "https://cdn.example/b.png",
    ]


@pytest.mark.parametrize("smtputf8", [True, False])
def test_address_with_non_latin_mailbox_needs_smtputf8(app, smtputf8):
    store = app.extensions["remo_store"].store
    with app.test_request_context("/"):
        op = queue_op(
            compose("test", "de", [{"name": "Jürgen Müller", "address": "jürgen@müller.example"}], lambda: "Grüße")
        )
    store.apply([op], actor="test")
    with SmtpServer(smtputf8=smtputf8) as smtp:
        with app.app_context():
            report = send_pending(store, Transport(parse_smtp_url(smtp.url)), mail_settings())
        if smtputf8:
            smtp.wait_for(1)
            assert report.sent == [op.id]
            raw = smtp.envelopes[0][2].decode("utf-8")  # SMTPUTF8: the headers are UTF-8 on the wire
            msg = email.message_from_string(raw, policy=email.policy.default)
            assert msg["To"].addresses[0].addr_spec == "jürgen@müller.example"
            assert msg["To"].addresses[0].display_name == "Jürgen Müller"
            assert smtp.envelopes[0][1] == ["jürgen@müller.example"]
        else:
            assert smtp.envelopes == []
            rec = store.get(KIND, op.id).data
            assert rec["status"] == "failed" and "SMTPUTF8" in rec["last_error"]
