"""The exchange meeting planner: seating rules, constraints, optimality against exact solutions, replan."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pytest

from graph import Meeting, ValidationError, build_snapshot, parse_network
from graph.model import parse_meeting
from matching import (
    MeetingPlanner,
    exact_meeting_plan,
    max_rounds,
    parse_plan,
    plan_meeting,
    replan,
    score_upper_bound,
    table_sizes,
)

from .conftest import DEMO, org, snapshot_of

NO_TABLE_TERMS = {"mix_weight": 0.0, "language_penalty": 0.0, "pair_language_penalty": 0.0}


def random_scores(n: int, seed: int, density: float = 0.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = rng.random((n, n)) * (rng.random((n, n)) < density)
    s = np.triu(s, 1)
    return s + s.T


def pairs_of(rounds):
    return [tuple(sorted((a, b))) for tables in rounds for t in tables for x, a in enumerate(t) for b in t[x + 1 :]]


def value(scores, tables_by_round) -> float:
    return float(sum(scores[a, b] for a, b in pairs_of(tables_by_round)))


def check_valid(planner: MeetingPlanner, n: int, k: int) -> None:
    """Every attendee exactly once per round, no pair twice, sizes by `table_sizes` (k-1..k+1 where possible)."""
    pairs = pairs_of(planner.tables_)
    assert len(pairs) == len(set(pairs)), "a pair meets twice"
    for tables in planner.tables_:
        seated = sorted(i for t in tables for i in t)
        assert seated == list(range(n))
        sizes = sorted(len(t) for t in tables)
        assert sizes[-1] - sizes[0] <= 1
        assert sizes == sorted(table_sizes(n, k))
        if n > k + 1 and (n, k) != (11, 8):
            assert k - 1 <= sizes[0] and sizes[-1] <= k + 1, sizes


# -- sizes and bounds ---------------------------------------------------------
@pytest.mark.parametrize("n", range(2, 61))
@pytest.mark.parametrize("k", range(2, 9))
def test_table_sizes_rule(n, k):
    sizes = table_sizes(n, k)
    assert sum(sizes) == n and max(sizes) - min(sizes) <= 1 and min(sizes) >= 2
    if n <= k + 1:
        assert sizes == [n]
    elif not (k - 1 <= min(sizes) and max(sizes) <= k + 1):
        # the documented exceptions: neither ceil(n/k) nor floor(n/k) tables fit k-1..k+1; sizes stay <= k
        assert max(sizes) <= k and len(sizes) == -(-n // k)


def test_max_rounds():
    assert max_rounds(10, 2) == 9  # round robin
    assert max_rounds(8, 4) == 1  # two tables of four: a second round needs four first-round tables
    assert max_rounds(9, 3) == 4  # the affine plane of order 3
    assert max_rounds(200, 4) >= 6


# -- validity ----------------------------------------------------------------
@pytest.mark.parametrize(("n", "k", "rounds"), [(20, 4, 3), (23, 4, 4), (17, 3, 3), (30, 5, 4), (11, 8, 1)])
def test_tables_seat_everybody_once_and_never_repeat(n, k, rounds):
    planner = MeetingPlanner(rounds=rounds, table_size=k, seed=1).fit(random_scores(n, n))
    check_valid(planner, n, k)


@pytest.mark.parametrize(("n", "rounds"), [(12, 5), (13, 4), (7, 2)])
def test_pairs_rounds(n, rounds):
    planner = MeetingPlanner(rounds=rounds, format="pairs").fit(random_scores(n, n))
    check_valid(planner, n, 2)
    for tables in planner.tables_:
        assert sorted(len(t) for t in tables)[-1] == (3 if n % 2 else 2)


def test_round_robin_to_the_maximum():
    n = 8
    planner = MeetingPlanner(rounds=max_rounds(n, 2), format="pairs").fit(np.ones((n, n)))
    check_valid(planner, n, 2)
    assert len(set(pairs_of(planner.tables_))) == n * (n - 1) // 2


# -- optimality -------------------------------------------------------------
def all_partitions(items: list[int], sizes: list[int]):
    if not sizes:
        yield []
        return
    first, rest = items[0], items[1:]
    for others in itertools.combinations(rest, sizes[0] - 1):
        left = [x for x in rest if x not in others]
        for tail in all_partitions(left, sizes[1:]):
            yield [[first, *others], *tail]


@pytest.mark.parametrize(("n", "k"), [(8, 4), (9, 3), (10, 3), (12, 4)])
@pytest.mark.parametrize("seed", range(3))
def test_one_round_of_tables_is_within_3_percent_of_exhaustive_search(n, k, seed):
    s = random_scores(n, seed)
    sizes = table_sizes(n, k)
    best = max(value(s, [p]) for p in all_partitions(list(range(n)), sizes))
    got = MeetingPlanner(table_size=k, seed=seed, **NO_TABLE_TERMS).fit(s).score_
    assert got >= 0.97 * best - 1e-9, (got, best)


@pytest.mark.parametrize("seed", range(3))
def test_one_round_of_pairs_is_the_maximum_weight_matching(seed):
    import networkx as nx

    n = 40
    s = random_scores(n, seed, density=0.3)
    g = nx.Graph()
    g.add_weighted_edges_from((a, b, s[a, b] + 1.0) for a, b in itertools.combinations(range(n), 2))
    best = sum(s[a, b] for a, b in nx.max_weight_matching(g, maxcardinality=True))
    got = MeetingPlanner(format="pairs", candidates=8, **NO_TABLE_TERMS).fit(s).score_
    assert got >= 0.97 * best - 1e-9 and got <= best + 1e-6


@pytest.mark.parametrize(("n", "rounds"), [(10, 3), (12, 4), (16, 3)])
@pytest.mark.parametrize("seed", range(2))
def test_pair_rounds_are_within_3_percent_of_the_milp(n, rounds, seed):
    s = random_scores(n, seed)
    _, best, bound, optimal = exact_meeting_plan(s, [2] * (n // 2), rounds, time_limit=20)
    got = MeetingPlanner(rounds=rounds, format="pairs", **NO_TABLE_TERMS).fit(s).score_
    assert got >= 0.97 * (bound if optimal else best) - 1e-9, (got, best, bound)


@pytest.mark.parametrize("seed", range(3))
def test_table_rounds_are_within_3_percent_of_the_milp(seed):
    n, k, rounds = 9, 3, 2
    s = random_scores(n, seed)
    plan, best, bound, optimal = exact_meeting_plan(s, table_sizes(n, k), rounds, time_limit=20)
    assert len(set(pairs_of(plan))) == len(pairs_of(plan))
    got = MeetingPlanner(rounds=rounds, table_size=k, **NO_TABLE_TERMS).fit(s).score_
    assert got >= 0.97 * best - 1e-9 and got <= bound + 1e-6, (got, best, bound, optimal)


@pytest.mark.slow
@pytest.mark.parametrize(("n", "k", "rounds"), [(10, 3, 2), (12, 3, 2), (12, 4, 1)])
@pytest.mark.parametrize("seed", range(2))
def test_larger_table_rounds_against_the_milp(n, k, rounds, seed):
    s = random_scores(n, seed)
    # the solver's time limit bounds the suite's time; its incumbent is what the planner must match
    _, best, bound, _ = exact_meeting_plan(s, table_sizes(n, k), rounds, time_limit=20)
    got = MeetingPlanner(rounds=rounds, table_size=k, **NO_TABLE_TERMS).fit(s).score_
    assert got >= 0.97 * best - 1e-9, (got, best, bound)


def test_upper_bound_holds():
    s = random_scores(30, 3)
    planner = MeetingPlanner(rounds=3, table_size=4).fit(s)
    assert planner.score_ <= score_upper_bound(s, table_sizes(30, 4), 3) + 1e-9


# -- constraints -------------------------------------------------------------
def test_must_meet_and_must_not_meet_are_honoured():
    n = 16
    s = random_scores(n, 4)
    ids = [f"o{i}" for i in range(n)]
    best = {tuple(sorted((ids[a], ids[b]))) for a, b in pairs_of(MeetingPlanner(rounds=2).fit(s, ids).tables_)}
    forbid = sorted(best)[:3]
    must = [("o0", "o15"), ("o3", "o9")]
    planner = MeetingPlanner(rounds=2, must_meet=must, must_not_meet=forbid).fit(s, ids)
    seated = {tuple(sorted(p)) for p in pairs_of(planner.rounds_)}
    assert all(p in seated for p in must)
    assert not seated & set(forbid)


def test_history_is_avoided_but_not_forbidden():
    n = 4
    s = np.full((n, n), 0.5)
    s[0, 1] = s[1, 0] = 1.0
    hist = np.zeros((n, n), dtype=bool)
    hist[0, 1] = hist[1, 0] = True
    planner = MeetingPlanner(format="pairs", repeat_penalty=2.0).fit(s, history=hist)
    assert [0, 1] not in planner.tables_[0]
    # three rounds of four organisations: every pair must meet, history included
    planner = MeetingPlanner(format="pairs", rounds=3).fit(s, history=hist)
    assert any(w["code"] == "met_before" for w in planner.warnings_)


def test_tables_share_a_language():
    n = 16
    s = random_scores(n, 5)
    languages = [{"tr"}, {"ar"}] + [{"de", "tr", "ar"}] * 2 + [{"de", "tr"}] * 6 + [{"de", "ar"}] * 6
    planner = MeetingPlanner(rounds=2, table_size=4).fit(s, languages=languages)
    for tables in planner.tables_:
        for t in tables:
            assert set.intersection(*(languages[i] for i in t)), t
    assert not [w for w in planner.warnings_ if w["code"] == "no_common_language"]


def test_tables_mix_migrant_organisations_and_institutions():
    n = 16
    s = random_scores(n, 5)
    is_mo = np.asarray([i % 2 == 0 for i in range(n)])
    planner = MeetingPlanner(rounds=2, table_size=4, mix_weight=2.0).fit(s, is_mo=is_mo)
    for tables in planner.tables_:
        for t in tables:
            assert 0 < sum(is_mo[t]) < len(t)
    assert not planner.warnings_


def test_themes_draw_their_organisations():
    n = 12
    s = np.zeros((n, n))
    works = np.asarray([i < 4 for i in range(n)])
    planner = MeetingPlanner(table_size=4, themes=[{"table": 2, "topic": "sport"}]).fit(s, affinity={"sport": works})
    assert sorted(planner.tables_[0][1]) == [0, 1, 2, 3]


def test_locked_tables_are_kept():
    n = 16
    ids = [f"o{i}" for i in range(n)]
    locked = [{"round": 1, "table": 2, "orgs": ["o0", "o1", "o2"]}, {"round": 2, "table": 1, "orgs": ["o3", "o4"]}]
    planner = MeetingPlanner(rounds=2, table_size=4, locked=locked).fit(random_scores(n, 6), ids)
    check_sizes = [sorted(len(t) for t in r) for r in planner.tables_]
    assert check_sizes == [sorted([3, *table_sizes(13, 4)]), sorted([2, *table_sizes(14, 4)])]
    assert planner.rounds_[0][1] == ["o0", "o1", "o2"] and planner.rounds_[1][0] == ["o3", "o4"]
    pairs = pairs_of(planner.rounds_)
    assert len(pairs) == len(set(pairs))


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"rounds": 4, "table_size": 4}, "rounds", "at most 1 round"),
        ({"table_size": 9}, "table_size", "between 2 and 8"),
        ({"must_meet": [("o0", "o1")], "must_not_meet": [("o1", "o0")]}, "must_meet", "also in must_not_meet"),
        ({"must_meet": [("o0", "nobody")]}, "must_meet", "not among the attendees"),
        ({"format": "pairs", "must_meet": [("o0", "o1"), ("o0", "o2")]}, "must_meet", "allow at most 1"),
        (
            {"table_size": 2, "must_meet": [("o0", "o1"), ("o1", "o2"), ("o2", "o3"), ("o3", "o4")]},
            "must_meet",
            "at one table",
        ),
        (
            {"locked": [{"round": 1, "table": 1, "orgs": ["o0", "o1"]}], "must_not_meet": [("o0", "o1")]},
            "locked[0].orgs",
            "must_not_meet",
        ),
        ({"rounds": 1, "locked": [{"round": 2, "table": 1, "orgs": ["o0"]}]}, "locked[0].round", "between 1 and 1"),
    ],
)
def test_bad_input_names_the_conflict(params, field, words):
    ids = [f"o{i}" for i in range(8)]
    with pytest.raises(ValidationError) as err:
        MeetingPlanner(**params).fit(random_scores(8, 0), ids)
    assert any(i.field == field and words in i.reason for i in err.value.issues), err.value.issues


def test_too_many_rounds_says_the_maximum():
    with pytest.raises(ValidationError) as err:
        MeetingPlanner(rounds=10, format="pairs").fit(random_scores(10, 0))
    issue = err.value.issues[0]
    assert issue.code == "too_many_rounds" and "at most 9 rounds" in issue.reason


# -- the network: plan_meeting, reasons, replan, stored plans ---------------------
@pytest.fixture(scope="module")
def demo():
    net = parse_network(json.loads(DEMO.read_text(encoding="utf-8")))
    return build_snapshot(net, today="2025-12-01"), net


def test_demo_meeting_plan_with_reasons(demo):
    snap, net = demo
    meeting = replace(net.meetings[1], rounds=3, table_size=4)
    plan = plan_meeting(snap, meeting, seed=0)
    n = len(meeting.attendance)
    assert [sorted(o for t in r for o in t) for r in plan.rounds] == [sorted(meeting.attendance)] * 3
    assert len(plan.pair_set()) == len(pairs_of(plan.rounds))
    assert plan.score > 0 and plan.upper_bound >= plan.score
    assert len(plan.pairs) == len(pairs_of(plan.rounds))
    assert all(p["reasons"] for p in plan.pairs if p["score"] > 0)
    agenda = plan.agenda(meeting.attendance[0])
    assert [a["round"] for a in agenda] == [1, 2, 3]
    assert all(len(a["with"]) >= 2 for a in agenda)
    again, issues = parse_plan(json.loads(json.dumps(plan.to_dict())))
    assert not issues and again.rounds == plan.rounds and again.score == plan.score
    assert n == 31


def test_met_and_cooperating_pairs_are_not_seated_again(demo):
    snap, net = demo
    meeting = net.meetings[0]
    done = {tuple(sorted((i.a, i.b))) for i in net.introductions if i.status in ("met", "cooperating")}
    done |= {tuple(sorted((c.a, c.b))) for c in net.cooperations if c.active_on(snap.today)}
    present = set(meeting.attendance)
    relevant = {p for p in done if p[0] in present and p[1] in present}
    assert relevant
    plan = plan_meeting(snap, replace(meeting, rounds=2, table_size=4))
    repeated = plan.pair_set() & relevant
    assert len(repeated) <= len(relevant) // 4, repeated  # avoided, not forbidden
    for p in plan.pairs:
        if (p["a"], p["b"]) in relevant:
            assert p["history"] and p["reasons"][-1]["kind"] == "already_met"


def test_replan_keeps_locked_tables(demo):
    snap, net = demo
    meeting = replace(net.meetings[0], rounds=2, table_size=4)
    plan = plan_meeting(snap, meeting)
    kept = plan.rounds[0][2]
    moved = sorted([plan.rounds[1][0][0], plan.rounds[1][1][0]])
    again = replan(plan, [{"round": 1, "table": 3}, {"round": 2, "table": 4, "orgs": moved}])
    assert again.rounds[0][2] == kept and again.rounds[1][3] == moved
    assert len(again.pair_set()) == len(pairs_of(again.rounds))
    assert again.locked == [{"round": 1, "table": 3, "orgs": kept}, {"round": 2, "table": 4, "orgs": moved}]
    # the stored plan replans with the snapshot and the meeting
    stored, _ = parse_plan(again.to_dict())
    third = replan(stored, None, snapshot=snap, meeting=meeting)
    assert third.rounds[0][2] == kept
    with pytest.raises(ValidationError):
        replan(plan, [{"round": 1, "table": 3}, {"round": 1, "table": 4, "orgs": [kept[0], kept[1]]}])


def test_unknown_attendee(demo):
    snap, _ = demo
    with pytest.raises(ValidationError) as err:
        plan_meeting(snap, Meeting("m", "T", attendance=["ki-remscheid", "gibt-es-nicht"]))
    assert err.value.issues[0].field == "attendance" and err.value.issues[0].value == "gibt-es-nicht"


def test_small_network_reasons_are_directional():
    snap = snapshot_of(
        {
            "organisations": [
                org("a", needs=["rooms"], topics=["sport"]),
                org("b", "education", offers=["rooms"], topics=["sport"]),
                org("c", topics=["music"]),
                org("d", "education", topics=["music"]),
            ]
        }
    )
    plan = plan_meeting(snap, Meeting("m", "T", attendance=["a", "b", "c", "d"], format="pairs", table_size=2))
    kinds_a = [r["kind"] for r in plan.agenda("a")[0]["with"][0]["reasons"]]
    kinds_b = [r["kind"] for r in plan.agenda("b")[0]["with"][0]["reasons"]]
    assert "they_offer_what_you_need" in kinds_a and "you_offer_what_they_need" in kinds_b


def test_parse_plan_rejects_bad_records():
    plan, issues = parse_plan({"meeting": "m", "rounds": [[["a", "b"], ["a", "c"]]], "score": "x", "extra": 1})
    assert plan is None
    assert {i.field for i in issues} == {"rounds[0]", "score", "extra"}


def test_meeting_round_trip_and_old_shape():
    old = {"id": "m", "title": "T", "date": "2025-04-10", "place": "", "attendance": ["a", "b"], "persons": []}
    m, issues = parse_meeting(old)
    assert not issues and m.to_dict() == old
    full = {
        **old,
        "attendance": ["a", "b", "c", "d"],
        "rounds": 2,
        "format": "tables",
        "table_size": 3,
        "themes": [{"table": 1, "topic": "sport"}],
        "must_meet": [["a", "b"]],
        "must_not_meet": [["c", "d"]],
        "locked": [{"round": 2, "table": 1, "orgs": ["a", "c"]}],
    }
    m, issues = parse_meeting(full)
    assert not issues
    back = m.to_dict()
    assert parse_meeting(back)[0] == m and "format" not in back  # defaults are left out


#: every name `matching._meetings` defined before it was split, by the part that holds it now
_PARTS = {
    "_meetings_sizes": ["table_sizes", "max_rounds", "rounds_bound", "score_upper_bound", "_balanced"],
    "_meetings_search": ["_Tables", "_pairs_round", "_BIG", "_MUST", "_EPS"],
    "_meetings_planner": ["MeetingPlanner", "DEFAULT_TIME_LIMIT", "SEARCH_SHARE"],
    "_meetings_exact": ["exact_meeting_plan", "_exact_pairs"],
    "_meetings_plan": [
        "MeetingPlan",
        "parse_plan",
        "meeting_score_matrix",
        "plan_meeting",
        "replan",
        "_history",
        "_FLIP",
        "HISTORY_KINDS",
    ],
}


@pytest.mark.parametrize("part", sorted(_PARTS))
def test_meetings_module_still_offers_every_name_of_its_parts(part):
    import importlib

    import matching
    import matching._meetings as meetings

    module = importlib.import_module(f"matching.{part}")
    for name in _PARTS[part]:
        assert getattr(meetings, name) is getattr(module, name), name
        if name in matching.__all__:
            assert getattr(matching, name) is getattr(module, name), name
    assert set(meetings.__all__) <= {n for names in _PARTS.values() for n in names}
