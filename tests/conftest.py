"""Shared fixtures (flaskr style: app, client, runner) and store backends."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from graph import Vocabulary
from graph.store import open_store
from graph.vocabulary import seeds_dir

#: The Neo4j server the tests use -- and wipe. REMO_TEST_NEO4J_URL names it; without it only the project's
#: own server (started by tools/neo4j/neo4j.sh, which records its port) is used, never some other
#: server that happens to listen on the default port.
_STATE = Path(__file__).resolve().parents[1] / "tools" / "neo4j" / "run" / "neo4j.state"


def _own_server_url() -> str | None:
    try:
        port = _STATE.read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError):
        return None
    return f"bolt://127.0.0.1:{port}" if port.isdigit() else None


NEO4J_URL = os.environ.get("REMO_TEST_NEO4J_URL") or _own_server_url() or ""


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return Vocabulary.builtin()


@pytest.fixture(scope="session")
def demo_doc() -> dict:
    return json.loads((seeds_dir() / "demo.json").read_text(encoding="utf-8"))


def _neo4j_reachable() -> str | None:
    """None when a Neo4j server answers at NEO4J_URL, else the reason."""
    if not NEO4J_URL:
        return (
            "no test Neo4j server: start the project's own with tools/neo4j/neo4j.sh start, or set "
            "REMO_TEST_NEO4J_URL to a server whose data the tests may wipe"
        )
    parts = urlsplit(NEO4J_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 7687), timeout=1):
            pass
    except OSError as exc:
        return f"no Neo4j server at {NEO4J_URL} ({exc}); start one with tools/neo4j/neo4j.sh start"
    try:
        import graph.store.neo4j  # noqa: F401
    except ImportError as exc:
        return f"the Neo4j backend cannot be imported: {exc}"
    return None


def require_or_skip(reason: str | None, env: str) -> None:
    if reason is None:
        return
    if os.environ.get(env):
        pytest.fail(f"{env} is set but: {reason}")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_url(request, tmp_path: Path) -> str:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/remo.db"
    require_or_skip(_neo4j_reachable(), "REMO_REQUIRE_NEO4J")
    store = open_store(NEO4J_URL)
    try:
        store.wipe()
    finally:
        store.close()
    return NEO4J_URL


@pytest.fixture
def store(store_url: str):
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path):
    s = open_store(f"sqlite:///{tmp_path}/remo.db")
    yield s
    s.close()


@pytest.fixture
def app(tmp_path: Path):
    from web import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "REMO_STORE": f"sqlite:///{tmp_path}/app.db",
            "REMO_RENDER_CACHE_DIR": str(tmp_path / "render-cache"),
        }
    )
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo_app(app):
    """The app with the demo network loaded."""
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    return app
