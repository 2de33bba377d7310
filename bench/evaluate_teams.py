"""Team completion on real consortia (CORDIS Horizon Europe), and the heuristic's optimality gap.

Usage::

    python bench/evaluate_teams.py [--seed 0] [--repeats 5] [--skip-gap] [--skip-cordis]

**Completion.** Projects starting before 2024-10 are the training network: organisations with the
topics of the projects they joined (euroSciVoc terms and the call topic), their country as district,
and a cooperation between every two members of a project. For every project starting 2024-10 or
later with at least three members known from training, one known member (participant or
coordinator, drawn at random with a fixed seed; five draws by default, averaged) is hidden; the
other known members and the project's topics are given, and every training organisation is ranked as the missing member.
Hit rate = share of projects whose hidden member is in the top 5 / top 10.

Compared: team completion (`TeamBuilder.completion_scores`: mean affinity to the members from the
matching engine plus ``topic_weight`` x topic fit), a topic-only ranking (TF-IDF cosine with the
project's topics) and a popularity ranking (number of training projects). ``topic_weight`` is chosen
on a validation split inside the training period (train < 2024-07, validate 2024-07 to 2024-09),
never on the test projects.

**Gap.** On the demo network, random candidate pools per template: the heuristic's best team
against the exact optimum (brute force), as the relative gap.

The CORDIS data (CC BY 4.0, see its SOURCE.md) is read at run time from
``../shared/datasets/cordis-he-2024`` relative to the repository root, or ``$REMO_CORDIS_DIR``.
Source: CORDIS, (c) European Union, CC BY 4.0 (modified: column subset, ids derived, duplicates removed).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cordis_split import KINDS as CORDIS_KINDS  # noqa: E402
from cordis_split import default_dir as cordis_dir  # noqa: E402

from graph import Cooperation, Network, Organisation, build_snapshot, parse_network  # noqa: E402
from graph.planning import builtin_templates  # noqa: E402
from matching import TeamBuilder  # noqa: E402

TOPIC_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
KS = (5, 10)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
@dataclass
class Projects:
    members: dict[str, dict[str, str]]  # project -> {org: role}
    start: dict[str, str]
    topics: dict[str, list[str]]
    orgs: dict[str, dict[str, str]]


def load_projects(folder: Path) -> Projects | None:
    if not (folder / "participations.csv").exists():
        return None
    with (folder / "organisations.csv").open(encoding="utf-8") as fh:
        orgs = {r["org_id"]: r for r in csv.DictReader(fh)}
    members: dict[str, dict[str, str]] = defaultdict(dict)
    start: dict[str, str] = {}
    topics: dict[str, list[str]] = {}
    with (folder / "participations.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            role = members[r["project_id"]].get(r["org_id"])
            if role not in ("coordinator", "participant"):  # keep the strongest role of an org
                members[r["project_id"]][r["org_id"]] = r["role"]
            start[r["project_id"]] = r["project_start_date"]
            topics[r["project_id"]] = sorted({t.strip().lower() for t in r["topics"].split(";") if t.strip()})
    return Projects(dict(members), start, topics, orgs)


def training_snapshot(data: Projects, projects: list[str], today: str):
    org_topics: dict[str, set[str]] = defaultdict(set)
    pairs: dict[tuple[str, str], str] = {}
    for p in projects:
        for o in data.members[p]:
            org_topics[o].update(data.topics[p])
        for a, b in combinations(sorted(data.members[p]), 2):
            pairs.setdefault((a, b), data.start[p])
    organisations = [
        Organisation(
            id=o,
            name=o,
            kind=CORDIS_KINDS.get(data.orgs.get(o, {}).get("activity_type", ""), "other"),
            topics=sorted(org_topics[o]),
            districts=[data.orgs[o]["country"].lower()] if data.orgs.get(o, {}).get("country") else [],
        )
        for o in sorted(org_topics)
    ]
    coops = [Cooperation(a=a, b=b, since=s) for (a, b), s in pairs.items()]
    return build_snapshot(Network(organisations=organisations, cooperations=coops), today=today)


def cases(data: Projects, projects: list[str], snap, seed: int) -> list[tuple[list[str], str, list[str]]]:
    """``(given members, hidden member, topics)`` per project with >= 3 known members."""
    rng = random.Random(seed)
    out = []
    for p in sorted(projects):
        known = sorted(o for o in data.members[p] if o in snap.index)
        hideable = [o for o in known if data.members[p][o] in ("coordinator", "participant")]
        if len(known) < 3 or not hideable:
            continue
        hidden = rng.choice(hideable)
        out.append(([o for o in known if o != hidden], hidden, data.topics[p]))
    return out


# ---------------------------------------------------------------------------
# rankers
# ---------------------------------------------------------------------------
def hit_rates(builder: TeamBuilder, snap, tests, popularity: np.ndarray, seed: int = 0) -> dict[str, dict[str, float]]:
    methods: dict[str, list[int]] = defaultdict(list)  # rank of the hidden member (0-based)
    for weight in TOPIC_WEIGHTS:
        methods[f"completion tw={weight}"] = []
    rng = np.random.default_rng(seed)

    def rank(score: np.ndarray, h: int) -> int:
        # ties are broken at random: many organisations share a topic profile (one training project)
        noisy = score + rng.random(len(score)) * 1e-7
        return int((noisy > noisy[h]).sum())

    for given, hidden, topics in tests:
        h = snap.index[hidden]
        rows = [snap.index[g] for g in given]
        aff = builder.completion_scores(given, (), topic_weight=0.0)
        fit = builder.completion_scores([], topics, topic_weight=1.0)
        fit[rows] = -np.inf
        for weight in TOPIC_WEIGHTS:
            score = aff + weight * np.where(np.isfinite(fit), fit, 0.0)
            methods[f"completion tw={weight}"].append(rank(score, h))
        methods["topic only"].append(rank(fit, h))
        pop = popularity.astype(np.float64).copy()
        pop[rows] = -np.inf
        methods["popularity"].append(rank(pop, h))
    out = {}
    for name, ranks in methods.items():
        r = np.asarray(ranks)
        out[name] = {f"hit@{k}": float((r < k).mean()) for k in KS} | {
            "mrr": float((1.0 / (r + 1)).mean()),
            "n": len(r),
        }
    return out


def popularity_of(data: Projects, projects: list[str], snap) -> np.ndarray:
    count = np.zeros(snap.n)
    for p in projects:
        for o in data.members[p]:
            count[snap.index[o]] += 1
    return count


def run_split(data: Projects, train: list[str], test: list[str], today: str, seed: int, repeats: int):
    """Hit rates averaged over ``repeats`` choices of the hidden members (seeds ``seed`` ...)."""
    t0 = time.time()
    snap = training_snapshot(data, train, today)
    builder = TeamBuilder().fit(snap)
    popularity = popularity_of(data, train, snap)
    tables = []
    for s in range(seed, seed + repeats):
        tests = cases(data, test, snap, s)
        tables.append(hit_rates(builder, snap, tests, popularity, s))
    table = {m: {key: float(np.mean([t[m][key] for t in tables])) for key in tables[0][m]} for m in tables[0]}
    return snap, tests, table, time.time() - t0


def evaluate_cordis(seed: int, repeats: int) -> dict | None:
    data = load_projects(cordis_dir())
    if data is None:
        print(f"\nCORDIS data set not found at {cordis_dir()} (set REMO_CORDIS_DIR); skipped.")
        return None
    ids = list(data.members)
    # validation inside the training period: choose topic_weight
    v_train = [p for p in ids if data.start[p][:7] < "2024-07"]
    v_test = [p for p in ids if "2024-07" <= data.start[p][:7] < "2024-10"]
    _, v_cases, v_table, v_time = run_split(data, v_train, v_test, "2024-07-01", seed, repeats)
    best = max(
        TOPIC_WEIGHTS, key=lambda w: (v_table[f"completion tw={w}"]["hit@10"], v_table[f"completion tw={w}"]["mrr"])
    )
    print(
        f"\nValidation (train < 2024-07, {len(v_cases)} projects 2024-07..09, {v_time:.0f} s): "
        + ", ".join(f"tw={w}: hit@10 {v_table[f'completion tw={w}']['hit@10']:.3f}" for w in TOPIC_WEIGHTS)
        + f" -> topic_weight = {best}"
    )
    train = [p for p in ids if data.start[p][:7] < "2024-10"]
    test = [p for p in ids if data.start[p][:7] >= "2024-10"]
    snap, tests, table, t = run_split(data, train, test, "2024-10-01", seed, repeats)
    skipped = sum(1 for p in test if sum(o in snap.index for o in data.members[p]) < 3)
    print(
        f"\nCORDIS test: {snap.n:,} training organisations, {snap.coop.nnz // 2:,} training cooperations; "
        f"{len(tests)} of {len(test)} test projects have >= 3 members known from training "
        f"({skipped} skipped); hidden member drawn {repeats} times (seeds {seed}..{seed + repeats - 1}); {t:.0f} s"
    )
    rows = {
        "team completion (engine + topics)": table[f"completion tw={best}"],
        "team completion, ties only": table["completion tw=0.0"],
        "topic only": table["topic only"],
        "popularity (training projects)": table["popularity"],
    }
    print(f"\n### Team completion on CORDIS HE (train < 2024-10, test >= 2024-10; mean of {repeats} draws)\n")
    print("| method | hit@5 | hit@10 | MRR |")
    print("|---|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | {r['hit@5']:.3f} | {r['hit@10']:.3f} | {r['mrr']:.3f} |")
    main = rows["team completion (engine + topics)"]
    for base in ("topic only", "popularity (training projects)"):
        verdict = (
            "beats"
            if main["hit@10"] > rows[base]["hit@10"] and main["hit@5"] > rows[base]["hit@5"]
            else "does NOT beat"
        )
        print(f"team completion {verdict} {base} (hit@5 and hit@10)")
    return {"topic_weight": best, "table": rows, "n": len(tests)}


def evaluate_gap(seed: int, instances: int = 6, sizes: tuple[int, int] = (12, 18)) -> dict:
    snap = build_snapshot(parse_network(json.loads((ROOT / "seeds" / "demo.json").read_text(encoding="utf-8"))))
    builder = TeamBuilder(k=1).fit(snap)
    rng = random.Random(seed)
    gaps, t_heur, t_exact = [], 0.0, 0.0
    for template in builtin_templates():
        for _ in range(instances):
            cands = rng.sample(snap.org_ids, rng.randint(*sizes))
            t0 = time.time()
            found = builder.suggest(template, candidates=cands, k=1)
            t1 = time.time()
            exact = builder.optimal(template, candidates=cands, method="brute")
            t_exact += time.time() - t1
            t_heur += t1 - t0
            if exact is None:
                assert not found
                continue
            gaps.append(1.0 - found[0].score / exact.score)
    full = time.time()
    for template in builtin_templates():
        builder.suggest(template)
    full = time.time() - full
    g = np.asarray(gaps)
    print(
        f"\n### Optimality gap on the demo network ({len(g)} feasible instances, pools of {sizes[0]}-{sizes[1]} "
        f"organisations, 8 templates)\n"
    )
    print(
        f"max gap {g.max():.2%}, mean gap {g.mean():.3%}, optimal in {(g < 1e-9).mean():.0%}; "
        f"heuristic {1000 * t_heur / len(g):.0f} ms, brute force {1000 * t_exact / len(g):.0f} ms per instance; "
        f"all 8 templates on the full demo network: {full:.2f} s"
    )
    return {"max": float(g.max()), "mean": float(g.mean()), "n": len(g)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5, help="draws of the hidden members (CORDIS)")
    parser.add_argument("--skip-gap", action="store_true")
    parser.add_argument("--skip-cordis", action="store_true")
    args = parser.parse_args()
    if not args.skip_gap:
        evaluate_gap(args.seed)
    if not args.skip_cordis:
        evaluate_cordis(args.seed, args.repeats)


if __name__ == "__main__":
    main()
