"""Import a synthetic network into Neo4j and into SQLite, then load snapshots from both.

Generates N organisations (default 20,000) with `graph.generate.write_generated`,
validates them once per store (`graph.io.load_file`), writes them in one
transaction (`graph.io.import_network`) and loads the snapshot through a fresh
store object (`store.snapshot()`), as a new app process would. Prints
organisations/s (each with its topic, offer, need, district and language edges)
and nodes+edges/s, where nodes are the stored records and edges the
relationships the Neo4j store derives from them.

Targets (issue 3): Neo4j import >= 5,000 organisations/s; snapshot >= 50,000 nodes+edges/s.

WARNING: the Neo4j database is wiped first. Start the local one with
``tools/neo4j/neo4j.sh start``.

    python bench/neo4j_bench.py [--orgs 20000] [--seed 1] [--neo4j bolt://127.0.0.1:7687] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from graph.generate import write_generated
from graph.io import import_network, load_file
from graph.store import open_store
from graph.store.neo4j import derived_edges


def _run(url: str, path: Path, wipe: bool) -> dict[str, Any]:
    store = open_store(url)
    try:
        if wipe:
            store.wipe()  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        network = load_file(path, store)
        t_validate = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = import_network(store, network)
        t_import = time.perf_counter() - t0
    finally:
        store.close()
    fresh = open_store(url)
    try:
        t0 = time.perf_counter()
        snap = fresh.snapshot()
        t_snapshot = time.perf_counter() - t0
        records = list(fresh.all_records())
    finally:
        fresh.close()
    edges = sum(len(derived_edges(kind, data.get("id", ""), data)) for kind, data in records)
    return {
        "validate": t_validate,
        "import": t_import,
        "snapshot": t_snapshot,
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
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.json"
        counts = write_generated(path, args.orgs, seed=args.seed)
        results = {}
        if not args.no_sqlite:
            results["SQLite"] = _run(f"sqlite:///{tmp}/bench.db", path, wipe=False)
        results["Neo4j"] = _run(args.neo4j, path, wipe=True)
    print(f"organisations {counts['organisations']:,}, cooperations {counts['cooperations']:,}")
    for name, r in results.items():
        graph_size = r["nodes"] + r["edges"]
        print(f"\n{name}: {r['nodes']:,} records (nodes), {r['edges']:,} derived edges")
        print(f"  read + validate   {r['validate']:7.2f} s")
        print(
            f"  import (1 txn)    {r['import']:7.2f} s   {r['orgs'] / r['import']:>9,.0f} organisations/s"
            f"   {graph_size / r['import']:>9,.0f} nodes+edges/s"
        )
        print(
            f"  snapshot (fresh)  {r['snapshot']:7.2f} s   {r['orgs'] / r['snapshot']:>9,.0f} organisations/s"
            f"   {graph_size / r['snapshot']:>9,.0f} nodes+edges/s"
        )
    neo = results["Neo4j"]
    ok_import = neo["orgs"] / neo["import"] >= 5000
    ok_snap = (neo["nodes"] + neo["edges"]) / neo["snapshot"] >= 50_000
    print(f"\ntargets: Neo4j import >= 5,000 organisations/s: {'met' if ok_import else 'MISSED'}; "
          f"snapshot >= 50,000 nodes+edges/s: {'met' if ok_snap else 'MISSED'}")


if __name__ == "__main__":
    main()
