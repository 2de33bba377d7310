"""Partner suggestions with reasons: the fitted `MatchingModel` and the `suggest` functions.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> net = parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "migrant_organisation", "topics": ["homework_help"],
...      "needs": ["rooms"]},
...     {"id": "b", "name": "B", "kind": "education", "topics": ["homework_help"], "offers": ["rooms"]},
...     {"id": "c", "name": "C", "kind": "education", "topics": ["sport"]}]})
>>> snap = build_snapshot(net, today="2025-01-01")
>>> best = suggest(snap, "a", k=3)[0]
>>> best.partner, [r["kind"] for r in best.reasons]
('b', ['shared_topics', 'they_offer_what_you_need'])
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from graph import NotFoundError, Snapshot

from ._batch import batch_parts, no_gc
from ._blocks import rank_block
from ._candidates import CandidateIndex, PairScorer, build_index, candidate_top_m
from ._dense import DenseScorer
from ._fairness import FAIR_LADDER, FairSetting, exposure_factor, recent_demand, rerank_capped
from ._score import combine, contributions
from ._signals import SIGNALS, check_weights, signal_data

__all__ = [
    "HINT_FIELDS",
    "MatchingModel",
    "Suggestion",
    "hints",
    "matching_model",
    "suggest",
    "suggest_all",
    "suggest_many",
    "suggestions_json",
]

#: Profile fields that feed the signals; `hints` names the empty ones.
HINT_FIELDS: tuple[str, ...] = ("topics", "offers", "needs", "districts", "languages")
_MET_STATUSES = frozenset({"met", "cooperating"})
_MAX_LISTED = 5  # at most this many ids per reason (topics, partners, ...)
MAX_REASONS = 4  # reasons shown per suggestion, strongest first
MIN_REASON_SHARE = 0.1  # a part below this share of the score is filler, not a reason
COMMON_SHARE = 0.5  # a trait that more than this share of all organisations would share with the row does not separate
#: Below this many pairs `batch_parts` costs more than it saves (one `suggest`: 6 ms vs 3 ms).
_BATCH_MIN = 256
#: `MatchingModel(method="auto")` scores all pairs exactly up to this many organisations: the fused
#: dense path (`matching._dense`) costs about 4 ns of CPU per pair, ~36 s CPU (~20 s wall on 2 idle
#: cores) at 100 000, with recall 1; the candidate path is cheaper there but approximate.
EXACT_MAX_N = 100_000


@dataclass
class Suggestion:
    """One suggested partner: ``score`` is the weighted sum of all named parts.

    ``reasons`` are the parts worth saying, strongest first: at most `MAX_REASONS`, none below
    `MIN_REASON_SHARE` of the score, and no trait that most organisations would share with this one
    (see `MatchingModel.reasons`); when nothing is dropped their weights sum to ``score``.
    ``rank_score`` is the score after the fair-exposure discount that decided the order.
    """

    partner: str
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)
    already_met: bool = False
    rank_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "score": self.score,
            "already_met": self.already_met,
            "reasons": [dict(r) for r in self.reasons],
        }


def _pair_matrix(pairs: list[tuple[int, int]], n: int) -> sp.csr_matrix:
    if not pairs:
        return sp.csr_matrix((n, n), dtype=np.float32)
    a = np.asarray([p[0] for p in pairs] + [p[1] for p in pairs], dtype=np.int64)
    b = np.asarray([p[1] for p in pairs] + [p[0] for p in pairs], dtype=np.int64)
    m = sp.csr_matrix((np.ones(len(a), dtype=np.float32), (a, b)), shape=(n, n))
    m.data[:] = 1.0
    return m


class MatchingModel:
    """Everything `suggest` needs, precomputed once per snapshot.

    Parameters
    ----------
    weights : dict, optional
        ``{signal: weight}``; normalised to sum 1. Defaults to `DEFAULT_WEIGHTS`.
    exclude_declined_days : int or None
        Introductions declined within this many days before ``snapshot.today`` (or undated) are
        never suggested again. ``None`` keeps every declined pair out for good, ``0`` none.
    fairness : float
        Strength of the single-list exposure discount of `suggest` (0 switches fairness off).
    fair_level : int or None
        The strength of the fair re-ranking of `top_k_all`, a level of `matching.FAIR_LADDER` (0 =
        none). ``None`` (default): chosen from the data (`matching.fair_choice`: the strongest level
        that keeps 95 % of the plain lists' recall@10 on the network's own held-out history, fitted
        once per data generation with the weights). `top_k_all` re-ranks only as far as needed to
        bring the exposure Gini of all lists to the level's target: plain lists that already meet it
        are kept; otherwise over-exposed partners are swapped for candidates within a growing score
        tolerance (`matching.rerank_capped`); an organisation may keep the exposure its share of the
        recent new cooperations calls for (`matching.recent_demand`).
    gini_target, min_quality : float or None
        Override the level's Gini target and its bound on the summed score (a re-ranking keeps no
        less than ``min_quality`` of the plain lists' summed match score; when neither this nor the
        tolerance lets it reach the target, the bound wins and ``fair_report_`` says so).
    pool : int
        The fair re-ranking chooses among ``pool * k`` best candidates of each organisation.
    one_way, proximity_scale, community_seed
        Passed to `SignalData.from_snapshot`.
    block_size : int, optional
        Rows per work item of `top_k_all` (default: 2 000 for candidates; for the exact path about
        16 items per thread, each scored in tiles of `matching._dense.TILE_CELLS` cells).
    n_jobs : int
        Threads used by `top_k_all`.
    method : {"auto", "exact", "candidates"}
        How `top_k_all` finds each row's best columns: ``"exact"`` scores all pairs in cache-sized
        dense row tiles (O(n^2), fused: see `matching._dense`); ``"candidates"`` scores only
        candidates from capped posting lists and two-hop neighbours exactly (see
        `matching._candidates`); ``"auto"`` uses ``"exact"`` up to `EXACT_MAX_N` organisations.
        Single-organisation `suggest` is always exact.
    cap : int
        Length of each capped posting list of the candidate path.

    Attributes
    ----------
    snapshot_, weights_, signals_, blocked_, met_, exposure_factor_, method_, fair_setting_

    Example
    -------
    >>> from graph import parse_network, build_snapshot
    >>> snap = build_snapshot(parse_network({"organisations": [
    ...     {"id": "a", "name": "A", "kind": "education", "districts": ["lennep"]},
    ...     {"id": "b", "name": "B", "kind": "education", "districts": ["lennep"]}]}))
    >>> model = MatchingModel().fit(snap)
    >>> [s.partner for s in model.suggest("a")], model.hints("a")
    (['b'], ['topics', 'offers', 'needs', 'languages'])
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        *,
        exclude_declined_days: int | None = 365,
        fairness: float = 1.0,
        fair_level: int | None = None,
        gini_target: float | None = None,
        min_quality: float | None = None,
        pool: int = 5,
        one_way: float = 0.5,
        proximity_scale: float = 1.0,
        community_seed: int = 0,
        block_size: int | None = None,
        n_jobs: int = 2,
        method: str = "auto",
        cap: int = 30,
    ) -> None:
        self.weights = weights
        self.exclude_declined_days = exclude_declined_days
        self.fairness = fairness
        self.fair_level = fair_level
        self.gini_target = gini_target
        self.min_quality = min_quality
        self.pool = pool
        self.one_way = one_way
        self.proximity_scale = proximity_scale
        self.community_seed = community_seed
        self.block_size = block_size
        self.n_jobs = n_jobs
        self.method = method
        self.cap = cap

    # -- fitting ------------------------------------------------------------
    def fit(self, snapshot: Snapshot) -> MatchingModel:
        """Precompute the signal matrices, exclusions and exposure forecast; return self."""
        if not isinstance(snapshot, Snapshot):
            raise TypeError("fit expects a graph.Snapshot")
        if self.fairness < 0 or self.pool < 1:
            raise ValueError("fairness must be >= 0 and pool >= 1")
        if any(x is not None and not 0 <= x <= 1 for x in (self.gini_target, self.min_quality)):
            raise ValueError("gini_target and min_quality must lie between 0 and 1")
        if self.fair_level is not None and not 0 <= self.fair_level < len(FAIR_LADDER):
            raise ValueError(f"fair_level must be None or 0 ... {len(FAIR_LADDER) - 1}")
        if self.method not in {"auto", "exact", "candidates"} or self.cap < 1:
            raise ValueError("method must be 'auto', 'exact' or 'candidates' and cap >= 1")
        self.weights_ = check_weights(self.weights)
        self.snapshot_ = snapshot
        self.method_ = (
            self.method if self.method != "auto" else ("exact" if snapshot.n <= EXACT_MAX_N else "candidates")
        )
        self.signals_ = signal_data(
            snapshot, one_way=self.one_way, proximity_scale=self.proximity_scale, community_seed=self.community_seed
        )
        n = snapshot.n
        index = snapshot.index
        declined, met, introduced = [], [], []
        cutoff: dt.date | str | None
        cutoff = None
        if self.exclude_declined_days is not None:
            cutoff = dt.date.fromisoformat(snapshot.today[:10]) - dt.timedelta(days=self.exclude_declined_days)
            cutoff = cutoff.isoformat()
        for intro in snapshot.network.introductions:
            i, j = index.get(intro.a), index.get(intro.b)
            if i is None or j is None or i == j:
                continue
            introduced.append((i, j))
            if intro.status == "declined" and (cutoff is None or intro.at is None or intro.at >= cutoff):
                if self.exclude_declined_days != 0:
                    declined.append((i, j))
            if intro.status in _MET_STATUSES:
                met.append((i, j))
        # introduced pairs that sat in the same meeting have met, too
        if introduced and snapshot.network.meetings:
            rows, cols = [], []
            for m_i, meeting in enumerate(snapshot.network.meetings):
                for org in meeting.attendance:
                    if org in index:
                        rows.append(index[org])
                        cols.append(m_i)
            shape = (n, len(snapshot.network.meetings))
            att = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
            together = _pair_matrix(introduced, n).multiply(att @ att.T)
            r, c = sp.triu(together, k=1).nonzero()
            met.extend(zip(r.tolist(), c.tolist(), strict=True))
        blocked = _pair_matrix(declined, n) + self.signals_.adj + sp.identity(n, dtype=np.float32, format="csr")
        blocked.data[:] = 1.0
        self.blocked_ = blocked.tocsr()
        self.met_ = _pair_matrix(met, n)
        self._met_pairs = set(met) | {(b, a) for a, b in met}
        self.popularity_ = self.signals_.popularity(self.weights_)
        self.exposure_factor_ = exposure_factor(self.popularity_, self.fairness)
        self._w = np.asarray([self.weights_[s] for s in SIGNALS], dtype=np.float32)
        for name in ("_candidate_parts", "dense_", "fair_setting_"):
            self.__dict__.pop(name, None)
        return self

    @cached_property
    def fair_setting_(self) -> FairSetting:
        """The re-ranking strength in use: ``fair_level``, else the level chosen from the data.

        The choice (`matching.fair_choice`) is made once per snapshot and weights, with the fitted
        weights when they are these, on first use (single-organisation `suggest` never needs it).
        """
        self._check()
        level = self.fair_level
        if level is None:
            from ._auto import fair_choice  # the choice ranks the network before its history: this engine

            level = fair_choice(self.snapshot_, self.weights_).level
        setting = FAIR_LADDER[level]
        return replace(
            setting,
            gini_target=setting.gini_target if self.gini_target is None else self.gini_target,
            min_quality=setting.min_quality if self.min_quality is None else self.min_quality,
        )

    @cached_property
    def dense_(self) -> DenseScorer:
        """The fused exact scorer (`matching._dense`), built on first use."""
        return DenseScorer(self.signals_, self.weights_, self.blocked_)

    @cached_property
    def _candidate_parts(self) -> tuple[CandidateIndex, PairScorer]:
        """Posting lists (ties broken by the exposure forecast) and the pair scorer, built on first use."""
        return build_index(self.signals_, self.popularity_, cap=self.cap), PairScorer(self.signals_)

    def _check(self) -> None:
        if not hasattr(self, "weights_"):
            raise RuntimeError("call fit(snapshot) first")

    def _row(self, org_id: str) -> int:
        self._check()
        i = self.snapshot_.index.get(org_id)
        if i is None:
            raise NotFoundError("organisation", org_id)
        return i

    # -- scoring ------------------------------------------------------------
    def score_block(self, rows: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of ``rows`` against everybody (``-1`` where a pair may not be suggested) and the signals.

        The score rule is `matching._score.combine`: a pair needs a positive content signal (activity
        counts; bridging alone does not) to get a positive score.
        This is the readable reference (one dense matrix per signal); the exact path and `suggest`
        use the fused `DenseScorer` (``self.dense_``), which the tests compare with it.
        """
        self._check()
        rows = np.asarray(rows, dtype=np.int64)
        sig = self.signals_.block(rows)
        score = combine(sig, self.weights_)
        blk = self.blocked_[rows].tocoo()
        score[blk.row, blk.col] = -1.0
        return score, sig

    def _pool_block(self, rows: np.ndarray, m: int, discount: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``m`` columns of ``rows`` (``-1`` padded) and their scores, scored exactly (`DenseScorer`)."""
        self._check()
        return self.dense_.top_m(rows, m, discount)

    def _candidate_block(self, rows: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        index, scorer = self._candidate_parts
        return candidate_top_m(self.signals_, index, scorer, self.blocked_, self.weights_, rows, m)

    def _blocks(self) -> list[np.ndarray]:
        n = self.snapshot_.n
        if self.method_ == "candidates":
            size = self.block_size or max(1, min(n, 2_000))
            return [np.arange(s, min(n, s + size)) for s in range(0, n, size)]
        # exact: rows grouped by (kind, community) for `DenseScorer`, in about 16 work items per thread
        order = self.dense_.row_order()
        tile = self.dense_.tile_rows()
        size = self.block_size or max(tile, -(-n // (16 * max(self.n_jobs, 1) * tile)) * tile)
        return [order[s : s + size] for s in range(0, n, size)]

    def top_k_all(
        self,
        k: int = 10,
        *,
        fair: bool = True,
        fairness: float | None = None,
        seed: int = 0,
        progress: Callable[[int], None] | None = None,
        runner: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` column indices (``-1`` padded) and match scores for every organisation.

        ``progress(rows)`` is called (in the calling thread) as row blocks are ranked. A
        `matching._blocks.Runner` (started with ``{"model": self}``) ranks the blocks instead of
        the ``n_jobs`` threads: in other processes or on a Dask cluster, with the same result.
        """
        self._check()
        strength = self.fairness if fairness is None else fairness
        fair = fair and strength > 0
        idx, raw = self._pools(k * self.pool if fair else k, progress, runner)
        if not fair:
            return idx[:, :k], raw[:, :k]
        return self._rerank(idx, raw, k, strength, seed)

    def _pools(
        self, m: int, progress: Callable[[int], None] | None = None, runner: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every row's best ``m`` columns (``-1`` padded) and scores, best first, in row order."""
        blocks = self._blocks()
        if self.method_ == "candidates":
            self._candidate_parts  # noqa: B018 - build once, before the threads start

            def work(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return self._candidate_block(rows, m)
        else:
            self.dense_  # noqa: B018 - build once, before the threads start

            def work(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return self._pool_block(rows, m, None)

        parts = []
        if runner is not None:
            for rows, part in zip(blocks, runner.map(rank_block, [(rows, m) for rows in blocks]), strict=True):
                parts.append(part)
                if progress is not None:
                    progress(len(rows))
        elif self.n_jobs > 1 and len(blocks) > 1:
            with ThreadPoolExecutor(self.n_jobs) as ex:
                for rows, part in zip(blocks, ex.map(work, blocks), strict=True):
                    parts.append(part)
                    if progress is not None:
                        progress(len(rows))
        else:
            for rows in blocks:
                parts.append(work(rows))
                if progress is not None:
                    progress(len(rows))
        idx = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, m), np.int64)
        raw = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, m))
        order = np.concatenate(blocks) if blocks else np.zeros(0, np.int64)
        if not np.array_equal(order, np.arange(len(order))):  # back to row order
            idx[order], raw[order] = idx.copy(), raw.copy()
        return idx, raw

    def _rerank(
        self, idx: np.ndarray, raw: np.ndarray, k: int, strength: float, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The fair re-ranking (`rerank_capped`) at the strength of ``fair_setting_``."""
        setting = self.fair_setting_
        picked, scores, report = rerank_capped(
            idx, raw, k, n_items=self.snapshot_.n, demand=recent_demand(self.snapshot_), **setting.options()
        )
        self.fair_report_ = {**report, "setting": setting.options()}
        return picked, scores

    # -- public API ---------------------------------------------------------
    def suggest(self, org_id: str, k: int = 10, *, fair: bool = True) -> list[Suggestion]:
        """Up to ``k`` suggestions for ``org_id`` with reasons (raises `NotFoundError`)."""
        i = self._row(org_id)
        discount = self.exposure_factor_ if fair and self.fairness > 0 else None
        idx, raw = self._pool_block(np.asarray([i]), k, discount)
        cols = idx[0][idx[0] >= 0]
        return self._suggestions(i, cols, raw[0][: len(cols)], discount)

    def suggest_many(
        self, org_ids: Sequence[str], k: int = 10, *, fair: bool = True
    ) -> dict[str, Sequence[Suggestion]]:
        """`suggest` for several organisations at once: the same lists, ranked in one block.

        Each list equals ``suggest(org_id, k, fair=fair)``: every organisation is ranked on its own
        (the exposure forecast, not the greedy re-ranking of `suggest_all`), but the scores and the
        signals of the chosen pairs are computed for the whole block, which costs a fraction of one
        call per organisation. The lists are lazy sequences: a suggestion's reasons are built when it
        is first read, so reading the first 5 of a list of 20 costs a quarter (used to fill caches).
        """
        rows = np.asarray([self._row(o) for o in org_ids], dtype=np.int64)
        if len(rows) == 0:
            return {}
        discount = self.exposure_factor_ if fair and self.fairness > 0 else None
        idx, _ = self._pool_block(rows, k, discount)
        ok = idx >= 0
        counts = ok.sum(axis=1)
        r_local = np.nonzero(ok)[0]
        cols = idx[ok]
        sig = self.signals_.pairs(rows[r_local], cols)
        disc = discount[cols] if discount is not None else None
        out: dict[str, Sequence[Suggestion]] = {}
        start = 0
        for org_id, i, cnt in zip(org_ids, rows.tolist(), counts.tolist(), strict=True):
            part = slice(start, start + cnt)
            out[org_id] = _LazySuggestions(self, i, cols[part], sig[part], None if disc is None else disc[part])
            start += cnt
        return out

    def suggest_all(
        self, k: int = 10, *, fair: bool = True, fairness: float | None = None, seed: int = 0
    ) -> dict[str, list[Suggestion]]:
        """Suggestions for every organisation, re-ranked for fair exposure when ``fair``."""
        return dict(self.iter_all(k, fair=fair, fairness=fairness, seed=seed))

    def iter_all(
        self,
        k: int = 10,
        *,
        fair: bool = True,
        fairness: float | None = None,
        seed: int = 0,
        block: int = 20_000,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[str, list[Suggestion]]]:
        """``(org_id, suggestions)`` for every organisation in row order: `suggest_all`, streamed.

        The ranking (`top_k_all`) runs first; the suggestions with their reasons are then built
        ``block`` organisations at a time (`matching._batch`), so memory stays bounded by a block.
        ``progress(rows)`` is called as rows are ranked and again as their suggestions are built
        (``2 n`` in all).
        """
        picked, _ = self.top_k_all(k, fair=fair, fairness=fairness, seed=seed, progress=progress)
        ids = self.snapshot_.org_ids
        width = picked.shape[1]
        for start in range(0, len(ids), block):
            stop = min(len(ids), start + block)
            rows = np.repeat(np.arange(start, stop), width)
            cols = picked[start:stop].ravel()
            ok = cols >= 0
            made = self._make_many(rows[ok], cols[ok], None)
            counts = ok.reshape(stop - start, width).sum(axis=1).tolist()
            pos = 0
            for i, cnt in zip(range(start, stop), counts, strict=True):
                yield ids[i], made[pos : pos + cnt]
                pos += cnt
            if progress is not None:
                progress(stop - start)

    def _suggestions(self, i: int, cols: np.ndarray, raw: np.ndarray, discount: np.ndarray | None) -> list[Suggestion]:
        return self._make_many(np.full(len(cols), i), cols, discount)

    def _make_many(
        self, rows: np.ndarray, cols: np.ndarray, discount: np.ndarray | None, sig: np.ndarray | None = None
    ) -> list[Suggestion]:
        """`_make` for arrays of pairs (``discount`` indexed by column), parts from `batch_parts`."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        if sig is None:
            sig = self.signals_.pairs(rows, cols)
        parts = None
        if len(rows) >= _BATCH_MIN:
            parts = batch_parts(self.snapshot_, self.signals_, self.weights_, rows, cols, sig)
        if parts is None:  # few pairs (one list), or a signal set the batch does not know: pair by pair
            parts = [
                self.reasons(i, j, vec, all_parts=True)
                for i, j, vec in zip(rows.tolist(), cols.tolist(), sig, strict=True)
            ]
        ids, met, worth = self.snapshot_.org_ids, self._met_pairs, self._worth_saying
        disc = discount[cols].tolist() if discount is not None else None
        out = []
        with no_gc():
            for p, (i, j, pp) in enumerate(zip(rows.tolist(), cols.tolist(), parts, strict=True)):
                score = round(sum(r["weight"] for r in pp), 4)
                out.append(
                    Suggestion(
                        partner=ids[j],
                        score=score,
                        reasons=worth(i, j, pp),
                        already_met=(i, j) in met,
                        rank_score=round(score * disc[p], 4) if disc is not None else score,
                    )
                )
        return out

    def _make(self, i: int, j: int, vec: np.ndarray, discount: float | None) -> Suggestion:
        parts = self.reasons(i, j, vec, all_parts=True)
        score = round(sum(r["weight"] for r in parts), 4)
        reasons = self._worth_saying(i, j, parts)
        return Suggestion(
            partner=self.snapshot_.org_ids[j],
            score=score,
            reasons=reasons,
            already_met=(i, j) in self._met_pairs,
            rank_score=round(score * discount, 4) if discount is not None else score,
        )

    def pair_signals(self, a: list[str], b: list[str]) -> np.ndarray:
        """Signal vectors (``len(a) x len(SIGNALS)``) of the pairs ``zip(a, b)``."""
        rows = np.asarray([self._row(x) for x in a], dtype=np.int64)
        cols = np.asarray([self._row(x) for x in b], dtype=np.int64)
        return self.signals_.pairs(rows, cols)

    @cached_property
    def _lists(self) -> dict[str, Any]:
        """Per-row column lists (and need weights) as Python lists: reasons need no sparse indexing."""
        snap, sd = self.snapshot_, self.signals_

        def rows(m: sp.csr_matrix) -> list[list[Any]]:
            return [x.tolist() for x in np.split(m.indices, m.indptr[1:-1])] if m.shape[0] else []

        def weights(m: sp.csr_matrix) -> list[list[Any]]:
            return [x.tolist() for x in np.split(m.data, m.indptr[1:-1])] if m.shape[0] else []

        return {
            "topics": rows(snap.topics),
            "offers": rows(snap.offers),
            "needs": rows(sd.needs_n),
            "needs_w": weights(sd.needs_n),
            "urgency": weights(snap.needs),
            "urgency_of": rows(snap.needs),
            "adj": rows(sd.adj),
            "districts": rows(snap.districts),
            "languages": rows(snap.languages),
            "topic_idf": sd.topic_idf.tolist(),
            "aa_weight": sd.aa_weight.tolist(),
            "language_weight": sd.language_weight.tolist(),
            "district_share": (np.asarray(snap.districts.astype(bool).sum(axis=0)).ravel() / max(snap.n, 1)).tolist(),
            "language_share": (np.asarray(snap.languages.astype(bool).sum(axis=0)).ravel() / max(snap.n, 1)).tolist(),
            "mo_share": float(np.mean(sd.is_mo)) if snap.n else 0.0,
            "district_pos": {d: p for p, d in reversed(list(enumerate(snap.district_ids)))},
            "language_pos": {x: p for p, x in reversed(list(enumerate(snap.language_ids)))},
            "community_size": np.bincount(sd.community[sd.community >= 0], minlength=1).tolist(),
        }

    def reasons(
        self, i: int, j: int, vec: np.ndarray | None = None, *, all_parts: bool = False
    ) -> list[dict[str, Any]]:
        """Structured reasons (ids and numbers only) why column ``j`` suits row ``i``.

        Every named part of the score with ``all_parts``; else only those worth saying
        (`_worth_saying`).
        """
        snap, sd, w, lists = self.snapshot_, self.signals_, self.weights_, self._lists
        if vec is None:
            vec = sd.pairs(np.asarray([i]), np.asarray([j]))[0]
        # the named contributions of the score rule (`matching._score`): the parts below split them
        # (complementarity by direction, bridging by its two halves) and name what they share
        part = contributions(vec, w)
        out: list[dict[str, Any]] = []

        def add(kind: str, weight: float, **extra: Any) -> None:
            if weight > 0:
                out.append({"kind": kind, "weight": round(weight, 4), **extra})

        def shared(name: str, by: str | None = None) -> list[int]:
            """Columns in both rows' lists, ascending, then by descending ``lists[by]`` (stable)."""
            common = sorted(set(lists[name][i]).intersection(lists[name][j]))
            if by is not None:
                weight = lists[by]
                common.sort(key=lambda x: -weight[x])
            return common

        if part["topics"] > 0:
            common = shared("topics", "topic_idf")
            add("shared_topics", part["topics"], topics=[snap.topic_ids[t] for t in common[:_MAX_LISTED]])
        if part["complementarity"] > 0:
            need_i = dict(zip(lists["needs"][i], lists["needs_w"][i], strict=True))
            need_j = dict(zip(lists["needs"][j], lists["needs_w"][j], strict=True))
            urg_i = dict(zip(lists["urgency_of"][i], lists["urgency"][i], strict=True))
            they = sorted(set(need_i).intersection(lists["offers"][j]), key=lambda c: (-urg_i[c], c))
            you = sorted(set(need_j).intersection(lists["offers"][i]), key=lambda c: (-need_j[c], c))
            a = sum(need_i[c] for c in they)
            b = sum(need_j[c] for c in you)
            total = part["complementarity"]
            if a > 0:
                add(
                    "they_offer_what_you_need",
                    total * a / (a + b),
                    capabilities=[snap.capability_ids[c] for c in they[:_MAX_LISTED]],
                )
            if b > 0:
                add(
                    "you_offer_what_they_need",
                    total * b / (a + b),
                    capabilities=[snap.capability_ids[c] for c in you[:_MAX_LISTED]],
                )
        if part["proximity"] > 0:
            common = shared("adj", "aa_weight")
            add(
                "common_partner",
                part["proximity"],
                partners=[snap.org_ids[z] for z in common[:_MAX_LISTED]],
            )
        if part["district"] > 0:
            add(
                "same_district",
                part["district"],
                districts=[snap.district_ids[d] for d in shared("districts")],
            )
        if part["language"] > 0:
            lw = lists["language_weight"]
            common = [x for x in shared("languages", "language_weight") if lw[x] > 0]
            add("shared_language", part["language"], languages=[snap.language_ids[x] for x in common])
        if part["bridging"] > 0:  # the rule already dropped it where no content signal is positive
            if sd.is_mo[i] != sd.is_mo[j]:
                add("bridge_mo_institution", w["bridging"] * 0.5)
            ci, cj = sd.community[i], sd.community[j]
            if ci >= 0 and cj >= 0 and ci != cj:
                add("bridge_communities", w["bridging"] * 0.5)
        if part["activity"] > 0:
            add("active_partner", part["activity"])
        out.sort(key=lambda r: -r["weight"])
        return out if all_parts else self._worth_saying(i, j, out)

    def _worth_saying(self, i: int, j: int, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The parts that tell this partner apart, strongest first, at most `MAX_REASONS`.

        Dropped: parts below `MIN_REASON_SHARE` of the score, and traits that more than
        `COMMON_SHARE` of all organisations would share with the row (German spoken by nearly
        everybody, one district holding most organisations, "other part of the network" when most
        organisations are, institution for a migrant organisation in a network of institutions).
        The strongest part always stays.
        """
        if len(parts) <= 1:
            return parts
        lists, sd, n = self._lists, self.signals_, max(self.snapshot_.n, 1)
        total = sum(r["weight"] for r in parts)

        def common(r: dict[str, Any]) -> bool:
            kind = r["kind"]
            if kind == "same_district":
                shares = [lists["district_share"][lists["district_pos"][d]] for d in r["districts"]]
                return bool(shares) and min(shares) > COMMON_SHARE
            if kind == "shared_language":
                shares = [lists["language_share"][lists["language_pos"][x]] for x in r["languages"]]
                return bool(shares) and min(shares) > COMMON_SHARE
            if kind == "bridge_mo_institution":
                other = 1.0 - lists["mo_share"] if sd.is_mo[i] else lists["mo_share"]
                return other > COMMON_SHARE
            if kind == "bridge_communities":
                ci = sd.community[i]
                size = lists["community_size"][ci] if ci >= 0 else 0
                return (sum(lists["community_size"]) - size) / n > COMMON_SHARE
            return False

        keep = [parts[0]] + [r for r in parts[1:] if r["weight"] >= MIN_REASON_SHARE * total and not common(r)]
        return keep[:MAX_REASONS]

    def hints(self, org_id: str) -> list[str]:
        """Profile fields (ids from `HINT_FIELDS`) that are empty and would improve the suggestions."""
        self._check()
        return hints(self.snapshot_, org_id)


class _LazySuggestions(Sequence):
    """A ranked list of `Suggestion` whose reasons are built on first access (see `suggest_many`)."""

    def __init__(
        self, model: MatchingModel, row: int, cols: np.ndarray, sig: np.ndarray, discount: np.ndarray | None
    ) -> None:
        self._model, self._row, self._cols, self._sig, self._discount = model, row, cols, sig, discount
        self._done: list[Suggestion] = []

    def __len__(self) -> int:
        return len(self._cols)

    def _upto(self, n: int) -> None:
        for p in range(len(self._done), min(n, len(self._cols))):
            d = None if self._discount is None else float(self._discount[p])
            self._done.append(self._model._make(self._row, int(self._cols[p]), self._sig[p], d))

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            picked = range(*key.indices(len(self)))
            self._upto(max(picked, default=-1) + 1)
            return [self._done[p] for p in picked]
        p = range(len(self))[key]
        self._upto(p + 1)
        return self._done[p]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


# ---------------------------------------------------------------------------
# functional API with a per-snapshot cache
# ---------------------------------------------------------------------------
_CACHE: weakref.WeakKeyDictionary[Snapshot, dict[tuple[Any, ...], MatchingModel]] = weakref.WeakKeyDictionary()


def matching_model(
    snapshot: Snapshot,
    *,
    weights: Mapping[str, float] | None = None,
    exclude_declined_days: int | None = 365,
    **params: Any,
) -> MatchingModel:
    """A fitted `MatchingModel` for ``snapshot``, cached per snapshot, generation and parameters."""
    key = (
        snapshot.generation,
        tuple(sorted(check_weights(weights).items())),
        exclude_declined_days,
        tuple(sorted(params.items())),
    )
    per_snapshot = _CACHE.setdefault(snapshot, {})
    model = per_snapshot.get(key)
    if model is None:
        model = MatchingModel(weights, exclude_declined_days=exclude_declined_days, **params).fit(snapshot)
        per_snapshot.clear()  # keep one model per snapshot: they are large
        per_snapshot[key] = model
    return model


def suggest(
    snapshot: Snapshot,
    org_id: str,
    k: int = 10,
    *,
    weights: Mapping[str, float] | None = None,
    exclude_declined_days: int | None = 365,
    fair: bool = True,
    **params: Any,
) -> list[Suggestion]:
    """Up to ``k`` cooperation partners for ``org_id``, best first, each with reasons.

    Existing partners and recently declined introductions never appear; pairs that already met are
    marked ``already_met``. Raises `graph.NotFoundError` for an unknown organisation.
    See `MatchingModel` for ``params``.
    """
    model = matching_model(snapshot, weights=weights, exclude_declined_days=exclude_declined_days, **params)
    return model.suggest(org_id, k, fair=fair)


def suggest_many(
    snapshot: Snapshot,
    org_ids: Sequence[str],
    k: int = 10,
    *,
    weights: Mapping[str, float] | None = None,
    exclude_declined_days: int | None = 365,
    fair: bool = True,
    **params: Any,
) -> dict[str, Sequence[Suggestion]]:
    """`suggest` for each of ``org_ids`` (the same lists, as lazy sequences), ranked as one block.

    Raises `graph.NotFoundError` for an unknown organisation.
    """
    model = matching_model(snapshot, weights=weights, exclude_declined_days=exclude_declined_days, **params)
    return model.suggest_many(org_ids, k, fair=fair)


def suggest_all(
    snapshot: Snapshot,
    k: int = 10,
    *,
    weights: Mapping[str, float] | None = None,
    exclude_declined_days: int | None = 365,
    fair: bool = True,
    seed: int = 0,
    **params: Any,
) -> dict[str, list[Suggestion]]:
    """Suggestions for every organisation, with the greedy fair-exposure re-ranking when ``fair``."""
    model = matching_model(snapshot, weights=weights, exclude_declined_days=exclude_declined_days, **params)
    return model.suggest_all(k, fair=fair, seed=seed)


def hints(snapshot: Snapshot, org_id: str) -> list[str]:
    """Empty profile fields of ``org_id`` that would improve its suggestions."""
    i = snapshot.index.get(org_id)
    if i is None:
        raise NotFoundError("organisation", org_id)
    mats = {
        "topics": snapshot.topics,
        "offers": snapshot.offers,
        "needs": snapshot.needs,
        "districts": snapshot.districts,
        "languages": snapshot.languages,
    }
    return [f for f in HINT_FIELDS if mats[f].indptr[i + 1] == mats[f].indptr[i]]


def suggestions_json(
    snapshot: Snapshot, org_id: str, suggestions: list[Suggestion] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """The JSON shape ``{"organisation", "suggestions": [{"partner", "score", "already_met", "reasons"}], "hints"}``.

    Computes the suggestions with `suggest` (``kwargs``) unless given.
    """
    if suggestions is None:
        suggestions = suggest(snapshot, org_id, **kwargs)
    return {
        "organisation": org_id,
        "suggestions": [s.to_dict() for s in suggestions],
        "hints": hints(snapshot, org_id),
    }
