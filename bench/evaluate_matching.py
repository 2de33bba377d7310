"""Offline evaluation of the matching engine: hide cooperations, try to predict them.

Usage::

    python bench/evaluate_matching.py [--quick] [--datasets demo,generated,cordis]

Per data set, 20 % of the cooperations are hidden (the latest 20 % by ``since`` where dates exist,
else 5 random repeats), everything is recomputed without them, and the top-10 lists of every
organisation with a hidden partner are scored: recall@10, precision@10, MRR, nDCG@10 (macro).
Compared: the engine with weights learned by `WeightLearner` on the training period only (history
source: earlier training cooperations predicting later training ones, looking back from the cut;
on CORDIS from a snapshot built only from projects before the inner cut 2024-06, so no profile
information from later projects leaks in), with and without the fair re-ranking; the engine with
the default weights, with and without it; each single signal; random (mean of 5 seeds) and
popularity (training degree) baselines. Candidates exclude the organisation itself and its training
partners; ties are broken by column order in the engine and at random in the baselines. Under each
table: the engine's nDCG@10 minus the best single signal's, popularity's and the logistic start's,
with a 95 % paired bootstrap interval over organisations ("clear" when it excludes 0).
``--ceiling`` adds a diagnostic that is *tuned on the test split* and therefore no method: the best
linear weights coordinate ascent finds for the test lists, i.e. how far any weight vector over these
signals could go.

The CORDIS data set (real, CC BY 4.0, see its SOURCE.md) is read at run time from
``../shared/datasets/cordis-he-2024`` relative to the repository root, or from ``$REMO_CORDIS_DIR``:
organisations with their activity type, topics from the projects they joined before 2024-10,
cooperation = joined the same project; test pairs come from projects starting 2024-10 or later.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import os
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph import Cooperation, Network, Organisation, build_snapshot, parse_network  # noqa: E402
from graph.generate import generate_document  # noqa: E402
from matching import SIGNALS, MatchingModel, WeightLearner, evaluate_rankings, gini, ndcg_at_k  # noqa: E402
from matching._learn import coordinate_ascent, ranking_lists  # noqa: E402
from matching._signals import signal_data  # noqa: E402

K = 10
INNER_CUT = "2024-06"  # CORDIS: the learner's history window is 2024-06-01 .. 2024-10-01 (training period)
HISTORY_DAYS = (dt.date(2024, 10, 1) - dt.date(2024, 6, 1)).days
CORDIS_KINDS = {"HES": "education", "REC": "education", "PUB": "public_service", "PRC": "other", "OTH": "other"}


# ---------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------
def train_snapshot(snapshot, hidden: set[tuple[str, str]]):
    """``snapshot`` without the ``hidden`` cooperations (and introductions between hidden pairs)."""
    net = snapshot.network
    coops = [c for c in net.cooperations if (c.a, c.b) not in hidden]
    intros = [i for i in net.introductions if tuple(sorted((i.a, i.b))) not in hidden]
    net2 = dataclasses.replace(net, cooperations=coops, introductions=intros)
    rows, cols = [], []
    for c in coops:
        if c.active_on(snapshot.today) and c.a in snapshot.index and c.b in snapshot.index and c.a != c.b:
            i, j = snapshot.index[c.a], snapshot.index[c.b]
            rows += [i, j]
            cols += [j, i]
    coop = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(snapshot.n, snapshot.n))
    coop.data[:] = 1.0
    return dataclasses.replace(snapshot, network=net2, coop=coop.tocsr(), generation=-1)


def splits(snapshot, repeats: int = 5, share: float = 0.2):
    """Yield ``(train_snapshot, {org: hidden partners})``: latest 20 % by date, else random repeats."""
    active = [c for c in snapshot.network.cooperations if c.active_on(snapshot.today)]
    pairs = sorted({(c.a, c.b): c for c in active}.values(), key=lambda c: (c.since or "", c.a, c.b))
    m = max(1, int(round(share * len(pairs))))
    dated = bool(pairs) and all(c.since for c in pairs)
    if dated:
        chosen = [pairs[-m:]]
    else:
        rng = np.random.default_rng(0)
        chosen = [[pairs[i] for i in rng.choice(len(pairs), size=m, replace=False)] for _ in range(repeats)]
    for hidden_coops in chosen:
        cut = hidden_coops[0].since if dated else snapshot.today
        hidden = {(c.a, c.b) for c in hidden_coops}
        train = train_snapshot(snapshot, hidden)
        relevant: dict[str, set[str]] = defaultdict(set)
        for a, b in hidden:
            if train.coop[train.index[a], train.index[b]]:
                continue  # still partners through another cooperation
            relevant[a].add(b)
            relevant[b].add(a)
        # the learner looks back from the cut: cooperations it sees as "new" are all in training
        yield dataclasses.replace(train, today=cut), relevant


# ---------------------------------------------------------------------------
# rankers
# ---------------------------------------------------------------------------
def engine_lists(train, weights=None, fair=False) -> dict[str, list[str]]:
    model = MatchingModel(weights).fit(train)
    idx, _ = model.top_k_all(K, fair=fair)
    ids = train.org_ids
    return {ids[i]: [ids[j] for j in row if j >= 0] for i, row in enumerate(idx)}


def baseline_lists(train, kind: str, orgs: list[str], seed: int = 0) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    deg = np.asarray(train.coop.sum(axis=1)).ravel() + rng.random(train.n) * 1e-6  # random tie-break
    order = np.argsort(-deg)
    out = {}
    for oid in orgs:
        i = train.index[oid]
        blocked = set(train.coop[i].indices.tolist()) | {i}
        cand = rng.permutation(train.n) if kind == "random" else order
        out[oid] = [train.org_ids[j] for j in cand[: K + len(blocked)] if j not in blocked][:K]
    return out


def methods_for(train, orgs, learned: dict[str, float], logistic: dict[str, float]) -> dict[str, object]:
    methods = {
        "engine (learned)": lambda: engine_lists(train, learned),
        "engine (learned, fair)": lambda: engine_lists(train, learned, fair=True),
        "engine (logistic weights only)": lambda: engine_lists(train, logistic),
        "engine (defaults)": lambda: engine_lists(train),
        "engine (defaults, fair)": lambda: engine_lists(train, fair=True),
    }
    for s in SIGNALS:
        methods[f"only {s}"] = lambda s=s: engine_lists(train, {s: 1.0})
    for seed in range(5):
        methods[f"random #{seed}"] = lambda seed=seed: baseline_lists(train, "random", orgs, seed)
    methods["popularity"] = lambda: baseline_lists(train, "popularity", orgs)
    return methods


def exposure(train, weights) -> dict[str, float]:
    """Gini of the exposure over all organisations' top-10 lists, plain and fair, and the score ratio."""
    model = MatchingModel(weights).fit(train)
    plain, plain_s = model.top_k_all(K, fair=False)
    fair, fair_s = model.top_k_all(K, fair=True)

    def g(idx):
        return gini(np.bincount(idx[idx >= 0], minlength=train.n))

    return {"gini_plain": g(plain), "gini_fair": g(fair),
            "score_ratio": round(float(fair_s.sum() / plain_s.sum()), 4) if plain_s.sum() else 1.0}


def paired_bootstrap(a: np.ndarray, b: np.ndarray, reps: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``a - b`` (per organisation) and its 95 % bootstrap interval over organisations."""
    d = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(reps, len(d)))].mean(axis=1)
    return float(d.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def ceiling(train, relevant, orgs, learned: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Diagnostic, tuned on the *test* split (not a method): the best linear weights for these lists.

    Coordinate ascent on nDCG@10 of the test organisations' candidate lists (the learner's objective,
    with the hidden partners as labels), started from the learned weights and from equal weights;
    the better vector is then scored by the engine itself.
    """
    index = train.index
    pairs = [(index[a], index[b]) for a in orgs for b in relevant[a] if index[a] < index[b]]
    pos_r = np.asarray([p[0] for p in pairs])
    pos_c = np.asarray([p[1] for p in pairs])
    lists = ranking_lists(signal_data(train), train.coop, pos_r, pos_c, max_rows=10**9)
    start = np.asarray([learned[s] for s in SIGNALS])
    best = max((coordinate_ascent(lists, w0) for w0 in (start, np.ones(len(SIGNALS)))), key=lambda r: r[1])[0]
    weights = {s: float(w) for s, w in zip(SIGNALS, best, strict=True)}
    table = evaluate_rankings(engine_lists(train, weights), {o: relevant[o] for o in orgs}, K)
    return table[f"ndcg@{K}"], weights


def run(name: str, train, relevant, learner: WeightLearner, history=None, *, diagnose: bool = False
        ) -> dict[str, dict[str, float]]:
    orgs = sorted(o for o in relevant if relevant[o])  # sorted: the random baseline is reproducible
    learner.fit(train, history=history)
    learned = learner.weights_
    table: dict[str, dict[str, float]] = {}
    per_org: dict[str, np.ndarray] = {}
    for method, fn in methods_for(train, orgs, learned, learner.logistic_weights_).items():
        lists = fn()
        table[method] = evaluate_rankings(lists, {o: relevant[o] for o in orgs}, K)
        per_org[method] = np.asarray([ndcg_at_k(list(lists.get(o, [])), relevant[o], K) for o in orgs])
    randoms = [table.pop(f"random #{seed}") for seed in range(5)]
    table["random (mean of 5)"] = {key: round(float(np.mean([r[key] for r in randoms])), 4) for key in randoms[0]}
    print_table(name, table, learner, exposure(train, learned), per_org)
    if diagnose:
        value, weights = ceiling(train, relevant, orgs, learned)
        shown = ", ".join(f"{s} {w:.2f}" for s, w in weights.items() if w >= 0.005)
        print(f"diagnostic, tuned on the test split (not a method): the best linear weights found reach "
              f"nDCG@{K} {value:.4f} ({shown})")
    return table


def evaluate(name: str, snapshot, *, learner_kwargs=None, repeats: int = 5, diagnose: bool = False) -> None:
    for train, relevant in splits(snapshot, repeats=repeats):
        run(name, train, relevant, WeightLearner(**(learner_kwargs or {})), diagnose=diagnose)


def print_table(name: str, table: dict[str, dict[str, float]], learner: WeightLearner, expo: dict[str, float],
                per_org: dict[str, np.ndarray]) -> None:
    print(f"\n### {name}  (organisations with a hidden partner: {table['engine (learned)']['n']:.0f})\n")
    weights = ", ".join(f"{s} {w:.2f}" for s, w in learner.weights_.items() if w > 0)
    print(f"learned weights (source {learner.source_}, {learner.n_samples_} training pairs): {weights}\n")
    if learner.n_lists_:
        start = ", ".join(f"{s} {w:.2f}" for s, w in learner.logistic_weights_.items() if w > 0)
        cv = ", ".join(f"{a:g}: {v:.4f}" for a, v in learner.cv_ndcg_.items())
        print(f"(logistic start: {start}; ranking lists of {learner.n_lists_} organisations; cross-validated "
              f"nDCG@{K} per share of the ascent {{{cv}}} -> share {learner.blend_:g})\n")
    print(f"| method | recall@{K} | precision@{K} | MRR | nDCG@{K} |")
    print("|---|---:|---:|---:|---:|")
    for method, row in table.items():
        print(f"| {method} | {row[f'recall@{K}']:.4f} | {row[f'precision@{K}']:.4f} | {row['mrr']:.4f} | "
              f"{row[f'ndcg@{K}']:.4f} |")
    singles = [m for m in table if m.startswith("only ")]
    best = max(singles, key=lambda m: table[m][f"ndcg@{K}"])
    eng = table["engine (learned)"][f"ndcg@{K}"]
    verdict = "beats" if eng > table[best][f"ndcg@{K}"] else "does NOT beat"
    fair = table["engine (learned, fair)"][f"ndcg@{K}"]
    print(f"\nengine (learned) {verdict} the best single signal ({best}) on nDCG@{K}; "
          f"fair re-ranking: nDCG@{K} {eng:.4f} -> {fair:.4f} ({fair / eng if eng else 1:.2f}x), "
          f"exposure Gini {expo['gini_plain']:.4f} -> {expo['gini_fair']:.4f}, "
          f"mean score ratio {expo['score_ratio']:.4f}")
    for other in (best, "popularity", "engine (logistic weights only)"):
        mean, lo, hi = paired_bootstrap(per_org["engine (learned)"], per_org[other])
        clear = "clear" if lo > 0 else ("worse" if hi < 0 else "within noise")
        print(f"engine (learned) - {other}: nDCG@{K} {mean:+.4f}, 95 % paired bootstrap interval over "
              f"organisations [{lo:+.4f}, {hi:+.4f}] ({clear})")
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# data sets
# ---------------------------------------------------------------------------
def demo_snapshot():
    path = ROOT / "seeds" / "demo.json"
    return build_snapshot(parse_network(json.loads(path.read_text(encoding="utf-8"))))


def generated_snapshot(n: int, seed: int):
    return build_snapshot(parse_network(generate_document(n, seed=seed)), today="2026-11-01")


def cordis_dir() -> Path:
    env = os.environ.get("REMO_CORDIS_DIR")
    return Path(env) if env else (ROOT / ".." / "shared" / "datasets" / "cordis-he-2024").resolve()


def cordis(split: str = "2024-10"):
    """``(train snapshot, {org: partners from test projects})`` from the CORDIS extract."""
    folder = cordis_dir()
    if not (folder / "participations.csv").exists():
        return None
    with (folder / "organisations.csv").open(encoding="utf-8") as fh:
        orgs = {r["org_id"]: r for r in csv.DictReader(fh)}
    members: dict[str, set[str]] = defaultdict(set)
    start: dict[str, str] = {}
    topics: dict[str, list[str]] = {}
    with (folder / "participations.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            members[r["project_id"]].add(r["org_id"])
            start[r["project_id"]] = r["project_start_date"]
            topics[r["project_id"]] = [t.strip().lower() for t in r["topics"].split(";") if t.strip()]
    train_p = [p for p in members if start[p][:7] < split]
    test_p = [p for p in members if start[p][:7] >= split]
    org_topics: dict[str, set[str]] = defaultdict(set)
    pairs: dict[tuple[str, str], str] = {}
    for p in train_p:
        for o in members[p]:
            org_topics[o].update(topics[p])
        for a, b in combinations(sorted(members[p]), 2):
            pairs.setdefault((a, b), start[p])
    present = set(org_topics)
    organisations = [
        Organisation(id=o, name=o, kind=CORDIS_KINDS.get(orgs.get(o, {}).get("activity_type", ""), "other"),
                     topics=sorted(org_topics[o]),
                     districts=[orgs[o]["country"].lower()] if orgs.get(o, {}).get("country") else [])
        for o in sorted(present)
    ]
    coops = [Cooperation(a=a, b=b, since=s) for (a, b), s in pairs.items()]
    snap = build_snapshot(Network(organisations=organisations, cooperations=coops), today=f"{split}-01")
    relevant: dict[str, set[str]] = defaultdict(set)
    for p in test_p:
        for a, b in combinations(sorted(members[p] & present), 2):
            if (a, b) not in pairs:
                relevant[a].add(b)
                relevant[b].add(a)
    return snap, relevant


def evaluate_cordis(diagnose: bool = False) -> None:
    data = cordis()
    if data is None:
        print(f"\nCORDIS data set not found at {cordis_dir()} (set REMO_CORDIS_DIR); skipped.")
        return
    snap, relevant = data
    print(f"\nCORDIS: {snap.n:,} organisations, {snap.coop.nnz // 2:,} training cooperations, "
          f"{sum(len(v) for v in relevant.values()) // 2:,} new test pairs")
    # leak-free history for the learner: profiles and cooperations from projects before 2024-06 only;
    # positives = new pairs of projects starting 2024-06 .. 2024-09 (all in the training period)
    history, _ = cordis(INNER_CUT)
    run("CORDIS Horizon Europe 2024 (train < 2024-10, test >= 2024-10)", snap, relevant,
        WeightLearner(history_days=HISTORY_DAYS), history=history, diagnose=diagnose)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="demo,generated,cordis")
    parser.add_argument("--quick", action="store_true", help="smaller generated networks")
    parser.add_argument("--ceiling", action="store_true",
                        help="diagnostic: best linear weights tuned on the test split (not a method)")
    args = parser.parse_args()
    wanted = set(args.datasets.split(","))
    t0 = time.perf_counter()
    if "demo" in wanted:
        evaluate("demo network (seeds/demo.json)", demo_snapshot(), diagnose=args.ceiling)
    if "generated" in wanted:
        for n, seed in ([(500, 1)] if args.quick else [(500, 1), (2000, 2)]):
            evaluate(f"generated network ({n} organisations, seed {seed})", generated_snapshot(n, seed),
                     diagnose=args.ceiling)
    if "cordis" in wanted:
        evaluate_cordis(diagnose=args.ceiling)
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
