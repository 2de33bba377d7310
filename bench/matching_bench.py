"""Speed of the matching engine.

Usage::

    python bench/matching_bench.py            # 2k / 10k comparisons + 100k engine + one organisation warm
    python bench/matching_bench.py --small    # 2k / 10k only (quick)

Prints, per network from `graph.generate`:

* the engine's fit and all-organisation top-10 (fair re-ranking included) with the candidate path
  (`MatchingModel(method="candidates")`) and, up to 10k, with the exact dense path;
* recall of the exact top-10 by the candidate path (share of the exact top-10 it recovers, macro
  over organisations) and the ratio of the mean scores of both lists;
* a bare scipy sparse product: ``T @ T.T`` row blocks + ``argpartition`` top-10 (the yardstick);
* NetworkX's ``adamic_adar_index`` over the engine's candidate pairs (every candidate pair of every
  organisation at 2k and 10k: measured, not extrapolated) plus a top-10 per organisation;
* one organisation warm (median of 20).

At 100k the engine alone, recall on a sample of 300 organisations (the exact path for a single
row is cheap), and one organisation warm.
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
from matching._candidates import candidate_pairs  # noqa: E402


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


def networkx_aa(snap, model: MatchingModel, k: int = 10) -> tuple[float, int]:
    """NetworkX ``adamic_adar_index`` over every candidate pair of the engine, plus a top-k per row."""
    g = snap.graph
    ids = snap.org_ids
    total = 0
    elapsed = 0.0
    for start in range(0, snap.n, 2000):
        rows = np.arange(start, min(snap.n, start + 2000))
        r, c = candidate_pairs(model, rows)
        pairs = list(zip([ids[i] for i in r.tolist()], [ids[j] for j in c.tolist()], strict=True))
        total += len(pairs)
        t = time.perf_counter()
        scores = np.fromiter((p for _, _, p in nx.adamic_adar_index(g, pairs)), dtype=np.float64, count=len(pairs))
        bounds = np.flatnonzero(np.diff(r)) + 1
        for seg in np.split(scores, bounds):
            if len(seg) > k:
                np.argpartition(-seg, k)[:k]
        elapsed += time.perf_counter() - t
    return elapsed, total


def timed_top10(model: MatchingModel, k: int = 10) -> float:
    t = time.perf_counter()
    model.top_k_all(k, fair=True)
    return time.perf_counter() - t


def recall(exact: MatchingModel, cand: MatchingModel, rows: np.ndarray, k: int = 10) -> tuple[float, float]:
    """Share of the exact top-k the candidate path recovers (macro), and the ratio of mean scores."""
    e_idx, e_raw = exact._pool_block(rows, k, None)
    c_idx, c_raw = cand._candidate_block(rows, k)
    shares = [len(set(a[a >= 0].tolist()) & set(b[b >= 0].tolist())) / (a >= 0).sum()
              for a, b in zip(e_idx, c_idx, strict=True) if (a >= 0).any()]
    return float(np.mean(shares)), float(c_raw.sum() / e_raw.sum())


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

    for n in (2_000, 10_000):
        print(f"== {n:,} organisations")
        snap = snapshot(n)
        t = time.perf_counter()
        cand = MatchingModel(method="candidates").fit(snap)
        cand._candidate_parts  # noqa: B018 - the posting lists are part of the fit
        fit = time.perf_counter() - t
        allk = timed_top10(cand)
        exact = MatchingModel(method="exact").fit(snap)
        exact_allk = timed_top10(exact)
        rec, ratio = recall(exact, cand, np.arange(snap.n))
        bare = bare_product(snap)
        nxt, n_pairs = networkx_aa(snap, cand)
        single = one_org(cand)
        print(f"  engine fit (incl. posting lists)      {fit:8.2f} s")
        print(f"  engine all-org top-10, candidates     {allk:8.2f} s   (fit + top-10: {fit + allk:.2f} s)")
        print(f"  engine all-org top-10, exact dense    {exact_allk:8.2f} s")
        print(f"  candidate path: recall of exact top-10 {rec:.4f}, score ratio {ratio:.4f}")
        print(f"  bare T@T.T row-block top-10           {bare:8.2f} s   engine top-10 / bare = {allk / bare:.2f}x, "
              f"(fit + top-10) / bare = {(fit + allk) / bare:.2f}x")
        print(f"  networkx adamic_adar_index            {nxt:8.2f} s   over all {n_pairs:,} candidate pairs "
              f"(measured); networkx / engine top-10 = {nxt / allk:.0f}x, / (fit + top-10) = {nxt / (fit + allk):.0f}x")
        print(f"  one organisation warm                 {single * 1000:8.1f} ms")
        sys.stdout.flush()
    if not args.small:
        n = args.big
        print(f"== {n:,} organisations (engine alone)")
        snap = snapshot(n)
        t = time.perf_counter()
        model = MatchingModel().fit(snap)
        fit_core = time.perf_counter() - t
        model._candidate_parts  # noqa: B018
        fit = time.perf_counter() - t
        allk = timed_top10(model)
        sample = np.random.default_rng(0).choice(snap.n, size=300, replace=False)
        rec, ratio = recall(model, model, sample)
        single = one_org(model)
        print(f"  engine fit                            {fit:8.2f} s   (signals + communities {fit_core:.2f} s)")
        print(f"  engine all-org top-10 (fair), {model.method_:<10} {allk:6.2f} s   (fit + top-10: {fit + allk:.2f} s)")
        print(f"  candidate path: recall of exact top-10 on 300 sampled organisations {rec:.4f}, "
              f"score ratio {ratio:.4f}")
        print(f"  one organisation warm                 {single * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
