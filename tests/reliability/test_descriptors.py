"""Open descriptors stay flat under many requests: connections are bounded and closed.

The development server (``remo serve``) starts one thread per request; each thread that opens a
store connection must give it back or close it, else the process runs out of descriptors.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import NEO4J_URL, _neo4j_reachable, require_or_skip

REQUESTS = 2000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def served(request, tmp_path: Path):
    """``remo serve`` (the threaded development server) on a fresh store of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/remo.db"
    else:
        require_or_skip(_neo4j_reachable(), "REMO_REQUIRE_NEO4J")
        url = NEO4J_URL
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "REMO_STORE": url, "REMO_ENV": "development"}
    cli = [sys.executable, "-m", "web.cli"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True, timeout=120)
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if _get(base + "/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("remo serve did not answer")
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.slow
def test_descriptors_stay_flat_under_thousands_of_requests(served):
    base, pid = served
    for _ in range(50):  # warm up: the first requests open what is kept for the process's life
        assert _get(base + "/healthz") == 200
    before = _fds(pid)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(_get, [base + ("/healthz" if i % 2 else "/login") for i in range(REQUESTS)]))
    assert statuses.count(200) == REQUESTS, {s: statuses.count(s) for s in set(statuses)}
    time.sleep(0.5)  # the last request threads finish
    after = _fds(pid)
    assert after <= before + 10, f"{before} open descriptors before {REQUESTS} requests, {after} after"
