"""HTTP load test of `remo serve --production` on 127.0.0.1 against a Flask hello-world baseline.

For each network size (generated with `remo generate --orgs N --seed 1`, imported into a fresh SQLite
store) the script starts the production server (gunicorn, ``--workers`` sync workers) and, on another
port, a minimal Flask app (one route returning "hello") under gunicorn with the same worker count. After
a warm-up it puts a fixed number of keep-alive connections on each endpoint for a fixed time and prints
requests/s, p50 and p95 latency, errors and each endpoint's throughput as a share of hello-world's.

Endpoints: the directory (``/directory`` and a filtered ``/directory?topic=…&district=…``), profiles
(``/org/<id>``, random ids), partner suggestions (``/api/v1/organisations/<id>/suggestions``, random
ids; the API wants a token for it, so a staff user and a token are created with ``remo user create`` and
``remo token create``) and API list pages (``/api/v1/organisations?…``, without a token: the public
projection; the anonymous rate limit is switched off for the run with ``REMO_API_ANON_LIMIT=0``).

Targets: p95 <= 100 ms at 1,000 organisations; suggestions >= 25 % of hello-world's throughput.

The load generator is ``wrk`` when installed (Debian package ``wrk``), else a built-in one: several
processes, each with threads holding keep-alive ``http.client`` connections. Server and load generator
share the machine's cores, so every figure is "server + client on the same box"; hello-world pays the
same price, which is why the ratio is the figure to compare across machines.

Everything is bounded: every phase has a fixed duration and a request cap, server start-up a timeout,
and every server started here is stopped (its whole process group) before the script ends.

    python bench/load.py [--sizes 1000 10000] [--workers 2] [--duration 10] [--connections 8]
                         [--engine auto|wrk|python] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
MAX_REQUESTS = 2_000_000  # per endpoint and run: a hard cap besides the duration
P95_TARGET_MS = 100.0
SUGGEST_RATIO_TARGET = 0.25

HELLO_APP = textwrap.dedent(
    '''
    """Flask hello-world: the baseline for bench/load.py."""
    from flask import Flask

    app = Flask(__name__)


    @app.get("/")
    def hello():
        return "hello"
    '''
)

WRK_SCRIPT = textwrap.dedent(
    """
    -- paths are rotated per request; the summary is printed as one JSON line
    local paths = {}
    local n = 0
    local i = 0
    init = function(args)
      local f = io.open(args[1], "r")
      for line in f:lines() do
        if line ~= "" then n = n + 1; paths[n] = line end
      end
      f:close()
      if args[2] and args[2] ~= "" then wrk.headers["Authorization"] = "Bearer " .. args[2] end
      i = math.random(n)
    end
    request = function()
      i = i % n + 1
      return wrk.format("GET", paths[i])
    end
    done = function(summary, latency, requests)
      local e = summary.errors
      io.write(string.format(
        'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
        '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
        latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
    end
    """
)


@dataclass
class Endpoint:
    name: str
    paths: list[str]
    port: int
    token: str = ""
    warm: bool = True  # part of the warm-up (the cold endpoint must not be)


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    statuses: Counter[int] = field(default_factory=Counter)
    cpu_ms: float = float("nan")  # server CPU time (all its processes) per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------
# processes: the CLI, the servers
# ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def remo(args: list[str], env: dict[str, str], *, stdin: str | None = None, timeout: float = 600) -> str:
    """Run the ReMo CLI (``python -m web.cli``) and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"remo {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _group_stats(pgid: int) -> Iterator[list[str]]:
    """The ``/proc/PID/stat`` fields after "(comm)" of every live process in process group ``pgid`` (Linux)."""
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # state ppid pgrp ... utime(11) stime(12) ... rss(21)
            yield fields


def group_rss_mib(pgid: int) -> float:
    """Resident memory (MiB) of every live process in the process group ``pgid``."""
    return sum(int(f[21]) for f in _group_stats(pgid)) * os.sysconf("SC_PAGE_SIZE") / 2**20


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the process group ``pgid``."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return sum(int(f[11]) + int(f[12]) for f in _group_stats(pgid)) / tick


@contextlib.contextmanager
def server(cmd: list[str], env: dict[str, str], port: int, log: Path, *, cwd: Path, probe: str) -> Iterator[int]:
    """Start a server in its own process group, wait (<= 90 s) until ``probe`` answers 200, stop it after."""
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}{probe}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server did not answer on port {port} within 90 s; see {log}")
            time.sleep(0.3)
        yield proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# ---------------------------------------------------------------------------
# the load generators
# ---------------------------------------------------------------------------
def run_wrk(ep: Endpoint, connections: int, seconds: float, work: Path) -> Result:
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT)
    paths_file = work / f"paths-{ep.name.replace('/', '_').replace(' ', '_')}.txt"
    paths_file.write_text("\n".join(ep.paths) + "\n")
    threads = max(1, min(2, connections))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://{HOST}:{ep.port}",
        "--",
        str(paths_file),
        ep.token,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    d = json.loads(line[len("WRKJSON ") :])
    # sync gunicorn workers close every connection after the response; wrk reconnects, which it does
    # not count as an error, and a "read" error is the peer closing an idle connection; neither is a failure
    errors = d["connect"] + d["write"] + d["status"] + d["timeout"]
    return Result(ep.name, d["requests"], d["duration_us"] / 1e6, d["p50_us"] / 1e3, d["p95_us"] / 1e3, errors)


def _python_worker(
    port: int, paths: list[str], token: str, threads: int, seconds: float, cap: int, seed: int, out: mp.Queue
) -> None:
    """One load process: ``threads`` threads, each with one keep-alive connection, until the deadline."""
    headers = {"Connection": "keep-alive", "User-Agent": "remo-bench-load"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = [0]
    deadline = time.monotonic() + seconds

    def loop(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        codes: Counter[int] = Counter()
        bad = 0
        n = 0
        while n < cap and time.monotonic() < deadline:
            path = paths[rng.randrange(len(paths))]
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                elapsed = time.perf_counter() - t0
                codes[resp.status] += 1
                if resp.status >= 400:
                    bad += 1
                else:
                    mine.append(elapsed)
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                bad += 1
                if conn is not None:
                    conn.close()
                conn = None
            n += 1
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(codes)
            errors[0] += bad

    pool = [threading.Thread(target=loop, args=(k,), daemon=True) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(seconds + 30)
    out.put((latencies, dict(statuses), errors[0]))


def run_python(ep: Endpoint, connections: int, seconds: float, processes: int) -> Result:
    """The built-in generator: ``processes`` processes share ``connections`` keep-alive connections."""
    processes = max(1, min(processes, connections))
    ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
    queue: mp.Queue = ctx.Queue()
    per = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    cap = MAX_REQUESTS // connections
    procs = [
        ctx.Process(target=_python_worker, args=(ep.port, ep.paths, ep.token, n, seconds, cap, i, queue), daemon=True)
        for i, n in enumerate(per)
    ]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    for _ in procs:
        lat, codes, bad = queue.get(timeout=seconds + 60)
        latencies.extend(lat)
        statuses.update(codes)
        errors += bad
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.kill()
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    total = sum(statuses.values())
    return Result(ep.name, total, elapsed, pct(0.50), pct(0.95), errors, statuses)


def write_cooperation(port: int, token: str, ids: list[str]) -> None:
    """Record a new cooperation through the API (a write: every worker's snapshot is replaced)."""
    rng = random.Random()
    for _ in range(20):
        a, b = rng.sample(ids, 2)
        body = json.dumps({"a": a, "b": b, "kind": "joint_project"}).encode()
        req = urllib.request.Request(
            f"http://{HOST}:{port}/api/v1/cooperations",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
            return
        except urllib.error.HTTPError as exc:
            if exc.code != 409:  # 409: these two cooperate already; try another pair
                raise
    raise RuntimeError("could not record a new cooperation for the load test")


def prime(ep: Endpoint, n: int) -> None:
    """``n`` concurrent requests, each waited for (<= 180 s): every worker builds its snapshot and caches.

    A timed warm-up alone is not enough: at 10,000 organisations a worker's first request builds the
    network's snapshot for seconds, and a busy machine can stretch that past the warm-up.
    """
    headers = {"Authorization": f"Bearer {ep.token}"} if ep.token else {}

    def one(k: int) -> None:
        req = urllib.request.Request(f"http://{HOST}:{ep.port}{ep.paths[k % len(ep.paths)]}", headers=headers)
        with contextlib.suppress(OSError), urllib.request.urlopen(req, timeout=180) as r:
            r.read()

    pool = [threading.Thread(target=one, args=(k,), daemon=True) for k in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(190)


def measure(ep: Endpoint, args: argparse.Namespace, engine: str, work: Path, seconds: float) -> Result:
    if engine == "wrk":
        return run_wrk(ep, args.connections, seconds, work)
    return run_python(ep, args.connections, seconds, args.processes)


# ---------------------------------------------------------------------------
# one network size
# ---------------------------------------------------------------------------
def prepare(n: int, work: Path, env: dict[str, str]) -> tuple[str, list[str], dict[str, str], str]:
    """Generate and import a network of ``n`` organisations; returns store URL, ids, a filter, a token."""
    data = work / f"network-{n}.json"
    db = work / f"remo-{n}.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        t = time.perf_counter()
        remo(["generate", "--orgs", str(n), "--seed", "1", "-o", str(data)], env)
        remo(["--store", url, "import", str(data)], env)
        remo(
            ["--store", url, "user", "create", "bench", "--role", "staff", "--password-stdin"],
            env,
            stdin="load-test-secret-" + secrets.token_hex(8) + "\n",
        )
        print(f"  prepared {n} organisations in {time.perf_counter() - t:.1f} s", flush=True)
    doc = json.loads(data.read_text(encoding="utf-8"))
    ids = [o["id"] for o in doc["organisations"]]
    topics = Counter(t for o in doc["organisations"] for t in o["topics"])
    districts = Counter(d for o in doc["organisations"] for d in o["districts"])
    filt = {"topic": topics.most_common(1)[0][0], "district": districts.most_common(1)[0][0]}
    token = json.loads(
        remo(["--store", url, "token", "create", "bench", "--name", "load test", "--expires", "1", "--json"], env)
    )["secret"]
    return url, ids, filt, token


def endpoints(ids: list[str], filt: dict[str, str], token: str, remo_port: int, hello_port: int) -> list[Endpoint]:
    rng = random.Random(1)
    shuffled = rng.sample(ids, len(ids))  # every organisation, in random order
    qs = "&".join(f"{k}={v}" for k, v in filt.items())
    # suggestions are kept per snapshot: lists are computed in blocks of neighbouring organisations, rendered
    # documents per (organisation, top, language). The first row asks for 100 organisations again and again
    # (answered from the cache after the warm-up). In the second row every path is a different
    # (organisation, top 8..12, language), none repeats within a run, and it gets no warm-up: the lists are
    # computed during the measured time, as after a write, and every document is rendered anew
    combos = [(i, top, lang) for i in ids for top in range(8, 13) for lang in ("de", "en", "tr", "ar")]
    cold = [f"/api/v1/organisations/{i}/suggestions?top={t}&lang={x}" for i, t, x in rng.sample(combos, 20000)]
    return [
        Endpoint("hello-world (Flask)", ["/"], hello_port),
        Endpoint("/directory", ["/directory"], remo_port),
        Endpoint("/directory?topic=…&district=…", [f"/directory?{qs}"], remo_port),
        Endpoint("/org/<id>", [f"/org/{i}" for i in shuffled], remo_port),
        Endpoint(
            "/api/v1/organisations/<id>/suggestions",
            [f"/api/v1/organisations/{i}/suggestions" for i in shuffled[:100]],
            remo_port,
            token,
        ),
        Endpoint("… new (org, top, language) each time", cold, remo_port, token, warm=False),
        Endpoint(
            "/api/v1/organisations?page=…",
            [f"/api/v1/organisations?page={p}&per_page=20" for p in range(1, 11)] + [f"/api/v1/organisations?{qs}"],
            remo_port,
        ),
    ]


def print_table(title: str, results: list[Result]) -> None:
    hello = results[0].rps or 1.0
    print(f"\n{title}")
    head = f"{'endpoint':40} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} {'÷ hello':>7} {'CPU ms/req':>10}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.name:40} {r.rps:7.0f} {r.p50_ms:7.1f} {r.p95_ms:7.1f} {r.errors:6d} {r.rps / hello:7.1%} "
            f"{r.cpu_ms:10.2f}"
        )


def run_size(n: int, workers: int, args: argparse.Namespace, engine: str, work: Path) -> list[Result]:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("REMO_")}
    base_env["PYTHONPATH"] = str(ROOT)
    url, ids, filt, token = prepare(n, work, base_env)
    env = {
        **base_env,
        "REMO_ENV": "production",
        "REMO_SECRET_KEY": secrets.token_hex(32),
        "REMO_STORE": url,
        "REMO_API_ANON_LIMIT": "0",
        "REMO_LOG_LEVEL": "INFO",
    }
    hello_dir = work / "hello"
    hello_dir.mkdir(exist_ok=True)
    (hello_dir / "hello_app.py").write_text(HELLO_APP)
    remo_port, hello_port = free_port(), free_port()
    remo_cmd = [
        sys.executable,
        "-m",
        "web.cli",
        "serve",
        "--production",
        "--host",
        HOST,
        "--port",
        str(remo_port),
        "--workers",
        str(workers),
    ]
    hello_cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{hello_port}",
        "hello_app:app",
    ]
    eps = endpoints(ids, filt, token, remo_port, hello_port)
    results: list[Result] = []
    with (
        server(remo_cmd, env, remo_port, work / f"remo-{n}-w{workers}.log", cwd=ROOT, probe="/healthz") as remo_pg,
        server(hello_cmd, base_env, hello_port, work / f"hello-w{workers}.log", cwd=hello_dir, probe="/") as hello_pg,
    ):
        # warm-up: every worker loads the snapshot and fills its caches before anything is timed
        for ep in eps:
            if ep.warm:
                for _ in range(2):
                    prime(ep, 4 * workers)
                measure(ep, args, engine, work, args.warmup)
        for ep in eps:
            pg = hello_pg if ep.port == hello_port else remo_pg
            if not ep.warm:
                # a write makes a new snapshot: every worker loads it (cheap list pages), and the
                # suggestion caches start empty, as after any change to the network
                write_cooperation(remo_port, token, ids)
                for _ in range(2):
                    prime(eps[-1], 4 * workers)
            cpu = group_cpu_seconds(pg)
            r = measure(ep, args, engine, work, args.duration)
            if r.requests:
                r.cpu_ms = (group_cpu_seconds(pg) - cpu) * 1000 / r.requests
            results.append(r)
            print(
                f"  {ep.name:44} {r.rps:8.0f} req/s  p95 {r.p95_ms:7.1f} ms  server CPU {r.cpu_ms:6.2f} ms/req  "
                f"errors {r.errors}",
                flush=True,
            )
        rss = group_rss_mib(remo_pg), group_rss_mib(hello_pg)
        print(f"  resident memory: ReMo {rss[0]:.0f} MiB, hello-world {rss[1]:.0f} MiB ({workers} workers + master)")
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--workers", type=int, nargs="+", default=[2], help="gunicorn workers (several: one run each)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint (max 120)")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per endpoint (max 30)")
    ap.add_argument("--connections", type=int, default=8, help="concurrent connections (1..64)")
    ap.add_argument("--processes", type=int, default=2, help="load processes of the built-in generator")
    ap.add_argument("--engine", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--keep", type=Path, default=None, help="keep generated stores and logs in DIR (reused next time)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    ap.add_argument(
        "--nice", type=int, default=0, help="run servers and load generator at this niceness (negative: root only)"
    )
    args = ap.parse_args()
    if args.nice:
        os.nice(args.nice)  # inherited by every server and load process started from here
    args.duration = min(max(args.duration, 1.0), 120.0)
    args.warmup = min(max(args.warmup, 0.5), 30.0)
    args.connections = min(max(args.connections, 1), 64)
    engine = args.engine
    if engine == "auto":
        engine = "wrk" if shutil.which("wrk") else "python"
    elif engine == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk); use --engine python")
    cores = os.cpu_count() or 1
    print(
        f"load generator: {engine}, {args.connections} connections, {args.duration:g} s per endpoint "
        f"(+{args.warmup:g} s warm-up); {cores} cores shared by servers and load generator; "
        f"niceness {os.nice(0)}; load average before: {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work_ctx: contextlib.AbstractContextManager[str] = contextlib.nullcontext(str(args.keep))
    else:
        work_ctx = tempfile.TemporaryDirectory(prefix="remo-load-")
    report: list[dict[str, object]] = []
    failed = False
    with work_ctx as tmp:
        work = Path(tmp)
        for workers in args.workers:
            for n in args.sizes:
                print(f"\n{n} organisations, {workers} workers", flush=True)
                results = run_size(n, workers, args, engine, work)
                print_table(
                    f"{n:,} organisations, {workers} gunicorn workers, {engine}, "
                    f"{args.connections} connections, {args.duration:g} s each",
                    results,
                )
                hello = results[0].rps or 1.0
                worst = max(r.p95_ms for r in results[1:])
                sugg = next(r for r in results if r.name.endswith("/suggestions"))
                print(
                    f"worst p95 {worst:.1f} ms"
                    + (
                        f" (target <= {P95_TARGET_MS:g} ms at 1,000: {'met' if worst <= P95_TARGET_MS else 'NOT met'})"
                        if n == 1000
                        else ""
                    )
                )
                ok_ratio = sugg.rps / hello >= SUGGEST_RATIO_TARGET
                print(
                    f"suggestions {sugg.rps / hello:.1%} of hello-world (target >= {SUGGEST_RATIO_TARGET:.0%}: "
                    f"{'met' if ok_ratio else 'NOT met'})"
                )
                failed |= any(r.errors for r in results)
                report.append(
                    {
                        "orgs": n,
                        "workers": workers,
                        "engine": engine,
                        "connections": args.connections,
                        "duration_s": args.duration,
                        "load_average": os.getloadavg()[0],
                        "results": [
                            {
                                "endpoint": r.name,
                                "rps": round(r.rps, 1),
                                "p50_ms": round(r.p50_ms, 2),
                                "p95_ms": round(r.p95_ms, 2),
                                "errors": r.errors,
                                "ratio_to_hello": round(r.rps / hello, 4),
                                "server_cpu_ms_per_request": round(r.cpu_ms, 3),
                            }
                            for r in results
                        ],
                    }
                )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
