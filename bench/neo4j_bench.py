"""Import a synthetic network into Neo4j and into SQLite, then load snapshots from both.

Generates N organisations (default 20,000) with `graph.generate.write_generated`,
validates them once per store (`graph.io.load_file`), writes them in one
transaction (`graph.io.import_network`) and loads the snapshot through a fresh
store object (`store.snapshot()`), as a new app process would. Prints
organisations/s (each with its topic, offer, need, district and language edges)
and nodes+edges/s, where nodes are the stored records and edges the
relationships the Neo4j store derives from them.

Before timing, the same network is imported into Neo4j untimed ``--warmup`` times (default 8, at
least 1): the server's JIT keeps compiling its write path over the first imports (a just-started server
took 6-9 s for 20,000 organisations, the next runs 4-5 s, a server that has imported for a while
3.7-3.9 s), and a server in production runs for weeks. The first (cold) run's rate is printed too.
Then ``--repeat`` timed runs (default 3) per store; the figures printed are those of the median run,
with every run's import rate listed.

Targets (issue 3): Neo4j import >= 5,000 organisations/s; snapshot >= 50,000 nodes+edges/s.

WARNING: the Neo4j database is wiped first. Start the local one with
``tools/neo4j/neo4j.sh start``.

    python bench/neo4j_bench.py [--orgs 20000] [--seed 1] [--neo4j bolt://127.0.0.1:7687] [--no-sqlite]
                                [--repeat 3] [--warmup 8]
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from graph import StoreError
from graph.generate import write_generated
from graph.io import import_network, load_file
from graph.network import Network
from graph.store import open_store
from graph.store.neo4j import derived_edges


def _listener_pid(port: int) -> int | None:
    """The id of the local process that listens on TCP ``port`` (Linux /proc), or None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def _server_cpu(pid: int | None) -> float:
    """CPU seconds used so far by process ``pid`` (the local Neo4j server), or 0.0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class _Clock:
    """Wall time, this process's CPU time and the local server's (process ``pid``) CPU time of a block."""

    def __init__(self, pid: int | None = None):
        self.pid = pid

    def __enter__(self) -> _Clock:
        self.t, self.cpu, self.server = time.perf_counter(), time.process_time(), _server_cpu(self.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        self.t = time.perf_counter() - self.t
        self.cpu = time.process_time() - self.cpu
        self.server = _server_cpu(self.pid) - self.server


def _server_pid(url: str) -> int | None:
    """The local process serving a ``bolt://127.0.0.1:PORT`` / ``localhost`` URL, else None."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite") or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    return _listener_pid(parts.port or 7687)


def _run(url: str, path: Path, wipe: bool, network: Network | None = None) -> dict[str, Any]:
    """Import ``path`` into ``url`` (validated here unless ``network`` is given), then load a snapshot."""
    pid = _server_pid(url)
    store = open_store(url)
    try:
        if wipe:
            store.wipe()
        t0 = time.perf_counter()
        if network is None:
            network = load_file(path, store)
        t_validate = time.perf_counter() - t0
        with _Clock(pid) as imp:
            report = import_network(store, network)
    finally:
        store.close()
    fresh = open_store(url)
    # as in a new app process: the collector does not walk this process's older objects (the network,
    # the import's leftovers) while the snapshot is built
    gc.collect()
    gc.freeze()
    try:
        with _Clock(pid) as load:
            snap = fresh.snapshot()
        records = list(fresh.all_records())
    finally:
        gc.unfreeze()
        fresh.close()
    edges = sum(len(derived_edges(kind, data.get("id", ""), data)) for kind, data in records)
    return {
        "validate": t_validate,
        "network": network,
        "import": imp.t,
        "import_cpu": imp.cpu + imp.server,
        "snapshot": load.t,
        "snapshot_cpu": load.cpu + load.server,
        "created": report.created,
        "orgs": snap.n,
        "nodes": len(records),
        "edges": edges,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orgs", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--neo4j", default=os.environ.get("REMO_TEST_NEO4J_URL", "bolt://127.0.0.1:7687"))
    ap.add_argument("--no-sqlite", action="store_true", help="only Neo4j")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per store (the median is shown)")
    ap.add_argument("--warmup", type=int, default=8, help="untimed Neo4j imports first (at least 1)")
    args = ap.parse_args()
    repeat = max(1, args.repeat)
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.json"
        counts = write_generated(path, args.orgs, seed=args.seed)
        if not args.no_sqlite:
            runs["SQLite"] = [_run(f"sqlite:///{tmp}/bench-{i}.db", path, wipe=False) for i in range(repeat)]
        warm_rates: list[float] = []
        try:
            first = _run(args.neo4j, path, wipe=True)
            warm_rates.append(first["orgs"] / first["import"])
            network = first["network"]
            for _ in range(args.warmup - 1):
                r = _run(args.neo4j, path, wipe=True, network=network)
                warm_rates.append(r["orgs"] / r["import"])
            runs["Neo4j"] = [_run(args.neo4j, path, wipe=True, network=network) for _ in range(repeat)]
            for r in runs["Neo4j"]:
                r["validate"] = first["validate"]
        except StoreError as exc:
            raise SystemExit(f"Neo4j: {exc}") from None
    results = {name: sorted(rs, key=lambda r: r["import"])[len(rs) // 2] for name, rs in runs.items()}
    print(f"organisations {counts['organisations']:,}, cooperations {counts['cooperations']:,}")
    for name, r in results.items():
        graph_size = r["nodes"] + r["edges"]
        print(f"\n{name}: {r['nodes']:,} records (nodes), {r['edges']:,} derived edges")
        print(f"  read + validate   {r['validate']:7.2f} s")
        every = ", ".join(f"{x['orgs'] / x['import']:,.0f}" for x in runs[name])
        if name == "Neo4j" and warm_rates:
            warm = ", ".join(f"{x:,.0f}" for x in warm_rates)
            print(f"  import, organisations/s (wall) untimed first: {warm} (the first on a cold server)")
        print(f"  import, organisations/s (wall) of every run: {every}; below: the median run")
        for what, label in (("import", "import (1 txn)"), ("snapshot", "snapshot (fresh)")):
            for suffix, unit in (("", "wall"), ("_cpu", "cpu")):
                secs = r[what + suffix]
                print(
                    f"  {label:<17} {secs:7.2f} s {unit:<4} {r['orgs'] / secs:>9,.0f} organisations/s"
                    f"   {graph_size / secs:>9,.0f} nodes+edges/s"
                )
    print(
        "\n(cpu = CPU seconds of this process plus, for a server on this machine, the server's; on an"
        "\n otherwise idle machine the wall time comes close to it; os.getloadavg() now: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + ")"
    )
    neo = results["Neo4j"]
    ok_import = neo["orgs"] / neo["import"] >= 5000
    ok_snap = (neo["nodes"] + neo["edges"]) / neo["snapshot"] >= 50_000
    print(
        f"\ntargets: Neo4j import >= 5,000 organisations/s: {'met' if ok_import else 'MISSED'}; "
        f"snapshot >= 50,000 nodes+edges/s: {'met' if ok_snap else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
