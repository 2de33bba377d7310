"""Exchange meetings: `MeetingPlanner`, the plan of all rounds on a matrix of pair scores (pure, no I/O).

The objective, the constraints and the algorithm are described in `matching._meetings`;
`matching._meetings_search` holds the search for one round, `matching._golfers` the search for
a schedule without repeated pairs.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from graph import Issue, ValidationError
from graph.model import MEETING_FORMATS, TABLE_SIZE_RANGE

from ._golfers import TABU_MOVE_MS, moves_for, relabel, schedule_search
from ._golfers import repeats as golfer_repeats
from ._meetings_search import _BIG, _EPS, _MUST, _pairs_round, _Tables
from ._meetings_sizes import max_rounds, table_sizes

__all__ = ["DEFAULT_TIME_LIMIT", "SEARCH_SHARE", "MeetingPlanner"]

#: seconds of the search (`MeetingPlanner.time_limit`): with it ~60 attendees are planned within 10 s
DEFAULT_TIME_LIMIT = 8.0
#: share of the time limit that the search for a plan without repeated pairs gets (as moves)
SEARCH_SHARE = 0.75


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
        self._validate_locked(index, ids, issues)
        self._validate_must_capacity(n, k, ids, issues)
        if issues:
            raise ValidationError(issues)

    def _validate_locked(self, index: dict[str, int], ids: list[str], issues: list[Issue]) -> None:
        """``locked_`` (round -> table -> members) from ``locked``; problems go to ``issues``."""
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

    def _validate_must_capacity(self, n: int, k: int, ids: list[str], issues: list[Issue]) -> None:
        """Must-meet pairs that cannot all be seated: too many for one organisation, or for one table."""
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
        hist = np.zeros((n, n), dtype=bool) if history is None else np.asarray(history, dtype=bool)
        W, masks = self._pair_weights(S, hist, languages)
        mo = np.zeros(n, dtype=bool) if is_mo is None else np.asarray(is_mo, dtype=bool)
        plan_sizes, cols_by_round, free_by_round = self._layout(n, ids)
        n_tables = max((len(s) + len(self.locked_.get(r, {})) for r, s in enumerate(plan_sizes)), default=1)
        aff = self._theme_affinity(n, n_tables, affinity)
        must = np.zeros((n, n), dtype=bool)
        for a, b in self.must_:
            must[a, b] = must[b, a] = True
        self._W, self._aff = W, aff
        tables_only = self.format == "tables"
        search = _Tables(
            W,
            aff,
            masks,
            mo,
            self.language_penalty if tables_only else 0.0,
            self.mix_weight if tables_only else 0.0,
            rng,
        )
        rounds = _Rounds(self, W, search, rng, deadline, plan_sizes, cols_by_round, free_by_round, must)
        plan = rounds.weighted_plan(S)
        plan, self.search_ = rounds.without_repeats(plan)
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
        self.score_ = round(float(sum(S[a, b] for tables in out for a, b in _pairs_of(tables))), 6)
        self.objective_ = round(self._objective(out, search, W), 6)
        self.sizes_ = [table_sizes(n, self.k_)] if n >= 2 else [[n]]
        self.warnings_ = self._warnings(out, ids, search, hist)
        self.scores_ = S
        return self

    def _pair_weights(
        self, S: np.ndarray, hist: np.ndarray, languages: Sequence[Iterable[str]] | None
    ) -> tuple[np.ndarray, list[int]]:
        """``W``: the scores minus the penalties of pairs that met or share no language, must-not pairs
        at ``-_BIG``; and each attendee's languages as a bit mask (for the table terms)."""
        n = S.shape[0]
        W = S.copy()
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
        np.fill_diagonal(W, 0.0)
        for a, b in self.must_not_:
            W[a, b] = W[b, a] = -_BIG
        return W, masks

    def _layout(self, n: int, ids: list[str]) -> tuple[list[list[int]], list[list[int]], list[np.ndarray]]:
        """Per round: the sizes of the free tables, their table numbers (locked ones skipped) and who is free."""
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
        return plan_sizes, cols_by_round, free_by_round

    def _theme_affinity(self, n: int, n_tables: int, affinity: Mapping[str, np.ndarray] | None) -> np.ndarray:
        """``n x tables``: ``theme_weight`` where an attendee works on the topic of a themed table."""
        aff = np.zeros((n, max(n_tables, 1)))
        for th in self.themes:
            t = int(th["table"]) - 1
            if 0 <= t < n_tables and affinity is not None and th["topic"] in affinity:
                aff[:, t] += self.theme_weight * np.asarray(affinity[th["topic"]], dtype=np.float64)
        return aff

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


def _pairs_of(tables: list[list[int]]) -> list[tuple[int, int]]:
    """Every pair seated together at ``tables`` (smaller index first)."""
    return [(min(a, b), max(a, b)) for t in tables for x, a in enumerate(t) for b in t[x + 1 :]]


class _Rounds:
    """The search over all rounds of one `MeetingPlanner.fit`: rounds planned one after the other,
    re-optimised with the others fixed, a large neighbourhood search across rounds, and the search
    for a schedule without repeated pairs (`matching._golfers`)."""

    def __init__(
        self,
        planner: MeetingPlanner,
        W: np.ndarray,
        search: _Tables,
        rng: np.random.Generator,
        deadline: float,
        plan_sizes: list[list[int]],
        cols_by_round: list[list[int]],
        free_by_round: list[np.ndarray],
        must: np.ndarray,
    ) -> None:
        self.p, self.W, self.search, self.rng, self.deadline = planner, W, search, rng, deadline
        self.plan_sizes, self.cols_by_round, self.free_by_round, self.must = (
            plan_sizes,
            cols_by_round,
            free_by_round,
            must,
        )
        self.n, self.rounds = W.shape[0], planner.rounds
        n = self.n
        self.kicks = planner.kicks if planner.kicks is not None else (30 if n <= 60 else 3 if n <= 100 else 0)
        self.locked_pairs = [_pairs_of(list(planner.locked_.get(r, {}).values())) for r in range(self.rounds)]
        self.must_set = set(planner.must_)
        # large neighbourhood search across rounds: forbid part of one round, repair all rounds
        budget = (600 if planner.format == "pairs" else 8_000) // (n * self.rounds)
        self.lns = planner.lns if planner.lns is not None else (0 if self.rounds == 1 or n > 100 else min(150, budget))

    def round_weights(self, r: int, plan: Sequence[list[list[int]] | None], lam: float = _BIG) -> np.ndarray:
        """``W`` for round ``r``: pairs seated in other rounds cost ``lam`` (forbidden at ``_BIG``), must-meet pairs
        that have not met get ``_MUST``."""
        n = self.n
        Wr = self.W.copy()
        used = np.zeros((n, n), dtype=bool)
        for q, tables in [*enumerate(plan), *((q, list(lk.values())) for q, lk in self.p.locked_.items())]:
            if q != r and tables is not None:
                for t in tables:
                    idx = np.asarray(t, dtype=np.int64)
                    used[np.ix_(idx, idx)] = True
        np.fill_diagonal(used, False)
        Wr[used] -= lam if lam < _BIG else _BIG + Wr[used]
        Wr[self.must & ~used] += _MUST
        return Wr

    def solve(
        self,
        r: int,
        plan: Sequence[list[list[int]] | None],
        start: list[list[int]] | None,
        n_kicks: int,
        forbid: Sequence[tuple[int, int]] = (),
        lam: float = _BIG,
    ) -> list[list[int]]:
        """Plan round ``r`` with the other rounds of ``plan`` fixed (from ``start`` when given)."""
        free = self.free_by_round[r]
        if not len(free):
            return []
        search = self.search
        search.W = self.round_weights(r, plan, lam)
        for a, b in forbid:
            search.W[a, b] = search.W[b, a] = -_BIG
        if self.p.format == "pairs":
            return _pairs_round(search.W, free, self.p.candidates, start)
        cols = self.cols_by_round[r]
        if start is None:
            start = search.greedy(free, self.plan_sizes[r], cols)
        return search.improve(start, cols, n_kicks)

    def total(self, plan: list[list[list[int]] | None]) -> float:
        """The objective of a plan, ``-_BIG`` per repeated pair, ``+_MUST`` per must-meet pair seated."""
        search = self.search
        search.W = self.W
        value, seen, repeats = 0.0, set(), 0
        for r, tables in enumerate(plan):
            value += search.objective(tables or [], self.cols_by_round[r])
            for pair in _pairs_of(tables or []) + self.locked_pairs[r]:
                repeats += pair in seen
                seen.add(pair)
        return value - _BIG * repeats + _MUST * len(self.must_set & seen)

    def weighted_plan(self, S: np.ndarray) -> list[list[list[int]] | None]:
        """Rounds one after the other, then (2+ rounds, up to 100 attendees) a penalty continuation:
        rounds first compete softly for the good pairs, then repeats get forbidden; the better plan wins."""
        solve, kicks, R = self.solve, self.kicks, self.rounds
        plan: list[list[list[int]] | None] = [None] * R
        for r in range(R):
            plan[r] = solve(r, plan, None, kicks)
        if 1 < R and self.n <= 100:
            scale = float(np.abs(S).max()) or 1.0
            plan_soft: list[list[list[int]] | None] = [None] * R
            for r in range(R):
                plan_soft[r] = solve(r, plan_soft, None, 0, lam=0.0)
            for lam in (0.1, 0.3, 1.0, 3.0):
                for r in range(R):
                    plan_soft[r] = solve(r, plan_soft, plan_soft[r], 0, lam=lam * scale)
            for r in range(R):
                plan_soft[r] = solve(r, plan_soft, plan_soft[r], kicks)
            for _ in range(self.p.passes):
                for r in range(R):
                    plan[r] = solve(r, plan, plan[r], kicks)
                    plan_soft[r] = solve(r, plan_soft, plan_soft[r], kicks)
            if self.total(plan_soft) > self.total(plan):
                plan = plan_soft
        return plan

    def neighbourhood_search(self, plan: list, steps: int) -> tuple[list, float]:
        """Forbid part of one round, repair all rounds; keep the result when it scores more."""
        rng, solve, R = self.rng, self.solve, self.rounds
        best = self.total(plan)
        for _ in range(steps):
            if time.perf_counter() > self.deadline:
                break
            r = int(rng.integers(R))
            current = _pairs_of(plan[r] or [])
            if not current:
                continue
            pick = rng.choice(len(current), size=max(1, int(len(current) * self.p.destroy)), replace=False)
            cand = list(plan)
            cand[r] = solve(r, cand, plan[r], 0, [current[x] for x in pick])
            for q in rng.permutation(R).tolist():
                if q != r:
                    cand[q] = solve(q, cand, cand[q], 0)
            cand[r] = solve(r, cand, cand[r], 0)
            value = self.total(cand)
            if value > best + _EPS:
                plan, best = cand, value
        return plan, best

    def without_repeats(self, plan: list) -> tuple[list, dict[str, Any]]:
        """No pair twice: when the weighted search left repeats, a construction, the rotational or the
        tabu search (`schedule_search`) finds a schedule without them, which the weighted search then
        improves; the cross-round search runs once, on the plan that is kept.

        Returns the plan and how the rule was met (`MeetingPlanner.search_`).
        """
        p, n, R = self.p, self.n, self.rounds
        base = np.zeros((n, n), dtype=np.int64)
        for r in range(R):
            for a, b in self.locked_pairs[r]:
                base[a, b] += 1
                base[b, a] += 1
        for a, b in p.must_not_:
            base[a, b] += 1
            base[b, a] += 1
        left = golfer_repeats([t for tables in plan for t in [tables or []]], n, base)
        if not left:
            plan, _ = self.neighbourhood_search(plan, self.lns)
        how_met = {"seed": "weighted", "repeats_after_weighted": left, "repeats": left}
        if not (left and n >= 2):
            return plan, how_met
        seeds = [[[int(x) for x in t] for t in tables or []] for tables in plan]
        complete = not p.locked_ and all(s == self.plan_sizes[0] for s in self.plan_sizes)
        found, left_now, how = schedule_search(
            seeds,
            n,
            base=base,
            complete=complete,
            seed=p.seed,
            budget=SEARCH_SHARE * float(p.time_limit),
            time_limit=max(0.1, self.deadline - time.perf_counter()),
            iterations=p.iterations,
        )
        how_met = {"seed": how, "repeats_after_weighted": left, "repeats": left_now}
        if left_now >= left:
            return self.neighbourhood_search(plan, self.lns)[0], how_met
        if not p.locked_:  # renaming keeps the rule (must-not pairs weigh -_BIG in W)
            found = relabel(found, self.W, seed=p.seed, kicks=self.kicks)
        cand = [list(map(list, tables)) for tables in found]
        # the weighted improvement keeps the rule: repeats cost _BIG in every move
        for _ in range(max(1, p.passes)):
            for r in range(R):
                cand[r] = self.solve(r, cand, cand[r], self.kicks)
        return self.neighbourhood_search(cand, self.lns)[0], how_met
