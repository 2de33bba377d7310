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

For the history source (``objective="ndcg"``, the default) the logistic weights are only the start:
a pointwise fit on random pairs does not ask what the engine is judged by, the order of each
organisation's own candidates. `ranking_lists` builds every training organisation's candidate list
(what the engine could suggest it before the window: best candidates by each signal, gated like the
engine) with its new partners marked, `coordinate_ascent` moves the weights to maximise the mean
nDCG@10 of those lists (a linear ranker, so the weights stay readable per signal), and a k-fold
cross-validation over organisations decides how far to move from the logistic start (0, 1/4, ...,
all the way), so that a small network does not overfit its few lists.

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

from ._signals import CONTENT_SIGNALS, DEFAULT_WEIGHTS, SIGNALS, SignalData, signal_data

__all__ = [
    "NEGATIVE_STATUSES", "POSITIVE_STATUSES", "RankingLists", "WeightLearner", "coordinate_ascent", "ranking_lists",
    "without_cooperations",
]

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


def _named(coef: np.ndarray) -> dict[str, float]:
    """``{signal: weight}`` in steps of 0.0001 that sum to 1 (largest remainders get the last steps)."""
    units = np.asarray(coef, dtype=np.float64) / float(np.sum(coef)) * 10_000
    q = np.floor(units).astype(np.int64)
    q[np.argsort(-(units - q), kind="stable")[: 10_000 - int(q.sum())]] += 1
    return {s: int(v) / 10_000 for s, v in zip(SIGNALS, q, strict=True)}


_CONTENT = np.asarray([s in CONTENT_SIGNALS for s in SIGNALS])
_DISCOUNT = 1.0 / np.log2(np.arange(2, 2 + 64))


@dataclasses.dataclass
class RankingLists:
    """Each training organisation's candidate list: what the ranking objective of the learner sees.

    ``x[r, c]`` are the signals of row ``r``'s ``c``-th candidate (padding has ``valid`` False),
    ``relevant[r, c]`` marks its new partners, ``n_relevant[r]`` counts all of them (also those the
    list cannot reach, like the evaluation), ``jitter`` breaks ties at random but reproducibly.
    """

    x: np.ndarray  # rows x width x signals, float32
    valid: np.ndarray  # rows x width, bool
    relevant: np.ndarray  # rows x width, bool
    n_relevant: np.ndarray  # rows
    jitter: np.ndarray  # rows x width, tiny

    @property
    def n_rows(self) -> int:
        return self.x.shape[0]

    def subset(self, rows: np.ndarray) -> RankingLists:
        """The lists of ``rows`` (repeats allowed), copied once."""
        return RankingLists(self.x[rows], self.valid[rows], self.relevant[rows], self.n_relevant[rows],
                            self.jitter[rows])

    def scores(self, w: np.ndarray) -> np.ndarray:
        """The engine's score for the candidates: content signals, extras only alongside content."""
        w = np.asarray(w, dtype=np.float32)
        parts = self.x @ np.stack([np.where(_CONTENT, w, 0.0), np.where(_CONTENT, 0.0, w)], axis=1).astype(np.float32)
        content = parts[:, :, 0]
        score = content + parts[:, :, 1]
        return np.where(self.valid & (content > 0) & (score > 0), score + self.jitter, -np.inf)

    def ndcg(self, w: np.ndarray, k: int = 10, rows: np.ndarray | None = None) -> float:
        """Mean binary nDCG@k over the rows (optionally a resample ``rows``) for weights ``w``."""
        if rows is not None:
            return self.subset(rows).ndcg(w, k)
        score = self.scores(w)
        relevant, n_rel = self.relevant, self.n_relevant
        k = min(k, score.shape[1], len(_DISCOUNT))
        if k <= 0 or not len(score):
            return 0.0
        top = np.argpartition(-score, k - 1, axis=1)[:, :k] if score.shape[1] > k else np.argsort(-score, axis=1)
        top_s = np.take_along_axis(score, top, axis=1)
        order = np.argsort(-top_s, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        hit = np.take_along_axis(relevant, top, axis=1) & np.isfinite(np.take_along_axis(top_s, order, axis=1))
        dcg = hit @ _DISCOUNT[:k]
        ideal = np.cumsum(_DISCOUNT[:k])[np.clip(n_rel, 1, k) - 1]
        return float(np.mean(np.where(n_rel > 0, dcg / ideal, 0.0)))


def ranking_lists(sd: SignalData, coop: sp.csr_matrix, pos_r: np.ndarray, pos_c: np.ndarray, *, per_signal: int = 60,
                  max_rows: int = 2000, seed: int = 0, max_cells: int = 4_000_000) -> RankingLists:
    """Candidate lists of the organisations with new partners (``pos_r[i]`` -- ``pos_c[i]``, both ways).

    A row's candidates are the organisations it could be suggested (not itself, not a partner in
    ``coop``, a positive content signal) -- of those, the best ``per_signal`` by each signal, plus its
    new partners. Rows are scored block-wise against everybody (``SignalData.block``); at most
    ``max_rows`` rows (a seeded sample) keep the cost bounded on large networks.
    """
    n = sd.n
    rows = np.r_[pos_r, pos_c].astype(np.int64)
    cols = np.r_[pos_c, pos_r].astype(np.int64)
    new = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    new.data[:] = 1.0
    blocked = sp.csr_matrix(coop + sp.identity(n, format="csr"), dtype=np.float32)
    uniq = np.unique(rows)
    rng = np.random.default_rng(seed)
    if len(uniq) > max_rows:
        uniq = np.sort(rng.choice(uniq, size=max_rows, replace=False))
    size = max(1, min(len(uniq), max_cells // max(n, 1)))
    parts = []  # per block: kept entries only (the dense block is dropped right away)
    for start in range(0, len(uniq), size):
        blk = uniq[start:start + size]
        sig = sd.block(blk)
        ok = np.zeros((len(blk), n), dtype=bool)
        for s in CONTENT_SIGNALS:
            ok |= sig[s] > 0
        bl = blocked[blk].tocoo()
        ok[bl.row, bl.col] = False
        rel = new[blk].toarray() > 0
        keep = rel.copy()
        m = min(per_signal, n)
        r_idx = np.arange(len(blk))[:, None]
        for s in SIGNALS:
            v = np.where(ok, sig[s], -1.0)
            top = np.argpartition(-v, m - 1, axis=1)[:, :m] if m < n else np.tile(np.arange(n), (len(blk), 1))
            keep[r_idx, top] |= np.take_along_axis(ok, top, axis=1)
        rr, cc = np.nonzero(keep)
        values = np.stack([np.asarray(sig[s][rr, cc], dtype=np.float32) for s in SIGNALS], axis=-1)
        parts.append((len(blk), rr, values, rel[rr, cc], keep.sum(axis=1), rel.sum(axis=1)))
        del sig, ok, keep, rel
    width = max(1, max((int(p[4].max()) for p in parts if len(p[4])), default=0))
    n_rows = sum(p[0] for p in parts)
    X = np.zeros((n_rows, width, len(SIGNALS)), dtype=np.float32)
    valid = np.zeros((n_rows, width), dtype=bool)
    relevant = np.zeros((n_rows, width), dtype=bool)
    n_relevant = np.zeros(n_rows, dtype=np.int64)
    r0 = 0
    for b, rr, values, rel_kept, counts, n_rel in parts:
        slot = np.arange(len(rr)) - np.repeat(np.cumsum(counts) - counts, counts)
        X[r0 + rr, slot] = values
        valid[r0 + rr, slot] = True
        relevant[r0 + rr, slot] = rel_kept
        n_relevant[r0:r0 + b] = n_rel
        r0 += b
    jitter = (rng.random((n_rows, width)) * 1e-6).astype(np.float32)
    return RankingLists(X, valid, relevant, n_relevant, jitter)


def coordinate_ascent(lists: RankingLists, start: np.ndarray, *, k: int = 10, rows: np.ndarray | None = None,
                      steps: tuple[float, ...] = (1.0, 0.5, 0.25, 0.1), tol: float = 1e-4, max_passes: int = 20
                      ) -> tuple[np.ndarray, float]:
    """Non-negative weights (sum 1) that maximise the lists' mean nDCG@k, from ``start``.

    Coordinate ascent on the simplex (Metzler & Croft, 2007): per signal, try scaling its weight up
    or down by each step, or dropping it; keep a move that raises nDCG@k by more than ``tol``. At
    least one content signal keeps a positive weight (extras are no reason on their own).
    """
    if rows is not None:
        lists = lists.subset(rows)
    w = np.asarray(start, dtype=np.float64).clip(0.0)
    w = w / w.sum()
    best = lists.ndcg(w, k)
    active = np.abs(lists.x).reshape(-1, lists.x.shape[-1]).max(axis=0, initial=0.0) > 0
    for step in steps:
        for _ in range(max_passes):
            moved = False
            for j in np.flatnonzero(active):
                for cand in (w[j] * (1 + step) if w[j] > 0 else step / len(w), w[j] / (1 + step), 0.0):
                    v = w.copy()
                    v[j] = cand
                    if v.sum() <= 0 or not (v[_CONTENT] > 0).any():
                        continue
                    v = v / v.sum()
                    score = lists.ndcg(v, k)
                    if score > best + tol:
                        w, best, moved = v, score, True
            if not moved:
                break
    return w, best


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
        Random non-partner pairs per positive for the logistic regression of the history source.
    C : float
        Inverse regularisation strength of the logistic regression.
    random_state : int
        Seed for the negative sampling, the solver, the folds and the tie-breaking.
    objective : {"ndcg", "logistic"}
        History source only. ``"logistic"``: the pointwise logistic regression on positives vs random
        pairs. ``"ndcg"`` (default): that regression is the starting point of a coordinate ascent
        that maximises nDCG@10 of the organisations' candidate lists (see `ranking_lists`), and
        ``folds``-fold cross-validation over organisations chooses how far to move from the start.
    folds : int
        Folds of that cross-validation (at least 2).
    per_signal : int
        A training organisation's candidate list holds its best ``per_signal`` candidates by each
        signal plus its new partners.
    max_rows : int
        At most this many organisations (a seeded sample) enter the ranking objective.

    Attributes
    ----------
    weights_ : dict
        ``{signal: weight}``, non-negative, summing to 1.
    source_ : str
        ``"outcomes"``, ``"history"`` or ``"defaults"``.
    n_samples_ : int
        Pairs the logistic regression was fitted on (0 for the defaults).
    coef_ : numpy.ndarray
        The non-negative weights in `SIGNALS` order before rounding (for the logistic objective its
        raw coefficients).
    logistic_weights_ : dict
        The logistic regression's weights, normalised (the ranking objective's starting point).
    n_lists_ : int
        Organisations in the ranking objective (0 unless it ran).
    blend_ : float
        Share of the ranking solution in the final weights, chosen by cross-validation
        (``0`` = the logistic weights, ``1`` = the coordinate ascent's).
    cv_ndcg_ : dict
        Cross-validated nDCG@10 per blend share tried.
    """

    _BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0)

    def __init__(
        self,
        *,
        min_outcomes: int = 30,
        history_days: int = 730,
        min_history: int = 10,
        negatives: int = 5,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        random_state: int = 0,
        objective: str = "ndcg",
        folds: int = 5,
        per_signal: int = 60,
        max_rows: int = 2000,
    ) -> None:
        self.min_outcomes = min_outcomes
        self.history_days = history_days
        self.min_history = min_history
        self.negatives = negatives
        self.C = C
        self.random_state = random_state
        self.objective = objective
        self.folds = folds
        self.per_signal = per_signal
        self.max_rows = max_rows

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in
                ("min_outcomes", "history_days", "min_history", "negatives", "C", "random_state", "objective",
                 "folds", "per_signal", "max_rows")}

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
        if self.objective not in {"ndcg", "logistic"} or self.folds < 2 or self.per_signal < 1 or self.max_rows < 1:
            raise ValueError("objective must be 'ndcg' or 'logistic', folds >= 2, per_signal and max_rows >= 1")
        self.n_lists_, self.blend_, self.cv_ndcg_ = 0, 0.0, {}
        x, labels = self._outcome_data(snapshot)
        source = "outcomes"
        before = pos_r = pos_c = None
        if len(labels) < self.min_outcomes or len(set(labels.tolist())) < 2:
            before, pos_r, pos_c = self._history_pairs(snapshot, history)
            x, labels = self._history_data(snapshot, history, (before, pos_r, pos_c))
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
            self.logistic_weights_ = dict(DEFAULT_WEIGHTS)
            self.n_samples_ = 0
        else:
            self.logistic_weights_ = _named(coef)
            if source == "history" and self.objective == "ndcg":
                coef = self._rank(before, pos_r, pos_c, coef / coef.sum())
            self.coef_ = coef
            self.weights_ = _named(coef)
            self.n_samples_ = len(labels)
        self.source_ = source
        return self

    def _rank(self, before: Snapshot, pos_r: np.ndarray, pos_c: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Coordinate ascent on nDCG@10 from ``start``, blended with it as cross-validation says."""
        sd = signal_data(before)  # cached: the logistic data of the same snapshot built it
        lists = ranking_lists(sd, before.coop, pos_r, pos_c, per_signal=self.per_signal, max_rows=self.max_rows,
                              seed=self.random_state)
        self.n_lists_ = lists.n_rows
        if lists.n_rows < 2 * self.folds:
            return start
        fold = np.random.default_rng(self.random_state).permutation(lists.n_rows) % self.folds
        gains = np.zeros(len(self._BLENDS))
        for f in range(self.folds):
            train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
            w, _ = coordinate_ascent(lists, start, rows=train)
            gains += [lists.ndcg(a * w + (1 - a) * start, rows=test) * len(test) for a in self._BLENDS]
        gains = np.round(gains / lists.n_rows, 6)
        self.cv_ndcg_ = {a: float(g) for a, g in zip(self._BLENDS, gains, strict=True)}
        self.blend_ = float(self._BLENDS[int(np.argmax(gains))])  # ties: the smaller move
        if self.blend_ == 0:
            return start
        w, _ = coordinate_ascent(lists, start)
        return self.blend_ * w + (1 - self.blend_) * start

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

    def _history_pairs(self, snapshot: Snapshot, history: Snapshot | None = None):
        """``(before, positive rows, positive cols)``: the new pairs of the window and the network before it."""
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
        pos_r = np.asarray([index[c.a] for c in new], dtype=np.int64)
        pos_c = np.asarray([index[c.b] for c in new], dtype=np.int64)
        return before, pos_r, pos_c

    def _history_data(self, snapshot: Snapshot, history: Snapshot | None = None,
                      pairs: tuple[Snapshot, np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        before, pos_r, pos_c = pairs if pairs is not None else self._history_pairs(snapshot, history)
        if len(pos_r) < self.min_history:
            return np.zeros((0, len(SIGNALS))), np.zeros(0)
        sd = signal_data(before)
        rng = np.random.default_rng(self.random_state)
        m = len(pos_r) * self.negatives
        neg_r = rng.integers(0, before.n, size=3 * m)
        neg_c = rng.integers(0, before.n, size=3 * m)
        new_pairs = sp.csr_matrix((np.ones(2 * len(pos_r)), (np.r_[pos_r, pos_c], np.r_[pos_c, pos_r])),
                                  shape=(before.n, before.n))
        ok = ((neg_r != neg_c) & (np.asarray(before.coop[neg_r, neg_c]).ravel() == 0)
              & (np.asarray(new_pairs[neg_r, neg_c]).ravel() == 0))
        neg_r, neg_c = neg_r[ok][:m], neg_c[ok][:m]
        x = sd.pairs(np.concatenate([pos_r, neg_r]), np.concatenate([pos_c, neg_c])).astype(np.float64)
        y = np.concatenate([np.ones(len(pos_r)), np.zeros(len(neg_r))]).astype(np.int64)
        return x, y
