"""Learning the signal weights from outcomes (scikit-learn style estimator).

Order of sources:

1. ``outcomes``: at least ``min_outcomes`` labelled introductions (accepted / met / cooperating
   positive, declined negative) with both classes present: a logistic regression on the pairs'
   signal vectors.
2. ``history``: cooperations that started within ``history_days`` before ``snapshot.today`` are
   positives, ``negatives`` random non-partner pairs per positive are negatives; the signals are
   computed on the network *without* those cooperations (as it looked before they began).
3. ``defaults``: `DEFAULT_WEIGHTS`.

The weights are kept non-negative by refitting without the signals whose coefficient came out
negative (an active-set loop, at most one refit per signal), then normalised to sum 1.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> snap = build_snapshot(parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "education"}, {"id": "b", "name": "B", "kind": "education"}]}))
>>> learner = WeightLearner().fit(snap)
>>> learner.source_, learner.n_samples_, learner.weights_ == DEFAULT_WEIGHTS
('defaults', 0, True)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from graph import Snapshot

from ._signals import DEFAULT_WEIGHTS, SIGNALS, SignalData

__all__ = ["NEGATIVE_STATUSES", "POSITIVE_STATUSES", "WeightLearner", "without_cooperations"]

POSITIVE_STATUSES = frozenset({"accepted", "met", "cooperating"})
NEGATIVE_STATUSES = frozenset({"declined"})


def without_cooperations(snapshot: Snapshot, since: str) -> Snapshot:
    """A copy of ``snapshot`` as if no cooperation had started on or after ``since``.

    Organisations and their profiles stay; the cooperation matrix and ``network.cooperations`` lose
    the newer cooperations. ``generation`` becomes ``-1`` (a derived snapshot).
    """
    kept = [c for c in snapshot.network.cooperations if not (c.since and c.since >= since)]
    net = dataclasses.replace(snapshot.network, cooperations=kept)
    index = snapshot.index
    rows, cols = [], []
    for c in kept:
        if not c.active_on(snapshot.today):
            continue
        i, j = index.get(c.a), index.get(c.b)
        if i is None or j is None or i == j:
            continue
        rows += [i, j]
        cols += [j, i]
    coop = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(snapshot.n, snapshot.n))
    coop.data[:] = 1.0
    return dataclasses.replace(snapshot, network=net, coop=coop, generation=-1)


def _nonneg_logistic(x: np.ndarray, y: np.ndarray, c: float, seed: int) -> np.ndarray:
    active = list(range(x.shape[1]))
    coef = np.zeros(x.shape[1])
    while active:
        model = LogisticRegression(C=c, max_iter=1000, random_state=seed, class_weight="balanced")
        model.fit(x[:, active], y)
        w = model.coef_.ravel()
        if (w >= 0).all():
            coef[:] = 0.0
            coef[active] = w
            break
        active = [a for a, wa in zip(active, w, strict=True) if wa > 0]
    return coef


class WeightLearner:
    """Learn ``{signal: weight}`` from introduction outcomes, else from the network's history.

    Parameters
    ----------
    min_outcomes : int
        Labelled introductions needed before outcomes are used (default 30).
    history_days : int
        How far back cooperations count as "new" for the history source (default 730).
    min_history : int
        New cooperations needed for the history source (default 10).
    negatives : int
        Random non-partner pairs per positive in the history source.
    C : float
        Inverse regularisation strength of the logistic regression.
    random_state : int
        Seed for the negative sampling and the solver.

    Attributes
    ----------
    weights_ : dict
        ``{signal: weight}``, non-negative, summing to 1.
    source_ : str
        ``"outcomes"``, ``"history"`` or ``"defaults"``.
    n_samples_ : int
        Pairs the weights were fitted on (0 for the defaults).
    coef_ : numpy.ndarray
        The raw non-negative coefficients in `SIGNALS` order.
    """

    def __init__(
        self,
        *,
        min_outcomes: int = 30,
        history_days: int = 730,
        min_history: int = 10,
        negatives: int = 5,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        random_state: int = 0,
    ) -> None:
        self.min_outcomes = min_outcomes
        self.history_days = history_days
        self.min_history = min_history
        self.negatives = negatives
        self.C = C
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in
                ("min_outcomes", "history_days", "min_history", "negatives", "C", "random_state")}

    def fit(self, snapshot: Snapshot, y: Any = None, *, history: Snapshot | None = None) -> WeightLearner:
        """Choose the source, fit, and return self.

        ``history``, optional, is the network as it was known at the start of the history window
        (``snapshot.today - history_days``), *profiles included*. Without it the history source
        removes the newer cooperations from ``snapshot`` but keeps today's profiles, which leaks when
        profiles are derived from those cooperations (CORDIS topics come from the projects). With it,
        the signals of the history pairs are computed on ``history`` only (leak-free).
        """
        if not isinstance(snapshot, Snapshot):
            raise TypeError("fit expects a graph.Snapshot")
        if self.min_outcomes < 1 or self.negatives < 1 or self.C <= 0:
            raise ValueError("min_outcomes and negatives must be >= 1 and C > 0")
        x, labels = self._outcome_data(snapshot)
        source = "outcomes"
        if len(labels) < self.min_outcomes or len(set(labels.tolist())) < 2:
            x, labels = self._history_data(snapshot, history)
            source = "history"
            if int(labels.sum()) < self.min_history:
                x, labels = np.zeros((0, len(SIGNALS))), np.zeros(0)
                source = "defaults"
        coef = np.zeros(len(SIGNALS))
        if source != "defaults":
            coef = _nonneg_logistic(x, labels, self.C, self.random_state)
            if coef.sum() <= 0:
                source = "defaults"
        if source == "defaults":
            self.weights_ = dict(DEFAULT_WEIGHTS)
            self.coef_ = np.asarray([DEFAULT_WEIGHTS[s] for s in SIGNALS])
            self.n_samples_ = 0
        else:
            self.coef_ = coef
            total = coef.sum()
            self.weights_ = {s: round(float(w / total), 4) for s, w in zip(SIGNALS, coef, strict=True)}
            self.n_samples_ = len(labels)
        self.source_ = source
        return self

    def _outcome_data(self, snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        rows, cols, labels = [], [], []
        for intro in snapshot.network.introductions:
            i, j = snapshot.index.get(intro.a), snapshot.index.get(intro.b)
            if i is None or j is None or i == j:
                continue
            if intro.status in POSITIVE_STATUSES:
                labels.append(1)
            elif intro.status in NEGATIVE_STATUSES:
                labels.append(0)
            else:
                continue
            rows.append(i)
            cols.append(j)
        if not labels:
            return np.zeros((0, len(SIGNALS))), np.zeros(0)
        # a pair's own cooperation does not enter its signals (proximity counts common partners only)
        sd = SignalData.from_snapshot(snapshot)
        return sd.pairs(np.asarray(rows), np.asarray(cols)).astype(np.float64), np.asarray(labels, dtype=np.int64)

    def _history_data(self, snapshot: Snapshot, history: Snapshot | None = None) -> tuple[np.ndarray, np.ndarray]:
        today = dt.date.fromisoformat(snapshot.today[:10])
        since = (today - dt.timedelta(days=self.history_days)).isoformat()
        before = without_cooperations(history if history is not None else snapshot, since)
        index = before.index
        seen = set()
        new = []
        for c in snapshot.network.cooperations:
            key = (min(c.a, c.b), max(c.a, c.b))
            if (c.since and since <= c.since <= snapshot.today and c.a in index and c.b in index and c.a != c.b
                    and key not in seen and not before.coop[index[c.a], index[c.b]]):
                seen.add(key)
                new.append(c)
        if len(new) < self.min_history:
            return np.zeros((0, len(SIGNALS))), np.zeros(0)
        sd = SignalData.from_snapshot(before)
        pos_r = np.asarray([index[c.a] for c in new])
        pos_c = np.asarray([index[c.b] for c in new])
        rng = np.random.default_rng(self.random_state)
        m = len(new) * self.negatives
        neg_r = rng.integers(0, before.n, size=3 * m)
        neg_c = rng.integers(0, before.n, size=3 * m)
        new_pairs = sp.csr_matrix((np.ones(2 * len(new)), (np.r_[pos_r, pos_c], np.r_[pos_c, pos_r])),
                                  shape=(before.n, before.n))
        ok = ((neg_r != neg_c) & (np.asarray(before.coop[neg_r, neg_c]).ravel() == 0)
              & (np.asarray(new_pairs[neg_r, neg_c]).ravel() == 0))
        neg_r, neg_c = neg_r[ok][:m], neg_c[ok][:m]
        x = sd.pairs(np.concatenate([pos_r, neg_r]), np.concatenate([pos_c, neg_c])).astype(np.float64)
        y = np.concatenate([np.ones(len(pos_r)), np.zeros(len(neg_r))]).astype(np.int64)
        return x, y
