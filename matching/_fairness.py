"""Fair exposure: spread suggestions so a few hubs do not fill everyone's list.

`suggest_all` re-ranks greedily: organisations are served in a seeded random order, in small
batches, and a candidate's score is multiplied by ``1 / (1 + strength * c / k)`` where ``c`` counts
how often it already appears in earlier lists (``k`` slots per list, so ``c / k`` is its exposure
relative to the average). Single-organisation `suggest` cannot see other lists; it applies the same
factor with a forecast of the excess exposure, ``max(0, pop / mean(pop) - 1)``, where ``pop`` is a
candidate's mean score with everybody (`SignalData.popularity`).

Example
-------
>>> exposure_gini({"a": ["b"], "b": ["a"], "c": ["a"]})
0.4444
>>> rerank_greedy(np.array([[1, 2], [1, 2], [1, 2]]), np.array([[0.9, 0.8]] * 3), 1, strength=10).ravel().tolist()
[2, 1, 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["exposure_factor", "exposure_gini", "fairness_metrics", "gini", "rerank_greedy"]


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values (0 = equal, 1 = all on one).

    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
    (0.0, 0.75)
    """
    x = np.sort(np.asarray(list(values), dtype=np.float64))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(round((2.0 * (ranks * x).sum()) / (n * x.sum()) - (n + 1.0) / n, 4))


def _partner(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        return str(item["partner"])
    return str(item.partner)


def exposure_counts(results: Mapping[str, Iterable[Any]]) -> dict[str, int]:
    """How often each organisation appears across all lists (organisations never shown count 0)."""
    counts = dict.fromkeys(results, 0)
    for items in results.values():
        for item in items:
            p = _partner(item)
            counts[p] = counts.get(p, 0) + 1
    return counts


def exposure_gini(results: Mapping[str, Iterable[Any]]) -> float:
    """Gini coefficient of how often each organisation appears in the lists of ``results``.

    ``results`` maps an organisation id to its list (of `Suggestion`, dicts with ``partner`` or
    ids), as `suggest_all` returns it; every key counts as an organisation that could be shown.
    """
    return gini(exposure_counts(results).values())


def fairness_metrics(plain: Mapping[str, Iterable[Any]], fair: Mapping[str, Iterable[Any]]) -> dict[str, float]:
    """Exposure Gini of both result sets, coverage, and the quality cost of the re-ranking.

    ``quality_ratio`` is the mean match score of the re-ranked lists divided by the mean score of
    the plain top lists (1.0 = no cost).

    >>> from matching import Suggestion
    >>> p = {"a": [Suggestion("b", 0.8, [])], "b": [Suggestion("a", 0.8, [])], "c": [Suggestion("a", 0.6, [])]}
    >>> f = {"a": [Suggestion("c", 0.4, [])], "b": [Suggestion("a", 0.8, [])], "c": [Suggestion("b", 0.6, [])]}
    >>> fairness_metrics(p, f)["gini"], fairness_metrics(p, f)["quality_ratio"]
    (0.0, 0.8182)
    """

    def mean_score(res: Mapping[str, Iterable[Any]]) -> float:
        scores = [float(s["score"] if isinstance(s, Mapping) else s.score) for items in res.values() for s in items]
        return float(np.mean(scores)) if scores else 0.0

    counts = exposure_counts(fair)
    base = mean_score(plain)
    return {
        "gini": exposure_gini(fair),
        "gini_unfair": exposure_gini(plain),
        "coverage": round(sum(1 for c in counts.values() if c) / max(len(counts), 1), 4),
        "quality_ratio": round(mean_score(fair) / base, 4) if base else 1.0,
    }


def exposure_factor(popularity: np.ndarray, strength: float) -> np.ndarray:
    """Single-list discount ``1 / (1 + strength * max(0, pop / mean(pop) - 1))``.

    >>> exposure_factor(np.array([1.0, 1.0, 4.0]), 1.0).round(3).tolist()
    [1.0, 1.0, 0.5]
    """
    pop = np.asarray(popularity, dtype=np.float64)
    mean = pop.mean() if len(pop) else 0.0
    if mean <= 0 or strength <= 0:
        return np.ones_like(pop)
    return 1.0 / (1.0 + strength * np.maximum(0.0, pop / mean - 1.0))


def rerank_greedy(
    candidates: np.ndarray,
    scores: np.ndarray,
    k: int,
    *,
    strength: float = 1.0,
    seed: int = 0,
    batches: int = 200,
    keep: int = 0,
    prior: np.ndarray | None = None,
) -> np.ndarray:
    """Pick ``k`` of each row's ``candidates`` (``-1`` = none), penalising what earlier rows picked.

    Rows are served in a seeded random order, in at most ``batches`` batches (one row per batch for
    small inputs), so that the exposure counts are up to date between batches and the work stays
    vectorised. Returns an ``n x k`` array of column indices, ``-1`` padded.

    ``keep`` > 0 fixes each row's first ``keep`` candidates (the rows' candidates are ordered best
    first) and re-ranks only the remaining ``k - keep`` places, counting the fixed ones as exposure:
    the best-ranked, most likely relevant partners are never displaced.
    """
    if keep > 0:
        candidates = np.asarray(candidates, dtype=np.int64)
        keep = min(keep, k, candidates.shape[1])
        head = candidates[:, :keep]
        if keep >= k:
            return head.copy()
        tail = rerank_greedy(
            candidates[:, keep:],
            np.asarray(scores)[:, keep:],
            k - keep,
            strength=strength,
            seed=seed,
            batches=batches,
            prior=head,
        )
        return np.concatenate([head, tail], axis=1)
    candidates = np.asarray(candidates, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    n, m = candidates.shape
    k = min(k, m)
    out = np.full((n, k), -1, dtype=np.int64)
    if n == 0 or k == 0:
        return out
    size = int(candidates.max()) + 1 if candidates.size and candidates.max() >= 0 else 1
    if prior is not None and prior.size and prior.max() >= 0:
        size = max(size, int(prior.max()) + 1)
    counts = np.zeros(size, dtype=np.float64)
    if prior is not None:  # exposure already given (fixed places): counts in the penalty
        fixed = np.asarray(prior)[np.asarray(prior) >= 0]
        counts += np.bincount(fixed, minlength=size)[:size]
    order = np.random.default_rng(seed).permutation(n)
    step = max(1, -(-n // batches))
    for start in range(0, n, step):
        rows = order[start : start + step]
        cand = candidates[rows]
        valid = cand >= 0
        penalty = 1.0 / (1.0 + strength * counts[np.where(valid, cand, 0)] / k)
        adj = np.where(valid, scores[rows] * penalty, -np.inf)
        if k < m:
            top = np.argpartition(-adj, k - 1, axis=1)[:, :k]
        else:
            top = np.tile(np.arange(m), (len(rows), 1))
        top_adj = np.take_along_axis(adj, top, axis=1)
        top = np.take_along_axis(top, np.argsort(-top_adj, axis=1, kind="stable"), axis=1)
        picked = np.take_along_axis(cand, top, axis=1)
        picked[~np.isfinite(np.take_along_axis(adj, top, axis=1))] = -1
        out[rows] = picked
        chosen = picked[picked >= 0]
        counts += np.bincount(chosen, minlength=size)[:size]
    return out
