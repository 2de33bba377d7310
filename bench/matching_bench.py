"""Speed of the matching engine.

Usage::

    python bench/matching_bench.py            # 2k / 10k comparisons + 100k engine + one organisation warm
    python bench/matching_bench.py --small    # 2k / 10k only
    python bench/matching_bench.py --small --nx-sample 200   # NetworkX over all pairs extrapolated (quick)
    python bench/matching_bench.py --realistic 100000         # the whole CLI path on the realistic generator

``--realistic N`` prints, in one run on `graph.generate.generate_realistic` (N organisations):
``remo import`` of the generated file into a new SQLite store and ``remo suggest --all --json``
end to end (subprocesses, wall, CPU and peak RSS of the child), the engine alone (fit +
all-organisation top-10 with the fair re-ranking, the method ``"auto"`` picks), one organisation
warm (median of 50), and the yardsticks on the same TF-IDF topic matrix: ``sparse_dot_topn``
top-10 (2 threads; skipped when it is not installed), a two-thread bare scipy product with
``argpartition`` top-10, scikit-learn ``NearestNeighbors`` (cosine, brute, 2 jobs); then the ratios,
the load average before and after, and the recall of the exact top-10 by the path the engine
took (1 when it is the exact path), the candidate path (index + fair top-10) and its recall of the
exact top-10 on 300 sampled organisations (the exact rows of a sample are cheap at any N), and how
dense the score rule is on this network (`density`).

Prints, per network from `graph.generate`:

* the engine's fit and all-organisation top-10 (fair re-ranking included) with the exact dense path
  (`MatchingModel(method="exact")`, `matching._dense`) and the candidate path
  (`MatchingModel(method="candidates")`), wall and CPU time (the machine is shared: compare CPU);
* recall of the exact top-10 by the candidate path (share of the exact top-10 it recovers, macro
  over organisations) and the ratio of the mean scores of both lists;
* a bare scipy sparse product: ``T @ T.T`` row blocks + ``argpartition`` top-10 (the yardstick);
* NetworkX's ``adamic_adar_index`` over the pairs each engine path scores, plus a top-10 per
  organisation: over all ``n (n - 1)`` ordered pairs (what the exact path scores; streamed one
  organisation at a time, measured in full unless ``--nx-sample N``) and over the candidate path's
  candidate pairs (measured in full);
* one organisation warm (median of 20).

At 100k the engine alone (the method ``"auto"`` picks), one organisation warm, and the candidate
path with its recall of the exact top-10 on a sample of 300 organisations.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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
    print(
        f"  generated + parsed {n:,} organisations, {snap.coop.nnz // 2:,} cooperations "
        f"in {time.perf_counter() - t:.1f} s"
    )
    return snap


def bare_product(snap, k: int = 10, block: int | None = None) -> tuple[float, float]:
    """Top-k of ``T @ T.T`` per row block (the yardstick; one thread). Wall and CPU seconds."""
    t, tc = time.perf_counter(), time.process_time()
    x = sp.csr_matrix(snap.topics, dtype=np.float32)
    xt = x.T.tocsr()
    n = x.shape[0]
    block = block or max(1, 4_000_000 // n)
    for s in range(0, n, block):
        dense = (x[s : s + block] @ xt).toarray()
        np.argpartition(-dense, k, axis=1)[:, :k]
    return time.perf_counter() - t, time.process_time() - tc


def networkx_aa(snap, model: MatchingModel, g: nx.Graph, k: int = 10) -> tuple[float, float, int]:
    """NetworkX ``adamic_adar_index`` over every candidate pair of the engine, plus a top-k per row.

    Returns (wall, CPU, pairs); the candidate generation itself is not timed.
    """
    ids = snap.org_ids
    total = 0
    wall = cpu = 0.0
    for start in range(0, snap.n, 2000):
        rows = np.arange(start, min(snap.n, start + 2000))
        r, c = candidate_pairs(model, rows)
        pairs = list(zip([ids[i] for i in r.tolist()], [ids[j] for j in c.tolist()], strict=True))
        total += len(pairs)
        t, tc = time.perf_counter(), time.process_time()
        scores = np.fromiter((p for _, _, p in nx.adamic_adar_index(g, pairs)), dtype=np.float64, count=len(pairs))
        bounds = np.flatnonzero(np.diff(r)) + 1
        for seg in np.split(scores, bounds):
            if len(seg) > k:
                np.argpartition(-seg, k)[:k]
        wall += time.perf_counter() - t
        cpu += time.process_time() - tc
    return wall, cpu, total


def networkx_aa_all(snap, g: nx.Graph, k: int = 10, sample: int | None = None) -> tuple[float, float, int, int]:
    """NetworkX ``adamic_adar_index`` over all ordered pairs ``(u, v)``, ``u != v`` -- the pairs the
    exact dense path scores -- plus a top-k per organisation.

    Pairs are streamed one organisation at a time (``n - 1`` tuples; ``adamic_adar_index`` iterates
    its argument twice, so it must be a list, not a generator). With ``sample`` only that many
    random organisations are measured. Returns (wall, CPU, pairs measured, organisations measured).
    """
    ids = snap.org_ids
    rows = range(snap.n) if sample is None else np.random.default_rng(0).choice(snap.n, sample, replace=False)
    wall = cpu = 0.0
    total = 0
    for u_i in rows:
        u = ids[int(u_i)]
        pairs = [(u, v) for v in ids if v != u]
        total += len(pairs)
        t, tc = time.perf_counter(), time.process_time()
        scores = np.fromiter((p for _, _, p in nx.adamic_adar_index(g, pairs)), dtype=np.float64, count=len(pairs))
        np.argpartition(-scores, k)[:k]
        wall += time.perf_counter() - t
        cpu += time.process_time() - tc
    return wall, cpu, total, len(rows)


def timed_top10(model: MatchingModel, k: int = 10) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) of the all-organisation top-k with the fair re-ranking."""
    t, tc = time.perf_counter(), time.process_time()
    model.top_k_all(k, fair=True)
    return time.perf_counter() - t, time.process_time() - tc


def recall(exact: MatchingModel, cand: MatchingModel, rows: np.ndarray, k: int = 10) -> tuple[float, float, float]:
    """Share of the exact top-k the candidate path recovers (macro), the same counting a candidate
    tied with the exact k-th score (within 1e-6) as a hit, and the ratio of mean scores.

    Ties are common (few topics, 4 districts): which of several equal-scoring columns the exact
    path lists is arbitrary, so the strict figure understates the candidate path.
    """
    e_idx, e_raw = exact._pool_block(rows, k, None)
    c_idx, c_raw = cand._candidate_block(rows, k)
    strict, tied = [], []
    for a, b, ea, cb in zip(e_idx, c_idx, e_raw, c_raw, strict=True):
        size = int((a >= 0).sum())
        if not size:
            continue
        strict.append(len(set(a[a >= 0].tolist()) & set(b[b >= 0].tolist())) / size)
        kth = ea[a >= 0].min()
        tied.append(min(size, int(((b >= 0) & (cb >= kth - 1e-6)).sum())) / size)
    return float(np.mean(strict)), float(np.mean(tied)), float(c_raw.sum() / e_raw.sum())


def density(exact: MatchingModel, rows: np.ndarray) -> dict[str, float]:
    """How dense the score rule is: the share of pairs a sparse product must visit per signal, and
    the share of pairs with a positive score (on ``rows``, scored exactly).

    ``sparse_dot_topn`` on the topic matrix only visits the ``topics`` share; any method that ranks
    by the whole score must at least visit the pairs with a positive content signal.
    """
    sd, n = exact.signals_, max(exact.snapshot_.n, 1)

    def work(left: sp.csr_matrix, right: sp.csr_matrix) -> float:
        dl = np.diff(sp.csc_matrix(left).indptr).astype(np.float64)
        dr = np.diff(sp.csc_matrix(right).indptr).astype(np.float64)
        return float((dl * dr).sum()) / n / n

    out = {
        "topics": work(sd.topics_n, sd.topics_n),
        "districts": work(sd.districts_n, sd.districts_n),
        "languages": work(sd.lang_w, sd.lang_t.T),
        "needs x offers (both ways)": 2 * work(sd.needs_n, sd.offers),
    }
    score, _ = exact.score_block(rows[:100])
    out["pairs with a positive score"] = float((score > 0).mean())
    return out


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


ROOT = Path(__file__).resolve().parents[1]
REMO = [sys.executable, "-c", "from web.cli import main; main()"]


def child(args: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, float]:
    """Run ``remo ARGS`` from this checkout; wall s, CPU s and peak RSS (GB) of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(REMO + args, check=True, stdout=stdout, cwd=ROOT, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024 / 1024


def bare_two_threads(x: sp.csr_matrix, k: int = 10) -> tuple[float, float]:
    """``x @ x.T`` in row blocks on two threads, ``argpartition`` top-k per row. Wall, CPU s."""
    xt = x.T.tocsr()
    n = x.shape[0]
    block = max(1, 2_000_000 // max(n, 1))

    def work(s: int) -> None:
        dense = (x[s : s + block] @ xt).toarray()
        np.argpartition(-dense, k, axis=1)[:, :k]

    t, tc = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(work, range(0, n, block)))
    return time.perf_counter() - t, time.process_time() - tc


def topn_kernel(x: sp.csr_matrix, k: int = 10) -> tuple[float, float] | None:
    """``sparse_dot_topn.sp_matmul_topn`` top-k of ``x @ x.T`` on two threads (None when not installed)."""
    try:
        from sparse_dot_topn import sp_matmul_topn
    except ImportError:
        return None
    t, tc = time.perf_counter(), time.process_time()
    sp_matmul_topn(x, x.T.tocsr(), top_n=k, n_threads=2)
    return time.perf_counter() - t, time.process_time() - tc


def sklearn_nn(x: sp.csr_matrix, k: int = 10) -> tuple[float, float]:
    from sklearn.neighbors import NearestNeighbors

    t, tc = time.perf_counter(), time.process_time()
    NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute", n_jobs=2).fit(x).kneighbors(x)
    return time.perf_counter() - t, time.process_time() - tc


def realistic(n: int, seed: int = 1) -> None:
    """The whole ``remo suggest --all --json`` path and the yardsticks on `generate_realistic` (see the docstring)."""
    import datetime as dt

    from graph.generate import write_generated
    from graph.store import open_store
    from matching._kernels import jit_enabled

    load0 = os.getloadavg()
    print(
        f"== realistic network, {n:,} organisations (seed {seed}), {dt.date.today().isoformat()}, "
        f"{os.cpu_count()} cores, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
        f"compiled kernels {'on' if jit_enabled() else 'off (no Numba: pip install .[fast])'}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        doc, url = Path(tmp) / "net.json", f"sqlite:///{tmp}/remo.db"
        t = time.perf_counter()
        counts = write_generated(doc, n, seed=seed, shape="realistic")
        print(
            f"  generated {counts['organisations']:,} organisations, {counts['cooperations']:,} cooperations "
            f"in {time.perf_counter() - t:.1f} s"
        )
        imp = child(["--store", url, "import", str(doc)])
        print(
            f"  remo import                           {imp[0]:8.2f} s wall {imp[1]:7.2f} s CPU  "
            f"peak RSS {imp[2]:.2f} GB"
        )
        out = Path(tmp) / "all.jsonl"
        with out.open("wb") as fh:
            e2e = child(["--store", url, "suggest", "--all", "--json"], stdout=fh.fileno())
        lines = sum(1 for _ in out.open("rb"))
        print(
            f"  remo suggest --all --json (end to end){e2e[0]:8.2f} s wall {e2e[1]:7.2f} s CPU  "
            f"peak RSS {e2e[2]:.2f} GB  ({lines:,} lines, {out.stat().st_size / 1e6:.0f} MB)"
        )
        sys.stdout.flush()
        t = time.perf_counter()
        snap = open_store(url).snapshot()
        print(f"  snapshot load (in process)            {time.perf_counter() - t:8.2f} s")
    t, tc = time.perf_counter(), time.process_time()
    model = MatchingModel().fit(snap)
    model.dense_ if model.method_ == "exact" else model._candidate_parts  # noqa: B018
    fit, fit_cpu = time.perf_counter() - t, time.process_time() - tc
    allk, allk_cpu = timed_top10(model)
    engine, engine_cpu = fit + allk, fit_cpu + allk_cpu
    print(
        f"  engine alone: fit + top-10 (fair), {model.method_:<10} {engine:6.2f} s wall {engine_cpu:7.2f} s CPU "
        f"(fit {fit:.2f} s)"
    )
    single = one_org(model, repeats=50)
    print(f"  one organisation warm (median of 50)  {single * 1000:8.2f} ms")
    sys.stdout.flush()
    x = sp.csr_matrix(model.signals_.topics_n, dtype=np.float32)
    kern = topn_kernel(x)
    bare = bare_two_threads(x)
    nn = sklearn_nn(x) if n <= 200_000 else None
    if kern is not None:
        print(f"  sparse_dot_topn top-10 of T T^T       {kern[0]:8.2f} s wall {kern[1]:7.2f} s CPU (2 threads)")
    else:
        print(
            "  sparse_dot_topn top-10 of T T^T       skipped: sparse_dot_topn is not installed (pip install '.[scale]')"
        )
    print(f"  bare scipy T T^T + argpartition       {bare[0]:8.2f} s wall {bare[1]:7.2f} s CPU (2 threads)")
    if nn is not None:
        print(f"  scikit-learn NearestNeighbors         {nn[0]:8.2f} s wall {nn[1]:7.2f} s CPU (cosine, brute, 2 jobs)")
    ref = kern or bare
    name = "sparse_dot_topn" if kern else "bare product"
    print(
        f"  ratios to {name} (wall / CPU): end to end {e2e[0] / ref[0]:.2f}x / {e2e[1] / ref[1]:.2f}x, "
        f"engine {engine / ref[0]:.2f}x / {engine_cpu / ref[1]:.2f}x, bare product {bare[0] / ref[0]:.2f}x / "
        f"{bare[1] / ref[1]:.2f}x" + (f", NearestNeighbors {nn[0] / ref[0]:.2f}x / {nn[1] / ref[1]:.2f}x" if nn else "")
    )
    sample = np.random.default_rng(0).choice(snap.n, size=min(300, snap.n), replace=False)
    exact = model if model.method_ == "exact" else MatchingModel(method="exact").fit(snap)
    if model.method_ == "exact":
        print("  recall of the exact top-10: 1.0000 (the engine took the exact path)")
        cand = MatchingModel(method="candidates").fit(snap)
        t, tc = time.perf_counter(), time.process_time()
        cand._candidate_parts  # noqa: B018
        c_all, c_all_cpu = timed_top10(cand)
        c_wall, c_cpu = time.perf_counter() - t, time.process_time() - tc
        print(
            f"  candidate path: index + top-10 (fair)  {c_wall:8.2f} s wall {c_cpu:7.2f} s CPU "
            f"(top-10 alone {c_all:.2f} s wall {c_all_cpu:.2f} s CPU)"
        )
    else:
        cand = model
    rec, rec_tied, ratio = recall(exact, cand, sample)
    print(
        f"  recall of the exact top-10 by the candidate path (300 sampled organisations): {rec:.4f} "
        f"(ties as hits {rec_tied:.4f}, mean score ratio {ratio:.4f})"
    )
    dens = density(exact, sample)
    print(
        "  work of the score rule's sparse products per pair of organisations (sum over features of "
        "df_left x df_right / n^2): " + ", ".join(f"{k} {v:.3f}" for k, v in dens.items())
    )
    load1 = os.getloadavg()
    print(f"  load average after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="2k and 10k only")
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument(
        "--nx-sample",
        type=int,
        default=None,
        metavar="N",
        help="NetworkX over all pairs: measure N random organisations and extrapolate (default: measure all of them)",
    )
    parser.add_argument(
        "--realistic",
        type=int,
        default=None,
        metavar="N",
        help="only the end-to-end run on the realistic generator with N organisations",
    )
    args = parser.parse_args()
    if args.realistic:
        realistic(args.realistic)
        return

    for n in (2_000, 10_000):
        print(f"== {n:,} organisations")
        snap = snapshot(n)
        g = snap.graph
        t = time.perf_counter()
        cand = MatchingModel(method="candidates").fit(snap)
        cand._candidate_parts  # noqa: B018 - the posting lists are part of the fit
        fit = time.perf_counter() - t
        allk, allk_cpu = timed_top10(cand)
        t = time.perf_counter()
        exact = MatchingModel(method="exact").fit(snap)
        exact.dense_  # noqa: B018 - the scorer's tables are part of the fit
        exact_fit = time.perf_counter() - t
        exact_allk, exact_cpu = timed_top10(exact)
        rec, rec_tied, ratio = recall(exact, cand, np.arange(snap.n))
        bare, bare_cpu = bare_product(snap)
        nxt, nx_cpu, n_pairs = networkx_aa(snap, cand, g)
        nx_all, nx_all_cpu, all_pairs, measured = networkx_aa_all(snap, g, sample=args.nx_sample)
        how = "measured"
        if measured < snap.n:
            nx_all *= snap.n / measured
            nx_all_cpu *= snap.n / measured
            all_pairs = snap.n * (snap.n - 1)
            how = f"extrapolated from {measured:,} organisations"
        single = one_org(cand)
        print(
            f"  engine fit (candidates, incl. posting lists) {fit:6.2f} s; exact fit {exact_fit:.2f} s "
            "(signal matrices shared)"
        )
        print(f"  engine all-org top-10, exact dense    {exact_allk:8.2f} s wall {exact_cpu:7.2f} s CPU (2 threads)")
        print(
            f"  engine all-org top-10, candidates     {allk:8.2f} s wall {allk_cpu:7.2f} s CPU (2 threads)"
            f"   (fit + top-10: {fit + allk:.2f} s)"
        )
        print(
            f"  candidate path: recall of exact top-10 {rec:.4f} (ties at the 10th score as hits: {rec_tied:.4f}), "
            f"score ratio {ratio:.4f}"
        )
        print(f"  bare T@T.T row-block top-10           {bare:8.2f} s wall {bare_cpu:7.2f} s CPU (1 thread)")
        print(
            f"    exact / bare = {exact_allk / bare:.2f}x wall, {exact_cpu / bare_cpu:.2f}x CPU; "
            f"candidates / bare = {allk / bare:.2f}x wall, {allk_cpu / bare_cpu:.2f}x CPU"
        )
        print(
            f"  networkx adamic_adar_index, all pairs {nx_all:8.2f} s wall {nx_all_cpu:7.2f} s CPU   "
            f"over all {all_pairs:,} ordered pairs ({how})"
        )
        print(
            f"    networkx (all pairs) / engine exact dense = {nx_all / exact_allk:.0f}x wall, "
            f"{nx_all_cpu / exact_cpu:.0f}x CPU"
        )
        print(
            f"  networkx adamic_adar_index, candidates {nxt:7.2f} s wall {nx_cpu:7.2f} s CPU   "
            f"over the engine's {n_pairs:,} candidate pairs (measured)"
        )
        print(
            f"    networkx (candidate pairs) / engine candidates = {nxt / allk:.0f}x wall, "
            f"{nx_cpu / allk_cpu:.0f}x CPU; / (fit + top-10) = {nxt / (fit + allk):.0f}x wall"
        )
        print(f"  one organisation warm                 {single * 1000:8.1f} ms")
        sys.stdout.flush()
    if not args.small:
        n = args.big
        print(f"== {n:,} organisations (engine alone)")
        snap = snapshot(n)
        t = time.perf_counter()
        model = MatchingModel().fit(snap)
        fit_core = time.perf_counter() - t
        if model.method_ == "candidates":
            model._candidate_parts  # noqa: B018
        else:
            model.dense_  # noqa: B018
        fit = time.perf_counter() - t
        allk, allk_cpu = timed_top10(model)
        single = one_org(model)
        print(f"  engine fit                            {fit:8.2f} s   (signals + communities {fit_core:.2f} s)")
        print(
            f"  engine all-org top-10 (fair), {model.method_:<10} {allk:6.2f} s wall {allk_cpu:7.2f} s CPU"
            f"   (fit + top-10: {fit + allk:.2f} s)"
        )
        print(f"  one organisation warm                 {single * 1000:8.1f} ms")
        sys.stdout.flush()
        sample = np.random.default_rng(0).choice(snap.n, size=300, replace=False)
        exact = model if model.method_ == "exact" else MatchingModel(method="exact").fit(snap)
        t = time.perf_counter()
        cand = MatchingModel(method="candidates").fit(snap)
        cand._candidate_parts  # noqa: B018
        cfit = time.perf_counter() - t
        callk, callk_cpu = timed_top10(cand)
        rec, rec_tied, ratio = recall(exact, cand, sample)
        print(f"  candidate path: fit {cfit:.2f} s, all-org top-10 {callk:.2f} s wall {callk_cpu:.2f} s CPU")
        print(
            f"    recall of exact top-10 on 300 sampled organisations {rec:.4f} (ties at the 10th score as hits: "
            f"{rec_tied:.4f}), score ratio {ratio:.4f}"
        )


if __name__ == "__main__":
    main()
