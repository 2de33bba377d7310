"""Generate and import a large synthetic network into a fresh SQLite store.

Prints seconds and rows/s for generation, validation and the store write, and
the snapshot build. Target (issue 2): 100k organisations (~300k topic/offer/need
edges) imported in <= 60 s on a 2-core machine.

    python bench/import_bench.py [--orgs 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from graph.generate import write_generated
from graph.io import import_network, load_file
from graph.store import open_store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orgs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.json"
        t0 = time.perf_counter()
        counts = write_generated(path, args.orgs, seed=args.seed)
        t_gen = time.perf_counter() - t0

        store = open_store(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        network = load_file(path, store)
        t_validate = time.perf_counter() - t0
        edges = sum(len(o.topics) + len(o.offers) + len(o.needs) for o in network.organisations)
        t0 = time.perf_counter()
        report = import_network(store, network)
        t_write = time.perf_counter() - t0
        t0 = time.perf_counter()
        snap = store.snapshot()
        t_snap = time.perf_counter() - t0
        store.close()
    total = t_validate + t_write
    rows = counts["organisations"] + counts["cooperations"]
    print(f"organisations            {counts['organisations']:>10,}")
    print(f"cooperations             {counts['cooperations']:>10,}")
    print(f"topic/offer/need edges   {edges:>10,}")
    print(f"generate                 {t_gen:>9.1f} s")
    print(f"read + validate          {t_validate:>9.1f} s")
    print(f"store write (1 txn)      {t_write:>9.1f} s   ({report.created:,} records)")
    print(f"import total             {total:>9.1f} s   ({rows / total:,.0f} rows/s; target <= 60 s)")
    print(f"snapshot build           {t_snap:>9.1f} s   ({snap.n:,} organisations)")


if __name__ == "__main__":
    main()
