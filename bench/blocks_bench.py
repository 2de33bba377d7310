"""Wall time of ``remo suggest --all --json``: serial vs ``--jobs N`` (and optionally ``--dask``).

Usage::

    python bench/blocks_bench.py                      # 20,000 realistic organisations, serial vs --jobs 2
    python bench/blocks_bench.py --orgs 5000 --jobs 2 --local-cluster   # also on a 2-worker LocalCluster
    python bench/blocks_bench.py --store sqlite:///big.db --dask tcp://host:8786

Generates the network with ``remo generate --realistic`` and imports it into a new SQLite store
(unless ``--store`` names one), runs the weights fit once (``remo weights --learn``) so that no run
pays for it, then each variant as a subprocess: wall time, CPU time of the child, whether its
output is byte-identical to the serial run's, and the load average before and after (the machine
may be shared: compare CPU, and wall only at a low load).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _remo(store: str, *args: str, out: Path | None = None) -> tuple[float, float]:
    """Run ``remo --store STORE ARGS`` (stdout to ``out``); wall and child CPU seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(out or os.devnull, "wb") as fh:
        subprocess.run([sys.executable, "-m", "web.cli", "--store", store, *args], stdout=fh, env=env, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orgs", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--store", help="an existing store (skips generating and importing)")
    ap.add_argument("--dask", metavar="ADDRESS", help="also run on this Dask scheduler")
    ap.add_argument("--local-cluster", action="store_true", help="also run on a LocalCluster of --jobs workers")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = opts.store
        if not store:
            doc = folder / "network.json"
            store = f"sqlite:///{folder}/bench.db"
            wall, _ = _remo(
                store, "generate", "--orgs", str(opts.orgs), "--seed", str(opts.seed), "--realistic", "-o", str(doc)
            )
            wall2, _ = _remo(store, "import", str(doc))
            print(f"generate + import of {opts.orgs:,} realistic organisations: {wall + wall2:.1f} s wall")
        _remo(store, "weights", "--learn")
        load0 = os.getloadavg()[0]
        variants = [("serial", [])] + [(f"--jobs {opts.jobs}", ["--jobs", str(opts.jobs)])]
        cluster = None
        if opts.local_cluster:
            from distributed import LocalCluster

            cluster = LocalCluster(n_workers=opts.jobs, threads_per_worker=1, processes=True, dashboard_address=None)
            variants.append((f"--dask (LocalCluster, {opts.jobs} workers)", ["--dask", cluster.scheduler_address]))
        if opts.dask:
            variants.append((f"--dask {opts.dask}", ["--dask", opts.dask]))
        try:
            serial_out = folder / "serial.jsonl"
            first = None
            for name, extra in variants:
                out = folder / f"{len(extra)}-{extra[-1] if extra else 'serial'}".replace("/", "_")
                out = serial_out if not extra else out
                wall, cpu = _remo(store, "suggest", "--all", "--json", *extra, out=out)
                same = "reference" if first is None else ("identical" if _digest(out) == first else "DIFFERENT")
                first = first or _digest(out)
                print(
                    f"remo suggest --all --json {name:38} {wall:7.2f} s wall  {cpu:7.2f} s CPU (child)  output {same}"
                )
        finally:
            if cluster is not None:
                cluster.close()
        print(f"load average {load0:.2f} before, {os.getloadavg()[0]:.2f} after ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
