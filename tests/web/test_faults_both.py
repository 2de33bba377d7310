"""Faults with real processes on both stores: a killed import on Neo4j, two editors, several workers.

The SQLite side of the killed import is ``tests/graph/test_faults.py``; Neo4j going away while the app runs is
``tests/web/test_faults_neo4j.py``. The Neo4j cases use the shared test server (``NEO4J_URL``) and wipe it.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from graph.generate import write_generated
from graph.io import import_document
from graph.migrate import migrate
from graph.store import open_store
from tests.conftest import NEO4J_URL, _neo4j_reachable, require_or_skip
from tests.web.conftest import ORG, PASSWORD, form_data, login, make_web_app
from web.users import create_user, hash_password

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def _wiped_neo4j():
    """The shared test server, emptied; skipped (or failed under REMO_REQUIRE_NEO4J) when none answers."""
    require_or_skip(_neo4j_reachable(), "REMO_REQUIRE_NEO4J")
    store = open_store(NEO4J_URL)
    store.wipe()  # type: ignore[attr-defined]
    return store


def _bounded(fn, timeout: float, what: str):
    """``fn()`` in a helper thread; fails the test when it takes longer than ``timeout`` seconds."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn).result(timeout=timeout)
    except TimeoutError:
        pytest.fail(f"{what} took more than {timeout} s")
    finally:
        pool.shutdown(wait=False)


# ---------------------------------------------------------------------------------------------------------------
# 1. kill -9 in the middle of a large import on Neo4j


def _other_transactions(store) -> list[list]:
    """The server's open transactions except the one asking: [id, current query, seconds open]."""
    rows = store._auto(  # noqa: SLF001 - SHOW TRANSACTIONS runs as an auto-commit command
        "listing the transactions",
        "SHOW TRANSACTIONS YIELD transactionId, currentQuery, elapsedTime "
        "WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS' "
        "RETURN transactionId, currentQuery, elapsedTime.milliseconds / 1000.0",
    )
    return [list(r) for r in rows]


def _counts(store) -> tuple[int, int]:
    return store.count("organisation"), store.count("cooperation")


@pytest.mark.neo4j
def test_kill_9_during_a_100k_neo4j_import_leaves_the_store_before_or_after(tmp_path, demo_doc):
    """A client killed inside its import transaction: the server rolls it back, the store is as before.

    100,000 organisations (about 225,000 records and 1.1 million edges), as in the SQLite test. Neo4j holds a
    whole transaction in memory until it commits: 100,000 organisations need 2 to 3 GiB, and the local server
    allows 4 GiB of transaction memory with an 8 GiB heap (docs/neo4j.md, "Transaction memory"). The import
    keeps its transaction open for many seconds, so the kill always lands inside it.

    The kill is timed by the server itself: ``SHOW TRANSACTIONS`` (Community too) lists the import's
    transaction; once it has been open for a while and is running a query, the client gets SIGKILL, before
    it could send COMMIT: once it has been open for 3 seconds, in the middle of its writes (they take about
    10 seconds for 100,000 organisations).
    """
    store = _wiped_neo4j()
    try:
        import_document(store, demo_doc)
        before = _counts(store)
        gen_before = store.generation()
        big = tmp_path / "big.json"
        added = write_generated(big, 100_000, seed=3)
        after = (before[0] + added["organisations"], before[1] + added["cooperations"])

        proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "--store", NEO4J_URL, "import", str(big)],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 180
            seen: list = []
            while time.monotonic() < deadline and proc.poll() is None:
                busy = [t for t in _other_transactions(store) if t[1] and t[2] >= 3.0]
                if busy:
                    seen = busy
                    break
                time.sleep(0.2)
            assert seen, "the import's transaction never showed up busy: " + (
                proc.stderr.read() if proc.poll() is not None else "timeout"
            )
            assert proc.poll() is None, "the import finished before it could be killed"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL

        # the server notices the dead client and rolls its transaction back
        deadline = time.monotonic() + 120
        while _other_transactions(store):
            assert time.monotonic() < deadline, f"the killed client's transaction is still open: {seen}"
            time.sleep(0.5)
        counts = _counts(store)
        assert counts in {before, after}
        assert counts == before, "killed inside the transaction: exactly as before"
        assert store.generation() == gen_before

        # and the store works on: a write (it takes the meta lock, so nothing is pending any more) ...
        new = {"id": "nach-dem-absturz", "name": "Danach", "kind": "other"}
        _bounded(
            lambda: store.create("organisation", new["id"], new),
            120,
            "a write after the kill",
        )
        assert _counts(store) == (before[0] + 1, before[1])
        assert store.generation() == gen_before + 1
        # ... and contract-level reads
        assert store.get("organisation", "nach-dem-absturz").data["name"] == "Danach"
        orgs = store.list("organisation")
        assert len(orgs) == before[0] + 1 and orgs == sorted(orgs, key=lambda r: r.id)
        network, gen = store.network_with_generation()  # type: ignore[attr-defined]
        assert gen == gen_before + 1
        assert {o["id"] for o in demo_doc["organisations"]} <= {r.id for r in orgs}
        assert network is not None
    finally:
        store.close()


# ---------------------------------------------------------------------------------------------------------------
# 2. two editors save one profile


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def two_editor_app(request, template_db: Path, tmp_path: Path):
    """The web app with the demo network and users on each store, plus a second staff member, sven."""
    from web import create_app

    if request.param == "sqlite":
        app = make_web_app(template_db, tmp_path)
    else:
        target = _wiped_neo4j()
        source = open_store(f"sqlite:///{template_db}")
        try:
            migrate(source, target)
        finally:
            source.close()
            target.close()
        app = create_app({"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": NEO4J_URL})
    store = app.extensions["remo_store"].store
    create_user(store, "sven", role="staff", password_hash=hash_password(PASSWORD), name="Sven", actor="test")
    yield app
    app.extensions["remo_store"].close()


def test_two_editors_save_one_profile_one_conflict_nothing_lost(two_editor_app):
    store = two_editor_app.extensions["remo_store"].store
    old = store.get("organisation", ORG).data
    stefan, sven = two_editor_app.test_client(), two_editor_app.test_client()
    login(stefan, "stefan")
    login(sven, "sven")
    first = form_data(stefan.get(f"/org/{ORG}/edit").get_data(as_text=True))
    second = form_data(sven.get(f"/org/{ORG}/edit").get_data(as_text=True))  # both opened the same version

    phone, text = "02191 987654", "Neue Beschreibung von Sven."
    assert old.get("phone") != phone and old.get("description") != text
    first["phone"] = phone
    assert stefan.post(f"/org/{ORG}/edit", data=first).status_code == 302
    second["description"] = text
    resp = sven.post(f"/org/{ORG}/edit", data=second)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "conflict-title" in html and phone in html  # names what changed meanwhile ...
    assert f"staff:stefan for:{ORG}" in html  # ... and who changed it
    rec = store.get("organisation", ORG)
    assert rec.data["phone"] == phone and rec.data["description"] == old.get("description")  # the first is in

    # sven checks the form as the page asks (his entry is kept, stefan's phone is taken over) and saves again
    again = form_data(html)
    assert again["description"] == text
    again["phone"] = phone
    assert sven.post(f"/org/{ORG}/edit", data=again).status_code == 302
    rec = store.get("organisation", ORG)
    assert rec.data["phone"] == phone and rec.data["description"] == text
    assert rec.data["name"] == old["name"]
    actors = [c.actor for c in store.changes(limit=2, kind="organisation", id=ORG)]
    assert actors == [f"staff:sven for:{ORG}", f"staff:stefan for:{ORG}"]


# ---------------------------------------------------------------------------------------------------------------
# 3. several gunicorn workers on Neo4j


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Browser:
    """urllib with a cookie jar, no redirects followed (the statuses are what the tests look at)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kw):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect()
        )

    def request(self, path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def _get(base: str, path: str) -> tuple[int, str]:
    """One anonymous read (a fresh connection, so any worker may answer)."""
    return _Browser(base).request(path)


@pytest.mark.neo4j
def test_several_workers_on_neo4j_read_a_write_through_one(template_db: Path, tmp_path: Path):
    target = _wiped_neo4j()
    source = open_store(f"sqlite:///{template_db}")
    try:
        migrate(source, target)
    finally:
        source.close()
        target.close()
    env = _env(
        REMO_STORE=NEO4J_URL,
        REMO_ENV="production",
        REMO_SECRET_KEY="x" * 32,
        REMO_SESSION_COOKIE_SECURE="false",
    )
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--production", "--workers", "3", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    new_name = "Elternnetzwerk Köprü – neu benannt e.V."
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if _Browser(base).request("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.3)
        # every worker has its snapshot of the old name before the write
        with ThreadPoolExecutor(max_workers=6) as pool:
            warm = list(pool.map(lambda _: _get(base, f"/org/{ORG}"), range(18)))
        assert all(status == 200 and new_name not in body for status, body in warm)

        staff = _Browser(base)
        status, page = staff.request("/login")
        fields = list(form_data(page).items(multi=True))
        fields = [(k, v) for k, v in fields if k not in ("username", "password")]
        status, _ = staff.request("/login", [*fields, ("username", "stefan"), ("password", PASSWORD)])
        assert status == 302, "login failed"
        status, page = staff.request(f"/org/{ORG}/edit")
        assert status == 200
        data = form_data(page)
        data["name"] = new_name
        status, body = staff.request(f"/org/{ORG}/edit", list(data.items(multi=True)))
        assert status == 302, body[:1000]

        # read it back many times, concurrently so that several workers answer
        with ThreadPoolExecutor(max_workers=6) as pool:
            reads = list(pool.map(lambda _: _get(base, f"/org/{ORG}"), range(60)))
        assert [status for status, _ in reads] == [200] * len(reads)
        stale = [i for i, (_, body) in enumerate(reads) if new_name not in body]
        assert not stale, f"{len(stale)} of {len(reads)} reads showed the old name"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
    logs = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    reads_logged = [e for e in logs if e.get("msg") == "request" and e.get("path") == f"/org/{ORG}"]
    edit_logged = [e for e in logs if e.get("msg") == "request" and e.get("path") == f"/org/{ORG}/edit"]
    posts = [e for e in edit_logged if e.get("method") == "POST"]
    assert [e["status"] for e in posts] == [302]
    after_write = reads_logged[-len(reads) :]
    assert len(after_write) == len(reads) and {e["status"] for e in after_write} == {200}
    pids = {e["pid"] for e in after_write}
    assert len(pids) >= 2, f"all reads after the write were served by one worker: {pids}"
    assert pids - {posts[0]["pid"]}, "no other worker than the writing one served a read"
