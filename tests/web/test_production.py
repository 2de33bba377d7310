"""Production serving: health endpoint, JSON logs, gunicorn with several workers."""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from web.production import JsonFormatter


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and isinstance(response.json["generation"], int)
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_reports_unreachable_store(tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "REMO_STORE": "bolt://127.0.0.1:1"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"
    assert "127.0.0.1:1" in response.json["message"]


def test_json_log_lines():
    record = logging.LogRecord("remo.access", logging.INFO, __file__, 1, "request", (), None)
    record.path = "/x"
    record.status = 200
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "request" and line["path"] == "/x" and line["status"] == 200 and line["level"] == "info"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes, dict]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read(), dict(resp.headers)


@pytest.mark.slow
def test_production_server_with_several_workers(tmp_path):
    """gunicorn serves with several workers; a write through one is read by the others."""
    url = f"sqlite:///{tmp_path}/prod.db"
    env = {
        **os.environ,
        "PYTHONPATH": os.getcwd(),
        "REMO_STORE": url,
        "REMO_ENV": "production",
        "REMO_SECRET_KEY": "x" * 32,
        "REMO_SESSION_COOKIE_SECURE": "false",
    }
    seeded = subprocess.run(
        [sys.executable, "-m", "web.cli", "seed", "--demo"], env=env, capture_output=True, text=True, timeout=120
    )
    assert seeded.returncode == 0, seeded.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--production", "--workers", "3", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert _get(base + "/healthz")[0] == 200
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.3)
        pids = set()
        for _ in range(60):
            status, _body, headers = _get(base + "/healthz")
            assert status == 200
        # a write through the CLI (another process) is seen by every worker
        from graph.store import open_store

        store = open_store(url)
        try:
            gen = store.generation()
            org = store.list("organisation")[0]
            store.update("organisation", org.id, {**org.data, "name": "Neu benannt e.V."}, org.version)
        finally:
            store.close()
        seen = set()
        for _ in range(30):
            body = _get(f"{base}/org/{org.id}")[1].decode()
            seen.add("Neu benannt e.V." in body)
            gens = json.loads(_get(base + "/healthz")[1])["generation"]
            assert gens > gen
        assert seen == {True}
        del pids
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    logs = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [entry for entry in logs if entry.get("msg") == "request"]
    assert requests and {"path", "status", "duration_ms", "request_id"} <= set(requests[0])
    assert len({entry["pid"] for entry in requests}) >= 2
    # the model was built once in the master, before the fork (REMO_PRELOAD, on by default)
    preloaded = [entry for entry in logs if entry.get("msg") == "preloaded the matching model before the fork"]
    assert len(preloaded) == 1 and preloaded[0]["organisations"] > 0 and preloaded[0]["generation"] == gen
    assert preloaded[0]["pid"] == proc.pid and proc.pid not in {entry["pid"] for entry in requests}


def test_gc_freeze_keeps_the_current_snapshot_frozen_and_frees_the_old_one(template_db, tmp_path):
    """With REMO_GC_FREEZE a new snapshot is frozen after the response; after a write the old one is freed."""
    import gc
    import weakref

    from .conftest import make_web_app

    class Cyclic:
        pass

    app = make_web_app(template_db, tmp_path, REMO_GC_FREEZE=True)
    client = app.test_client()
    store = app.extensions["remo_store"].store
    try:
        gc.unfreeze()
        cyclic = Cyclic()
        cyclic.me = cyclic  # only the cyclic collector can free it
        with client.get("/directory") as resp:  # the freeze runs when the server closes the response
            assert resp.status_code == 200
        first = store.cached_snapshot()
        assert first is not None and gc.get_freeze_count() > 0
        old, old_cyclic = weakref.ref(first), weakref.ref(cyclic)
        del first, cyclic
        gc.collect()
        assert old_cyclic() is not None  # frozen: not collected
        org = store.list("organisation")[0]
        store.update("organisation", org.id, {**org.data, "name": org.data["name"] + " (neu)"}, org.version)
        with client.get("/directory") as resp:
            assert resp.status_code == 200
        assert store.cached_snapshot() is not None and store.cached_snapshot() is not old()
        assert old() is None and old_cyclic() is None  # unfrozen and collected: nothing frozen leaks
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        app.extensions["remo_store"].close()


def test_gc_freeze_is_off_outside_production(web_app, web_client):
    import gc

    gc.unfreeze()
    with web_client.get("/directory") as resp:
        assert resp.status_code == 200
    assert gc.get_freeze_count() == 0
