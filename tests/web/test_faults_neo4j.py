"""Neo4j stopped while the app runs: a 503 page with a clear message, and recovery when it is back."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from graph.store import open_store
from tests.conftest import require_or_skip

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "neo4j" / "neo4j.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, up: bool, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.3)
    raise AssertionError(f"port {port} did not go {'up' if up else 'down'} in {timeout} s")


class OwnNeo4j:
    """A Neo4j server of the test's own (tools/neo4j/neo4j.sh run), started and stopped at will."""

    def __init__(self, data: Path, *, password: str | None = None, heap: str | None = None):
        self.port = _free_port()
        self.data = data
        self.password = password  # auth on: user "neo4j" with this password
        self.heap = heap  # JVM heap (default: the launcher's)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "NEO4J_AUTH_PASSWORD"}
        if self.password:
            env["NEO4J_AUTH_PASSWORD"] = self.password
        if self.heap:
            env["REMO_NEO4J_HEAP"] = self.heap
            env["NEO4J_TX_MEMORY_MB"] = "256"
        self.proc = subprocess.Popen(
            ["bash", str(SCRIPT), "run", "--port", str(self.port), "--data", str(self.data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
        _wait_port(self.port, up=True)
        # Bolt answers a moment after the port opens
        deadline = time.monotonic() + 60
        while True:
            try:
                open_store(self.url).close()
                return
            except Exception:
                assert time.monotonic() < deadline
                time.sleep(0.5)

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=60)
            self.proc = None
        _wait_port(self.port, up=False)

    @property
    def url(self) -> str:
        auth = f"neo4j:{self.password}@" if self.password else ""
        return f"bolt://{auth}127.0.0.1:{self.port}"


def own_neo4j_unavailable() -> str | None:
    """Why this machine cannot start a Neo4j server of a test's own (None when it can)."""
    if shutil.which("java") is None:
        return "java is not installed"
    if not (SCRIPT.parent / "lib").is_dir():
        return "the Neo4j jars are not fetched (tools/neo4j/neo4j.sh fetch)"
    return None


@pytest.fixture
def own_neo4j(tmp_path):
    require_or_skip(own_neo4j_unavailable(), "REMO_REQUIRE_NEO4J")
    server = OwnNeo4j(tmp_path / "neo4j-data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_app_answers_503_while_neo4j_is_down_and_recovers(own_neo4j, demo_doc):
    from graph.io import import_document
    from web import create_app

    store = open_store(own_neo4j.url)
    import_document(store, demo_doc)
    store.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "REMO_STORE": own_neo4j.url})
    client = app.test_client()
    org = demo_doc["organisations"][0]
    assert client.get("/directory").status_code == 200
    assert client.get(f"/org/{org['id']}").status_code == 200

    own_neo4j.stop()
    page = client.get("/directory", headers={"Accept-Language": "de"})
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "Datenbank" in text or "database" in text.lower()
    assert "Traceback" not in text
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["status"] == "unavailable"
    assert client.get("/privacy").status_code == 200  # the app itself stays up

    own_neo4j.start()
    deadline = time.monotonic() + 60
    while client.get("/directory").status_code != 200:
        assert time.monotonic() < deadline, "the app did not recover after Neo4j came back"
        time.sleep(1)
    assert org["name"] in client.get(f"/org/{org['id']}").get_data(as_text=True)
    app.extensions["remo_store"].close()
