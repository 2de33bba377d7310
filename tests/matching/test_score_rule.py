"""One score rule (`matching._score`): every user of the match score computes `combine` of the same signals."""

from __future__ import annotations

import numpy as np
import pytest

from graph import Meeting, build_snapshot, parse_network
from graph.generate import generate_document
from matching import SIGNALS, MatchingModel, TeamBuilder, check_weights, meeting_score_matrix, plan_meeting
from matching._batch import batch_parts
from matching._learn import ranking_lists
from matching._score import columns, combine, contribution_rows, contributions, gate

from .conftest import org

#: weightings that exercise every branch of the rule: defaults, activity beside bridging (activity is
#: content), bridging alone (the single-signal evaluation), one content signal alone
WEIGHTS = [
    None,
    {"topics": 0.3, "complementarity": 0.2, "proximity": 0.1, "district": 0.1, "activity": 0.2, "bridging": 0.1},
    {"activity": 0.5, "bridging": 0.5},
    {"bridging": 1.0},
    {"complementarity": 1.0},
]


@pytest.fixture(scope="module")
def generated():
    return build_snapshot(parse_network(generate_document(300, seed=3)), today="2026-11-01")


@pytest.fixture(params=["demo", "generated"])
def snap(request, demo_snapshot, generated):
    return demo_snapshot if request.param == "demo" else generated


def _w(weights):
    return check_weights(weights)


# -- the rule itself ----------------------------------------------------------------------------
def test_combine_is_the_weighted_sum_with_bridging_only_beside_content():
    w = _w({"topics": 0.5, "bridging": 0.3, "activity": 0.2})
    sig = np.zeros((3, len(SIGNALS)), dtype=np.float32)
    col = {s: x for x, s in enumerate(SIGNALS)}
    sig[0, [col["topics"], col["bridging"]]] = [0.8, 1.0]  # content and bridging
    sig[1, col["bridging"]] = 1.0  # bridging only: no score
    sig[2, [col["activity"], col["bridging"]]] = [0.5, 0.5]  # activity is content: bridging counts
    np.testing.assert_allclose(combine(sig, w), [0.5 * 0.8 + 0.3, 0.0, 0.2 * 0.5 + 0.3 * 0.5], rtol=1e-6)
    assert combine(sig, w).dtype == np.float32 and combine(sig.astype(np.float64), w).dtype == np.float64
    # the mapping form gives the same numbers as the array form
    np.testing.assert_array_equal(combine(columns(sig), w), combine(sig, w))


def test_bridging_weighted_alone_counts_unless_the_caller_says_not():
    w = _w({"bridging": 1.0})
    sig = np.zeros((1, len(SIGNALS)))
    sig[0, SIGNALS.index("bridging")] = 0.5
    assert combine(sig, w).tolist() == [0.5]
    assert combine(sig, w, bridging_alone=False).tolist() == [0.0]
    assert contributions(sig[0], w)["bridging"] == 0.5
    assert contributions(sig[0], w, bridging_alone=False)["bridging"] == 0.0
    assert gate(np.zeros(1), np.ones(1), alone=True).tolist() == [1.0]


def test_contributions_sum_to_the_score(generated):
    model = MatchingModel(WEIGHTS[1]).fit(generated)
    rng = np.random.default_rng(0)
    r, c = rng.integers(0, generated.n, 400), rng.integers(0, generated.n, 400)
    sig = model.signals_.pairs(r, c)
    rows = contribution_rows(sig, model.weights_)
    np.testing.assert_allclose(rows.sum(axis=1), combine(sig, model.weights_), atol=1e-6)
    for p in range(0, 400, 37):
        assert list(contributions(sig[p], model.weights_).values()) == rows[p].tolist()


# -- every user ---------------------------------------------------------------------------------
@pytest.mark.parametrize("weights", WEIGHTS)
def test_suggestion_scores_are_the_rule(snap, weights):
    model = MatchingModel(weights, method="exact").fit(snap)
    rows = np.arange(0, snap.n, 2)
    ref, sig = model.score_block(rows)
    expected = combine(sig, model.weights_)
    blocked = model.blocked_[rows].toarray() > 0
    np.testing.assert_array_equal(ref[~blocked], expected[~blocked])
    assert (ref[blocked] == -1).all()
    # the fused exact path equals the rule (this is what `suggest` and `suggest --all` rank by)
    fast = model.dense_.scores(rows)
    np.testing.assert_allclose(fast[~blocked], expected[~blocked], atol=2e-6)
    np.testing.assert_array_equal(fast[~blocked] == 0, expected[~blocked] == 0)
    assert (fast[blocked] == -1).all()
    # a suggestion's score is the rule applied to its pair's signals
    org_id = snap.org_ids[int(rows[1])]
    for s in model.suggest(org_id, 10, fair=False):
        vec = model.pair_signals([org_id], [s.partner])
        assert s.score == pytest.approx(float(combine(vec, model.weights_)[0]), abs=5e-4)


@pytest.mark.parametrize("weights", WEIGHTS)
def test_candidate_path_scores_are_the_rule(snap, weights):
    model = MatchingModel(weights, method="candidates").fit(snap)
    idx, raw = model.top_k_all(10, fair=False)
    r, k = np.nonzero(idx >= 0)
    assert len(r) > 0
    expected = combine(model.signals_.pairs(r, idx[r, k]), model.weights_)
    np.testing.assert_allclose(raw[r, k], expected, atol=2e-6)


def _both_ways(model, a, b):
    forth = combine(model.pair_signals(a, b).astype(np.float64), model.weights_)
    back = combine(model.pair_signals(b, a).astype(np.float64), model.weights_)
    return (forth + back) / 2


@pytest.mark.parametrize("weights", WEIGHTS)
def test_meeting_scores_are_the_rule_both_ways(snap, weights):
    model = MatchingModel(weights).fit(snap)
    ids = snap.org_ids[:25]
    s = meeting_score_matrix(model, ids)
    iu, ju = np.triu_indices(len(ids), 1)
    np.testing.assert_array_equal(s[iu, ju], _both_ways(model, [ids[i] for i in iu], [ids[j] for j in ju]))
    np.testing.assert_array_equal(s, s.T)
    # the same numbers as the suggestions' reference (in float32 there), each way; cooperating pairs included
    cols = np.asarray([snap.index[x] for x in ids])
    ref, _ = model.score_block(cols)
    sub = ref[:, cols]
    ok = (sub[iu, ju] >= 0) & (sub[ju, iu] >= 0)
    np.testing.assert_allclose(s[iu, ju][ok], ((sub[iu, ju] + sub[ju, iu]) / 2)[ok], atol=2e-6)


@pytest.mark.parametrize("weights", WEIGHTS)
def test_meeting_scores_do_not_depend_on_the_order_of_attendees(snap, weights):
    model = MatchingModel(weights).fit(snap)
    ids = list(snap.org_ids[:25])
    order = np.random.default_rng(7).permutation(len(ids))
    s = meeting_score_matrix(model, ids)
    t = meeting_score_matrix(model, [ids[i] for i in order])
    np.testing.assert_allclose(t, s[np.ix_(order, order)], atol=1e-12)


def test_meeting_plan_pair_scores_are_the_rule(demo_snapshot):
    weights = WEIGHTS[1]
    meeting = demo_snapshot.network.meetings[0]
    plan = plan_meeting(demo_snapshot, Meeting("m", "M", attendance=meeting.attendance[:12]), weights=weights)
    model = MatchingModel(weights).fit(demo_snapshot)
    expected = _both_ways(model, [p["a"] for p in plan.pairs], [p["b"] for p in plan.pairs])
    np.testing.assert_allclose([p["score"] for p in plan.pairs], expected, atol=5e-5)


@pytest.mark.parametrize("weights", WEIGHTS)
def test_team_affinity_is_the_rule_without_bridging_alone(snap, weights):
    builder = TeamBuilder(weights, cooperation_weight=0.3).fit(snap)
    w = builder.model_.weights_
    rows = np.arange(0, min(snap.n, 40))
    aff = builder.affinity(rows)
    iu, ju = np.triu_indices(len(rows), 1)
    sig = builder.model_.signals_.pairs(rows[iu], rows[ju])
    coop = np.asarray(snap.coop[rows[iu], rows[ju]]).ravel() > 0
    np.testing.assert_array_equal(aff[iu, ju], combine(sig, w, bridging_alone=False) + 0.3 * coop)
    to = builder.affinity_to(rows[:5])
    block = builder.model_.signals_.block(rows[:5])
    expected = combine(block, w, bridging_alone=False).astype(np.float64) + 0.3 * (snap.coop[rows[:5]].toarray() > 0)
    expected[np.arange(5), rows[:5]] = 0.0
    np.testing.assert_array_equal(to, expected)
    if w["bridging"] >= 1.0:  # teams never pair on bridging alone (on purpose, see TeamBuilder._weighted)
        assert (to[~(snap.coop[rows[:5]].toarray() > 0)] == 0).all()


@pytest.mark.parametrize("weights", WEIGHTS[:3] + WEIGHTS[4:])
def test_learner_ranking_scores_are_the_rule(generated, weights):
    model = MatchingModel().fit(generated)
    sd = model.signals_
    rng = np.random.default_rng(1)
    pos_r, pos_c = rng.integers(0, generated.n, 60), rng.integers(0, generated.n, 60)
    ok = pos_r != pos_c
    lists = ranking_lists(sd, generated.coop, pos_r[ok], pos_c[ok], per_signal=10)
    w = _w(weights)
    got = lists.scores(np.asarray([w[s] for s in SIGNALS]))
    expected = combine(lists.x, w, bridging_alone=False)
    finite = np.isfinite(got)
    assert finite.any()
    np.testing.assert_array_equal(finite, lists.valid & (expected > 0))
    np.testing.assert_allclose(got[finite] - lists.jitter[finite], expected[finite], atol=2e-6)


# -- reasons --------------------------------------------------------------------------------------
@pytest.mark.parametrize("weights", WEIGHTS)
def test_the_parts_of_every_suggestion_sum_to_its_ranked_score(snap, weights):
    model = MatchingModel(weights).fit(snap)
    idx, raw = model.top_k_all(10, fair=False)
    lists = model.suggest_all(10, fair=False)  # the batched parts (`matching._batch`)
    r, k = np.nonzero(idx >= 0)
    sig = model.signals_.pairs(r, idx[r, k])
    pos = 0
    for i, org_id in enumerate(snap.org_ids):
        got = lists[org_id]
        assert [s.partner for s in got] == [snap.org_ids[j] for j in idx[i] if j >= 0]
        for s, score in zip(got, raw[i], strict=False):
            # the per-pair reference, every named part
            parts = model.reasons(i, int(idx[r[pos], k[pos]]), sig[pos], all_parts=True)
            pos += 1
            assert s.score == pytest.approx(sum(p["weight"] for p in parts), abs=1e-9)
            assert s.score == pytest.approx(float(score), abs=1e-4 * (1 + len(parts)))
    assert pos == len(r) > 0


def test_bridging_is_shown_beside_activity_alone(make_snapshot):
    doc = {
        "organisations": [
            org("mo"),
            org("school", kind="education"),
            org("p1", kind="education", topics=["sport"]),
            org("p2", kind="education", topics=["music"]),
        ],
        "cooperations": [{"a": "school", "b": "p1"}, {"a": "school", "b": "p2"}],
    }
    snap = make_snapshot(doc)
    model = MatchingModel({"activity": 0.5, "bridging": 0.5}).fit(snap)
    best = model.suggest("mo", 3, fair=False)[0]
    assert best.partner == "school"
    vec = model.pair_signals(["mo"], ["school"])
    score = float(combine(vec, model.weights_)[0])
    kinds = [p["kind"] for p in model.reasons(snap.index["mo"], snap.index["school"], all_parts=True)]
    assert "active_partner" in kinds and "bridge_mo_institution" in kinds
    assert best.score == pytest.approx(score, abs=1e-4)
    # the batch (`matching._batch`, used from 256 pairs on) builds the same parts
    rows, cols = np.full(300, snap.index["mo"]), np.full(300, snap.index["school"])
    batched = batch_parts(snap, model.signals_, model.weights_, rows, cols, model.signals_.pairs(rows, cols))
    assert batched is not None and batched[0] == model.reasons(rows[0], cols[0], all_parts=True)
    assert sum(p["weight"] for p in batched[0]) == pytest.approx(score, abs=1e-4)
