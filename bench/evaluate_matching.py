"""Offline evaluation of the matching engine: hide cooperations, try to predict them.

Usage::

    python bench/evaluate_matching.py [--quick] [--datasets demo,generated,cordis]

Per data set, 20 % of the cooperations are hidden (the latest 20 % by ``since`` where dates exist,
else 5 random repeats), everything is recomputed without them, and the top-10 lists of every
organisation with a hidden partner are scored: recall@10, precision@10, MRR, nDCG@10 (macro).
Compared: the engine (default weights; default weights with the fair re-ranking; weights learned by
`WeightLearner` on the training snapshot only), each single signal, a random and a popularity
(degree) baseline.

The CORDIS data set (real, CC BY 4.0, see its SOURCE.md) is read at run time from
``../shared/datasets/cordis-he-2024`` relative to the repository root, or from ``$REMO_CORDIS_DIR``:
organisations with their activity type, topics from the projects they joined before 2024-10,
cooperation = joined the same project; test pairs come from projects starting 2024-10 or later.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
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
from matching import SIGNALS, MatchingModel, WeightLearner, evaluate_rankings  # noqa: E402

K = 10
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
    if pairs and all(c.since for c in pairs):
        chosen = [pairs[-m:]]
    else:
        rng = np.random.default_rng(0)
        chosen = [[pairs[i] for i in rng.choice(len(pairs), size=m, replace=False)] for _ in range(repeats)]
    for hidden_coops in chosen:
        hidden = {(c.a, c.b) for c in hidden_coops}
        train = train_snapshot(snapshot, hidden)
        relevant: dict[str, set[str]] = defaultdict(set)
        for a, b in hidden:
            if train.coop[train.index[a], train.index[b]]:
                continue  # still partners through another cooperation
            relevant[a].add(b)
            relevant[b].add(a)
        yield train, relevant


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
        if kind == "random":
            cand = rng.permutation(train.n)
        else:
            cand = order
        out[oid] = [train.org_ids[j] for j in cand[: K + len(blocked)] if j not in blocked][:K]
    return out


def evaluate(name: str, snapshot, *, learner_kwargs=None, repeats: int = 5) -> dict[str, dict[str, float]]:
    totals: dict[str, list[dict[str, float]]] = defaultdict(list)
    for train, relevant in splits(snapshot, repeats=repeats):
        orgs = [o for o in relevant if relevant[o]]
        methods = {
            "engine": lambda tr=train: engine_lists(tr),
            "engine (fair)": lambda tr=train: engine_lists(tr, fair=True),
            "engine (learned)": lambda tr=train: engine_lists(
                tr, WeightLearner(**(learner_kwargs or {})).fit(tr).weights_),
        }
        for s in SIGNALS:
            methods[f"only {s}"] = lambda tr=train, s=s: engine_lists(tr, {s: 1.0})
        methods["random"] = lambda tr=train, orgs=orgs: baseline_lists(tr, "random", orgs)
        methods["popularity"] = lambda tr=train, orgs=orgs: baseline_lists(tr, "popularity", orgs)
        for method, fn in methods.items():
            lists = fn()
            totals[method].append(evaluate_rankings(lists, {o: relevant[o] for o in orgs}, K))
    table = {m: {key: round(float(np.mean([r[key] for r in rs])), 4) for key in rs[0]} for m, rs in totals.items()}
    print_table(name, table)
    return table


def print_table(name: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n### {name}  (organisations with a hidden partner: {table['engine']['n']:.0f})\n")
    print(f"| method | recall@{K} | precision@{K} | MRR | nDCG@{K} |")
    print("|---|---:|---:|---:|---:|")
    for method, row in table.items():
        print(f"| {method} | {row[f'recall@{K}']:.4f} | {row[f'precision@{K}']:.4f} | {row['mrr']:.4f} | "
              f"{row[f'ndcg@{K}']:.4f} |")
    singles = [m for m in table if m.startswith("only ")]
    best = max(singles, key=lambda m: table[m][f"ndcg@{K}"])
    verdict = "beats" if table["engine"][f"ndcg@{K}"] > table[best][f"ndcg@{K}"] else "does NOT beat"
    print(f"\nengine {verdict} the best single signal ({best}) on nDCG@{K}")
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


def evaluate_cordis() -> None:
    data = cordis()
    if data is None:
        print(f"\nCORDIS data set not found at {cordis_dir()} (set REMO_CORDIS_DIR); skipped.")
        return
    snap, relevant = data
    orgs = [o for o in relevant if relevant[o]]
    print(f"\nCORDIS: {snap.n:,} organisations, {snap.coop.nnz // 2:,} training cooperations, "
          f"{sum(len(v) for v in relevant.values()) // 2:,} new test pairs")
    rows: dict[str, dict[str, float]] = {}
    methods = {
        "engine": lambda: engine_lists(snap),
        "engine (fair)": lambda: engine_lists(snap, fair=True),
        "engine (learned)": lambda: engine_lists(snap, WeightLearner(history_days=120).fit(snap).weights_),
    }
    for s in SIGNALS:
        methods[f"only {s}"] = lambda s=s: engine_lists(snap, {s: 1.0})
    methods["random"] = lambda: baseline_lists(snap, "random", orgs)
    methods["popularity"] = lambda: baseline_lists(snap, "popularity", orgs)
    for method, fn in methods.items():
        rows[method] = evaluate_rankings(fn(), {o: relevant[o] for o in orgs}, K)
    print_table("CORDIS Horizon Europe 2024 (train < 2024-10, test >= 2024-10)", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="demo,generated,cordis")
    parser.add_argument("--quick", action="store_true", help="smaller generated networks")
    args = parser.parse_args()
    wanted = set(args.datasets.split(","))
    t0 = time.perf_counter()
    if "demo" in wanted:
        evaluate("demo network (seeds/demo.json)", demo_snapshot())
    if "generated" in wanted:
        for n, seed in ([(500, 1)] if args.quick else [(500, 1), (2000, 2)]):
            evaluate(f"generated network ({n} organisations, seed {seed})", generated_snapshot(n, seed))
    if "cordis" in wanted:
        evaluate_cordis()
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
