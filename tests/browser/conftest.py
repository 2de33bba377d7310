"""Browser fixtures: the app with the demo network served live, Debian's Chromium driven by Playwright.

``live_server``   the app (demo network, users ada/stefan/rana/otto as in tests/web) served by werkzeug on
                  127.0.0.1 in a thread, once per session; a ``str`` (the origin, ``http://127.0.0.1:PORT``)
                  with ``.url`` and ``.app``
``browser``       one Chromium per session (``/usr/bin/chromium``, never ``playwright install``)
``page``          a fresh browser context (own cookies) and page per test, 1280×800, German
``login``         ``login(page, role)`` logs ``page`` in as "representative" (rana, of ``ORG``),
                  "representative_other" (otto, of ``OTHER_ORG``), "staff" (stefan) or "admin" (ada);
                  "anonymous" does nothing
``start_server``  ``start_server()`` serves a fresh copy of the demo database (for tests that write a lot)

Every test here carries ``@pytest.mark.browser``. Without Chromium or Playwright the tests are skipped
with the reason, unless ``REMO_REQUIRE_BROWSER`` is set: then they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ORG, OTHER_ORG, PASSWORD, USERS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROLE_USERS = {
    "representative": "rana",
    "representative_other": "otto",
    "staff": "stefan",
    "admin": "ada",
}
HERE = Path(__file__).parent

__all__ = ["CHROMIUM", "ORG", "OTHER_ORG", "PASSWORD", "ROLE_USERS", "LiveServer", "browser_missing"]


def browser_missing() -> str | None:
    """None when Playwright and Debian's Chromium are there, else the reason."""
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = browser_missing()
    for item in items:
        if HERE not in Path(str(item.fspath)).parents:
            continue
        if item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
        if reason and not os.environ.get("REMO_REQUIRE_BROWSER"):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


class LiveServer(str):
    """The origin of a running server (``str``), with the ``app`` and a ``stop()``."""

    app: Any
    url: str

    def __new__(cls, url: str, app: Any, server: Any, thread: threading.Thread) -> LiveServer:
        obj = super().__new__(cls, url)
        obj.url, obj.app, obj._server, obj._thread = url, app, server, thread
        return obj

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self.app.extensions["remo_store"].close()


def serve(app: Any) -> LiveServer:
    """Serve ``app`` on a free port of 127.0.0.1 in a daemon thread."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per static file drowns the output
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="remo-live-server", daemon=True)
    thread.start()
    return LiveServer(f"http://127.0.0.1:{server.server_port}", app, server, thread)


@pytest.fixture(scope="session")
def browser_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the demo network and one user per role (built once per session)."""
    from web import create_app
    from web.users import create_user, hash_password

    folder = tmp_path_factory.mktemp("browsertemplate")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": f"sqlite:///{folder}/template.db"})
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    store = app.extensions["remo_store"].store
    pw_hash = hash_password(PASSWORD)
    for name, (role, orgs) in USERS.items():
        create_user(store, name, role=role, organisations=orgs, password_hash=pw_hash, name=name.title(), actor="test")
    # a stored meeting plan and a recorded workshop, so that their pages (print view, PDF, CSV, workshop
    # editor) exist for the accessibility walk
    plan = app.test_cli_runner().invoke(args=["plan-meeting", "austauschtreffen-2025-1", "--save", "--json"])
    assert plan.exit_code == 0, plan.output
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
        actor="test",
    )
    _queue_sample_mail(app, store)
    target = folder / "clean.db"
    store.backup(target)  # type: ignore[attr-defined]
    app.extensions["remo_store"].close()
    return target


def _queue_sample_mail(app: Any, store: Any) -> None:
    """One outbox message in Arabic (id ``message-1``), so that the outbox's detail and HTML pages exist."""
    from graph.store import Op
    from web.mail.compose import compose, queue_op

    with app.test_request_context("/"):
        op = queue_op(compose("test", "ar", [{"name": "Rana", "address": "rana@example.org"}], lambda: "ReMo"))
    store.apply([Op("message", "message-1", op.data)], actor="test")
    # an introduction waiting for both sides' answers, for the mail link's confirmation page
    from tests.browser.pages import SAMPLE_OPTIN
    from web.introductions import set_status

    with app.test_request_context("/"):
        set_status(store, *SAMPLE_OPTIN, "proposed", actor="test", staff=True)


def _live_app(template_db: Path, folder: Path) -> Any:
    from web import create_app

    db = folder / "live.db"
    src, dest = sqlite3.connect(template_db), sqlite3.connect(db)
    src.backup(dest)
    src.close()
    dest.close()
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test",
            "REMO_STORE": f"sqlite:///{db}",
            "REMO_LOGIN_ATTEMPTS": 10_000,  # every test logs in from 127.0.0.1
        }
    )


@pytest.fixture(scope="session")
def start_server(
    browser_template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], LiveServer]]:
    """``start_server()``: a new live server on a fresh copy of the demo database (stopped at session end)."""
    started: list[LiveServer] = []

    def start() -> LiveServer:
        server = serve(_live_app(browser_template_db, tmp_path_factory.mktemp("live")))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def live_server(start_server: Callable[[], LiveServer]) -> LiveServer:
    """The app with the demo network and the users of tests/web, served on 127.0.0.1 (one per session)."""
    return start_server()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = browser_missing()
    if reason:
        if os.environ.get("REMO_REQUIRE_BROWSER"):
            pytest.fail(f"REMO_REQUIRE_BROWSER is set but: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None:  # pragma: no cover - checked above
        pytest.fail(f"{CHROMIUM} is not executable")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(**context_options)``: a page in a fresh context (closed after the test)."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("locale", "de-DE")
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)  # generous: CI machines may be busy
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A page in a fresh browser context: 1280×800, Accept-Language German."""
    return new_page()


def log_in(page: Any, origin: str, role: str) -> None:
    """Log ``page`` in at ``origin`` as the user of ``role`` (see ROLE_USERS; "anonymous" does nothing)."""
    if role == "anonymous":
        return
    page.goto(f"{origin}/login")
    page.fill("#username", ROLE_USERS[role])
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    # every response, static files included, refreshes the session cookie: let the landing page finish loading,
    # or a late response of it can overwrite what the next request puts into the session (e.g. the language)
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"login as {role} failed: {page.url}"


@pytest.fixture
def login(live_server: LiveServer) -> Callable[[Any, str], None]:
    """``login(page, role)`` on the session's live server."""

    def do(page: Any, role: str) -> None:
        log_in(page, live_server.url, role)

    return do


# @font-face rules of the page's style sheets and the fonts the page uses (data: URLs included)
_FONTS = """() => {
  const faces = [];
  for (const sheet of document.styleSheets) {
    let rules = [];
    try { rules = sheet.cssRules; } catch (e) { faces.push('unreadable sheet ' + sheet.href); continue; }
    for (const rule of rules) { if (rule.type === CSSRule.FONT_FACE_RULE) faces.push(rule.cssText.slice(0, 120)); }
  }
  return {faces: faces, loaded: [...document.fonts].map(f => f.family)};
}"""


class Visitor:
    """Browser pages per (role, language, width), logged in and switched to the language once, reused.

    Every request of every page is recorded in ``requests`` (url, resource type, page url), every visited
    page in ``visited`` and the web fonts of a page (there should be none) in ``fonts``.
    """

    def __init__(self, browser: Any, origin: str) -> None:
        self.browser = browser
        self.origin = origin
        self.requests: list[tuple[str, str, str]] = []
        self.visited: set[tuple[str, str, str]] = set()  # (path, role, lang)
        self.fonts: dict[str, Any] = {}  # path -> web fonts the page declares or uses (should stay empty)
        self._contexts: dict[tuple[str, str], Any] = {}
        self._pages: dict[tuple[str, str, int], Any] = {}

    def _context(self, role: str, lang: str) -> Any:
        key = (role, lang)
        if key not in self._contexts:
            context = self.browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
            context.set_default_timeout(20_000)  # generous: CI machines may be busy
            context.on("request", self._record)
            page = context.new_page()
            log_in(page, self.origin, role)
            page.goto(f"{self.origin}/lang/{lang}?next=/", wait_until="networkidle")
            assert page.locator("html").get_attribute("lang") == lang, f"could not switch {role} to {lang}"
            page.close()
            self._contexts[key] = context
        return self._contexts[key]

    def _record(self, request: Any) -> None:
        frame_url = ""
        try:
            frame_url = request.frame.url
        except Exception:  # noqa: BLE001 - service worker requests have no frame
            pass
        self.requests.append((request.url, request.resource_type, frame_url))

    def page(self, role: str, lang: str = "de", width: int = 1280) -> Any:
        """The reusable page of ``role`` in ``lang`` at ``width`` px (height 800)."""
        key = (role, lang, width)
        if key not in self._pages:
            page = self._context(role, lang).new_page()
            page.set_viewport_size({"width": width, "height": 800})
            self._pages[key] = page
        return self._pages[key]

    def visit(self, path: str, role: str, lang: str = "de", width: int = 1280, status: int = 200) -> Any:
        page = self.page(role, lang, width)
        response = page.goto(f"{self.origin}{path}")
        self.visited.add((path, role, lang))
        fonts = page.evaluate(_FONTS)
        if fonts["faces"] or fonts["loaded"]:
            self.fonts[path] = fonts
        assert response is not None and response.status == status, (path, role, response and response.status)
        return page

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()


@pytest.fixture(scope="session")
def visitor(browser: Any, live_server: LiveServer) -> Iterator[Visitor]:
    """Logged-in pages per role and language on the session's live server (see `Visitor`)."""
    v = Visitor(browser, live_server.url)
    yield v
    v.close()
