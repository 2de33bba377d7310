"""Memory of the production web workers with and without the preloaded model (``REMO_PRELOAD``).

Generates a realistic network, imports it into a new SQLite store, then for each setting starts
``remo serve --production --workers W``, asks every worker for partner suggestions through the JSON
API (so that each worker has the snapshot, the weights and the matching model in memory) and reads
the proportional set size (PSS: shared pages count once, split between the processes that share
them) of gunicorn's master and its workers from ``/proc/<pid>/smaps_rollup`` (Linux). Everything
runs through the ``remo`` command as an operator would. Prints one block per setting::

    python bench/workers_memory.py --orgs 20000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REMO = [sys.executable, "-m", "web.cli"]
PASSWORD = "Lange Nachtfahrt am Fluss 2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _remo(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([*REMO, *args], env=env, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"remo {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _get(url: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as resp:
        return resp.status, json.loads(resp.read())


def _measure(env: dict[str, str], workers: int, preload: bool, token: str, orgs: list[str]) -> dict:
    port = _free_port()
    run_env = {**env, "REMO_PRELOAD": "true" if preload else "false"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*REMO, "serve", "--production", "--workers", str(workers), "--port", str(port)],
        env=run_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.5)
        up = time.perf_counter() - started
        master = proc.pid  # ``remo serve --production`` is gunicorn's master (arbiter) itself
        first: list[float] = []
        for i in range(200):
            t0 = time.perf_counter()
            status, _doc = _get(f"{base}/api/v1/organisations/{orgs[i % len(orgs)]}/suggestions", token)
            assert status == 200
            first.append(time.perf_counter() - t0)
            if i >= 8 * workers:
                break
        time.sleep(1.0)
        worker_pids = _children(master)
        procs = [master, *worker_pids]
        return {
            "up": up,
            "first_request": max(first),
            "pss": sum(_kib(p, "Pss") for p in procs) / 1024**2,
            "rss": sum(_kib(p, "Rss") for p in procs) / 1024**2,
            "per_worker_pss": [round(_kib(p, "Pss") / 1024**2, 2) for p in worker_pids],
            "master_pss": _kib(master, "Pss") / 1024**2,
            "workers": len(worker_pids),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orgs", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "REMO_STORE": f"sqlite:///{tmp}/bench.db",
            "REMO_ENV": "production",
            "REMO_SECRET_KEY": "b" * 32,
            "REMO_SESSION_COOKIE_SECURE": "false",
            "REMO_RATELIMIT_STORAGE": "memory://",
            "REMO_API_ANON_LIMIT": "0",
            "REMO_LOG_LEVEL": "WARNING",
        }
        t0 = time.perf_counter()
        net = f"{tmp}/net.json"
        _remo(env, "generate", "--realistic", "--orgs", str(args.orgs), "--seed", str(args.seed), "-o", net)
        _remo(env, "init")
        _remo(env, "import", net)
        _remo(env, "user", "create", "bench", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n")
        token = json.loads(_remo(env, "token", "create", "bench", "--json"))["secret"]
        orgs = [o["id"] for o in json.loads(Path(net).read_text())["organisations"][:64]]
        day = time.strftime("%Y-%m-%d")
        print(f"== {args.orgs:,} realistic organisations (seed {args.seed}), {args.workers} workers, {day}")
        took = time.perf_counter() - t0
        print(f"  prepared (generate, init, import) in {took:.1f} s; load average {os.getloadavg()}")
        for preload in (False, True):
            m = _measure(env, args.workers, preload, token, orgs)
            print(
                f"  REMO_PRELOAD={'true ' if preload else 'false'}  PSS {m['pss']:.2f} GB"
                f" (master {m['master_pss']:.2f} GB, workers {m['per_worker_pss']})  RSS sum {m['rss']:.2f} GB"
                f"  ready after {m['up']:.1f} s,"
                f" slowest first suggestion request {m['first_request']:.2f} s"
            )
        print(f"  load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
