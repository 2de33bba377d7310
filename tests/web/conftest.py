"""Web fixtures: a demo network with one user per role, copied per test from a template database.

The template is built once per session (seeding and scrypt hashing are the slow parts); each test gets its
own copy, so tests may write freely. CSRF stays on: helpers fetch tokens like a browser would.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

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


@pytest.fixture
def web_app(template_db: Path, tmp_path: Path):
    """The app with the demo network and the users ada (admin), stefan (staff), rana and otto (representatives)."""
    from web import create_app

    db = tmp_path / "web.db"
    src = sqlite3.connect(template_db)
    dest = sqlite3.connect(db)
    src.backup(dest)
    src.close()
    dest.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": f"sqlite:///{db}"})
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
