"""The no-repeat search: constructions, the tabu search, proven bounds, and the planner that uses them."""

from __future__ import annotations

import numpy as np
import pytest

from graph import ValidationError
from matching import MeetingPlanner, max_rounds
from matching._golfers import KNOWN_MAXIMA, design, golfer_search, repeats, round_bound


def valid_schedule(rounds, n, k):
    for tables in rounds:
        assert sorted(x for t in tables for x in t) == list(range(n))
        assert all(len(t) == k for t in tables)


@pytest.mark.parametrize(
    ("g", "k", "rounds"),
    [
        (3, 3, 4),
        (4, 4, 5),
        (5, 5, 6),
        (5, 3, 7),
        (5, 4, 5),
        (8, 4, 9),
        (9, 4, 9),
        (9, 3, 13),
        (7, 3, 7),
        (8, 2, 15),
        (7, 7, 8),
        (8, 8, 9),
        (4, 2, 7),
    ],
)
def test_constructions_have_no_repeats(g, k, rounds):
    made = design([k] * g, rounds)
    assert made is not None and len(made) == rounds
    valid_schedule(made, g * k, k)
    assert repeats(made, g * k) == 0


def test_no_construction_where_none_is_known():
    assert design([4] * 6, 7) is None
    assert design([4, 4, 3], 2) is None
    assert design([4] * 8, 10) is None


def test_bounds_state_the_reason():
    assert round_bound([3] * 5) == (7, "partners")
    assert round_bound([4] * 5) == (5, "known")  # 20 at tables of 4: 6 rounds are proven impossible
    assert round_bound([6] * 6) == (3, "known")  # no two orthogonal Latin squares of order 6
    assert round_bound([4, 4]) == (1, "tables")
    for (g, k), most in KNOWN_MAXIMA.items():
        assert most < (g * k - 1) // (k - 1)
        assert max_rounds(g * k, k) == most


def random_start(g, k, rounds, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(rounds):
        p = rng.permutation(g * k).tolist()
        out.append([p[t * k : (t + 1) * k] for t in range(g)])
    return out


@pytest.mark.parametrize(("g", "k", "rounds"), [(5, 3, 7), (10, 4, 9), (10, 3, 9), (7, 5, 5)])
def test_tabu_search_solves_known_instances_from_random_starts(g, k, rounds):
    start = random_start(g, k, rounds, 3)
    assert repeats(start, g * k) > 0
    plan, left = golfer_search(start, g * k, seed=0, iterations=20_000)
    assert left == 0 and repeats(plan, g * k) == 0
    valid_schedule(plan, g * k, k)


def test_tabu_search_is_deterministic_and_keeps_the_best():
    start = random_start(6, 4, 7, 0)  # hard: not solved in this budget
    a = golfer_search(start, 24, seed=5, iterations=400)
    b = golfer_search(start, 24, seed=5, iterations=400)
    assert a == b
    assert a[1] == repeats(a[0], 24) < repeats(start, 24)


def test_tabu_search_respects_base_counts_and_missing_organisations():
    # 0 and 1 may never meet (base 1); organisation 8 is locked elsewhere in round 2
    base = np.zeros((9, 9), dtype=int)
    base[0, 1] = base[1, 0] = 1
    start = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 3, 6], [1, 4, 7], [2, 5]]]
    plan, left = golfer_search(start, 9, base=base, seed=0, iterations=2000)
    assert left == 0
    assert all(not {0, 1} <= set(t) for r in plan for t in r)
    assert all(8 not in t for t in plan[1]) and [len(t) for t in plan[1]] == [3, 3, 2]


@pytest.mark.parametrize(("n", "k", "rounds"), [(15, 3, 7), (20, 4, 5), (32, 4, 9), (36, 4, 9), (16, 4, 5)])
def test_planner_finds_the_published_plans(n, k, rounds):
    planner = MeetingPlanner(rounds=rounds, table_size=k).fit(np.zeros((n, n)))
    assert planner.repeats_ == []
    pairs = [tuple(sorted((a, b))) for r in planner.tables_ for t in r for x, a in enumerate(t) for b in t[x + 1 :]]
    assert len(pairs) == len(set(pairs))


def test_planner_reports_the_repeats_of_its_best_plan():
    planner = MeetingPlanner(rounds=10, table_size=4, iterations=300).fit(np.zeros((32, 32)))
    assert planner.repeats_, "32 at tables of 4 for 10 rounds needs Aguado's construction"
    codes = [w for w in planner.warnings_ if w["code"] == "repeated_pair"]
    assert len(codes) == sum(len(r["rounds"]) - 1 for r in planner.repeats_)
    assert all(w["first_round"] < w["round"] for w in codes)


def test_proven_impossible_is_refused_with_the_bound():
    with pytest.raises(ValidationError) as err:
        MeetingPlanner(rounds=6, table_size=4).fit(np.zeros((20, 20)))
    assert err.value.issues[0].code == "too_many_rounds" and "at most 5 rounds" in err.value.issues[0].reason


def test_weighted_improvement_after_a_construction_keeps_the_rule_and_gains():
    rng = np.random.default_rng(0)
    s = rng.random((20, 20))
    s = np.triu(s, 1) + np.triu(s, 1).T
    planner = MeetingPlanner(rounds=5, table_size=4).fit(s)  # 20 at tables of 4: the weighted search alone repeats
    assert planner.repeats_ == [] and planner.search_["repeats_after_weighted"] > 0
    assert planner.search_["seed"] == "design"
    plain = design([4] * 5, 5)
    assert planner.score_ > sum(s[a, b] for r in plain for t in r for x, a in enumerate(t) for b in t[x + 1 :])


def test_doubling_a_kirkman_system_gives_a_nearly_kirkman_system():
    from matching._golfers import _doubled, _equal_tables

    rounds = _doubled(_equal_tables(3, 3), 9)
    valid_schedule(rounds, 18, 3)
    assert len(rounds) == 8 and repeats(rounds, 18) == 0
    met = {tuple(sorted(p)) for r in rounds for t in r for p in [(t[0], t[1]), (t[0], t[2]), (t[1], t[2])]}
    assert len(met) == 18 * 17 // 2 - 9  # everybody meets everybody but their twin
    assert design([3] * 6, 8) is not None
    assert _doubled(_equal_tables(5, 3), 15) is None  # 7 rounds: they do not pair up


def test_rotational_shapes_and_search():
    from matching._golfers import rotational_search, rotations

    assert rotations([4] * 7, 9)[0] == (9, 3, 1)
    assert all(m * c + f == 28 and m >= 9 and f <= 7 for m, c, f in rotations([4] * 7, 9))
    plan, left = rotational_search([4] * 6, 7, (7, 3, 3), seed=0, iterations=20_000)
    assert left == 0 and repeats(plan, 24) == 0
    valid_schedule(plan, 24, 4)
    again = rotational_search([4] * 6, 7, (7, 3, 3), seed=0, iterations=20_000)
    assert again == (plan, left)  # deterministic for a seed
    with pytest.raises(ValueError):
        rotational_search([4] * 6, 7, (7, 3, 4))


@pytest.mark.slow
@pytest.mark.parametrize(("n", "k", "rounds"), [(18, 3, 8), (21, 3, 9), (24, 4, 7), (28, 4, 9), (30, 5, 6)])
def test_planner_solves_the_harder_published_instances(n, k, rounds):
    """Constructions (18 at 3: a doubled Kirkman system) and the rotational search, with default settings."""
    import time

    t0 = time.perf_counter()
    planner = MeetingPlanner(rounds=rounds, table_size=k).fit(np.zeros((n, n)))
    assert planner.repeats_ == [], planner.search_
    assert time.perf_counter() - t0 < 20  # the target is 10 s on two cores; leave room for a busy machine


@pytest.mark.slow
def test_planner_is_deterministic_for_a_seed():
    a = MeetingPlanner(rounds=9, table_size=3, seed=3).fit(np.zeros((21, 21)))
    b = MeetingPlanner(rounds=9, table_size=3, seed=3).fit(np.zeros((21, 21)))
    assert a.rounds_ == b.rounds_ and a.search_ == b.search_ and a.repeats_ == []


def test_rounds_bound_says_why():
    from matching import rounds_bound

    assert rounds_bound(9, 3) == (4, "partners")
    assert rounds_bound(12, 3) == (4, "known")
    assert rounds_bound(8, 4) == (1, "tables")
    with pytest.raises(ValidationError) as err:
        MeetingPlanner(rounds=5, table_size=3).fit(np.zeros((12, 12)))
    assert err.value.issues[0].code == "too_many_rounds"
