"""Synthetic networks shaped like the demo network, for benchmarks and tests.

Organisations get kinds in the demo's proportions, topics drawn with a skewed
popularity, offers and needs that complement each other by kind, districts and
languages, and cooperations that prefer shared topics, the same district and
well-connected partners (preferential attachment), dated 2015-2026.

Example
-------
>>> doc = generate_document(50, seed=1)
>>> len(doc["organisations"]), doc["format"]
(50, 'remo/1')
>>> generate_document(50, seed=1) == doc
True
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .vocabulary import Vocabulary

__all__ = ["generate_document", "write_generated"]

_KIND_SHARE = {
    "migrant_organisation": 0.52,
    "welfare_association": 0.06,
    "integration_agency": 0.04,
    "youth_association": 0.06,
    "education": 0.12,
    "public_service": 0.06,
    "sports_culture": 0.08,
    "religious_community": 0.04,
    "other": 0.02,
}
_MO_NEEDS = ["rooms", "money", "volunteers", "funding_application_help", "publicity", "contacts", "training", "staff"]
_MO_OFFERS = ["community_access", "interpreting", "volunteers", "event_organisation", "contacts"]
_INST_OFFERS = [
    "rooms",
    "training",
    "funding_application_help",
    "legal_advice",
    "staff",
    "publicity",
    "equipment",
    "money",
]
_INST_NEEDS = ["community_access", "interpreting", "volunteers", "contacts", "publicity"]


def generate_document(
    n_orgs: int,
    *,
    seed: int = 0,
    coops_per_org: float = 2.5,
    vocab: Vocabulary | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """A ``remo/1`` document with ``n_orgs`` organisations (deterministic for a seed)."""
    if n_orgs < 2:
        raise ValueError("a network needs at least 2 organisations")
    rng = np.random.default_rng(seed)
    vocab = vocab or Vocabulary.builtin()
    topics = [t for t in vocab.terms.get("topics", {})]
    caps = list(vocab.terms.get("capabilities", {}))
    districts = list(vocab.terms.get("districts", {}))
    languages = [lang for lang in vocab.terms.get("languages", {}) if lang != "de"]
    kinds = [k for k in _KIND_SHARE if k in vocab.terms.get("org_kinds", {})]
    shares = np.array([_KIND_SHARE[k] for k in kinds])
    shares /= shares.sum()
    legal = [
        x
        for x in ("registered_association", "non_registered_association", "public_body", "ggmbh")
        if x in vocab.terms.get("legal_forms", {})
    ] or [""]
    cooperation_kinds = list(vocab.terms.get("cooperation_kinds", {})) or ["other"]
    # skewed popularity of topics and languages
    topic_p = 1.0 / np.arange(1, len(topics) + 1) ** 0.8
    topic_p /= topic_p.sum()
    lang_p = 1.0 / np.arange(1, len(languages) + 1) ** 1.1
    lang_p /= lang_p.sum()
    dist_p = np.array([0.4, 0.25, 0.2, 0.15][: len(districts)] + [0.05] * max(0, len(districts) - 4))
    dist_p /= dist_p.sum()
    width = len(str(n_orgs))

    kind_of = rng.choice(len(kinds), size=n_orgs, p=shares)
    n_topics = rng.integers(1, 5, size=n_orgs)
    org_topics = [rng.choice(len(topics), size=min(int(k), len(topics)), replace=False, p=topic_p) for k in n_topics]
    org_district = rng.choice(len(districts), size=n_orgs, p=dist_p)
    orgs: list[dict[str, Any]] = []
    for i in range(n_orgs):
        kind = kinds[kind_of[i]]
        mo = kind == "migrant_organisation"
        offer_pool = [c for c in (_MO_OFFERS if mo else _INST_OFFERS) if c in caps] or caps
        need_pool = [c for c in (_MO_NEEDS if mo else _INST_NEEDS) if c in caps] or caps
        offers = list(rng.choice(offer_pool, size=min(len(offer_pool), int(rng.integers(1, 4))), replace=False))
        needs = [
            c
            for c in rng.choice(need_pool, size=min(len(need_pool), int(rng.integers(1, 4))), replace=False)
            if c not in offers
        ] or [next(c for c in need_pool if c not in offers)]
        t = [topics[j] for j in org_topics[i]]
        if rng.random() < 0.5:
            offers.append(t[0])
        langs = ["de"] + [languages[j] for j in set(rng.choice(len(languages), size=int(rng.integers(1, 3)), p=lang_p))]
        orgs.append(
            {
                "id": f"org-{i:0{width}d}",
                "name": f"Organisation {i}",
                "kind": kind,
                "description": "Synthetische Organisation für Tests und Messungen.",
                "topics": t,
                "offers": [{"capability": c, "detail": ""} for c in offers],
                "needs": [{"capability": c, "detail": "", "urgency": int(rng.integers(1, 4))} for c in needs],
                "districts": [districts[org_district[i]]],
                "languages": langs if mo else ["de"] + langs[1:2],
                "target_groups": [],
                "legal_form": legal[0] if mo else legal[int(rng.integers(0, len(legal)))],
                "founded": int(rng.integers(1960, 2025)),
            }
        )
        if progress is not None and (i + 1) % 1000 == 0:
            progress(1000)
    if progress is not None and n_orgs % 1000:
        progress(n_orgs % 1000)

    # cooperations: candidates share a topic (bucketed), prefer same district and hubs
    n_coops = int(n_orgs * coops_per_org / 2)
    by_topic: dict[int, np.ndarray] = {}
    first_topic = np.array([ot[0] for ot in org_topics])
    for j in range(len(topics)):
        by_topic[j] = np.flatnonzero(first_topic == j)
    fitness = rng.pareto(1.5, size=n_orgs) + 1.0
    a = rng.choice(n_orgs, size=n_coops, p=fitness / fitness.sum())
    b = np.empty(n_coops, dtype=np.int64)
    same_topic = rng.random(n_coops) < 0.6
    uniform = rng.choice(n_orgs, size=n_coops, p=fitness / fitness.sum())
    for k in range(n_coops):
        pool = by_topic.get(first_topic[a[k]])
        if same_topic[k] and pool is not None and len(pool) > 1:
            b[k] = pool[int(rng.integers(0, len(pool)))]
        else:
            b[k] = uniform[k]
    start = dt.date(2015, 1, 1).toordinal()
    span = dt.date(2026, 10, 31).toordinal() - start
    # more cooperations in recent years
    days = (np.sqrt(rng.random(n_coops)) * span).astype(int) + start
    seen: set[tuple[int, int]] = set()
    coops = []
    for k in range(n_coops):
        x, y = int(a[k]), int(b[k])
        if x == y:
            continue
        key = (min(x, y), max(x, y))
        if key in seen:
            continue
        seen.add(key)
        coops.append(
            {
                "a": orgs[key[0]]["id"],
                "b": orgs[key[1]]["id"],
                "kind": cooperation_kinds[int(rng.integers(0, len(cooperation_kinds)))],
                "since": dt.date.fromordinal(int(days[k])).isoformat(),
                "until": None,
                "note": "",
            }
        )
    return {
        "format": "remo/1",
        "meta": {"title": f"Synthetic network ({n_orgs} organisations, seed {seed})", "fictional": True},
        "organisations": orgs,
        "cooperations": coops,
    }


def write_generated(
    path: str | Path, n_orgs: int, *, seed: int = 0, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    doc = generate_document(n_orgs, seed=seed, progress=progress)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
    tmp.replace(path)
    return {"organisations": len(doc["organisations"]), "cooperations": len(doc["cooperations"])}
