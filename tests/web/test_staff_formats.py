"""Staff pages speak the user's locale: no ISO timestamps, raw floats, UTC or "staff:carol" in the text.

Walks every page staff or admins get (the route walker of the browser tests), in German, and scans
the visible text (not attributes, scripts or form fields) for what a person should not have to read.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import _client, collect_pages
from tests.web.conftest import make_web_app

#: raw internals a staff page must not show
PATTERNS = {
    "ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"),
    "ISO date": re.compile(r"\b(19|20)\d{2}-\d{2}-\d{2}\b"),
    # a dot decimal in German text (German uses a comma; "1.234" is a thousands group, allowed)
    "raw float": re.compile(r"(?<![\d.])\d+\.(?!\d{3}(?!\d))\d+(?![\d.])"),
    "UTC": re.compile(r"\bUTC\b|\+00:00"),
    "actor id": re.compile(r"\b(staff|admin|representative):[a-z0-9._-]+"),
}


class _Text(HTMLParser):
    SKIP = {"script", "style", "textarea", "code", "pre", "option", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def findings(text: str) -> list[str]:
    out = []
    for name, rx in PATTERNS.items():
        for m in rx.finditer(text):
            out.append(f"{name}: …{text[max(0, m.start() - 40) : m.end() + 20]}…")
    return out


def test_the_scanner_finds_raw_values():
    assert findings("Gesamtpunktzahl 17.92 (Obergrenze 22.59)")
    assert findings("Erstellt 2026-12-02T05:46:31+00:00 von staff:carol")
    assert findings("Netzwerkdichte 0.0396")
    assert not findings("Gesamtpunktzahl 17,92 · 1.234 Organisationen · am 02.12.2026 um 06:46 von Carol")
    assert visible_text('<p title="2026-01-01">a<script>x=1.5</script><input value="2026-01-01"></p>') == "a"


@pytest.fixture(scope="module")
def app(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo app with a stored meeting plan, a workshop and audit entries, so that their pages show data."""
    app = make_web_app(template_db, tmp_path_factory.mktemp("formats"), REMO_LOGIN_ATTEMPTS=10_000)
    plan = app.test_cli_runner().invoke(args=["plan-meeting", "austauschtreffen-2025-1", "--save", "--json"])
    assert plan.exit_code == 0, plan.output
    store = app.extensions["remo_store"].store
    store.create(
        "workshop",
        "workshop-1",
        {
            "id": "workshop-1",
            "title": "Förderanträge schreiben",
            "capability": "funding_application_help",
            "date": "2026-03-12",
            "place": "KI Remscheid",
            "attendance": [],
            "note": "",
        },
        actor="staff:stefan",
    )
    from tests.browser.conftest import _queue_sample_mail

    _queue_sample_mail(app, store)  # the outbox pages
    rec = store.get("introduction", "intro-004")
    store.update(
        "introduction",
        "intro-004",
        {**rec.data, "due": "2030-01-02", "owner": "stefan"},
        rec.version,
        actor="staff:stefan",
    )
    yield app
    app.extensions["remo_store"].close()


@pytest.mark.slow
def test_staff_pages_show_no_raw_values(app: Any) -> None:
    pages, _left_out = collect_pages(app)
    staff_pages = [p for p in pages if p.role in ("staff", "admin") and p.status == 200]
    assert len(staff_pages) > 20
    admin = _client(app, "admin")
    problems = []
    for page in staff_pages:
        resp = admin.get(page.path, headers={"Accept": "text/html"})
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        seen: set[str] = set()
        for f in findings(visible_text(resp.get_data(as_text=True))):
            kind = f.split(":", 1)[0]
            if kind not in seen:  # the first of each kind per page
                seen.add(kind)
                problems.append(f"{page.path}: {f}")
    assert not problems, f"{len(problems)} raw values:\n" + "\n".join(problems[:80])
