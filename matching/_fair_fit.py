"""Choosing the strength of the fair re-ranking from the network's own history.

No fixed strength suits every network: where the much-shown organisations are the ones that gain
the new partners, flattening their exposure loses recall; where a hub is only favoured by the
score, it gains. `choose_fairness` asks the data, the way the weight learner does: on the same time
split (`history_split`: the newest 20 % of the dated cooperations held out), the network as it was
before the window (`network_before`) is ranked once, and every level of `FAIR_LADDER` re-ranks the
same candidate pools. With ``learner`` (the automatic fit does this) that ranking uses the weights
the engine would have learned then, from the network before the window (its own history): the
weights in use were fitted on the window's pairs themselves and would favour the plain order.
The chosen level is the strongest whose recall@10 of the held-out new partners is at least
``1 - max_cost`` (95 %) of the plain lists'. With fewer than ``min_pairs``
held-out pairs (or no usable history, or a network above ``max_n`` organisations, where the extra
ranking would cost too much), `DEFAULT_LEVEL` stays.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> snap = build_snapshot(parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "education"}, {"id": "b", "name": "B", "kind": "education"}]}))
>>> choice = choose_fairness(snap, None)
>>> choice.level == DEFAULT_LEVEL, choice.source, choice.pairs
(True, 'default', 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from graph import Snapshot

from ._fairness import DEFAULT_LEVEL, FAIR_LADDER, recent_demand, rerank_capped

__all__ = ["MAX_COST", "MIN_FAIR_PAIRS", "FairChoice", "choose_fairness", "held_out_pairs"]

#: Held-out new pairs needed before the history decides the strength.
MIN_FAIR_PAIRS = 50
#: Largest share of the plain lists' held-out recall@10 the chosen strength may give up.
MAX_COST = 0.05
#: Above this many organisations the choice is not evaluated (one extra all-organisation ranking).
FAIR_FIT_MAX_N = 20_000


@dataclass(frozen=True)
class FairChoice:
    """The re-ranking strength chosen for a network, and the held-out figures it was chosen on.

    ``level`` indexes `FAIR_LADDER`; ``source`` is ``"history"`` (chosen on held-out pairs) or
    ``"default"`` (``reason`` says why). ``recall`` and ``gini`` hold, per level, the held-out
    recall@10 over the organisations with a new partner and the exposure Gini of all lists of the
    network before the window; ``cost`` is the chosen level's relative recall loss (negative = gain).
    """

    level: int = DEFAULT_LEVEL
    source: str = "default"
    reason: str = "not evaluated"
    pairs: int = 0
    split: str | None = None
    recall: tuple[float, ...] = ()
    gini: tuple[float, ...] = ()
    cost: float = 0.0

    @property
    def gini_target(self) -> float:
        return FAIR_LADDER[self.level].gini_target

    @property
    def tolerance(self) -> float:
        return FAIR_LADDER[self.level].tolerance


def held_out_pairs(snapshot: Snapshot, before: Snapshot, since: str) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs of the cooperations that started in ``since ... today`` and are new in ``before``."""
    index, seen = snapshot.index, set()
    rows, cols = [], []
    for c in snapshot.network.cooperations:
        if not c.since or not since <= c.since[:10] <= snapshot.today or c.a not in index or c.b not in index:
            continue
        i, j = index[c.a], index[c.b]
        if i == j or (min(i, j), max(i, j)) in seen or before.coop[i, j]:
            continue
        seen.add((min(i, j), max(i, j)))
        rows.append(i)
        cols.append(j)
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


def _recall(picked: np.ndarray, relevant: sp.csr_matrix, rows: np.ndarray, n_rel: np.ndarray) -> float:
    """Mean over ``rows`` of the share of their relevant columns in ``picked`` (``-1`` = empty)."""
    p = picked[rows]
    hit = np.asarray(relevant[np.repeat(rows, p.shape[1]), np.where(p >= 0, p, 0).ravel()]).reshape(p.shape)
    return round(float(np.mean(((hit > 0) & (p >= 0)).sum(axis=1) / n_rel)), 4)


def choose_fairness(
    snapshot: Snapshot,
    weights: Mapping[str, float] | None,
    *,
    since: str | None = None,
    learner: Mapping[str, Any] | None = None,
    k: int = 10,
    min_pairs: int = MIN_FAIR_PAIRS,
    max_cost: float = MAX_COST,
    max_n: int = FAIR_FIT_MAX_N,
) -> FairChoice:
    """The strongest level of `FAIR_LADDER` that keeps ``1 - max_cost`` of the held-out recall@k.

    ``since`` is the first day of the history window (default `history_split`, the weight
    learner's split). ``learner``: `WeightLearner` parameters; when given, the network before the
    window is ranked with the weights that learner fits on it (``weights`` are then not used), as
    the automatic engine would have ranked it. Deterministic (seeded samples, no other randomness).
    """
    from ._learn import WeightLearner, history_split, network_before
    from ._suggest import MatchingModel  # the engine imports this module's caller

    if snapshot.n > max_n:
        return FairChoice(reason=f"more than {max_n} organisations")
    since = since or history_split(snapshot)
    if since is None:
        return FairChoice(reason="too little dated history")
    before = network_before(snapshot, since)
    a, b = held_out_pairs(snapshot, before, since)
    if len(a) < min_pairs:
        return FairChoice(reason=f"fewer than {min_pairs} held-out pairs", pairs=len(a), split=since)
    if learner is not None:
        weights = WeightLearner(**learner).fit(before).weights_
    model = MatchingModel(weights, fair_level=0).fit(before)
    idx, raw = model._pools(k * model.pool)
    relevant = sp.csr_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(before.n, before.n))
    rows = np.unique(np.r_[a, b])
    n_rel = np.diff(relevant.indptr)[rows]
    demand = recent_demand(before)
    recall, ginis = [], []
    for setting in FAIR_LADDER:
        picked, _, report = rerank_capped(idx, raw, k, n_items=before.n, demand=demand, **setting.options())
        recall.append(_recall(picked, relevant, rows, n_rel))
        ginis.append(float(report["gini"]))
    ok = [lv for lv, r in enumerate(recall) if r >= (1.0 - max_cost) * recall[0] - 1e-12]
    level = max(ok)
    cost = round(1.0 - recall[level] / recall[0], 4) if recall[0] > 0 else 0.0
    return FairChoice(
        level=level,
        source="history",
        reason=f"strongest level within {max_cost:.0%} of the plain recall@{k}",
        pairs=len(a),
        split=since,
        recall=tuple(recall),
        gini=tuple(ginis),
        cost=cost,
    )
