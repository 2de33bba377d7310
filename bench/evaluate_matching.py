"""Offline evaluation of the matching engine on the path users take.

Usage::

    python bench/evaluate_matching.py [--datasets demo,generated,planted,cordis] [--planted-seeds 0,1,2]
                                      [--cordis-dir DIR] [--cordis-sample 300]

Per data set, the newest cooperations are held out (demo, generated and planted networks: the newest
20 % by ``since``, all of the cut day included; CORDIS: the new pairs of projects starting 2024-10
or later, written by `bench/cordis_split.py`). The training part is written as a ``remo/1`` file
and run through the product in fresh processes, exactly as a user would::

    python -m web.cli init; python -m web.cli import FILE; python -m web.cli suggest --all --json
    python -m web.cli suggest --all --json --no-fair; python -m web.cli weights --json

(a fresh SQLite store per data set in a temporary folder; the weights are fitted automatically
inside ``suggest``; the ``--no-fair`` run and ``weights`` only read what the first run shows). The
top-10 lists are scored against the held-out partners: recall@10, nDCG@10 and MRR, macro-averaged
over organisations with a held-out partner, beside baselines computed from the same file: random
(mean of 5 seeds), popularity (most partners first), topic Jaccard, Adamic-Adar and resource
allocation on common partners, and need<->offer (the share of each side's needs the other offers).
Baselines exclude the organisation and its partners and break ties at random. Under each table:
the engine against the best of popularity / Adamic-Adar / topic Jaccard and against the best
baseline, the cost of the fair re-ranking (recall@10 with / without) and the exposure Gini of all
lists with and without it, and where the weights came from (``remo weights``). The summary repeats
recall@10 and the Gini with and without the re-ranking per data set and says which of its targets
hold (Gini <= 0.5 on demo and generated, at most 5 % of recall@10 given up anywhere).

CORDIS is read at run time from ``--cordis-dir``, ``$REMO_CORDIS_DIR`` or
``../shared/datasets/cordis-he-2024`` relative to the repository root (CC BY 4.0, see its SOURCE.md).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cordis_split import build as cordis_build  # noqa: E402
from cordis_split import default_dir as cordis_default_dir  # noqa: E402
from planted_network import planted_document  # noqa: E402

from graph.generate import generate_document  # noqa: E402
from matching import evaluate_rankings, gini  # noqa: E402

K = 10
BASELINES = ("popularity", "topic Jaccard", "Adamic-Adar", "resource allocation", "need<->offer")
TARGET_BASELINES = ("popularity", "Adamic-Adar", "topic Jaccard")
GINI_TARGET, MAX_COST = 0.5, 5.0  # the fair re-ranking's targets: exposure Gini, recall@10 cost in %
GINI_SETS = ("demo", "generated")  # where the Gini target is required


# ---------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------
def time_split(doc: dict, share: float = 0.2) -> tuple[dict, list[list[str]]]:
    """``(training document, held-out pairs)``: the newest ``share`` of the dated cooperations."""
    coops = [c for c in doc["cooperations"] if c.get("since")]
    dates = sorted(c["since"] for c in coops)
    cut = dates[max(0, len(dates) - max(1, round(share * len(dates))))]
    train = [c for c in doc["cooperations"] if not (c.get("since") and c["since"] >= cut)]
    known = {tuple(sorted((c["a"], c["b"]))) for c in train}
    held = sorted({tuple(sorted((c["a"], c["b"]))) for c in coops if c["since"] >= cut} - known)
    held_set = set(held)
    out = {**doc, "cooperations": train}
    if doc.get("introductions"):
        out["introductions"] = [i for i in doc["introductions"] if tuple(sorted((i["a"], i["b"]))) not in held_set]
    return out, [list(p) for p in held]


# ---------------------------------------------------------------------------
# the product, in fresh processes
# ---------------------------------------------------------------------------
def run_product(doc: dict, folder: Path) -> dict:
    """Import ``doc`` into a fresh store and return the lists of ``remo suggest --all`` (fair and not)."""
    path = folder / "network.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "REMO_STORE": f"sqlite:///{folder / 'remo.db'}"}
    timings = {}

    def cli(*args: str) -> str:
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-m", "web.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        timings[" ".join(args)] = time.perf_counter() - t0
        if res.returncode != 0:
            raise SystemExit(f"remo {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
        return res.stdout

    cli("init")
    cli("import", str(path))
    fair = cli("suggest", "--all", "--json")
    plain = cli("suggest", "--all", "--json", "--no-fair")
    weights = json.loads(cli("weights", "--json"))

    def lists(out: str) -> dict[str, list[str]]:
        docs = [json.loads(line) for line in out.splitlines() if line.strip()]
        return {d["organisation"]: [s["partner"] for s in d["suggestions"]] for d in docs}

    return {"fair": lists(fair), "plain": lists(plain), "weights": weights, "timings": timings}


# ---------------------------------------------------------------------------
# baselines, from the file
# ---------------------------------------------------------------------------
def baselines(doc: dict, orgs: list[str], seed: int = 0) -> dict[str, dict[str, list[str]]]:
    ids = [o["id"] for o in doc["organisations"]]
    index = {o: i for i, o in enumerate(ids)}
    n = len(ids)
    nb: dict[int, set[int]] = defaultdict(set)
    for c in doc["cooperations"]:
        if c.get("until"):
            continue
        i, j = index[c["a"]], index[c["b"]]
        nb[i].add(j)
        nb[j].add(i)
    deg = np.asarray([len(nb[i]) for i in range(n)], dtype=np.float64)
    topics = [set(o.get("topics", [])) for o in doc["organisations"]]

    def caps(o: dict, key: str) -> set[str]:
        return {x if isinstance(x, str) else x["capability"] for x in o.get(key, [])}

    offers = [caps(o, "offers") for o in doc["organisations"]]
    needs = [caps(o, "needs") for o in doc["organisations"]]
    out: dict[str, dict[str, list[str]]] = {}
    rng = np.random.default_rng(seed)
    for name in ("random", *BASELINES):
        lists = {}
        for o in orgs:
            i = index[o]
            score = np.zeros(n)
            if name == "popularity":
                score = deg.copy()
            elif name == "topic Jaccard":
                score = np.asarray([len(topics[i] & t) / max(1, len(topics[i] | t)) for t in topics])
            elif name in ("Adamic-Adar", "resource allocation"):
                for z in nb[i]:
                    w = (1.0 / math.log(deg[z]) if deg[z] > 1 else 0.0) if name == "Adamic-Adar" else 1.0 / deg[z]
                    for j in nb[z]:
                        score[j] += w
            elif name == "need<->offer":
                a = np.asarray([len(needs[i] & offers[j]) / max(1, len(needs[i])) for j in range(n)])
                b = np.asarray([len(needs[j] & offers[i]) / max(1, len(needs[j])) for j in range(n)])
                score = a + b
            score = score + rng.random(n) * 1e-9  # ties at random
            score[list(nb[i] | {i})] = -np.inf
            top = np.argsort(-score)[:K]
            lists[o] = [ids[j] for j in top if np.isfinite(score[j])]
        out[name] = lists
    return out


def exposure_gini(lists: dict[str, list[str]], ids: list[str]) -> float:
    counts = dict.fromkeys(ids, 0)
    for items in lists.values():
        for p in items:
            counts[p] = counts.get(p, 0) + 1
    return gini(counts.values())


# ---------------------------------------------------------------------------
# one data set
# ---------------------------------------------------------------------------
def evaluate(name: str, train: dict, held: list[list[str]]) -> dict[str, float]:
    relevant: dict[str, set[str]] = defaultdict(set)
    for a, b in held:
        relevant[a].add(b)
        relevant[b].add(a)
    orgs = sorted(relevant)
    with tempfile.TemporaryDirectory() as tmp:
        product = run_product(train, Path(tmp))
    base = baselines(train, orgs)
    randoms = [base.pop("random")] + [baselines(train, orgs, seed)["random"] for seed in range(1, 5)]
    rel = {o: relevant[o] for o in orgs}
    table = {
        "engine (remo suggest --all)": evaluate_rankings(product["fair"], rel, K),
        "engine without fair re-ranking (--no-fair)": evaluate_rankings(product["plain"], rel, K),
    }
    rand = [evaluate_rankings(r, rel, K) for r in randoms]
    table["random (mean of 5)"] = {key: float(np.mean([r[key] for r in rand])) for key in rand[0]}
    for b in BASELINES:
        table[b] = evaluate_rankings(base[b], rel, K)
    ids = [o["id"] for o in train["organisations"]]
    print(f"\n### {name}\n")
    print(
        f"{len(ids)} organisations, {len(train['cooperations'])} training cooperations, {len(held)} held-out "
        f"pairs, {len(orgs)} organisations with a held-out partner\n"
    )
    print(f"| method | recall@{K} | nDCG@{K} | MRR |")
    print("|---|---:|---:|---:|")
    for method, row in table.items():
        print(f"| {method} | {row[f'recall@{K}']:.4f} | {row[f'ndcg@{K}']:.4f} | {row['mrr']:.4f} |")
    rec = {m: r[f"recall@{K}"] for m, r in table.items()}
    eng = rec["engine (remo suggest --all)"]
    plain = rec["engine without fair re-ranking (--no-fair)"]
    target = max(TARGET_BASELINES, key=rec.get)
    best = max(BASELINES, key=rec.get)
    g_fair, g_plain = exposure_gini(product["fair"], ids), exposure_gini(product["plain"], ids)
    w = product["weights"]
    shown = ", ".join(f"{s} {v:.2f}" for s, v in w["weights"].items() if v > 0)
    print(
        f"\nengine / best of popularity, Adamic-Adar, topic Jaccard ({target}): recall@{K} "
        f"{eng:.4f} / {rec[target]:.4f} = x{eng / rec[target] if rec[target] else float('inf'):.2f}"
    )
    print(f"engine / best baseline ({best}): x{eng / rec[best] if rec[best] else float('inf'):.2f}")
    cost = 100 * (1 - eng / plain) if plain else 0.0
    print(
        f"fair re-ranking: recall@{K} {plain:.4f} -> {eng:.4f} (cost {cost:+.1f} %), "
        f"exposure Gini {g_plain:.4f} -> {g_fair:.4f}"
    )
    print(
        f"weights ({'learned, in use' if w['used'] else 'defaults'}; source {w['source']}, {w['n_samples']} "
        f"samples, cross-validated gain over the defaults {100 * w['cv_gain']:+.1f} %, fit {w['seconds']:.2f} s): "
        f"{shown}"
    )
    f = w.get("fairness") or {}
    if f:
        print(
            f"fair re-ranking strength chosen on the held-out history: level {f['level']} (Gini target "
            f"{f['gini_target']:.2f}, tolerance {f['tolerance']:.2f}; {f['source']}, {f['pairs']} pairs: {f['reason']}"
            + (f"; held-out recall@{K} per level {', '.join(f'{r:.4f}' for r in f['recall'])}" if f["recall"] else "")
            + ")"
        )
    t = product["timings"]
    print(
        f"(wall time of remo suggest --all --json, incl. start-up and the automatic fit: "
        f"{t['suggest --all --json']:.1f} s)"
    )
    sys.stdout.flush()
    return {
        "engine": eng,
        "plain": plain,
        "target": rec[target],
        "best": rec[best],
        "gini_fair": g_fair,
        "gini_plain": g_plain,
        "level": f.get("level"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="demo,generated,planted,cordis")
    parser.add_argument("--planted-seeds", default="0,1,2")
    parser.add_argument("--planted-n", type=int, default=400)
    parser.add_argument("--generated-n", type=int, default=500)
    parser.add_argument("--cordis-dir", type=Path, default=None)
    parser.add_argument("--cordis-sample", type=int, default=300)
    args = parser.parse_args()
    wanted = set(args.datasets.split(","))
    t0 = time.perf_counter()
    summary = {}
    if "demo" in wanted:
        demo = json.loads((ROOT / "seeds" / "demo.json").read_text(encoding="utf-8"))
        summary["demo"] = evaluate("demo network (seeds/demo.json), newest 20 % held out", *time_split(demo))
    if "generated" in wanted:
        n = args.generated_n
        summary["generated"] = evaluate(
            f"generated network (graph.generate, {n} organisations, seed 1), newest 20 % held out",
            *time_split(generate_document(n, seed=1)),
        )
    if "planted" in wanted:
        for seed in [int(s) for s in args.planted_seeds.split(",") if s]:
            doc = planted_document(args.planted_n, seed)
            summary[f"planted {seed}"] = evaluate(f"{doc['meta']['title']}, newest 20 % held out", *time_split(doc))
    if "cordis" in wanted:
        folder = args.cordis_dir or cordis_default_dir()
        if not (folder / "participations.csv").exists():
            print(f"\nCORDIS extract not found in {folder} (--cordis-dir or REMO_CORDIS_DIR); skipped.")
        else:
            doc, held = cordis_build(folder, sample=args.cordis_sample)
            summary["cordis"] = evaluate(
                f"CORDIS Horizon Europe (projects before 2024-10, new pairs from 2024-10 "
                f"held out; {args.cordis_sample or 'all'} organisations sampled)",
                doc,
                held,
            )
    print("\n### summary\n")
    print(
        f"| data set | engine recall@{K} | x best of pop/AA/topics | x best baseline | recall@{K} without -> with "
        "fair re-ranking | fair cost | Gini without -> with | fair level |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, s in summary.items():
        ratio_t = s["engine"] / s["target"] if s["target"] else float("inf")
        ratio_b = s["engine"] / s["best"] if s["best"] else float("inf")
        cost = 100 * (1 - s["engine"] / s["plain"]) if s["plain"] else 0.0
        print(
            f"| {name} | {s['engine']:.4f} | x{ratio_t:.2f} | x{ratio_b:.2f} | {s['plain']:.4f} -> {s['engine']:.4f} | "
            f"{cost:+.1f} % | {s['gini_plain']:.3f} -> {s['gini_fair']:.3f} | {s['level']} |"
        )
    print(
        f"\nfairness targets (exposure Gini <= {GINI_TARGET} on {' and '.join(GINI_SETS)}, "
        f"recall@{K} cost <= {MAX_COST:.0f} %):"
    )
    for name, s in summary.items():
        cost = 100 * (1 - s["engine"] / s["plain"]) if s["plain"] else 0.0
        gini_ok = s["gini_fair"] <= GINI_TARGET
        held = "holds" if gini_ok else "misses"
        print(
            f"  {name}: Gini {s['gini_fair']:.3f} {held} the target{'' if name in GINI_SETS else ' (not required)'}, "
            f"cost {cost:+.1f} % {'within' if cost <= MAX_COST else 'over'} the bound"
        )
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
