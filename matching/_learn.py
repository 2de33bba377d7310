"""Learning the signal weights from outcomes (scikit-learn style estimator).

Order of sources:

1. ``outcomes``: at least ``min_outcomes`` labelled introductions (accepted / met / cooperating
   positive, declined negative) with both classes present: a logistic regression on the pairs'
   signal vectors.
2. ``history``: the newest ``history_share`` (20 %) of the dated cooperations -- a split taken from
   the data, never from the wall clock -- are positives, ``negatives`` random non-partner pairs per
   positive are negatives; the signals are computed on the network as it looked before the split
   (`network_before`: without those cooperations, and without the topics that only projects
   starting after the split gave an organisation).
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

from graph import Snapshot

from ._score import CONTENT_MASK, gate
from ._signals import CONTENT_SIGNALS, DEFAULT_WEIGHTS, SIGNALS, SignalData, signal_data

__all__ = [
    "NEGATIVE_STATUSES",
    "POSITIVE_STATUSES",
    "RankingLists",
    "WeightLearner",
    "coordinate_ascent",
    "history_split",
    "network_before",
    "ranking_lists",
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


def history_split(
    snapshot: Snapshot, *, share: float = 0.2, min_count: int = 10, days: int | None = None
) -> str | None:
    """The first day of the history window, taken from the dated cooperations themselves.

    The newest ``share`` of the cooperations with a ``since`` date (at least ``min_count`` of them;
    all cooperations from the chosen date on), or, with ``days``, the ``days`` before the newest
    ``since``. Never the wall clock, so a network whose newest cooperations are years old learns
    as well as a fresh one. ``None`` when fewer than ``min_count`` cooperations are dated or the
    window would hold all of them (nothing would be "before").

    >>> from graph import parse_network, build_snapshot
    >>> snap = build_snapshot(parse_network({"organisations": [
    ...     {"id": x, "name": x, "kind": "education"} for x in "abcd"], "cooperations": [
    ...     {"a": "a", "b": "b", "since": "2019-01-01"}, {"a": "b", "b": "c", "since": "2019-06-01"},
    ...     {"a": "c", "b": "d", "since": "2020-01-01"}, {"a": "a", "b": "d", "since": "2021-01-01"}]}))
    >>> history_split(snap, share=0.5, min_count=1), history_split(snap, days=400, min_count=1)
    ('2020-01-01', '2019-11-28')
    """
    dates = sorted(
        c.since[:10]
        for c in snapshot.network.cooperations
        if c.since and c.since[:10] <= snapshot.today and c.a in snapshot.index and c.b in snapshot.index
    )
    if len(dates) < max(1, min_count):
        return None
    if days is not None:
        since = (dt.date.fromisoformat(dates[-1]) - dt.timedelta(days=int(days))).isoformat()
    else:
        m = max(int(min_count), int(np.ceil(share * len(dates))))
        since = dates[max(0, len(dates) - m)]
    if since <= dates[0]:
        later = [d for d in dates if d > dates[0]]
        if not later:
            return None
        since = later[0]
    return since


def network_before(snapshot: Snapshot, since: str) -> Snapshot:
    """``snapshot`` as it was known before ``since``, as far as the data can tell.

    Cooperations that started on or after ``since`` are removed (`without_cooperations`), and so are
    the topics that an organisation holds only through projects that started on or after ``since``
    (a project's topics, start and members date them; topics without such evidence are kept, the
    store cannot date them). This keeps profile information derived from the later cooperations
    (CORDIS topics come from the very projects) out of the signals of the history pairs.
    """
    before = without_cooperations(snapshot, since)
    late: dict[int, set[int]] = {}
    early: dict[int, set[int]] = {}
    tindex = {t: k for k, t in enumerate(snapshot.topic_ids)}
    for p in snapshot.network.projects:
        if not p.start:
            continue
        target = late if p.start[:10] >= since else early
        cols = {tindex[t] for t in p.topics if t in tindex}
        for m in p.members:
            i = snapshot.index.get(m.org)
            if i is not None and cols:
                target.setdefault(i, set()).update(cols)
    drop = [(i, t) for i, ts in late.items() for t in ts - early.get(i, set())]
    if not drop:
        return before
    topics = snapshot.topics.tolil(copy=True)
    for i, t in drop:
        topics[i, t] = 0
    topics = sp.csr_matrix(topics)
    topics.eliminate_zeros()
    return dataclasses.replace(before, topics=topics)


def _nonneg_logistic(x: np.ndarray, y: np.ndarray, c: float, seed: int) -> np.ndarray:
    """Class-balanced L2 logistic regression with non-negative coefficients (free intercept).

    Minimises ``C * sum_i v_i log(1 + exp(-s_i (x_i w + b))) + |w|^2 / 2`` (``s_i = +-1``, ``v_i``
    balanced class weights, scikit-learn's objective) subject to ``w >= 0`` with L-BFGS-B: a
    signal that would get a negative weight gets 0. No scikit-learn: importing it took seconds,
    which a first page view would have waited for. ``seed`` is unused (the solver is deterministic).
    """
    from scipy.optimize import minimize

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    n, d = x.shape
    if n == 0 or len(set(y.tolist())) < 2:
        return np.zeros(d)
    sign = np.where(y > 0, 1.0, -1.0)
    n_pos = float((y > 0).sum())
    v = np.where(y > 0, n / (2.0 * n_pos), n / (2.0 * (n - n_pos)))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        m = sign * (x @ w + b)
        value = c * float(np.sum(v * np.logaddexp(0.0, -m))) + 0.5 * float(w @ w)
        g = -c * v * sign * (0.5 * (1.0 - np.tanh(0.5 * m)))  # d loss / d (x w + b), stable sigmoid(-m)
        return value, np.r_[x.T @ g + w, g.sum()]

    res = minimize(
        loss,
        np.zeros(d + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * d + [(None, None)],
        options={"maxiter": 1000},
    )
    coef = np.asarray(res.x[:d])
    coef[coef < 1e-8] = 0.0
    return coef


def _named(coef: np.ndarray) -> dict[str, float]:
    """``{signal: weight}`` in steps of 0.0001 that sum to 1 (largest remainders get the last steps)."""
    units = np.asarray(coef, dtype=np.float64) / float(np.sum(coef)) * 10_000
    q = np.floor(units).astype(np.int64)
    q[np.argsort(-(units - q), kind="stable")[: 10_000 - int(q.sum())]] += 1
    return {s: int(v) / 10_000 for s, v in zip(SIGNALS, q, strict=True)}


def _auc(score: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (ties count half), from ranks."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    s = score[order]
    _, first, counts = np.unique(s, return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return 0.5
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


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
        return RankingLists(
            self.x[rows], self.valid[rows], self.relevant[rows], self.n_relevant[rows], self.jitter[rows]
        )

    def scores(self, w: np.ndarray) -> np.ndarray:
        """The engine's score for the candidates (`matching._score`), ``-inf`` where no suggestion could be.

        The content and extra sums are one matrix product (this runs in the learner's inner loop),
        then `gate` applies the rule. ``alone=False``: the learner's weight vectors are not
        normalised (bridging may reach 1 beside content weights) and always keep a content weight,
        so bridging never counts alone here.
        """
        w = np.asarray(w, dtype=np.float32)
        split = np.stack([np.where(CONTENT_MASK, w, 0.0), np.where(CONTENT_MASK, 0.0, w)], axis=1)
        parts = self.x @ split.astype(np.float32)
        score = gate(parts[:, :, 0], parts[:, :, 1], alone=False)
        return np.where(self.valid & (score > 0), score + self.jitter, -np.inf)

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


def ranking_lists(
    sd: SignalData,
    coop: sp.csr_matrix,
    pos_r: np.ndarray,
    pos_c: np.ndarray,
    *,
    per_signal: int = 60,
    max_rows: int = 2000,
    seed: int = 0,
    max_cells: int = 4_000_000,
) -> RankingLists:
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
        blk = uniq[start : start + size]
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
        n_relevant[r0 : r0 + b] = n_rel
        r0 += b
    jitter = (rng.random((n_rows, width)) * 1e-6).astype(np.float32)
    return RankingLists(X, valid, relevant, n_relevant, jitter)


def coordinate_ascent(
    lists: RankingLists,
    start: np.ndarray,
    *,
    k: int = 10,
    rows: np.ndarray | None = None,
    steps: tuple[float, ...] = (1.0, 0.5, 0.25, 0.1),
    tol: float = 1e-4,
    max_passes: int = 20,
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
                    if v.sum() <= 0 or not (v[CONTENT_MASK] > 0).any():
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
    history_share : float
        History source: the newest share of the dated cooperations that count as "new" (default
        0.2; `history_split`).
    history_days : int or None
        Instead of ``history_share``: the days before the *newest* dated cooperation (not before
        today) that count as new.
    min_history : int
        New cooperations needed for the history source (default 10; also the window's minimum).
    max_pairs : int
        At most this many new pairs (a seeded sample) enter the history fit (bounds the cost).
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
    ascent_steps : tuple of float
        The relative steps of `coordinate_ascent` (fewer steps: a faster, coarser fit).
    min_gain : float
        Learned weights are used only when their cross-validated nDCG@10 (history) or AUC
        (outcomes) beats the default weights' on the same held-out folds by more than this
        relative margin; otherwise ``weights_`` are the defaults (``used_`` False).

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
    cv_score_, cv_default_ : float
        The fitted weights' and the default weights' score on the held-out folds (nDCG@10 of the
        ranking lists for history, AUC for outcomes; 0 when not measured).
    cv_gain_ : float
        ``cv_score_ / cv_default_ - 1`` (0 when not measured).
    used_ : bool
        Whether ``weights_`` are the learned weights (False: they did not beat the defaults on
        held-out data, or there was nothing to learn from).
    split_ : str or None
        First day of the history window (history source).
    """

    _BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0)

    def __init__(
        self,
        *,
        min_outcomes: int = 30,
        history_share: float = 0.2,
        history_days: int | None = None,
        min_history: int = 10,
        negatives: int = 5,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        random_state: int = 0,
        objective: str = "ndcg",
        folds: int = 5,
        per_signal: int = 60,
        max_rows: int = 2000,
        max_pairs: int = 20_000,
        min_gain: float = 0.0,
        ascent_steps: tuple[float, ...] = (1.0, 0.5, 0.25, 0.1),
    ) -> None:
        self.min_outcomes = min_outcomes
        self.history_share = history_share
        self.history_days = history_days
        self.min_history = min_history
        self.negatives = negatives
        self.C = C
        self.random_state = random_state
        self.objective = objective
        self.folds = folds
        self.per_signal = per_signal
        self.max_rows = max_rows
        self.max_pairs = max_pairs
        self.min_gain = min_gain
        self.ascent_steps = tuple(ascent_steps)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "min_outcomes",
                "history_share",
                "history_days",
                "min_history",
                "negatives",
                "C",
                "random_state",
                "objective",
                "folds",
                "per_signal",
                "max_rows",
                "max_pairs",
                "min_gain",
                "ascent_steps",
            )
        }

    def fit(self, snapshot: Snapshot, y: Any = None, *, history: Snapshot | None = None) -> WeightLearner:
        """Choose the source, fit, check against the defaults on held-out data, and return self.

        ``history``, optional, is the network as it was known at the start of the history window,
        *profiles included*. Without it the history source uses `network_before` the window: the
        newer cooperations removed, and the topics that only later projects gave an organisation.
        """
        if not isinstance(snapshot, Snapshot):
            raise TypeError("fit expects a graph.Snapshot")
        if self.min_outcomes < 1 or self.negatives < 1 or self.C <= 0:
            raise ValueError("min_outcomes and negatives must be >= 1 and C > 0")
        if self.objective not in {"ndcg", "logistic"} or self.folds < 2 or self.per_signal < 1 or self.max_rows < 1:
            raise ValueError("objective must be 'ndcg' or 'logistic', folds >= 2, per_signal and max_rows >= 1")
        if not 0 < self.history_share < 1 or self.max_pairs < 1:
            raise ValueError("history_share must lie between 0 and 1 and max_pairs be >= 1")
        self.cv_ndcg_: dict[float, float]
        self.n_lists_, self.blend_, self.cv_ndcg_ = 0, 0.0, {}
        self.cv_score_ = self.cv_default_ = self.cv_gain_ = 0.0
        self.split_: str | None = None
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
        used = False
        if source == "defaults":
            self.logistic_weights_ = dict(DEFAULT_WEIGHTS)
            self.n_samples_ = 0
        else:
            self.logistic_weights_ = _named(coef)
            self.n_samples_ = len(labels)
            if source == "history" and self.objective == "ndcg":
                assert before is not None and pos_r is not None and pos_c is not None  # set with source "history"
                coef = self._rank(before, pos_r, pos_c, coef / coef.sum())
            elif source == "outcomes":
                self._check_outcomes(x, labels)
            else:  # logistic history objective: judged on the ranking lists like the ascent
                assert before is not None and pos_r is not None and pos_c is not None
                self._check_lists(before, pos_r, pos_c, coef / coef.sum())
            used = (
                self.cv_default_ > 0 and self.cv_gain_ > self.min_gain or (self.cv_default_ == 0 and self.cv_score_ > 0)
            )
        if used:
            self.coef_ = coef
            self.weights_ = _named(coef)
        else:
            self.weights_ = dict(DEFAULT_WEIGHTS)
            self.coef_ = np.asarray([DEFAULT_WEIGHTS[s] for s in SIGNALS])
        self.used_ = used
        self.source_ = source
        return self

    def _folds(self, n: int) -> np.ndarray:
        return np.random.default_rng(self.random_state).permutation(n) % self.folds

    def _set_cv(self, score: float, default: float) -> None:
        self.cv_score_, self.cv_default_ = round(float(score), 6), round(float(default), 6)
        self.cv_gain_ = round(self.cv_score_ / self.cv_default_ - 1.0, 6) if self.cv_default_ > 0 else 0.0

    def _check_outcomes(self, x: np.ndarray, labels: np.ndarray) -> None:
        """Cross-validated AUC of the refitted logistic weights against the defaults' on the held-out folds."""
        fold = self._folds(len(labels))
        default = np.asarray([DEFAULT_WEIGHTS[s] for s in SIGNALS])
        got, base, n = 0.0, 0.0, 0
        for f in range(self.folds):
            train, test = fold != f, fold == f
            if len(set(labels[train].tolist())) < 2 or len(set(labels[test].tolist())) < 2:
                continue
            w = _nonneg_logistic(x[train], labels[train], self.C, self.random_state)
            got += _auc(x[test] @ w, labels[test]) * test.sum()
            base += _auc(x[test] @ default, labels[test]) * test.sum()
            n += test.sum()
        if n:
            self._set_cv(got / n, base / n)

    def _lists(self, before: Snapshot, pos_r: np.ndarray, pos_c: np.ndarray) -> RankingLists:
        sd = signal_data(before)  # cached: the logistic data of the same snapshot built it
        lists = ranking_lists(
            sd, before.coop, pos_r, pos_c, per_signal=self.per_signal, max_rows=self.max_rows, seed=self.random_state
        )
        self.n_lists_ = lists.n_rows
        return lists

    def _check_lists(self, before: Snapshot, pos_r: np.ndarray, pos_c: np.ndarray, w: np.ndarray) -> None:
        lists = self._lists(before, pos_r, pos_c)
        default = np.asarray([DEFAULT_WEIGHTS[s] for s in SIGNALS])
        if lists.n_rows:
            self._set_cv(lists.ndcg(w), lists.ndcg(default))

    def _rank(self, before: Snapshot, pos_r: np.ndarray, pos_c: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Coordinate ascent on nDCG@10 from ``start``, blended with it as cross-validation says.

        The same folds also score the default weights, so ``cv_gain_`` compares the chosen blend
        with the defaults on lists the fit did not see.
        """
        lists = self._lists(before, pos_r, pos_c)
        if lists.n_rows < 2 * self.folds:
            return start
        fold = self._folds(lists.n_rows)
        default = np.asarray([DEFAULT_WEIGHTS[s] for s in SIGNALS])
        gains = np.zeros(len(self._BLENDS))
        base = 0.0
        for f in range(self.folds):
            train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
            w, _ = coordinate_ascent(lists, start, rows=train, steps=self.ascent_steps)
            gains += [lists.ndcg(a * w + (1 - a) * start, rows=test) * len(test) for a in self._BLENDS]
            base += lists.ndcg(default, rows=test) * len(test)
        gains = np.round(gains / lists.n_rows, 6)
        self.cv_ndcg_ = {a: float(g) for a, g in zip(self._BLENDS, gains, strict=True)}
        best = int(np.argmax(gains))  # ties: the smaller move
        self.blend_ = float(self._BLENDS[best])
        self._set_cv(gains[best], base / lists.n_rows)
        if self.blend_ == 0:
            return start
        w, _ = coordinate_ascent(lists, start, steps=self.ascent_steps)
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
        """``(before, positive rows, positive cols)``: the new pairs of the window and the network before it.

        The window starts at `history_split` (the newest ``history_share`` of the dated cooperations,
        or ``history_days`` before the newest one); ``before`` is `network_before` that date, or
        ``history`` (the network as known then) when given.
        """
        since = history_split(snapshot, share=self.history_share, min_count=self.min_history, days=self.history_days)
        self.split_ = since
        if since is None:
            empty = np.zeros(0, dtype=np.int64)
            return snapshot, empty, empty
        before = without_cooperations(history, since) if history is not None else network_before(snapshot, since)
        index = before.index
        seen = set()
        new = []
        for c in snapshot.network.cooperations:
            key = (min(c.a, c.b), max(c.a, c.b))
            if (
                c.since
                and since <= c.since[:10] <= snapshot.today
                and c.a in index
                and c.b in index
                and c.a != c.b
                and key not in seen
                and not before.coop[index[c.a], index[c.b]]
            ):
                seen.add(key)
                new.append(c)
        if len(new) > self.max_pairs:  # bound the cost on large networks: a seeded sample
            pick = np.random.default_rng(self.random_state).choice(len(new), size=self.max_pairs, replace=False)
            new = [new[i] for i in np.sort(pick)]
        pos_r = np.asarray([index[c.a] for c in new], dtype=np.int64)
        pos_c = np.asarray([index[c.b] for c in new], dtype=np.int64)
        return before, pos_r, pos_c

    def _history_data(
        self,
        snapshot: Snapshot,
        history: Snapshot | None = None,
        pairs: tuple[Snapshot, np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        before, pos_r, pos_c = pairs if pairs is not None else self._history_pairs(snapshot, history)
        if len(pos_r) < self.min_history:
            return np.zeros((0, len(SIGNALS))), np.zeros(0)
        sd = signal_data(before)
        rng = np.random.default_rng(self.random_state)
        m = len(pos_r) * self.negatives
        neg_r = rng.integers(0, before.n, size=3 * m)
        neg_c = rng.integers(0, before.n, size=3 * m)
        new_pairs = sp.csr_matrix(
            (np.ones(2 * len(pos_r)), (np.r_[pos_r, pos_c], np.r_[pos_c, pos_r])), shape=(before.n, before.n)
        )
        ok = (
            (neg_r != neg_c)
            & (np.asarray(before.coop[neg_r, neg_c]).ravel() == 0)
            & (np.asarray(new_pairs[neg_r, neg_c]).ravel() == 0)
        )
        neg_r, neg_c = neg_r[ok][:m], neg_c[ok][:m]
        x = sd.pairs(np.concatenate([pos_r, neg_r]), np.concatenate([pos_c, neg_c])).astype(np.float64)
        y = np.concatenate([np.ones(len(pos_r)), np.zeros(len(neg_r))]).astype(np.int64)
        return x, y
