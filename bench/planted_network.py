"""Networks whose cooperations follow the profiles (a planted affinity), for the evaluation.

``planted_document(n, seed)`` draws organisations like `graph.generate` (kinds, topics, needs and
offers, districts, languages from the built-in vocabulary) and then lets cooperations form month by
month from 2019 to 2025: an organisation chosen at random takes the partner drawn with probability
``exp(beta * affinity)``, where the affinity mixes shared topics (Jaccard), reciprocal needs and
offers, the same district, a shared language other than German, migrant organisation <->
institution and the partner's activity so far -- with mixing weights drawn per seed, so that every
seed plants a different rule. Deterministic for a seed.

    python bench/planted_network.py -n 400 --seed 3 -o planted.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.generate import generate_document  # noqa: E402

PARTS = ("topics", "help", "district", "language", "bridge", "activity")


def _matrix(rows: list[list[str]]) -> tuple[np.ndarray, list[str]]:
    ids = sorted({x for r in rows for x in r})
    col = {x: j for j, x in enumerate(ids)}
    m = np.zeros((len(rows), max(1, len(ids))), dtype=np.float64)
    for i, r in enumerate(rows):
        for x in r:
            m[i, col[x]] = 1.0
    return m, ids


def planted_document(
    n: int = 400, seed: int = 0, *, per_org: float = 2.5, beta: float = 6.0, mix: dict[str, float] | None = None
) -> dict:
    """A ``remo/1`` document with ``n`` organisations and cooperations that follow a planted affinity."""
    rng = np.random.default_rng(10_000 + seed)
    doc = generate_document(n, seed=seed)
    orgs = doc["organisations"]
    ids = [o["id"] for o in orgs]
    topics, _ = _matrix([o["topics"] for o in orgs])
    caps = sorted({c["capability"] for o in orgs for c in o["offers"] + o["needs"]})
    ci = {c: j for j, c in enumerate(caps)}
    offers = np.zeros((n, len(caps)))
    needs = np.zeros((n, len(caps)))
    for i, o in enumerate(orgs):
        for c in o["offers"]:
            offers[i, ci[c["capability"]]] = 1.0
        for c in o["needs"]:
            needs[i, ci[c["capability"]]] = 1.0
    districts, _ = _matrix([o["districts"] for o in orgs])
    langs, _ = _matrix([[x for x in o["languages"] if x != "de"] for o in orgs])
    mo = np.asarray([o["kind"] == "migrant_organisation" for o in orgs])
    inter = topics @ topics.T
    size = topics.sum(axis=1)
    jac = inter / np.maximum(size[:, None] + size[None, :] - inter, 1)
    a = (needs @ offers.T) / np.maximum(needs.sum(axis=1, keepdims=True), 1)
    helps = np.sqrt(a * a.T) + 0.5 * np.maximum(a, a.T)  # reciprocal help counts most
    same_d = np.minimum(districts @ districts.T, 1.0)
    same_l = np.minimum(langs @ langs.T, 1.0)
    bridge = (mo[:, None] != mo[None, :]).astype(np.float64)
    w = mix or dict(zip(PARTS, rng.dirichlet(np.ones(len(PARTS))), strict=True))
    static = (
        w["topics"] * jac / max(jac.max(), 1e-9)
        + w["help"] * helps / max(helps.max(), 1e-9)
        + w["district"] * same_d
        + w["language"] * same_l
        + w["bridge"] * bridge
    )
    months = [f"{y}-{m:02d}-01" for y in range(2019, 2026) for m in range(1, 13)]
    total = int(per_org * n)
    per_month = np.diff(np.linspace(0, total, len(months) + 1).astype(int))
    deg = np.zeros(n)
    taken = np.eye(n, dtype=bool)
    coops = []
    for month, count in zip(months, per_month, strict=True):
        for _ in range(int(count)):
            i = int(rng.integers(n))
            act = np.log1p(deg) / np.log1p(max(deg.max(), 1.0))
            logit = beta * (static[i] + w["activity"] * act)
            logit[taken[i]] = -np.inf
            if not np.isfinite(logit).any():
                continue
            p = np.exp(logit - logit[np.isfinite(logit)].max())
            j = int(rng.choice(n, p=p / p.sum()))
            taken[i, j] = taken[j, i] = True
            deg[i] += 1
            deg[j] += 1
            a_, b_ = sorted((ids[i], ids[j]))
            coops.append({"a": a_, "b": b_, "kind": "joint_project", "since": month, "until": None, "note": ""})
    doc["cooperations"] = coops
    for key in ("meetings", "introductions", "projects", "persons"):
        if key in doc:
            doc[key] = []
    doc["meta"] = {
        "title": f"planted network ({n} organisations, seed {seed}; mix "
        + ", ".join(f"{k} {v:.2f}" for k, v in w.items())
        + ")"
    }
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default="planted.json")
    args = parser.parse_args()
    doc = planted_document(args.n, args.seed)
    Path(args.output).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    print(f"{args.output}: {doc['meta']['title']}, {len(doc['cooperations'])} cooperations")


if __name__ == "__main__":
    main()
