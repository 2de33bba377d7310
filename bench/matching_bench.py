"""Speed of the matching engine.

Usage::

    python bench/matching_bench.py            # 10k comparison + 100k engine + one organisation warm
    python bench/matching_bench.py --small    # 2k / 10k only (quick)

Prints: all-organisation top-10 at 10k for the engine, for NetworkX's ``adamic_adar_index`` over the
same candidate pairs (timed on a sample of organisations and extrapolated), and for a bare scipy
sparse product (``T @ T.T`` row blocks + ``argpartition``); at 100k the engine alone; one
organisation warm at 100k.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph import build_snapshot, parse_network  # noqa: E402
from graph.generate import generate_document  # noqa: E402
from matching import MatchingModel  # noqa: E402


def snapshot(n: int, seed: int = 0):
    t = time.perf_counter()
    snap = build_snapshot(parse_network(generate_document(n, seed=seed)), today="2026-11-01")
    print(f"  generated + parsed {n:,} organisations, {snap.coop.nnz // 2:,} cooperations "
          f"in {time.perf_counter() - t:.1f} s")
    return snap


def bare_product(snap, k: int = 10, block: int | None = None) -> float:
    """Top-k of ``T @ T.T`` per row block (the yardstick)."""
    t = time.perf_counter()
    x = sp.csr_matrix(snap.topics, dtype=np.float32)
    xt = x.T.tocsr()
    n = x.shape[0]
    block = block or max(1, 4_000_000 // n)
    for s in range(0, n, block):
        dense = (x[s : s + block] @ xt).toarray()
        np.argpartition(-dense, k, axis=1)[:, :k]
    return time.perf_counter() - t


def networkx_aa(snap, sample: int = 200, k: int = 10) -> float:
    """NetworkX ``adamic_adar_index`` over every non-partner pair of ``sample`` rows, extrapolated to all."""
    g = snap.graph
    nodes = list(g.nodes)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(nodes), size=min(sample, len(nodes)), replace=False)
    t = time.perf_counter()
    for r in rows:
        u = nodes[r]
        pairs = [(u, v) for v in nodes if v != u and not g.has_edge(u, v)]
        scores = [p for _, _, p in nx.adamic_adar_index(g, pairs)]
        np.argpartition(-np.asarray(scores), k)[:k]
    return (time.perf_counter() - t) * len(nodes) / len(rows)


def engine(snap, k: int = 10) -> tuple[float, float, MatchingModel]:
    t = time.perf_counter()
    model = MatchingModel().fit(snap)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    model.top_k_all(k, fair=True)
    return fit, time.perf_counter() - t, model


def one_org(model: MatchingModel, repeats: int = 20) -> float:
    ids = model.snapshot_.org_ids
    model.suggest(ids[0])  # warm
    rng = np.random.default_rng(1)
    times = []
    for i in rng.choice(len(ids), size=repeats, replace=False):
        t = time.perf_counter()
        model.suggest(ids[i])
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="2k and 10k only")
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()

    sizes = [2_000, 10_000]
    for n in sizes:
        print(f"== {n:,} organisations")
        snap = snapshot(n)
        fit, allk, model = engine(snap)
        bare = bare_product(snap)
        nxt = networkx_aa(snap, sample=50 if n > 5000 else 200)
        single = one_org(model)
        print(f"  engine fit                      {fit:8.2f} s")
        print(f"  engine all-org top-10 (fair)    {allk:8.2f} s   (fit + top-10: {fit + allk:.2f} s)")
        print(f"  bare T@T.T row-block top-10     {bare:8.2f} s   engine / bare = {(fit + allk) / bare:.2f}x")
        print(f"  networkx adamic_adar_index      {nxt:8.1f} s   (extrapolated) networkx / engine = "
              f"{nxt / (fit + allk):.0f}x")
        print(f"  one organisation warm           {single * 1000:8.1f} ms")
    if not args.small:
        n = args.big
        print(f"== {n:,} organisations (engine alone)")
        snap = snapshot(n)
        fit, allk, model = engine(snap)
        single = one_org(model)
        print(f"  engine fit                      {fit:8.2f} s")
        print(f"  engine all-org top-10 (fair)    {allk:8.2f} s   (fit + top-10: {fit + allk:.2f} s)")
        print(f"  one organisation warm           {single * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
