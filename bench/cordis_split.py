"""Write the CORDIS time split as a ``remo/1`` file plus its held-out pairs.

Usage::

    python bench/cordis_split.py [-o cordis.json] [--data DIR] [--split 2024-10] [--sample 300] [--seed 0]

Writes ``cordis.json`` (the network as known before ``--split``: organisations, their projects and
the cooperations those projects created, dated by the project start) and ``cordis-heldout.json``
(``{"split", "pairs": [[a, b], ...]}``: new pairs of organisations from projects starting on or
after ``--split``; pairs that already cooperated before are not new). Then, on a fresh store::

    python -m web.cli init && python -m web.cli import cordis.json && python -m web.cli suggest --all --json

and `bench/evaluate_matching.py --cordis-file cordis.json` scores those lists against the held-out pairs.

The organisations: ``--sample`` (default 300; 0 = all 4 552) drawn with ``--seed`` among the
organisations that joined projects in both periods (956), so that the sampled network is dense
enough to hold partners and every sampled organisation can be scored. Mapping: activity type ->
kind (HES/REC education, PUB public_service, PRC/OTH other), country -> district (a vocabulary
extension), topics = the call topic and euroSciVoc terms of the organisation's projects before the
split; projects carry their own topics, start date and members (role coordinator -> lead).

Data: ``../shared/datasets/cordis-he-2024`` relative to the repository root, ``$REMO_CORDIS_DIR``
or ``--data``; Source: CORDIS, (c) European Union, CC BY 4.0 (modified: column subset, ids
derived, duplicates removed).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"HES": "education", "REC": "education", "PUB": "public_service", "PRC": "other", "OTH": "other"}
ROLES = {"coordinator": "lead"}


def default_dir() -> Path:
    env = os.environ.get("REMO_CORDIS_DIR")
    return Path(env) if env else (ROOT / ".." / "shared" / "datasets" / "cordis-he-2024").resolve()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def build(folder: Path, split: str = "2024-10", sample: int = 300, seed: int = 0) -> tuple[dict, list[list[str]]]:
    """``(remo/1 document, held-out pairs)`` for the CORDIS extract in ``folder``."""
    with (folder / "organisations.csv").open(encoding="utf-8") as fh:
        orgs = {r["org_id"]: r for r in csv.DictReader(fh)}
    members: dict[str, dict[str, str]] = defaultdict(dict)
    start: dict[str, str] = {}
    topics: dict[str, list[str]] = {}
    acronym: dict[str, str] = {}
    for r in csv.DictReader((folder / "participations.csv").open(encoding="utf-8")):
        members[r["project_id"]].setdefault(r["org_id"], r["role"])
        start[r["project_id"]] = r["project_start_date"][:10]
        topics[r["project_id"]] = [t.strip() for t in r["topics"].split(";") if t.strip()]
        acronym[r["project_id"]] = r["project_acronym"]
    train_p = sorted(p for p in members if start[p][:7] < split)
    test_p = sorted(p for p in members if start[p][:7] >= split)
    in_train = {o for p in train_p for o in members[p]}
    in_test = {o for p in test_p for o in members[p]}
    pool = sorted(in_train & in_test) if sample else sorted(in_train)
    if sample and sample < len(pool):
        pool = sorted(np.random.default_rng(seed).choice(pool, size=sample, replace=False).tolist())
    chosen = set(pool)
    term_label: dict[str, str] = {}
    org_topics: dict[str, set[str]] = defaultdict(set)
    pairs: dict[tuple[str, str], str] = {}
    projects = []
    for p in train_p:
        mem = sorted(o for o in members[p] if o in chosen)
        if not mem:
            continue
        tids = []
        for t in topics[p]:
            tid = "c_" + slug(t)
            term_label.setdefault(tid, t)
            tids.append(tid)
        tids = sorted(set(tids))
        for o in mem:
            org_topics[o].update(tids)
        for a, b in combinations(mem, 2):
            pairs.setdefault((a, b), start[p])
        projects.append(
            {
                "id": f"p{p}",
                "title": acronym[p] or p,
                "topics": tids,
                "start": start[p],
                "members": [{"org": o, "role": ROLES.get(members[p][o], "partner")} for o in mem],
            }
        )
    countries = sorted({orgs[o]["country"] for o in chosen if orgs.get(o, {}).get("country")})
    organisations = []
    for o in pool:
        row = orgs.get(o, {})
        country = row.get("country", "")
        organisations.append(
            {
                "id": f"o{o}",
                "name": row.get("name") or o,
                "kind": KINDS.get(row.get("activity_type", ""), "other"),
                "topics": sorted(org_topics[o]),
                "districts": [f"country_{country.lower()}"] if country else [],
            }
        )
    cooperations = [
        {"a": f"o{a}", "b": f"o{b}", "kind": "joint_project", "since": s} for (a, b), s in sorted(pairs.items())
    ]
    for pr in projects:
        pr["members"] = [{"org": f"o{m['org']}", "role": m["role"]} for m in pr["members"]]
    doc = {
        "format": "remo/1",
        "meta": {"title": f"CORDIS Horizon Europe, projects before {split} ({len(pool)} organisations)"},
        "vocabulary": {
            "topics": [{"id": t, "labels": {"en": lab}} for t, lab in sorted(term_label.items())],
            "districts": [{"id": f"country_{c.lower()}", "labels": {"en": c}} for c in countries],
        },
        "organisations": organisations,
        "cooperations": cooperations,
        "projects": projects,
    }
    held: set[tuple[str, str]] = set()
    for p in test_p:
        for a, b in combinations(sorted(o for o in members[p] if o in chosen), 2):
            if (a, b) not in pairs:
                held.add((f"o{a}", f"o{b}"))
    return doc, [list(x) for x in sorted(held)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "-o", "--output", default="cordis.json", help="remo/1 file; held-out pairs go to NAME-heldout.json"
    )
    parser.add_argument("--data", type=Path, default=None, help="CORDIS extract folder")
    parser.add_argument("--split", default="2024-10", help="first month of the held-out period")
    parser.add_argument("--sample", type=int, default=300, help="organisations (0 = all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    folder = args.data or default_dir()
    if not (folder / "participations.csv").exists():
        raise SystemExit(f"CORDIS extract not found in {folder} (use --data or REMO_CORDIS_DIR)")
    doc, held = build(folder, args.split, args.sample, args.seed)
    out = Path(args.output)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    heldout = out.with_name(out.stem + "-heldout.json")
    heldout.write_text(json.dumps({"split": args.split, "pairs": held}, indent=0), encoding="utf-8")
    print(
        f"{out}: {len(doc['organisations'])} organisations, {len(doc['cooperations'])} cooperations, "
        f"{len(doc['projects'])} projects; {heldout}: {len(held)} held-out pairs"
    )


if __name__ == "__main__":
    main()
