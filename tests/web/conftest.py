"""Web fixtures: a demo network with one user per role, copied per test from a template database.

The template is built once per session (seeding and scrypt hashing are the slow parts); each test gets its
own copy, so tests may write freely. CSRF stays on: helpers fetch tokens like a browser would.
"""

from __future__ import annotations

import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from graph.store import open_store
from web.users import create_user, hash_password

PASSWORD = "Lange Ostertage am Bach 2025"
ORG = "elternnetzwerk-koepru"
OTHER_ORG = "kulturverein-yesil-vadi"
USERS = {
    "ada": ("admin", []),
    "stefan": ("staff", []),
    "rana": ("representative", [ORG]),
    "otto": ("representative", [OTHER_ORG]),
}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from web import create_app

    folder = tmp_path_factory.mktemp("webtemplate")
    url = f"sqlite:///{folder}/template.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": url})
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    store = app.extensions["remo_store"].store
    pw_hash = hash_password(PASSWORD)
    for name, (role, orgs) in USERS.items():
        create_user(store, name, role=role, organisations=orgs, password_hash=pw_hash, name=name.title(), actor="test")
    target = folder / "clean.db"
    store.backup(target)  # type: ignore[attr-defined]
    app.extensions["remo_store"].close()
    return target


def make_web_app(template_db: Path, folder: Path, **config):
    """A new app on a copy of the template database."""
    from web import create_app

    db = folder / "web.db"
    src = sqlite3.connect(template_db)
    dest = sqlite3.connect(db)
    src.backup(dest)
    src.close()
    dest.close()
    cache = str(folder / "render-cache")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "REMO_STORE": f"sqlite:///{db}",
            "REMO_RENDER_CACHE_DIR": cache,
            **config,
        }
    )


@pytest.fixture
def web_app(template_db: Path, tmp_path: Path):
    """The app with the demo network and the users ada (admin), stefan (staff), rana and otto (representatives)."""
    app = make_web_app(template_db, tmp_path)
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def both_web_app(request, template_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo app (network and users as in `web_app`) on each store, one app per store and test module.

    SQLite: a copy of the template database. Neo4j: the test server (``NEO4J_URL``), wiped and filled with the
    template's records by `graph.migrate.migrate`. Tests of one module share the app: each leaves its writes.
    """
    from graph.migrate import migrate
    from tests.conftest import NEO4J_URL, _neo4j_reachable, require_or_skip
    from web import create_app

    folder = tmp_path_factory.mktemp(f"both-{request.param}")
    if request.param == "sqlite":
        app = make_web_app(template_db, folder)
    else:
        require_or_skip(_neo4j_reachable(), "REMO_REQUIRE_NEO4J")
        src, dst = open_store(f"sqlite:///{template_db}"), open_store(NEO4J_URL)
        try:
            dst.wipe()  # type: ignore[attr-defined]
            migrate(src, dst, actor="test")
        finally:
            src.close()
            dst.close()
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "REMO_STORE": NEO4J_URL,
                "REMO_RENDER_CACHE_DIR": str(folder / "render-cache"),
            }
        )
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture
def web_client(web_app):
    return web_app.test_client()


@pytest.fixture
def web_store(web_app):
    return web_app.extensions["remo_store"].store


def csrf_token(client, url: str | None = None) -> str:
    """A CSRF token of the client's session, taken from a page's form like a browser would."""
    for candidate in [url] if url else ["/", "/login"]:
        html = client.get(candidate).get_data(as_text=True)
        match = _TOKEN.search(html)
        if match:
            return match.group(1)
    raise AssertionError(f"no CSRF token on {url or '/ or /login'}")


def login(client, username: str, password: str = PASSWORD, expect: int = 302):
    token = csrf_token(client, "/login")
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == expect, resp.get_data(as_text=True)[:500]
    return resp


def post(client, url: str, data: dict | None = None, token_from: str | None = None, **kw):
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, token_from)
    return client.post(url, data=data, **kw)


@pytest.fixture
def store_opener():
    return open_store


class _FormParser(HTMLParser):
    """Collects what a browser would submit from the first ``<form method="post">`` of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._done = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if self._done:
            return
        if tag == "form" and a.get("method", "").lower() == "post" and not a.get("action", "").endswith("/logout"):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a.get("name"), None, False
        elif tag == "option" and self._select is not None:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a and not self._select_chosen:
                self.fields.append((self._select, a.get("value", "")))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_endtag(self, tag: str) -> None:
        if not self._in_form or self._done:
            return
        if tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._text[2:] if self._text.startswith("\r\n") else self._text.removeprefix("\n")
            self.fields.append((self._textarea, text))  # browsers drop the newline right after <textarea>
            self._textarea = None
        elif tag == "form":
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def form_data(html: str) -> MultiDict:
    """The fields of the page's first POST form (not the logout button), as a browser would send them."""
    parser = _FormParser()
    parser.feed(html)
    return MultiDict(parser.fields)
