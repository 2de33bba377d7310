"""Synthetic networks for benchmarks and tests, in two shapes.

``shape="demo"`` (the default, `generate_document`): shaped like the demo network. Organisations
get kinds in the demo's proportions, topics drawn with a skewed popularity, offers and needs that
complement each other by kind, districts and languages, and cooperations that prefer shared
topics, the same district and well-connected partners (preferential attachment), dated 2015-2026.
It keeps the built-in vocabulary (32 topics, 4 districts) at every size, so at 100 000
organisations the largest topic covers about 39 % of them.

``shape="realistic"`` (`generate_realistic`): what a country-wide network looks like at large N.
Many places with Zipf-distributed sizes, a long Zipf tail of topics and capabilities (hundreds,
added to the document's ``vocabulary``), heavy-tailed profile sizes and cooperation degrees, and
cooperations that are mostly local. The distributions are listed in ``docs/benchmarks.md``.

Example
-------
>>> doc = generate_document(50, seed=1)
>>> len(doc["organisations"]), doc["format"]
(50, 'remo/1')
>>> generate_document(50, seed=1) == doc
True
>>> real = generate_realistic(2000, seed=1)
>>> len(real["vocabulary"]["districts"]) > 4, generate_realistic(2000, seed=1) == real
(True, True)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .vocabulary import Vocabulary

__all__ = ["SHAPES", "generate_document", "generate_realistic", "write_generated"]

SHAPES = ("demo", "realistic")

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


def _base_terms(
    vocab: Vocabulary,
) -> tuple[list[str], list[str], list[str], list[str], list[str], np.ndarray, list[str], list[str]]:
    """The vocabulary both generators draw from: topics, capabilities, districts, languages (not German),
    kinds with their shares, legal forms and cooperation kinds."""
    topics = list(vocab.terms.get("topics", {}))
    caps = list(vocab.terms.get("capabilities", {}))
    districts = list(vocab.terms.get("districts", {}))
    languages = [lang for lang in vocab.terms.get("languages", {}) if lang != "de"]
    kinds = [k for k in _KIND_SHARE if k in vocab.terms.get("org_kinds", {})]
    shares = np.array([_KIND_SHARE[k] for k in kinds])
    shares /= shares.sum()
    legal: list[str] = [
        x
        for x in ("registered_association", "non_registered_association", "public_body", "ggmbh")
        if x in vocab.terms.get("legal_forms", {})
    ] or [""]
    cooperation_kinds = list(vocab.terms.get("cooperation_kinds", {})) or ["other"]
    return topics, caps, districts, languages, kinds, shares, legal, cooperation_kinds


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
    terms = _base_terms(vocab or Vocabulary.builtin())
    orgs, org_topics = _synthetic_orgs(rng, n_orgs, terms, progress)
    coops = _synthetic_cooperations(rng, orgs, org_topics, len(terms[0]), coops_per_org, terms[7])
    return {
        "format": "remo/1",
        "meta": {"title": f"Synthetic network ({n_orgs} organisations, seed {seed})", "fictional": True},
        "organisations": orgs,
        "cooperations": coops,
    }


def _synthetic_orgs(
    rng: np.random.Generator,
    n_orgs: int,
    terms: tuple[list[str], list[str], list[str], list[str], list[str], np.ndarray, list[str], list[str]],
    progress: Callable[[int], None] | None,
) -> tuple[list[dict[str, Any]], list[np.ndarray]]:
    """``generate_document``'s organisations, and the indices of each one's topics (most popular first)."""
    topics, caps, districts, languages, kinds, shares, legal, _cooperation_kinds = terms
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
    return orgs, org_topics


def _synthetic_cooperations(
    rng: np.random.Generator,
    orgs: list[dict[str, Any]],
    org_topics: list[np.ndarray],
    n_topics: int,
    coops_per_org: float,
    cooperation_kinds: list[str],
) -> list[dict[str, Any]]:
    """Cooperations whose partners share a first topic (60 %) or are drawn by hub fitness, more in recent years."""
    n_orgs = len(orgs)
    n_coops = int(n_orgs * coops_per_org / 2)
    by_topic: dict[int, np.ndarray] = {}
    first_topic = np.array([ot[0] for ot in org_topics])
    for j in range(n_topics):
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
    return coops


def _zipf(m: int, s: float) -> np.ndarray:
    p = 1.0 / np.arange(1, m + 1) ** s
    return p / p.sum()


def _ragged(rng: np.random.Generator, counts: np.ndarray, p: np.ndarray) -> list[list[int]]:
    """Per row ``counts[i]`` draws from ``p`` (with replacement), duplicates dropped, order kept."""
    flat = rng.choice(len(p), size=int(counts.sum()), p=p).tolist()
    out, start = [], 0
    for c in counts.tolist():
        out.append(list(dict.fromkeys(flat[start : start + c])))
        start += c
    return out


def _pick_in_groups(rng: np.random.Generator, group: np.ndarray, weight: np.ndarray, of: np.ndarray) -> np.ndarray:
    """For each ``of[k]`` an organisation of its group ``group[of[k]]``, drawn with probability ~ ``weight``."""
    order = np.argsort(group, kind="stable")
    g_sorted = group[order]
    cum = np.cumsum(weight[order])
    first = np.searchsorted(g_sorted, g_sorted, side="left")
    last = np.searchsorted(g_sorted, g_sorted, side="right")
    pos = np.searchsorted(g_sorted, group[of], side="left")
    end = np.searchsorted(g_sorted, group[of], side="right")
    lo = np.where(pos > 0, cum[np.maximum(pos - 1, 0)], 0.0)
    hi = cum[end - 1]
    u = lo + rng.random(len(of)) * (hi - lo)
    hit = np.clip(np.searchsorted(cum, u, side="right"), first[pos], last[pos] - 1)
    return order[hit]


def generate_realistic(
    n_orgs: int,
    *,
    seed: int = 0,
    coops_per_org: float = 2.5,
    vocab: Vocabulary | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """A ``remo/1`` document shaped like a large, country-wide network (deterministic for a seed).

    * places: ``max(4, min(20 000, n / 40))`` districts, organisation counts Zipf (s = 1), the
      built-in districts first; every organisation in one place;
    * topics: the 32 built-in ones plus a tail up to ``clip(40 sqrt(n / 1000), 32, 2000)`` in all,
      popularity Zipf (s = 0.8); topics per organisation ``1 + Geometric(0.45)`` (mean 2.2, at most 8);
    * capabilities: the built-in ones plus a tail of half as many as topics; offers and needs
      ``1 + Geometric(0.5)`` each (at most 6), half drawn from the kind's typical pool (migrant
      organisations need rooms and money, institutions offer them), half Zipf (s = 1) over all;
    * languages: German plus 0-2 (migrant organisations 1-3) built-in ones, Zipf (s = 1.1);
    * cooperations: ``coops_per_org / 2`` distinct ones per organisation, one end drawn by a Pareto (a = 1.2)
      fitness (heavy-tailed degrees), the other from the same place (55 %), the same first topic
      (30 %) or anywhere (15 %), again by fitness; dated 2015-2026, more in recent years.
    """
    if n_orgs < 2:
        raise ValueError("a network needs at least 2 organisations")
    rng = np.random.default_rng(seed)
    vocab = vocab or Vocabulary.builtin()
    base_topics, base_caps, base_districts, languages, kinds, shares, legal, cooperation_kinds = _base_terms(vocab)

    n_places = max(len(base_districts), 4, min(20_000, n_orgs // 40))
    n_topics = max(len(base_topics), min(2_000, int(40 * np.sqrt(n_orgs / 1000))))
    n_caps = len(base_caps) + max(0, (n_topics - len(base_topics)) // 2)
    new_districts = [f"place_{k:05d}" for k in range(1, n_places - len(base_districts) + 1)]
    new_topics = [f"topic_{k:04d}" for k in range(1, n_topics - len(base_topics) + 1)]
    new_caps = [f"capability_{k:04d}" for k in range(1, n_caps - len(base_caps) + 1)]
    districts = base_districts + new_districts
    topics = base_topics + new_topics
    caps = base_caps + new_caps
    cap_index = {c: i for i, c in enumerate(caps)}
    width = len(str(n_orgs))

    kind_of = rng.choice(len(kinds), size=n_orgs, p=shares)
    is_mo = np.asarray([kinds[k] == "migrant_organisation" for k in kind_of.tolist()])
    place = rng.choice(n_places, size=n_orgs, p=_zipf(n_places, 1.0))
    org_topics = _ragged(rng, np.minimum(rng.geometric(0.45, n_orgs), 8), _zipf(n_topics, 0.8))
    cap_p = _zipf(n_caps, 1.0)

    def pool_ids(names: list[str]) -> np.ndarray:
        return np.asarray([cap_index[c] for c in names if c in cap_index] or list(range(len(base_caps))))

    pools = {
        (True, "offer"): pool_ids(_MO_OFFERS),
        (False, "offer"): pool_ids(_INST_OFFERS),
        (True, "need"): pool_ids(_MO_NEEDS),
        (False, "need"): pool_ids(_INST_NEEDS),
    }

    def capability_lists(role: str) -> list[list[int]]:
        counts = np.minimum(rng.geometric(0.5, n_orgs), 6)
        tail = rng.choice(n_caps, size=int(counts.sum()), p=cap_p)
        typical = rng.random(len(tail)) < 0.5
        row = np.repeat(np.arange(n_orgs), counts)
        for mo in (True, False):
            pool = pools[(mo, role)]
            sel = typical & (is_mo[row] == mo)
            tail[sel] = pool[rng.integers(0, len(pool), size=int(sel.sum()))]
        flat, out, start = tail.tolist(), [], 0
        for c in counts.tolist():
            out.append(list(dict.fromkeys(flat[start : start + c])))
            start += c
        return out

    offers = capability_lists("offer")
    needs = capability_lists("need")
    urgency = rng.integers(1, 4, size=sum(len(x) for x in needs)).tolist()
    n_lang = rng.integers(0, 3, size=n_orgs) + is_mo
    org_langs = _ragged(rng, n_lang, _zipf(len(languages), 1.1)) if languages else [[] for _ in range(n_orgs)]
    legal_of = rng.integers(0, len(legal), size=n_orgs).tolist()
    founded = rng.integers(1960, 2025, size=n_orgs).tolist()

    orgs: list[dict[str, Any]] = []
    u = 0
    for i in range(n_orgs):
        mo = bool(is_mo[i])
        off = set(offers[i])
        need = [c for c in needs[i] if c not in off]
        orgs.append(
            {
                "id": f"org-{i:0{width}d}",
                "name": f"Organisation {i}",
                "kind": kinds[kind_of[i]],
                "description": "Synthetische Organisation für Tests und Messungen.",
                "topics": [topics[t] for t in org_topics[i]],
                "offers": [{"capability": caps[c], "detail": ""} for c in offers[i]],
                "needs": [{"capability": caps[c], "detail": "", "urgency": urgency[u + k]} for k, c in enumerate(need)],
                "districts": [districts[place[i]]],
                "languages": ["de"] + [languages[x] for x in org_langs[i]],
                "target_groups": [],
                "legal_form": legal[0] if mo else legal[legal_of[i]],
                "founded": founded[i],
            }
        )
        u += len(needs[i])
        if progress is not None and (i + 1) % 1000 == 0:
            progress(1000)
    if progress is not None and n_orgs % 1000:
        progress(n_orgs % 1000)

    # cooperations: heavy-tailed fitness, mostly local, else by topic, else anywhere
    n_coops = int(n_orgs * coops_per_org / 2)
    n_draw = n_coops * 3 // 2 + 10  # repeated pairs (hubs) are dropped below
    fitness = rng.pareto(1.2, size=n_orgs) + 1.0
    fp = fitness / fitness.sum()
    a = rng.choice(n_orgs, size=n_draw, p=fp)
    mode = rng.random(n_draw)
    b = rng.choice(n_orgs, size=n_draw, p=fp)
    local = mode < 0.55
    b[local] = _pick_in_groups(rng, place, fitness, a[local])
    by_topic = (mode >= 0.55) & (mode < 0.85)
    first_topic = np.asarray([t[0] for t in org_topics])
    b[by_topic] = _pick_in_groups(rng, first_topic, fitness, a[by_topic])
    start = dt.date(2015, 1, 1).toordinal()
    span = dt.date(2026, 10, 31).toordinal() - start
    days = (np.sqrt(rng.random(n_draw)) * span).astype(int) + start
    ckind = rng.integers(0, len(cooperation_kinds), size=n_draw)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    _, first = np.unique(lo[keep] * n_orgs + hi[keep], return_index=True)
    picked = np.flatnonzero(keep)[np.sort(first)][:n_coops]
    coops = [
        {
            "a": orgs[x]["id"],
            "b": orgs[y]["id"],
            "kind": cooperation_kinds[c],
            "since": dt.date.fromordinal(d).isoformat(),
            "until": None,
            "note": "",
        }
        for x, y, c, d in zip(
            lo[picked].tolist(), hi[picked].tolist(), ckind[picked].tolist(), days[picked].tolist(), strict=True
        )
    ]

    def terms(ids: list[str], de: str, en: str) -> list[dict[str, Any]]:
        return [
            {"id": t, "labels": {"de": f"{de} {t.rsplit('_', 1)[1]}", "en": f"{en} {t.rsplit('_', 1)[1]}"}} for t in ids
        ]

    vocabulary = {
        "topics": terms(new_topics, "Thema", "Topic"),
        "capabilities": terms(new_caps, "Fähigkeit", "Capability"),
        "districts": terms(new_districts, "Ort", "Place"),
    }
    return {
        "format": "remo/1",
        "meta": {
            "title": f"Synthetic network, realistic shape ({n_orgs} organisations, seed {seed})",
            "fictional": True,
        },
        "vocabulary": {k: v for k, v in vocabulary.items() if v},
        "organisations": orgs,
        "cooperations": coops,
    }


def write_generated(
    path: str | Path,
    n_orgs: int,
    *,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    shape: str = "demo",
) -> dict[str, int]:
    """Write `generate_document` (``shape="demo"``) or `generate_realistic` to ``path`` (remo/1 JSON)."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}")
    make = generate_realistic if shape == "realistic" else generate_document
    doc = make(n_orgs, seed=seed, progress=progress)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
    tmp.replace(path)
    return {"organisations": len(doc["organisations"]), "cooperations": len(doc["cooperations"])}
