"""Fair exposure: spread suggestions so a few hubs do not fill everyone's list.

`suggest_all` re-ranks with `rerank_capped`: starting from the plain top lists, an organisation
shown more often than its allowance (the mean exposure, about ``k``, or more for an organisation
that started many cooperations lately) is swapped, in a list that shows it, for the best candidate
of that list's pool still below the mean, but only when the replacement's match score is within a
tolerance of the displaced one. The tolerance grows in steps until the
exposure Gini reaches its target or the tolerance (or the bound on the summed score) is used up.
Scores are never changed: the re-ranking only replaces and reorders, so every score stays the sum
of its named parts. Single-organisation `suggest` cannot see other lists; it multiplies the scores
by ``1 / (1 + strength * e)`` with a forecast of the excess exposure, ``e = max(0, pop / mean(pop) -
1)``, where ``pop`` is a candidate's mean score with everybody (`SignalData.popularity`).
`rerank_greedy`, an earlier streaming re-ranking (a discount by the exposure so far), is kept for
callers that re-rank lists one batch at a time.

Example
-------
>>> exposure_gini({"a": ["b"], "b": ["a"], "c": ["a"]})
0.4444
>>> rerank_greedy(np.array([[1, 2], [1, 2], [1, 2]]), np.array([[0.9, 0.8]] * 3), 1, strength=10).ravel().tolist()
[2, 1, 1]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_LEVEL",
    "FAIR_LADDER",
    "FairSetting",
    "exposure_factor",
    "exposure_gini",
    "fairness_metrics",
    "gini",
    "recent_demand",
    "rerank_capped",
    "rerank_greedy",
]


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


#: Largest relative loss of match score one swap of `rerank_capped` may cost: a partner is replaced
#: only by a candidate scoring at least ``1 - TOLERANCE`` of it.
TOLERANCE = 0.3
#: How far above its share of the recent new cooperations an organisation may be shown before
#: `rerank_capped` swaps it out (``demand``): ``SLACK`` times that share of all places.
SLACK = 1.25


@dataclass(frozen=True)
class FairSetting:
    """One strength of `rerank_capped`: its Gini target, score tolerance, demand slack and score bound."""

    gini_target: float
    tolerance: float
    slack: float
    min_quality: float

    def options(self) -> dict[str, Any]:
        """The keyword arguments of `rerank_capped`."""
        return asdict(self)


#: The strengths the engine chooses from (`matching.choose_fairness`), none first, strongest last.
#: Level 2 is the former fixed setting; level 4 is the one that reached Gini 0.50 on the generated
#: network; level 5 also lets a swap lose any share of the score and aims below the target.
FAIR_LADDER: tuple[FairSetting, ...] = (
    FairSetting(gini_target=1.0, tolerance=0.0, slack=SLACK, min_quality=1.0),
    FairSetting(gini_target=0.5, tolerance=0.15, slack=SLACK, min_quality=0.95),
    FairSetting(gini_target=0.5, tolerance=TOLERANCE, slack=SLACK, min_quality=0.95),
    FairSetting(gini_target=0.5, tolerance=0.5, slack=1.0, min_quality=0.9),
    FairSetting(gini_target=0.5, tolerance=0.7, slack=1.0, min_quality=0.0),
    FairSetting(gini_target=0.45, tolerance=1.0, slack=1.0, min_quality=0.0),
)
#: The level used where the history cannot tell (too few held-out pairs).
DEFAULT_LEVEL = 2


def recent_demand(snapshot: Any) -> np.ndarray | None:
    """Per organisation (row order), how many cooperations it started in the network's history window.

    The window is the one the weights are learned on (`matching.history_split`: the newest 20 % of
    the dated cooperations, taken from the data's own dates); ``None`` without enough dated
    cooperations.
    """
    from ._learn import history_split  # the learner imports the engine, which imports this module

    since = history_split(snapshot)
    if since is None:
        return None
    today, index = snapshot.today, snapshot.index
    rows = [
        (index[c.a], index[c.b])
        for c in snapshot.network.cooperations
        if c.since and since <= c.since[:10] <= today and c.a in index and c.b in index
    ]
    ends = np.asarray(rows, dtype=np.int64).reshape(-1)
    return np.bincount(ends, minlength=snapshot.n).astype(np.float64)


def _rank_in_group(group: np.ndarray, loss: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Each proposal's rank within its ``group``, cheapest (then lowest row) first."""
    order = np.lexsort((row, loss, group))
    g = group[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    sorted_rank = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty(len(g), dtype=np.int64)
    rank[order] = sorted_rank
    return rank


def rerank_capped(
    candidates: np.ndarray,
    scores: np.ndarray,
    k: int,
    *,
    gini_target: float = 0.5,
    tolerance: float = TOLERANCE,
    steps: int = 4,
    spread: float = 1.0,
    min_quality: float = 0.0,
    n_items: int | None = None,
    demand: np.ndarray | None = None,
    slack: float = SLACK,
    max_rounds: int = 64,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Top-``k`` of each row's ``candidates`` (``-1`` = none), with over-exposed partners swapped out.

    Starts from each row's ``k`` best candidates. The cap is ``ceil(spread * shown / n_items)``, the
    mean exposure (``shown`` = all places filled; ``n_items`` organisations, default the rows).
    With ``demand`` (e.g. `recent_demand`: the new cooperations each organisation started lately),
    an organisation's allowance is the larger of the cap and ``slack`` times its share of the
    demand times ``shown`` (calibrated exposure: who gains many new partners may be shown as often);
    otherwise the cap. In rounds, every row holding a partner shown more often than its allowance
    proposes one swap: its lowest-scored such partner out, its best candidate not in the list and
    shown less often than the cap in. A proposal counts if it loses at most ``tol`` of the displaced
    score (relative); per partner, only as many are taken (cheapest first, ties by row) as bring it
    down to its allowance, or up to the cap. Every swap moves one appearance from a partner above the
    cap to one below it, so the exposure Gini never rises. ``tol`` runs through
    ``tolerance / 2**(steps - 1)`` ... ``tolerance``; the pass stops as soon as the Gini is at most
    ``gini_target``, or when the summed score of the lists would fall below ``min_quality`` of the
    plain lists' (swaps are then taken cheapest first up to that bound). Deterministic; each round
    costs O(n m) plus a sort of at most n proposals.

    Returns ``(picked, picked_scores, report)``: ``n x k`` column ids best first (``-1`` padded),
    their scores (unchanged, ``0`` where none) and ``{"gini_plain", "gini", "tolerance", "swaps",
    "cap", "quality", "target_met"}`` (``tolerance``: the one of the last swap).

    Four of five lists show organisation 1 (cap: 1); 2 and 3 score within 30 % of it, 4 does not:

    >>> cand = np.array([[1, 2, 3, 4]] * 4 + [[0, 2, 3, 4]])
    >>> picked, _, report = rerank_capped(cand, np.array([[1.0, 0.95, 0.9, 0.6]] * 5), 1, gini_target=0.0)
    >>> picked.ravel().tolist(), report["swaps"], report["gini_plain"], report["gini"]
    ([2, 3, 1, 1, 0], 2, 0.72, 0.32)
    """
    cand = np.asarray(candidates, dtype=np.int64)
    raw = np.asarray(scores, dtype=np.float64)
    n, m = cand.shape
    k = min(k, m)
    order = np.argsort(np.where(cand >= 0, -raw, np.inf), axis=1, kind="stable")  # best first
    cand = np.take_along_axis(cand, order, axis=1)
    raw = np.take_along_axis(raw, order, axis=1)
    valid = cand >= 0
    safe = np.where(valid, cand, 0)
    size = max(n_items or 0, n, int(cand.max()) + 1 if cand.size else 0, 1)
    in_list = valid & (np.arange(m)[None, :] < k)
    counts = np.bincount(cand[in_list], minlength=size).astype(np.int64)
    cap = max(1, math.ceil(spread * int(in_list.sum()) / size))
    allow = np.full(size, cap, dtype=np.int64)
    if demand is not None and float(np.sum(demand)) > 0:
        share = np.zeros(size)
        share[: len(demand)] = np.asarray(demand, dtype=np.float64)[:size] / float(np.sum(demand))
        allow = np.maximum(cap, np.ceil(slack * int(in_list.sum()) * share)).astype(np.int64)
    base = float(raw[in_list].sum())
    budget = (1.0 - min_quality) * base
    rows = np.arange(n)
    g = gini(counts)
    report: dict[str, Any] = {
        "gini_plain": g,
        "gini": g,
        "tolerance": 0.0,
        "swaps": 0,
        "cap": cap,
        "quality": 1.0,
        "target_met": g <= gini_target,
    }
    lost, exhausted = 0.0, False
    for step in range(steps if g > gini_target and k > 0 else 0):
        tol = tolerance / 2.0 ** (steps - 1 - step)
        active = rows  # rows that may still propose a swap at this tolerance
        for _ in range(max_rounds):
            a_list, a_cand = in_list[active], safe[active]
            holds = a_list & (counts > allow)[a_cand]
            pos_out = m - 1 - np.argmax(holds[:, ::-1], axis=1)  # the lowest-scored over-exposed place
            free = ~a_list & valid[active] & (counts < cap)[a_cand]
            pos_in = np.argmax(free, axis=1)  # the best candidate below the cap
            s_out, s_in = raw[active, pos_out], raw[active, pos_in]
            with np.errstate(divide="ignore", invalid="ignore"):
                loss = np.where(s_out > 0, (s_out - s_in) / s_out, np.where(s_in >= s_out, 0.0, np.inf))
            # a row without a proposal now has none later at this tolerance: over-exposure and the
            # room below the cap only shrink
            propose = holds.any(axis=1) & free.any(axis=1) & (loss <= tol + 1e-12)
            active, pos_out, pos_in = active[propose], pos_out[propose], pos_in[propose]
            s_out, s_in, loss = s_out[propose], s_in[propose], loss[propose]
            if len(active) == 0:
                break
            r = active
            j_out, j_in, cost = cand[r, pos_out], cand[r, pos_in], loss
            ok = _rank_in_group(j_out, cost, r) < counts[j_out] - allow[j_out]
            ok &= _rank_in_group(j_in, cost, r) < cap - counts[j_in]
            r, j_out, j_in, cost = r[ok], j_out[ok], j_in[ok], cost[ok]
            p_out, p_in, drop = pos_out[ok], pos_in[ok], (s_out - s_in)[ok]
            by_cost = np.lexsort((r, cost))
            spent = np.cumsum(drop[by_cost])
            take = by_cost[lost + spent <= budget + 1e-9 * max(base, 1.0)]
            exhausted = len(take) < len(by_cost)  # the summed-score bound stops the pass
            if len(take) == 0:
                break
            r, j_out, j_in = r[take], j_out[take], j_in[take]
            lost += float(drop[take].sum())
            in_list[r, p_out[take]] = False
            in_list[r, p_in[take]] = True
            np.subtract.at(counts, j_out, 1)
            np.add.at(counts, j_in, 1)
            g = gini(counts)
            report.update(
                gini=g,
                tolerance=tol,
                swaps=report["swaps"] + len(r),
                quality=round(1.0 - lost / base, 4) if base > 0 else 1.0,
                target_met=g <= gini_target,
            )
            if g <= gini_target or exhausted:
                break
        if g <= gini_target or exhausted:
            break
    pos = np.argsort(~in_list, axis=1, kind="stable")[:, :k]  # the list's places, best first
    shown = np.take_along_axis(in_list, pos, axis=1)
    picked = np.where(shown, np.take_along_axis(cand, pos, axis=1), -1)
    picked_scores = np.where(shown, np.take_along_axis(raw, pos, axis=1), 0.0)
    return picked, picked_scores, report
