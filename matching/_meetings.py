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
Modules
    This module re-exports the meeting planner's names from its parts: `matching._meetings_sizes`
    (table sizes, round and score bounds), `matching._meetings_search` (the search for one round),
    `matching._meetings_planner` (`MeetingPlanner`, all rounds), `matching._meetings_exact` (exact
    plans of small instances) and `matching._meetings_plan` (`plan_meeting`, `replan`,
    `MeetingPlan`, `parse_plan`: meetings of the network).

Example
-------
>>> import numpy as np
>>> s = np.array([[0, 9, 2, 1], [9, 0, 1, 1], [2, 1, 0, 5], [1, 1, 5, 0]], dtype=float)
>>> planner = MeetingPlanner(rounds=2, format="pairs").fit(s, ["a", "b", "c", "d"])
>>> planner.rounds_, planner.score_
([[['a', 'b'], ['c', 'd']], [['a', 'c'], ['b', 'd']]], 17.0)
"""

from __future__ import annotations

from ._meetings_exact import _exact_pairs as _exact_pairs
from ._meetings_exact import exact_meeting_plan
from ._meetings_plan import _FLIP as _FLIP
from ._meetings_plan import HISTORY_KINDS as HISTORY_KINDS
from ._meetings_plan import MeetingPlan, meeting_score_matrix, parse_plan, plan_meeting, replan
from ._meetings_plan import _history as _history
from ._meetings_planner import DEFAULT_TIME_LIMIT as DEFAULT_TIME_LIMIT
from ._meetings_planner import SEARCH_SHARE as SEARCH_SHARE
from ._meetings_planner import MeetingPlanner
from ._meetings_search import _BIG as _BIG
from ._meetings_search import _EPS as _EPS
from ._meetings_search import _MUST as _MUST
from ._meetings_search import _pairs_round as _pairs_round
from ._meetings_search import _Tables as _Tables
from ._meetings_sizes import _balanced as _balanced
from ._meetings_sizes import max_rounds, rounds_bound, score_upper_bound, table_sizes

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
