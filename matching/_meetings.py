"""Exchange meeting planner: who meets whom, in which round, at which table (pure, no I/O).

The planner seats the registered organisations of a meeting for ``rounds`` conversation rounds,
either 1:1 (``format="pairs"``) or at small tables (``format="tables"``), so that the total match
score of all pairs that sit together is as high as possible and **no pair meets twice**.

Objective (maximised)
    ``sum over rounds, tables and pairs at the table of W[a, b]`` plus table terms, where
    ``W = score - repeat_penalty * met_before - pair_language_penalty * no_common_language`` and
    ``score`` is the matching engine's match score (weighted sum of its signals, see
    `MatchingModel`). Table terms: ``-language_penalty`` for a table whose members share no
    language, ``-mix_weight`` for a table without a migrant organisation or without an
    institution (only when both kinds are registered), ``+theme_weight`` per member working on
    the topic of a themed table.
Hard constraints
    every attendee sits exactly once per round; no pair twice; ``must_not_meet`` pairs never
    together; ``must_meet`` pairs together once; locked tables stay as staff fixed them.
Table sizes
    `table_sizes`: as many tables as needed for ``table_size`` seats, sizes differing by at most
    one; all sizes within ``table_size - 1 .. table_size + 1`` whenever that is possible (it is
    not for a few small groups, e.g. 11 organisations at tables of 8 sit 6 + 5). In 1:1 rounds an
    odd number of organisations gives one table of three.

Algorithm
    1:1 rounds: maximum-weight matching (NetworkX ``max_weight_matching``, exact) on a pruned
    candidate graph (each organisation's ``candidates`` best partners), widened when it has no
    perfect matching. Tables: a greedy start, then best-improvement local search over swaps of
    two organisations and moves between tables (all deltas vectorised as one ``n x n`` array per
    step), with random kicks. Rounds are planned one after the other (pairs already seated are
    forbidden in later rounds), then each round is re-optimised with the others fixed.
    `exact_meeting_plan` solves small instances exactly (``scipy.optimize.milp``) for tests
    and benchmarks; `score_upper_bound` bounds large ones.

Example
-------
>>> import numpy as np
>>> s = np.array([[0, 9, 2, 1], [9, 0, 1, 1], [2, 1, 0, 5], [1, 1, 5, 0]], dtype=float)
>>> planner = MeetingPlanner(rounds=2, format="pairs").fit(s, ["a", "b", "c", "d"])
>>> planner.rounds_, planner.score_
([[['a', 'b'], ['c', 'd']], [['a', 'c'], ['b', 'd']]], 17.0)
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph import Issue, Meeting, Snapshot, ValidationError
from graph.model import MEETING_FORMATS, TABLE_SIZE_RANGE, parse_meeting

from ._golfers import TABU_MOVE_MS, moves_for, relabel, round_bound, schedule_search
from ._golfers import repeats as golfer_repeats
from ._score import combine

__all__ = [
    "MeetingPlan",
    "MeetingPlanner",
    "exact_meeting_plan",
    "max_rounds",
    "meeting_score_matrix",
    "parse_plan",
    "plan_meeting",
    "replan",
    "rounds_bound",
    "score_upper_bound",
    "table_sizes",
]

#: seconds of the search (`MeetingPlanner.time_limit`): with it ~60 attendees are planned within 10 s
DEFAULT_TIME_LIMIT = 8.0
#: share of the time limit that the search for a plan without repeated pairs gets (as moves)
SEARCH_SHARE = 0.75
_BIG = 1000.0  # weight of a forbidden pair (used before, must-not): never chosen while there is another way
_MUST = 100.0  # bonus of a must-meet pair that has not met yet in this plan
_EPS = 1e-9
#: reason kinds that depend on the direction of the pair; swapped for the other organisation
_FLIP = {"they_offer_what_you_need": "you_offer_what_they_need", "you_offer_what_they_need": "they_offer_what_you_need"}
#: history kinds, strongest first
HISTORY_KINDS = ("cooperating", "met", "declined", "earlier_meeting")


# ---------------------------------------------------------------------------
# sizes, bounds
# ---------------------------------------------------------------------------
def _balanced(n: int, tables: int) -> list[int]:
    q, r = divmod(n, tables)
    return [q + 1] * r + [q] * (tables - r)


def table_sizes(n: int, table_size: int) -> list[int]:
    """Sizes of the tables (largest first) for ``n`` organisations at tables of about ``table_size``.

    Sizes differ by at most one and lie within ``table_size - 1 .. table_size + 1`` whenever possible;
    no table seats fewer than two.

    >>> table_sizes(10, 4), table_sizes(9, 4), table_sizes(5, 4), table_sizes(7, 2), table_sizes(11, 8)
    ([4, 3, 3], [3, 3, 3], [5], [3, 2, 2], [6, 5])
    """
    if n < 2:
        raise ValueError("at least 2 organisations are needed")
    if table_size < 2:
        raise ValueError("tables seat at least 2")
    if n <= table_size + 1:
        return [n]
    ceil = _balanced(n, -(-n // table_size))
    if min(ceil) >= max(2, table_size - 1):
        return ceil
    floor = _balanced(n, max(1, n // table_size))
    if max(floor) <= table_size + 1:
        return floor
    return ceil


def max_rounds(n: int, table_size: int) -> int:
    """Most rounds possible without any pair meeting twice (a necessary bound).

    Each round seats ``sum(s * (s - 1) / 2)`` pairs out of ``n * (n - 1) / 2``, and every organisation
    meets at least ``min(s) - 1`` new ones per round. From the second round on, the members of a
    table must come from different tables of the first round, so no table may seat more than there
    are tables.

    >>> max_rounds(10, 2), max_rounds(9, 2), max_rounds(16, 4), max_rounds(4, 4), max_rounds(8, 4), max_rounds(20, 4)
    (9, 6, 5, 1, 1, 5)
    """
    return round_bound(table_sizes(n, table_size))[0]


def rounds_bound(n: int, table_size: int) -> tuple[int, str]:
    """`max_rounds` and why: ``"partners"``, ``"pairs"``, ``"tables"`` or ``"known"`` (see `round_bound`).

    Above this many rounds a plan without a pair meeting twice is impossible (a proof, not a
    failed search): ``"partners"``: everybody meets at least ``min(sizes) - 1`` new people per
    round and there are ``n - 1`` others; ``"pairs"``: a round seats ``sum(s * (s - 1) / 2)`` of the
    ``n * (n - 1) / 2`` pairs; ``"tables"``: from round two on a table's members come from
    different tables of round one; ``"known"``: a proven maximum of the literature.

    >>> rounds_bound(15, 3), rounds_bound(20, 4), rounds_bound(8, 4), rounds_bound(12, 3)
    ((7, 'partners'), (5, 'known'), (1, 'tables'), (4, 'known'))
    """
    return round_bound(table_sizes(n, table_size))


def score_upper_bound(scores: np.ndarray, sizes: Sequence[int], rounds: int) -> float:
    """An upper bound of the total pair score: every organisation meets its best partners.

    Over ``rounds`` rounds an organisation meets at most ``rounds * (max(sizes) - 1)`` distinct
    others; the bound is half the sum over organisations of their best that many (positive) scores.

    >>> score_upper_bound(np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float), [3], 1)
    6.0
    """
    s = np.array(scores, dtype=np.float64, copy=True)
    n = s.shape[0]
    np.fill_diagonal(s, 0.0)
    s = np.maximum(s, 0.0)
    m = min(n - 1, rounds * (max(sizes) - 1))
    if m <= 0:
        return 0.0
    top = -np.sort(-s, axis=1)[:, :m]
    return float(top.sum() / 2.0)


# ---------------------------------------------------------------------------
# the optimiser
# ---------------------------------------------------------------------------
class _Tables:
    """Local search for one round of tables over the organisations ``free`` (indices into ``W``)."""

    def __init__(
        self,
        W: np.ndarray,
        aff: np.ndarray,
        langs: list[int],
        is_mo: np.ndarray,
        language_penalty: float,
        mix_weight: float,
        rng: np.random.Generator,
        top: int = 12,
    ):
        self.W, self.aff, self.langs, self.is_mo = W, aff, langs, is_mo
        self.language_penalty, self.mix_weight = language_penalty, mix_weight
        self.rng, self.top = rng, top
        self.mixed_pool = bool(is_mo.any() and (~is_mo).any())
        self.table_terms = (language_penalty > 0 and any(x != langs[0] for x in langs)) or (
            mix_weight > 0 and self.mixed_pool
        )

    # -- table terms ------------------------------------------------------
    def term(self, members: Iterable[int]) -> float:
        members = list(members)
        if not members:
            return 0.0
        out = 0.0
        if self.language_penalty > 0:
            common = -1
            for i in members:
                common &= self.langs[i]
            if common == 0:
                out -= self.language_penalty
        if self.mix_weight > 0 and self.mixed_pool and len(members) >= 2:
            mo = sum(1 for i in members if self.is_mo[i])
            if mo == 0 or mo == len(members):
                out -= self.mix_weight
        return out

    def objective(self, tables: list[list[int]], cols: list[int]) -> float:
        total = 0.0
        for t, members in zip(cols, tables, strict=True):
            idx = np.asarray(members, dtype=np.int64)
            total += self.W[np.ix_(idx, idx)].sum() / 2.0 + self.aff[idx, t].sum() + self.term(members)
        return float(total)

    # -- greedy start -----------------------------------------------------
    def greedy(self, free: np.ndarray, sizes: list[int], cols: list[int]) -> list[list[int]]:
        W, aff = self.W, self.aff
        left = np.ones(len(free), dtype=bool)
        sub = W[np.ix_(free, free)]
        out: list[list[int]] = []
        for size, col in zip(sizes, cols, strict=True):
            avail = np.flatnonzero(left)
            if len(avail) >= 2 and size >= 2:
                block = sub[np.ix_(avail, avail)] + aff[free[avail], col][:, None] + aff[free[avail], col][None, :]
                np.fill_diagonal(block, -np.inf)
                a, b = np.unravel_index(int(np.argmax(block)), block.shape)
                members = [int(avail[a]), int(avail[b])]
            else:
                members = [int(avail[0])]
            left[members] = False
            while len(members) < size:
                avail = np.flatnonzero(left)
                gain = sub[np.ix_(avail, np.asarray(members))].sum(axis=1) + aff[free[avail], col]
                pick = int(avail[int(np.argmax(gain))])
                members.append(pick)
                left[pick] = False
            out.append([int(free[x]) for x in members])
        return out

    # -- local search -----------------------------------------------------
    def improve(self, tables: list[list[int]], cols: list[int], kicks: int) -> list[list[int]]:
        """Best-improvement swaps and moves, then ``kicks`` random perturbations (kept when better)."""
        free = np.asarray(sorted(i for t in tables for i in t), dtype=np.int64)
        if len(tables) < 2:
            return tables
        pos = {int(o): x for x, o in enumerate(free)}
        Ws = self.W[np.ix_(free, free)]
        A = self.aff[np.ix_(free, np.asarray(cols))]
        tab = np.empty(len(free), dtype=np.int64)
        for t, members in enumerate(tables):
            for o in members:
                tab[pos[o]] = t
        best_tab = self._descend(Ws, A, tab, free, cols)
        best_val = self._value(Ws, A, best_tab, free)
        for _ in range(kicks):
            cand = best_tab.copy()
            self._kick(cand)
            cand = self._descend(Ws, A, cand, free, cols)
            val = self._value(Ws, A, cand, free)
            if val > best_val + _EPS:
                best_tab, best_val = cand, val
        return [[int(free[x]) for x in np.flatnonzero(best_tab == t)] for t in range(len(tables))]

    def _kick(self, tab: np.ndarray) -> None:
        m = len(tab)
        for _ in range(2 + int(self.rng.integers(0, 3))):
            i, j = self.rng.integers(0, m, size=2)
            if tab[i] != tab[j]:
                tab[i], tab[j] = tab[j], tab[i]

    def _value(self, Ws: np.ndarray, A: np.ndarray, tab: np.ndarray, free: np.ndarray) -> float:
        same = tab[:, None] == tab[None, :]
        val = float((Ws * same).sum() / 2.0 + A[np.arange(len(tab)), tab].sum())
        if self.table_terms:
            for t in range(A.shape[1]):
                val += self.term(free[tab == t].tolist())
        return val

    def _descend(self, Ws: np.ndarray, A: np.ndarray, tab: np.ndarray, free: np.ndarray, cols: list[int]) -> np.ndarray:
        m, T = A.shape
        tab = tab.copy()
        onehot = np.zeros((m, T))
        onehot[np.arange(m), tab] = 1.0
        H = Ws @ onehot + A  # H[i, t]: what i gains from sitting at table t
        size = onehot.sum(axis=0).astype(np.int64)
        members = [free[tab == t].tolist() for t in range(T)]
        terms = np.asarray([self.term(x) for x in members]) if self.table_terms else np.zeros(T)
        ar = np.arange(m)
        uneven = size.max() != size.min()
        iu = np.triu_indices(m, 1)
        for _ in range(50 * m + 100):
            own = H[ar, tab]
            Ht = H[:, tab]
            D = Ht - own[:, None]
            D = D + D.T - 2.0 * Ws
            D[tab[:, None] == tab[None, :]] = -np.inf
            cand: list[tuple[float, int, int, int]] = []  # (delta, kind 0 swap / 1 move, i, j or t)
            flat = D[iu]
            k = min(self.top, len(flat))
            if k:
                best = np.argpartition(-flat, k - 1)[:k]
                cand += [(float(flat[b]), 0, int(iu[0][b]), int(iu[1][b])) for b in best]
            if self.table_terms and (terms < -_EPS).any():
                # tables that break a table rule: try their members with everybody's best swaps
                rows = np.flatnonzero(terms[tab] < -_EPS)
                k = min(2 * self.top, m - 1)
                best = np.argpartition(-D[rows], k - 1, axis=1)[:, :k]
                cand += [
                    (float(D[i, j]), 0, min(int(i), int(j)), max(int(i), int(j)))
                    for i, row in zip(rows.tolist(), best, strict=True)
                    for j in row.tolist()
                ]
            if uneven:
                M = H - own[:, None]
                M = np.where(size[None, :] + 1 == size[tab][:, None], M, -np.inf)  # from a big to a small table
                mf = M.ravel()
                k = min(self.top, len(mf))
                best = np.argpartition(-mf, k - 1)[:k]
                cand += [(float(mf[b]), 1, int(b // T), int(b % T)) for b in best]
            cand.sort(key=lambda c: -c[0])
            done = False
            for delta, kind, i, j in cand:
                if not math.isfinite(delta):
                    break
                if not self.table_terms and delta <= _EPS:
                    break
                a = int(tab[i])
                b = int(tab[j]) if kind == 0 else j
                if self.table_terms:
                    oi = int(free[i])
                    new_a = [x for x in members[a] if x != oi]
                    new_b = members[b] + [oi]
                    if kind == 0:
                        oj = int(free[j])
                        new_a.append(oj)
                        new_b = [x for x in new_b if x != oj]
                    change = self.term(new_a) + self.term(new_b) - terms[a] - terms[b]
                    if delta + change <= _EPS:
                        continue
                    members[a], members[b] = new_a, new_b
                    terms[a], terms[b] = self.term(new_a), self.term(new_b)
                if kind == 0:
                    H[:, a] += Ws[:, j] - Ws[:, i]
                    H[:, b] += Ws[:, i] - Ws[:, j]
                    tab[i], tab[j] = b, a
                else:
                    H[:, a] -= Ws[:, i]
                    H[:, b] += Ws[:, i]
                    tab[i] = b
                    size[a] -= 1
                    size[b] += 1
                done = True
                break
            if not done:
                break
        return tab


def _pairs_round(W: np.ndarray, free: np.ndarray, candidates: int, current: list[list[int]] | None) -> list[list[int]]:
    """Maximum-weight (maximum-cardinality) matching of ``free``; an odd one out joins the best pair."""
    m = len(free)
    Ws = W[np.ix_(free, free)]
    if m == 2:
        return [[int(free[0]), int(free[1])]]
    if m == 3:
        return [[int(x) for x in free]]
    need = m // 2
    allowed = Ws > -_BIG / 2
    np.fill_diagonal(allowed, False)
    current_edges = set()
    for t in current or []:
        loc = [int(np.flatnonzero(free == o)[0]) for o in t]
        for x, a in enumerate(loc):
            for b in loc[x + 1 :]:
                current_edges.add((min(a, b), max(a, b)))
    offset = 1.0 - float(Ws[~np.eye(m, dtype=bool)].min())
    k = max(1, min(candidates, m - 1))
    stage = 0 if k < m - 1 else 1  # 0: each one's k best partners, 1: all allowed pairs, 2: all pairs
    while True:
        if stage == 0:
            score = np.where(allowed, Ws, -np.inf)
            top = np.argpartition(-score, k - 1, axis=1)[:, :k]
            mask = np.zeros((m, m), dtype=bool)
            mask[np.repeat(np.arange(m), k), top.ravel()] = True
            mask &= allowed
            mask |= mask.T
        elif stage == 1:
            mask = allowed
        else:  # last resort: forbidden pairs too (the caller reports them)
            mask = ~np.eye(m, dtype=bool)
        rows, cols = np.nonzero(np.triu(mask, 1))
        g = nx.Graph()
        g.add_nodes_from(range(m))
        g.add_weighted_edges_from(
            (a, b, float(Ws[a, b] + offset)) for a, b in zip(rows.tolist(), cols.tolist(), strict=True)
        )
        for a, b in current_edges:
            g.add_edge(a, b, weight=float(Ws[a, b] + offset))
        matching = {(min(a, b), max(a, b)) for a, b in nx.max_weight_matching(g, maxcardinality=True)}
        if len(matching) >= need or stage == 2:
            break
        if stage == 0:
            k *= 2
            if k >= m - 1:
                stage = 1
        else:
            stage += 1
    tables = [[a, b] for a, b in sorted(matching)]
    seated = {x for t in tables for x in t}
    for u in range(m):
        if u in seated:
            continue
        gain = [Ws[u, a] + Ws[u, b] for a, b in tables]
        tables[int(np.argmax(gain))].append(u)
    return [[int(free[x]) for x in t] for t in tables]


class MeetingPlanner:
    """Plan the rounds of an exchange meeting on a matrix of pair scores (scikit-learn style).

    Parameters
    ----------
    rounds : int
        Conversation rounds (at most `max_rounds`).
    format : {"tables", "pairs"}
        1:1 conversations or tables of about ``table_size``.
    table_size : int
        Seats per table (2-8); ignored for ``"pairs"``.
    must_meet, must_not_meet : iterable of (id, id)
        Pairs that must sit together once / never.
    locked : list of dict
        ``{"round": r, "table": t, "orgs": [...]}`` (1-based), kept exactly as given.
    themes : list of dict
        ``{"table": t, "topic": topic}``; see ``affinity`` in `fit`.
    repeat_penalty : float
        Subtracted from the score of a pair that met before (``history``).
    pair_language_penalty, language_penalty : float
        Per pair / per table without a common language.
    mix_weight : float
        Penalty of a table without a migrant organisation or without an institution.
    theme_weight : float
        Bonus per member of a themed table who works on its topic.
    candidates : int
        Partners per organisation in the pruned matching graph (1:1 rounds).
    kicks : int or None
        Random perturbations per round and pass of the local search (default: 30 up to 60
        organisations, 3 up to 100, none beyond).
    passes : int
        Re-optimisation passes over the rounds after the first plan.
    lns : int or None
        Steps of the large neighbourhood search across rounds (forbid a share ``destroy`` of one
        round's pairs, repair every round, keep when better); default by size, 0 for one round and
        for more than 100 organisations (where it measurably gains nothing).
    destroy : float
        Share of a round's pairs forbidden in one search step.
    seed : int
        Seed of the perturbations (plans are reproducible).
    time_limit : float
        Seconds of the search (default 8; with it ~60 attendees are planned within 10 s). Three
        quarters of it set the budget of moves of the search without repeated pairs (numbers of
        moves, so a seed gives the same plan everywhere); the whole search stops at the limit
        with the best plan so far.
    iterations : int or None
        Moves of that search (default: derived from ``time_limit``; see `iterations_`).

    Attributes
    ----------
    rounds_ : list of list of list of str
        Round -> table -> organisation ids (table number = position + 1).
    score_ : float
        Sum of ``scores`` over all pairs that sit together.
    objective_ : float
        The maximised objective (scores with penalties and table terms).
    warnings_ : list of dict
        Soft constraints that could not be met (no common language, not mixed, met before, and
        ``repeated_pair`` for pairs that meet twice because no plan without was found).
    repeats_ : list of dict
        ``{"orgs": [a, b], "rounds": [r1, r2, ...]}`` per pair that meets more than once; empty when
        the rule holds. The plan is then the best found (fewest repeats): more time, fewer rounds or
        accepting the repeats are the ways on.
    search_ : dict
        How the no-repeat rule was met: ``seed`` is ``"weighted"`` (the weighted search alone),
        ``"design"`` (a construction), ``"rotation"`` (the rotational search), ``"tabu"`` (the tabu
        search) or ``"start"`` (none of them beat the weighted plan); ``repeats_after_weighted``
        and ``repeats`` count repeated meetings before and after (see `matching._golfers`).

    Raises `graph.ValidationError` naming the conflicting constraints when no plan can exist
    (``code="too_many_rounds"`` when the rounds exceed a proven bound).
    """

    def __init__(
        self,
        *,
        rounds: int = 1,
        format: str = "tables",
        table_size: int = 4,
        must_meet: Iterable[Sequence[str]] = (),
        must_not_meet: Iterable[Sequence[str]] = (),
        locked: Sequence[Mapping[str, Any]] = (),
        themes: Sequence[Mapping[str, Any]] = (),
        repeat_penalty: float = 0.5,
        pair_language_penalty: float = 0.2,
        language_penalty: float = 5.0,
        mix_weight: float = 0.25,
        theme_weight: float = 0.1,
        candidates: int = 12,
        kicks: int | None = None,
        passes: int = 1,
        lns: int | None = None,
        destroy: float = 0.3,
        seed: int = 0,
        time_limit: float = DEFAULT_TIME_LIMIT,
        iterations: int | None = None,
    ) -> None:
        self.rounds = rounds
        self.format = format
        self.table_size = table_size
        self.must_meet = must_meet
        self.must_not_meet = must_not_meet
        self.locked = locked
        self.themes = themes
        self.repeat_penalty = repeat_penalty
        self.pair_language_penalty = pair_language_penalty
        self.language_penalty = language_penalty
        self.mix_weight = mix_weight
        self.theme_weight = theme_weight
        self.candidates = candidates
        self.kicks = kicks
        self.passes = passes
        self.lns = lns
        self.destroy = destroy
        self.seed = seed
        self.time_limit = time_limit
        self.iterations = iterations

    def iterations_(self) -> int:
        """Moves of the tabu search: ``iterations``, else what ``time_limit`` allows (`matching._golfers.moves_for`).

        The budget is a number of moves, so that a seed gives the same plan on every machine; the
        time limit only caps it (and then the plan may depend on the machine's speed).
        """
        if self.iterations is not None:
            return int(self.iterations)
        n = getattr(self, "n_", 0) or 2
        return moves_for(float(self.time_limit), n, self.rounds, TABU_MOVE_MS)

    # -- validation -------------------------------------------------------
    def _pairs(
        self, name: str, pairs: Iterable[Sequence[str]], index: dict[str, int], issues: list[Issue]
    ) -> list[tuple[int, int]]:
        out = []
        for p in pairs:
            p = list(p)
            bad = [x for x in p if x not in index]
            if len(p) != 2 or p[0] == p[1] or bad:
                issues.append(
                    Issue(
                        name,
                        p,
                        f"{', '.join(bad)} not among the attendees" if bad else "must be two different organisations",
                        code="unknown_ref" if bad else "invalid",
                    )
                )
                continue
            a, b = index[p[0]], index[p[1]]
            out.append((min(a, b), max(a, b)))
        return sorted(set(out))

    def _validate(self, n: int, ids: list[str]) -> None:
        issues: list[Issue] = []
        index = {x: i for i, x in enumerate(ids)}
        if len(index) != n:
            issues.append(Issue("attendance", n, "lists an organisation twice", code="duplicate"))
        if self.format not in MEETING_FORMATS:
            issues.append(Issue("format", self.format, "must be one of " + ", ".join(MEETING_FORMATS)))
        lo, hi = TABLE_SIZE_RANGE
        k = 2 if self.format == "pairs" else self.table_size
        if not isinstance(k, int) or not lo <= k <= hi:
            issues.append(Issue("table_size", k, f"must be between {lo} and {hi}", code="out_of_range"))
        if not isinstance(self.rounds, int) or self.rounds < 1:
            issues.append(Issue("rounds", self.rounds, "must be a whole number of at least 1", code="out_of_range"))
        if n < 2:
            issues.append(
                Issue("attendance", n, "at least 2 organisations are needed to plan a meeting", code="too_few")
            )
        if issues:
            raise ValidationError(issues)
        self.k_ = k
        mx = max_rounds(n, k)
        if self.rounds > mx:
            what = "1:1 talks" if self.format == "pairs" else f"tables of {k}"
            issues.append(
                Issue(
                    "rounds",
                    self.rounds,
                    f"too many rounds: {n} organisations at {what} can have at most "
                    f"{mx} round{'s' if mx != 1 else ''} without a pair meeting twice",
                    code="too_many_rounds",
                )
            )
        self.must_ = self._pairs("must_meet", self.must_meet, index, issues)
        self.must_not_ = self._pairs("must_not_meet", self.must_not_meet, index, issues)
        for pair in sorted(set(self.must_) & set(self.must_not_)):
            issues.append(
                Issue("must_meet", [ids[pair[0]], ids[pair[1]]], "this pair is also in must_not_meet", code="conflict")
            )
        # locked tables
        self.locked_: dict[int, dict[int, list[int]]] = {}
        seen: set[tuple[int, int]] = set()
        forbidden = set(self.must_not_)
        for x, lk in enumerate(self.locked):
            fname = f"locked[{x}]"
            r, t, orgs = lk.get("round"), lk.get("table"), list(lk.get("orgs") or [])
            if not isinstance(r, int) or not 1 <= r <= self.rounds:
                issues.append(Issue(f"{fname}.round", r, f"must be between 1 and {self.rounds}", code="out_of_range"))
                continue
            if not isinstance(t, int) or t < 1:
                issues.append(Issue(f"{fname}.table", t, "must be a table number from 1", code="out_of_range"))
                continue
            bad = [o for o in orgs if o not in index]
            if bad or not orgs:
                issues.append(
                    Issue(
                        f"{fname}.orgs",
                        bad or orgs,
                        "not among the attendees" if bad else "a locked table seats at least one organisation",
                        code="unknown_ref",
                    )
                )
                continue
            idx = [index[o] for o in orgs]
            rnd = self.locked_.setdefault(r - 1, {})
            if t - 1 in rnd:
                issues.append(Issue(f"{fname}.table", t, f"round {r} has table {t} locked twice", code="duplicate"))
                continue
            twice = [ids[i] for i in idx if any(i in other for other in rnd.values())]
            if twice:
                issues.append(Issue(f"{fname}.orgs", twice, f"locked at two tables in round {r}", code="conflict"))
                continue
            for a_ in idx:
                for b_ in idx:
                    pair = (a_, b_)
                    if a_ < b_ and pair in forbidden:
                        issues.append(
                            Issue(
                                f"{fname}.orgs",
                                [ids[a_], ids[b_]],
                                "locked together but in must_not_meet",
                                code="conflict",
                            )
                        )
                    elif a_ < b_ and pair in seen:
                        issues.append(
                            Issue(
                                f"{fname}.orgs",
                                [ids[a_], ids[b_]],
                                "locked together in two rounds (pairs never meet twice)",
                                code="conflict",
                            )
                        )
                    elif a_ < b_:
                        seen.add(pair)
            rnd[t - 1] = idx
        # capacity of must-meet pairs
        if self.must_:
            g = nx.Graph(self.must_)
            per_round = 1 if self.format == "pairs" else None
            for node, deg in sorted(g.degree, key=lambda d: (-d[1], d[0])):
                cap = self.rounds * (per_round or (max(table_sizes(n, k)) - 1))
                if deg > cap:
                    pairs = sorted([ids[a], ids[b]] for a, b in g.edges(node))
                    issues.append(
                        Issue(
                            "must_meet",
                            pairs,
                            f"{ids[node]} must meet {deg} organisations, but "
                            f"{self.rounds} round{'s' if self.rounds != 1 else ''} allow at most {cap}",
                            code="conflict",
                        )
                    )
            if self.format == "tables" and self.rounds == 1:
                biggest = max(table_sizes(n, k))
                for comp in nx.connected_components(g):
                    if len(comp) > biggest:
                        pairs = sorted([ids[a], ids[b]] for a, b in g.subgraph(comp).edges)
                        issues.append(
                            Issue(
                                "must_meet",
                                pairs,
                                f"these pairs need {len(comp)} organisations at one "
                                f"table in the only round, but a table seats at most {biggest}",
                                code="conflict",
                            )
                        )
        if issues:
            raise ValidationError(issues)

    # -- fit --------------------------------------------------------------
    def fit(
        self,
        scores: np.ndarray,
        ids: Sequence[str] | None = None,
        *,
        history: np.ndarray | None = None,
        languages: Sequence[Iterable[str]] | None = None,
        is_mo: np.ndarray | None = None,
        affinity: Mapping[str, np.ndarray] | None = None,
    ) -> MeetingPlanner:
        """Plan the meeting.

        Parameters
        ----------
        scores : (n, n) array
            Symmetric match scores of the attendees.
        ids : list of str, optional
            The attendees' ids (default ``"0", "1", ...``).
        history : (n, n) bool array, optional
            Pairs that met before (penalised by ``repeat_penalty``).
        languages : list of sets of language ids, optional
            Per attendee; an empty set counts as German (``"de"``).
        is_mo : (n,) bool array, optional
            Migrant organisations (for mixed tables).
        affinity : dict, optional
            ``{topic: (n,) bool array}``: who works on the topic of a themed table.
        """
        S = np.array(scores, dtype=np.float64, copy=True)
        n = S.shape[0]
        if S.shape != (n, n):
            raise ValueError("scores must be a square matrix")
        np.fill_diagonal(S, 0.0)
        S = (S + S.T) / 2.0
        ids = [str(i) for i in range(n)] if ids is None else list(ids)
        self.n_ = n
        self._validate(n, ids)
        rng = np.random.default_rng(self.seed)
        # the search is bounded by numbers of moves and steps (reproducible); this deadline only caps it
        deadline = time.perf_counter() + float(self.time_limit)
        W = S.copy()
        hist = np.zeros((n, n), dtype=bool) if history is None else np.asarray(history, dtype=bool)
        if hist.any():
            W -= self.repeat_penalty * hist
        lang_sets = [set(x) or {"de"} for x in languages] if languages is not None else [{"de"}] * n
        codes = {lang: b for b, lang in enumerate(sorted(set().union(*lang_sets)))}
        masks = [sum(1 << codes[x] for x in s) for s in lang_sets]
        if self.pair_language_penalty > 0 and len(codes) > 1:
            arr = np.zeros((n, len(codes)), dtype=bool)
            for i, s in enumerate(lang_sets):
                arr[i, [codes[x] for x in s]] = True
            no_common = (arr.astype(np.int32) @ arr.T.astype(np.int32)) == 0
            W -= self.pair_language_penalty * no_common
        mo = np.zeros(n, dtype=bool) if is_mo is None else np.asarray(is_mo, dtype=bool)
        np.fill_diagonal(W, 0.0)
        for a, b in self.must_not_:
            W[a, b] = W[b, a] = -_BIG
        # tables: per round the locked table numbers and the free ones
        plan_sizes: list[list[int]] = []
        cols_by_round: list[list[int]] = []
        free_by_round: list[np.ndarray] = []
        issues: list[Issue] = []
        for r in range(self.rounds):
            locked = self.locked_.get(r, {})
            seated = {i for t in locked.values() for i in t}
            free = np.asarray([i for i in range(n) if i not in seated], dtype=np.int64)
            if len(free) == 1:
                issues.append(
                    Issue(
                        "locked",
                        r + 1,
                        f"round {r + 1}: only {ids[int(free[0])]} is left outside the "
                        "locked tables and would sit alone",
                        code="conflict",
                    )
                )
                sizes = [1]
            else:
                sizes = table_sizes(len(free), self.k_) if len(free) else []
            numbers = [t for t in range(len(sizes) + len(locked)) if t not in locked][: len(sizes)]
            too_high = [t + 1 for t in locked if t >= len(sizes) + len(locked)]
            if too_high:
                issues.append(
                    Issue(
                        "locked",
                        too_high,
                        f"round {r + 1} has only {len(sizes) + len(locked)} tables",
                        code="out_of_range",
                    )
                )
            plan_sizes.append(sizes)
            cols_by_round.append(numbers)
            free_by_round.append(free)
        if issues:
            raise ValidationError(issues)
        n_tables = max((len(s) + len(self.locked_.get(r, {})) for r, s in enumerate(plan_sizes)), default=1)
        aff = np.zeros((n, max(n_tables, 1)))
        for th in self.themes:
            t = int(th["table"]) - 1
            if 0 <= t < n_tables and affinity is not None and th["topic"] in affinity:
                aff[:, t] += self.theme_weight * np.asarray(affinity[th["topic"]], dtype=np.float64)
        must = np.zeros((n, n), dtype=bool)
        for a, b in self.must_:
            must[a, b] = must[b, a] = True
        self._W, self._aff = W, aff
        search = _Tables(
            W,
            aff,
            masks,
            mo,
            self.language_penalty if self.format == "tables" else 0.0,
            self.mix_weight if self.format == "tables" else 0.0,
            rng,
        )
        kicks = self.kicks if self.kicks is not None else (30 if n <= 60 else 3 if n <= 100 else 0)

        def pairs_of(tables: list[list[int]]) -> list[tuple[int, int]]:
            return [(min(a, b), max(a, b)) for t in tables for x, a in enumerate(t) for b in t[x + 1 :]]

        def round_weights(r: int, plan: Sequence[list[list[int]] | None], lam: float = _BIG) -> np.ndarray:
            Wr = W.copy()
            used = np.zeros((n, n), dtype=bool)
            for q, tables in [*enumerate(plan), *((q, list(lk.values())) for q, lk in self.locked_.items())]:
                if q != r and tables is not None:
                    for t in tables:
                        idx = np.asarray(t, dtype=np.int64)
                        used[np.ix_(idx, idx)] = True
            np.fill_diagonal(used, False)
            Wr[used] -= lam if lam < _BIG else _BIG + Wr[used]
            Wr[must & ~used] += _MUST
            return Wr

        def solve(
            r: int,
            plan: Sequence[list[list[int]] | None],
            start: list[list[int]] | None,
            n_kicks: int,
            forbid: Sequence[tuple[int, int]] = (),
            lam: float = _BIG,
        ) -> list[list[int]]:
            free = free_by_round[r]
            if not len(free):
                return []
            search.W = round_weights(r, plan, lam)
            for a, b in forbid:
                search.W[a, b] = search.W[b, a] = -_BIG
            if self.format == "pairs":
                return _pairs_round(search.W, free, self.candidates, start)
            cols = cols_by_round[r]
            if start is None:
                start = search.greedy(free, plan_sizes[r], cols)
            return search.improve(start, cols, n_kicks)

        locked_pairs = [pairs_of(list(self.locked_.get(r, {}).values())) for r in range(self.rounds)]
        must_set = set(self.must_)

        def total(plan: list[list[list[int]] | None]) -> float:
            search.W = W
            value, seen, repeats = 0.0, set(), 0
            for r, tables in enumerate(plan):
                value += search.objective(tables or [], cols_by_round[r])
                for pair in pairs_of(tables or []) + locked_pairs[r]:
                    repeats += pair in seen
                    seen.add(pair)
            return value - _BIG * repeats + _MUST * len(must_set & seen)

        plan: list[list[list[int]] | None] = [None] * self.rounds
        for r in range(self.rounds):
            plan[r] = solve(r, plan, None, kicks)
        if 1 < self.rounds and n <= 100:
            # penalty continuation: rounds first compete softly for the good pairs, then repeats get forbidden
            scale = float(np.abs(S).max()) or 1.0
            plan_soft: list[list[list[int]] | None] = [None] * self.rounds
            for r in range(self.rounds):
                plan_soft[r] = solve(r, plan_soft, None, 0, lam=0.0)
            for lam in (0.1, 0.3, 1.0, 3.0):
                for r in range(self.rounds):
                    plan_soft[r] = solve(r, plan_soft, plan_soft[r], 0, lam=lam * scale)
            for r in range(self.rounds):
                plan_soft[r] = solve(r, plan_soft, plan_soft[r], kicks)
            for _ in range(self.passes):
                for r in range(self.rounds):
                    plan[r] = solve(r, plan, plan[r], kicks)
                    plan_soft[r] = solve(r, plan_soft, plan_soft[r], kicks)
            if total(plan_soft) > total(plan):
                plan = plan_soft
        # large neighbourhood search across rounds: forbid part of one round, repair all rounds
        budget = (600 if self.format == "pairs" else 8_000) // (n * self.rounds)
        lns = self.lns if self.lns is not None else (0 if self.rounds == 1 or n > 100 else min(150, budget))

        def neighbourhood_search(plan: list, steps: int) -> tuple[list, float]:
            """Forbid part of one round, repair all rounds; keep the result when it scores more."""
            best = total(plan)
            for _ in range(steps):
                if time.perf_counter() > deadline:
                    break
                r = int(rng.integers(self.rounds))
                current = pairs_of(plan[r] or [])
                if not current:
                    continue
                pick = rng.choice(len(current), size=max(1, int(len(current) * self.destroy)), replace=False)
                cand = list(plan)
                cand[r] = solve(r, cand, plan[r], 0, [current[x] for x in pick])
                for q in rng.permutation(self.rounds).tolist():
                    if q != r:
                        cand[q] = solve(q, cand, cand[q], 0)
                cand[r] = solve(r, cand, cand[r], 0)
                value = total(cand)
                if value > best + _EPS:
                    plan, best = cand, value
            return plan, best

        # no pair twice: when the weighted search left repeats, a construction, the rotational or the
        # tabu search (`schedule_search`) finds a schedule without them, which the weighted search
        # then improves; the cross-round search runs once, on the plan that is kept
        base = np.zeros((n, n), dtype=np.int64)
        for r in range(self.rounds):
            for a, b in locked_pairs[r]:
                base[a, b] += 1
                base[b, a] += 1
        for a, b in self.must_not_:
            base[a, b] += 1
            base[b, a] += 1
        left = golfer_repeats([t for tables in plan for t in [tables or []]], n, base)
        if not left:
            plan, best = neighbourhood_search(plan, lns)
        self.search_ = {"seed": "weighted", "repeats_after_weighted": left, "repeats": left}
        if left and n >= 2:
            seeds = [[[int(x) for x in t] for t in tables or []] for tables in plan]
            complete = not self.locked_ and all(s == plan_sizes[0] for s in plan_sizes)
            found, left_now, how = schedule_search(
                seeds,
                n,
                base=base,
                complete=complete,
                seed=self.seed,
                budget=SEARCH_SHARE * float(self.time_limit),
                time_limit=max(0.1, deadline - time.perf_counter()),
                iterations=self.iterations,
            )
            self.search_ = {"seed": how, "repeats_after_weighted": left, "repeats": left_now}
            if left_now < left:
                if not self.locked_:  # renaming keeps the rule (must-not pairs weigh -_BIG in W)
                    found = relabel(found, W, seed=self.seed, kicks=kicks)
                cand = [list(map(list, tables)) for tables in found]
                # the weighted improvement keeps the rule: repeats cost _BIG in every move
                for _ in range(max(1, self.passes)):
                    for r in range(self.rounds):
                        cand[r] = solve(r, cand, cand[r], kicks)
                plan, best = neighbourhood_search(cand, lns)
            else:
                plan, best = neighbourhood_search(plan, lns)
        # assemble with the locked tables, check the hard constraints
        out: list[list[list[int]]] = []
        for r in range(self.rounds):
            tables = dict(self.locked_.get(r, {}))
            for col, members in zip(cols_by_round[r], plan[r] or [], strict=True):
                tables[col] = sorted(members)
            out.append([tables[t] for t in sorted(tables)])
        self._check(out, ids, must)
        self.tables_ = out
        self.rounds_ = [[[ids[i] for i in t] for t in tables] for tables in out]
        self.score_ = round(float(sum(S[a, b] for tables in out for a, b in pairs_of(tables))), 6)
        self.objective_ = round(self._objective(out, search, W), 6)
        self.sizes_ = [table_sizes(n, self.k_)] if n >= 2 else [[n]]
        self.warnings_ = self._warnings(out, ids, search, hist)
        self.scores_ = S
        return self

    def _objective(self, out: list[list[list[int]]], search: _Tables, W: np.ndarray) -> float:
        search.W = W
        return sum(search.objective(tables, list(range(len(tables)))) for tables in out)

    def _check(self, out: list[list[list[int]]], ids: list[str], must: np.ndarray) -> None:
        issues: list[Issue] = []
        met: dict[tuple[int, int], int] = {}
        again: dict[tuple[int, int], list[int]] = {}
        forbidden = set(self.must_not_)
        for r, tables in enumerate(out):
            for t in tables:
                for x, a in enumerate(t):
                    for b in t[x + 1 :]:
                        pair = (min(a, b), max(a, b))
                        if pair in forbidden:
                            issues.append(
                                Issue(
                                    "must_not_meet",
                                    [ids[a], ids[b]],
                                    f"could not be kept apart in round {r + 1} (too few other places)",
                                    code="infeasible",
                                )
                            )
                        elif pair in met:
                            again.setdefault(pair, [met[pair] + 1]).append(r + 1)
                        met.setdefault(pair, r)
        for a, b in self.must_:
            if (a, b) not in met:
                issues.append(
                    Issue(
                        "must_meet",
                        [ids[a], ids[b]],
                        "could not be seated together without breaking "
                        "a locked table, a must-not pair or the no-repeat rule",
                        code="infeasible",
                    )
                )
        if issues:
            raise ValidationError(issues)
        self.repeats_ = [{"orgs": [ids[a], ids[b]], "rounds": rs} for (a, b), rs in sorted(again.items())]

    def _warnings(
        self, out: list[list[list[int]]], ids: list[str], search: _Tables, hist: np.ndarray
    ) -> list[dict[str, Any]]:
        warn: list[dict[str, Any]] = []
        first: dict[tuple[int, int], int] = {}
        for r, tables in enumerate(out):
            for t, members in enumerate(tables):
                where = {"round": r + 1, "table": t + 1, "orgs": [ids[i] for i in members]}
                if len(members) >= 2:
                    common = -1
                    for i in members:
                        common &= search.langs[i]
                    if common == 0:
                        warn.append({"code": "no_common_language", **where})
                    if self.format == "tables" and search.mixed_pool:
                        mo = sum(1 for i in members if search.is_mo[i])
                        if mo in (0, len(members)):
                            warn.append({"code": "not_mixed", **where})
                for x, a in enumerate(members):
                    for b in members[x + 1 :]:
                        if hist[a, b]:
                            warn.append(
                                {"code": "met_before", "round": r + 1, "table": t + 1, "orgs": [ids[a], ids[b]]}
                            )
                        pair = (min(a, b), max(a, b))
                        if pair in first:
                            warn.append(
                                {
                                    "code": "repeated_pair",
                                    "round": r + 1,
                                    "table": t + 1,
                                    "orgs": [ids[pair[0]], ids[pair[1]]],
                                    "first_round": first[pair],
                                }
                            )
                        first.setdefault(pair, r + 1)
        return warn


# ---------------------------------------------------------------------------
# exact solution for small instances (tests, benchmarks)
# ---------------------------------------------------------------------------
def exact_meeting_plan(
    scores: np.ndarray, sizes: Sequence[int], rounds: int = 1, *, time_limit: float = 60.0
) -> tuple[list[list[list[int]]], float, float, bool]:
    """The best plan of small instances by mixed-integer programming (``scipy.optimize.milp``).

    Maximises ``sum W[a, b]`` over pairs at the same table (tables of the given ``sizes`` in every
    round, no pair twice). Returns ``(rounds, value, bound, optimal)``: the best plan found, its
    value, the solver's upper bound and whether optimality was proven within ``time_limit`` seconds.

    >>> s = np.array([[0, 9, 2, 1], [9, 0, 1, 1], [2, 1, 0, 5], [1, 1, 5, 0]], dtype=float)
    >>> plan, value, bound, optimal = exact_meeting_plan(s, [2, 2], rounds=2)
    >>> value, optimal
    (17.0, True)
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    W = np.array(scores, dtype=np.float64)
    n, T, R = W.shape[0], len(sizes), rounds
    if set(sizes) == {2}:
        return _exact_pairs(W, R, time_limit)
    iu, ju = np.triu_indices(n, 1)
    P = len(iu)
    nx_ = n * T * R

    def xv(i: int, t: int, r: int) -> int:
        return (r * n + i) * T + t

    def pv(p: int, r: int) -> int:
        return nx_ + r * P + p

    nvar = nx_ + P * R
    c = np.zeros(nvar)
    for r in range(R):
        c[nx_ + r * P : nx_ + (r + 1) * P] = -W[iu, ju]
    rows, cols, vals, lo, hi = [], [], [], [], []
    row = 0

    def add(entries: list[tuple[int, float]], lb: float, ub: float) -> None:
        nonlocal row
        for col, v in entries:
            rows.append(row)
            cols.append(col)
            vals.append(v)
        lo.append(lb)
        hi.append(ub)
        row += 1

    for r in range(R):
        for i in range(n):
            add([(xv(i, t, r), 1.0) for t in range(T)], 1, 1)
        for t in range(T):
            add([(xv(i, t, r), 1.0) for i in range(n)], sizes[t], sizes[t])
        for p in range(P):
            i, j = int(iu[p]), int(ju[p])
            for t in range(T):
                # p <= 1 - x_it + x_jt  and  p <= 1 + x_it - x_jt  (i and j at the same table)
                add([(pv(p, r), 1.0), (xv(i, t, r), 1.0), (xv(j, t, r), -1.0)], -np.inf, 1)
                add([(pv(p, r), 1.0), (xv(i, t, r), -1.0), (xv(j, t, r), 1.0)], -np.inf, 1)
                # p >= x_it + x_jt - 1: sitting together counts (and counts against the no-repeat rule)
                add([(pv(p, r), 1.0), (xv(i, t, r), -1.0), (xv(j, t, r), -1.0)], -1, np.inf)
    for p in range(P):
        add([(pv(p, r), 1.0) for r in range(R)], 0, 1)
    lb = np.zeros(nvar)
    ub = np.ones(nvar)
    if len(set(sizes)) == 1:  # symmetry: organisation 0 sits at table 1 in every round
        for r in range(R):
            lb[xv(0, 0, r)] = 1
    A = sp.csr_matrix((vals, (rows, cols)), shape=(row, nvar))
    res = milp(
        c,
        constraints=LinearConstraint(A, lo, hi),
        integrality=np.ones(nvar),
        bounds=Bounds(lb, ub),
        options={"time_limit": time_limit, "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"no plan found: {res.message}")
    x = np.round(res.x[:nx_]).reshape(R, n, T)
    plan = [[np.flatnonzero(x[r, :, t]).tolist() for t in range(T)] for r in range(R)]
    value = float(sum(W[a, b] for tables in plan for t in tables for q, a in enumerate(t) for b in t[q + 1 :]))
    bound = -float(
        cast(
            float, getattr(res, "mip_dual_bound", None) if getattr(res, "mip_dual_bound", None) is not None else res.fun
        )
    )
    return plan, value, max(bound, value), bool(res.status == 0)


def _exact_pairs(W: np.ndarray, R: int, time_limit: float) -> tuple[list[list[list[int]]], float, float, bool]:
    """1:1 rounds as R edge-disjoint perfect matchings: ``x[pair, round]``, degree 1 per round."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = W.shape[0]
    iu, ju = np.triu_indices(n, 1)
    P = len(iu)
    c = np.tile(-W[iu, ju], R)
    rows, cols = [], []
    row = 0
    for r in range(R):
        for i in range(n):
            for p in np.flatnonzero((iu == i) | (ju == i)).tolist():
                rows.append(row)
                cols.append(r * P + p)
            row += 1
    lo = [1.0] * row
    for p in range(P):
        for r in range(R):
            rows.append(row)
            cols.append(r * P + p)
        row += 1
    lo += [0.0] * P
    hi = [1.0] * row
    A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(row, R * P))
    res = milp(
        c,
        constraints=LinearConstraint(A, lo, hi),
        integrality=np.ones(R * P),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"no plan found: {res.message}")
    x = np.round(res.x).reshape(R, P)
    plan = [[[int(iu[p]), int(ju[p])] for p in np.flatnonzero(x[r])] for r in range(R)]
    value = float(sum(W[a, b] for tables in plan for a, b in tables))
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual if dual is not None else res.fun)
    return plan, value, max(bound, value), bool(res.status == 0)


# ---------------------------------------------------------------------------
# the plan of a meeting in the network
# ---------------------------------------------------------------------------
@dataclass
class MeetingPlan:
    """A seating plan with the reasons of every pair; ``to_dict`` is the ``meeting_plan`` record."""

    meeting: str
    format: str
    table_size: int
    rounds: list[list[list[str]]]
    score: float
    pairs: list[dict[str, Any]] = field(default_factory=list)
    locked: list[dict[str, Any]] = field(default_factory=list)
    themes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    objective: float | None = None
    upper_bound: float | None = None
    created_at: str = ""
    created_by: str = ""
    #: pairs that meet more than once (``{"orgs": [a, b], "rounds": [...]}``): the best plan found had them
    repeats: list[dict[str, Any]] = field(default_factory=list)
    #: staff accepted the repeats (who, or ""); only then can such a plan be published
    repeats_accepted_by: str = ""
    #: how the plan was searched: ``{"time_limit": seconds, "seed": ..., "found_by": "weighted"|"design"|"tabu"}``
    search: dict[str, Any] = field(default_factory=dict)
    #: when and by whom staff published the plan to the representatives ("" = not published)
    published_at: str = ""
    published_by: str = ""
    _source: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "meeting": self.meeting,
            "format": self.format,
            "table_size": self.table_size,
            "rounds": [[list(t) for t in tables] for tables in self.rounds],
            "score": self.score,
            "objective": self.objective,
            "upper_bound": self.upper_bound,
            "pairs": [dict(p) for p in self.pairs],
            "locked": [dict(x) for x in self.locked],
            "themes": [dict(x) for x in self.themes],
            "warnings": [dict(w) for w in self.warnings],
            "created_at": self.created_at,
            "created_by": self.created_by,
            **({"repeats": [dict(x) for x in self.repeats]} if self.repeats else {}),
            **({"repeats_accepted_by": self.repeats_accepted_by} if self.repeats_accepted_by else {}),
            **({"search": dict(self.search)} if self.search else {}),
            **({"published_at": self.published_at, "published_by": self.published_by} if self.published_at else {}),
        }

    @property
    def publishable(self) -> bool:
        """Without repeated pairs, or with repeats that staff accepted."""
        return not self.repeats or bool(self.repeats_accepted_by)

    def theme(self, table: int) -> str | None:
        """Topic id of table number ``table`` (1-based), if themed."""
        return next((th["topic"] for th in self.themes if th["table"] == table), None)

    def is_locked(self, round: int, table: int) -> bool:
        return any(x["round"] == round and x["table"] == table for x in self.locked)

    def agenda(self, org: str) -> list[dict[str, Any]]:
        """Per round the table, the table mates and, per mate, the reasons from ``org``'s side.

        >>> plan = MeetingPlan("m", "pairs", 2, [[["a", "b"]]], 0.3, pairs=[{"round": 1, "table": 1, "a": "a",
        ...     "b": "b", "score": 0.3, "reasons": [{"kind": "they_offer_what_you_need", "weight": 0.3}]}])
        >>> plan.agenda("b")[0]["with"][0]["reasons"][0]["kind"]
        'you_offer_what_they_need'
        """
        by_pair = {(p["round"], p["a"], p["b"]): p for p in self.pairs}
        out = []
        for r, tables in enumerate(self.rounds, start=1):
            for t, members in enumerate(tables, start=1):
                if org not in members:
                    continue
                mates = []
                for other in members:
                    if other == org:
                        continue
                    a, b = sorted((org, other))
                    p = by_pair.get((r, a, b), {})
                    reasons = p.get("reasons", [])
                    if org == b:
                        reasons = [{**x, "kind": _FLIP.get(x["kind"], x["kind"])} for x in reasons]
                    mates.append(
                        {"org": other, "score": p.get("score", 0.0), "reasons": reasons, "history": p.get("history")}
                    )
                mates.sort(key=lambda m: -m["score"])
                out.append({"round": r, "table": t, "theme": self.theme(t), "with": mates})
        return out

    def pair_set(self) -> set[tuple[str, str]]:
        """Every pair that sits together in some round (sorted ids)."""
        return {
            cast("tuple[str, str]", tuple(sorted((a, b))))
            for tables in self.rounds
            for t in tables
            for x, a in enumerate(t)
            for b in t[x + 1 :]
        }


def parse_plan(data: Any, where: str = "") -> tuple[MeetingPlan | None, list[Issue]]:
    """Validate a stored ``meeting_plan`` record; returns ``(plan or None, issues)``.

    Checks the shape, that nobody sits twice in a round and that no pair meets twice (unless the
    record lists the pair under ``repeats``: a best plan with repeats, kept for staff to decide).

    >>> plan, issues = parse_plan({"meeting": "m", "format": "tables", "table_size": 2,
    ...                            "rounds": [[["a", "b"]], [["b", "a"]]], "score": 1})
    >>> plan, [i.reason for i in issues]
    (None, ['a and b meet again (first in round 1)'])
    """
    issues: list[Issue] = []

    def err(fname: str, value: Any, reason: str) -> None:
        issues.append(Issue(fname, value, reason, where=where))

    if not isinstance(data, Mapping):
        return None, [Issue("meeting_plan", data, "must be an object", where=where)]
    known = {
        "meeting",
        "format",
        "table_size",
        "rounds",
        "score",
        "objective",
        "upper_bound",
        "pairs",
        "locked",
        "themes",
        "warnings",
        "created_at",
        "created_by",
        "repeats",
        "repeats_accepted_by",
        "search",
        "published_at",
        "published_by",
    }
    for key in data:
        if key not in known:
            err(str(key), data[key], "unknown field")
    meeting = data.get("meeting")
    if not isinstance(meeting, str) or not meeting:
        err("meeting", meeting, "must be the meeting id")
    fmt = data.get("format", "tables")
    if fmt not in MEETING_FORMATS:
        err("format", fmt, "must be one of " + ", ".join(MEETING_FORMATS))
    k = data.get("table_size", 4)
    if not isinstance(k, int) or isinstance(k, bool) or not TABLE_SIZE_RANGE[0] <= k <= TABLE_SIZE_RANGE[1]:
        err("table_size", k, "must be between 2 and 8")
    rounds = data.get("rounds")
    met: dict[tuple[str, str], int] = {}
    declared = {tuple(sorted(x.get("orgs") or [])) for x in data.get("repeats") or [] if isinstance(x, Mapping)}
    if not isinstance(rounds, list) or not rounds:
        err("rounds", rounds, "must be a list of rounds, each a list of tables (lists of organisation ids)")
        rounds = []
    for r, tables in enumerate(rounds, start=1):
        if not isinstance(tables, list) or not all(
            isinstance(t, list) and t and all(isinstance(o, str) for o in t) for t in tables
        ):
            err(f"rounds[{r - 1}]", tables, "must be a list of tables, each a non-empty list of organisation ids")
            continue
        seen: set[str] = set()
        for t in tables:
            for x, a in enumerate(t):
                if a in seen:
                    err(f"rounds[{r - 1}]", a, f"sits at two tables in round {r}")
                seen.add(a)
                for b in t[x + 1 :]:
                    pair = (min(a, b), max(a, b))
                    if pair in met and pair not in declared:
                        err(
                            f"rounds[{r - 1}]",
                            list(pair),
                            f"{pair[0]} and {pair[1]} meet again (first in round {met[pair]})",
                        )
                    met.setdefault(pair, r)
    score = data.get("score")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not math.isfinite(score):
        err("score", score, "must be a number")
    for name in ("pairs", "locked", "themes", "warnings", "repeats"):
        value = data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(x, Mapping) for x in value):
            err(name, value, "must be a list of objects")
    for x, lk in enumerate(data.get("locked") or []):
        if isinstance(lk, Mapping) and not (
            isinstance(lk.get("round"), int) and isinstance(lk.get("table"), int) and isinstance(lk.get("orgs"), list)
        ):
            err(f"locked[{x}]", lk, "must have 'round', 'table' and 'orgs'")
    for name in ("objective", "upper_bound"):
        v = data.get(name)
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            err(name, v, "must be a number or null")
    if issues:
        return None, issues
    return MeetingPlan(
        meeting=cast(str, meeting),
        format=fmt,
        table_size=k,
        rounds=[[list(t) for t in tables] for tables in rounds],
        score=float(cast(float, score)),
        pairs=[dict(p) for p in data.get("pairs") or []],
        locked=[
            {"round": lk["round"], "table": lk["table"], "orgs": list(lk["orgs"])} for lk in data.get("locked") or []
        ],
        themes=[dict(x) for x in data.get("themes") or []],
        warnings=[dict(w) for w in data.get("warnings") or []],
        objective=data.get("objective"),
        upper_bound=data.get("upper_bound"),
        created_at=str(data.get("created_at") or ""),
        created_by=str(data.get("created_by") or ""),
        repeats=[dict(x) for x in data.get("repeats") or [] if isinstance(x, Mapping)],
        repeats_accepted_by=str(data.get("repeats_accepted_by") or ""),
        search=dict(data.get("search") or {}) if isinstance(data.get("search"), Mapping) else {},
        published_at=str(data.get("published_at") or ""),
        published_by=str(data.get("published_by") or ""),
    ), []


def meeting_score_matrix(model: Any, ids: Sequence[str]) -> np.ndarray:
    """The ``n x n`` match scores of ``ids`` from a fitted `MatchingModel` (vectorised over all pairs).

    The score rule of every suggestion (`matching._score.combine`), in double precision: the weighted
    content signals, plus bridging where some content signal is positive. Pairs that already
    cooperate are *not* blocked here (the planner penalises them as history instead).
    """
    n = len(ids)
    out = np.zeros((n, n))
    if n < 2:
        return out
    iu, ju = np.triu_indices(n, 1)
    ids = list(ids)
    sig = model.pair_signals([ids[i] for i in iu], [ids[j] for j in ju]).astype(np.float64)
    score = combine(sig, model.weights_)
    out[iu, ju] = score
    out[ju, iu] = score
    return out


def _history(
    model: Any, snapshot: Snapshot, ids: list[str], extra: Iterable[Sequence[str]]
) -> tuple[np.ndarray, dict[tuple[int, int], str]]:
    """Pairs of attendees that cooperate, met (introductions met/cooperating, or introduced and at one
    meeting), declined an introduction, or sat together in an earlier plan (``extra``)."""
    n = len(ids)
    rows = np.asarray([snapshot.index[x] for x in ids], dtype=np.int64)
    kind: dict[tuple[int, int], str] = {}
    declined = model.blocked_ - model.signals_.adj - sp.identity(snapshot.n, format="csr")
    sources = [
        ("earlier_meeting", None),
        ("declined", declined),
        ("met", model.met_),
        ("cooperating", model.signals_.adj),
    ]
    local = {x: i for i, x in enumerate(ids)}
    for a, b in extra:
        if a in local and b in local and a != b:
            i, j = sorted((local[a], local[b]))
            kind[(i, j)] = "earlier_meeting"
    for name, m in sources[1:]:
        sub = sp.csr_matrix(m)[rows][:, rows]
        sub = sp.triu(sub, k=1).tocoo()
        for i, j, v in zip(sub.row.tolist(), sub.col.tolist(), sub.data.tolist(), strict=True):
            if v > 0:
                kind[(i, j)] = name  # later sources are stronger
    hist = np.zeros((n, n), dtype=bool)
    for i, j in kind:
        hist[i, j] = hist[j, i] = True
    return hist, kind


def plan_meeting(
    snapshot: Snapshot,
    meeting: Meeting,
    *,
    weights: Mapping[str, float] | None = None,
    history: Iterable[Sequence[str]] = (),
    created_by: str = "",
    **params: Any,
) -> MeetingPlan:
    """Plan ``meeting`` (a `graph.Meeting`) on the network ``snapshot``.

    ``history``: pairs seated together at earlier meetings (from earlier ``meeting_plan`` records);
    together with cooperations, met/cooperating introductions and declined ones they are avoided
    by ``repeat_penalty``. ``params`` go to `MeetingPlanner`. Raises `graph.ValidationError` for an
    unknown attendee or constraints that cannot all hold.

    Example
    -------
    >>> from graph import parse_network, build_snapshot
    >>> net = parse_network({"organisations": [
    ...     {"id": o, "name": o.upper(), "kind": k, "topics": t, "languages": ["de"]} for o, k, t in [
    ...     ("a", "migrant_organisation", ["sport"]), ("b", "education", ["sport"]),
    ...     ("c", "migrant_organisation", ["music"]), ("d", "education", ["music"])]]})
    >>> m = Meeting("m", "Treffen", attendance=["a", "b", "c", "d"], format="pairs", table_size=2)
    >>> plan = plan_meeting(build_snapshot(net, today="2025-01-01"), m)
    >>> plan.rounds, [r["kind"] for r in plan.pairs[0]["reasons"]]
    ([[['a', 'b'], ['c', 'd']]], ['shared_topics'])
    """
    from ._suggest import matching_model

    ids = list(dict.fromkeys(meeting.attendance))
    unknown = [x for x in ids if x not in snapshot.index]
    if unknown:
        raise ValidationError(
            [
                Issue("attendance", x, "unknown organisation", where=f"meeting {meeting.id}", code="unknown_ref")
                for x in unknown
            ]
        )
    model = matching_model(snapshot, weights=weights)
    S = meeting_score_matrix(model, ids)
    history = [tuple(p) for p in history]
    hist, hist_kind = _history(model, snapshot, ids, history)
    orgs = snapshot.orgs
    languages = [set(orgs[x].languages) for x in ids]
    is_mo = np.asarray([orgs[x].kind == "migrant_organisation" for x in ids])
    affinity = {}
    for th in meeting.themes:
        topic = th["topic"]
        affinity[topic] = np.asarray([topic in orgs[x].topics for x in ids])
    planner = MeetingPlanner(
        rounds=meeting.rounds,
        format=meeting.format,
        table_size=meeting.table_size,
        must_meet=meeting.must_meet,
        must_not_meet=meeting.must_not_meet,
        locked=meeting.locked,
        themes=meeting.themes,
        **params,
    )
    planner.fit(S, ids, history=hist, languages=languages, is_mo=is_mo, affinity=affinity)
    # reasons of every seated pair, from the side of the smaller id
    index = {x: i for i, x in enumerate(ids)}
    seated = []
    for r, tables in enumerate(planner.rounds_, start=1):
        for t, members in enumerate(tables, start=1):
            for x, a in enumerate(members):
                for b in members[x + 1 :]:
                    a_, b_ = sorted((a, b))
                    seated.append((r, t, a_, b_))
    rows = np.asarray([snapshot.index[a] for _, _, a, _ in seated], dtype=np.int64)
    cols = np.asarray([snapshot.index[b] for _, _, _, b in seated], dtype=np.int64)
    vecs: np.ndarray | list[np.ndarray] = model.signals_.pairs(rows, cols) if len(seated) else []
    pairs = []
    for (r, t, a, b), i, j, vec in zip(seated, rows.tolist(), cols.tolist(), vecs, strict=True):
        reasons = model.reasons(i, j, vec)
        p: dict[str, Any] = {
            "round": r,
            "table": t,
            "a": a,
            "b": b,
            "score": round(float(S[index[a], index[b]]), 4),
            "reasons": reasons,
        }
        h = hist_kind.get(cast("tuple[int, int]", tuple(sorted((index[a], index[b])))))
        if h:
            p["history"] = h
            reasons.append({"kind": "already_met", "weight": 0.0, "history": h})
        pairs.append(p)
    n = len(ids)
    plan = MeetingPlan(
        meeting=meeting.id,
        format=meeting.format,
        table_size=planner.k_,
        rounds=planner.rounds_,
        score=round(planner.score_, 4),
        pairs=pairs,
        locked=[{"round": x["round"], "table": x["table"], "orgs": list(x["orgs"])} for x in meeting.locked],
        themes=[dict(x) for x in meeting.themes],
        warnings=planner.warnings_,
        objective=round(planner.objective_, 4),
        upper_bound=round(score_upper_bound(S, table_sizes(n, planner.k_), meeting.rounds), 4),
        created_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        created_by=created_by,
        repeats=planner.repeats_,
        search={"time_limit": planner.time_limit, "seed": planner.seed, "found_by": planner.search_["seed"]},
    )
    plan._source = (snapshot, meeting, {"weights": weights, "history": history, "created_by": created_by, **params})
    return plan


def replan(
    plan: MeetingPlan,
    locked: Sequence[Mapping[str, Any]] | None = None,
    *,
    snapshot: Snapshot | None = None,
    meeting: Meeting | None = None,
    **kwargs: Any,
) -> MeetingPlan:
    """Keep the ``locked`` tables and re-optimise all others.

    ``locked``: ``{"round": r, "table": t}`` to lock a table of ``plan`` as it is, or with ``"orgs"`` to
    fix it as given (a moved table); ``None`` keeps ``plan.locked``. The list replaces the plan's
    locks. A plan from `plan_meeting` remembers its inputs; a stored plan needs ``snapshot`` and
    ``meeting`` (and ``kwargs`` for `plan_meeting`). Raises `graph.ValidationError` for locks that
    conflict.

    Example
    -------
    >>> import numpy as np
    >>> from graph import parse_network, build_snapshot
    >>> net = parse_network({"organisations": [{"id": f"o{i}", "name": f"O{i}", "kind": "education",
    ...     "topics": ["sport"] if i % 2 else ["music"]} for i in range(9)]})
    >>> m = Meeting("m", "T", attendance=[f"o{i}" for i in range(9)], rounds=2, table_size=3)
    >>> plan = plan_meeting(build_snapshot(net, today="2025-01-01"), m)
    >>> again = replan(plan, [{"round": 2, "table": 1, "orgs": ["o0", "o1"]}])
    >>> again.rounds[1][0], again.locked
    (['o0', 'o1'], [{'round': 2, 'table': 1, 'orgs': ['o0', 'o1']}])
    """
    if locked is None:
        locked = plan.locked
    fixed = []
    for x, lk in enumerate(locked):
        r, t = lk.get("round"), lk.get("table")
        orgs = lk.get("orgs")
        if orgs is None:
            if not (
                isinstance(r, int)
                and isinstance(t, int)
                and 1 <= r <= len(plan.rounds)
                and 1 <= t <= len(plan.rounds[r - 1])
            ):
                raise ValidationError(
                    Issue(f"locked[{x}]", dict(lk), "names no table of the plan", code="out_of_range")
                )
            orgs = plan.rounds[r - 1][t - 1]
        fixed.append({"round": r, "table": t, "orgs": list(orgs)})
    if snapshot is None or meeting is None:
        if plan._source is None:
            raise ValueError("this plan does not remember its inputs: pass snapshot and meeting")
        snapshot, meeting, params = plan._source
        params = {**params, **kwargs}
    else:
        params = kwargs
    # validate the locks together with the meeting's constraints (precise messages)
    doc = meeting.to_dict()
    doc["locked"] = fixed
    checked, issues = parse_meeting(doc, None, where=f"meeting {meeting.id}")
    if checked is None:
        raise ValidationError(issues)
    return plan_meeting(snapshot, replace(meeting, locked=checked.locked), **params)
