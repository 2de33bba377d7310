"""The weight learner: sources, non-negative weights, and that feedback moves the ranking."""

from __future__ import annotations

import numpy as np
import pytest

from graph import build_snapshot, parse_network
from matching import DEFAULT_WEIGHTS, SIGNALS, MatchingModel, WeightLearner, ndcg_at_k
from matching._learn import RankingLists, coordinate_ascent, ranking_lists
from matching._signals import CONTENT_SIGNALS, SignalData

from .test_suggest import random_doc


def _feedback(doc, snap, favour: str, n: int = 60, seed: int = 0):
    """Introductions whose outcome depends only on the signal ``favour``."""
    model = MatchingModel().fit(snap)
    rng = np.random.default_rng(seed)
    ids = snap.org_ids
    intros = []
    col = SIGNALS.index(favour)
    while len(intros) < n:
        a, b = rng.choice(len(ids), size=2, replace=False)
        if snap.coop[a, b]:
            continue
        value = model.signals_.pairs(np.asarray([a]), np.asarray([b]))[0, col]
        status = "met" if value > 0 else "declined"
        intros.append({"id": f"i{len(intros)}", "a": ids[a], "b": ids[b], "status": status, "at": "2025-05-01"})
    return {**doc, "introductions": intros}


def test_outcomes_favouring_district_move_the_ranking(make_snapshot):
    doc = random_doc(n=60, seed=5, coops=60)
    snap = make_snapshot(doc)
    learner = WeightLearner(min_outcomes=30).fit(make_snapshot(_feedback(doc, snap, "district")))
    assert learner.source_ == "outcomes" and learner.n_samples_ == 60
    assert all(w >= 0 for w in learner.weights_.values())
    assert sum(learner.weights_.values()) == pytest.approx(1.0, abs=1e-3)
    assert max(learner.weights_, key=learner.weights_.get) == "district"
    assert learner.weights_["district"] > DEFAULT_WEIGHTS["district"]

    def same_district_share(weights):
        model = MatchingModel(weights).fit(snap)
        hits = total = 0
        for oid in snap.org_ids[:30]:
            for s in model.suggest(oid, k=5, fair=False):
                total += 1
                hits += any(r["kind"] == "same_district" for r in s.reasons)
        return hits / total

    assert same_district_share(learner.weights_) > same_district_share(DEFAULT_WEIGHTS)


def test_history_source_when_few_outcomes(make_snapshot):
    snap = make_snapshot(random_doc(n=80, seed=6, coops=150), today="2025-06-01")
    learner = WeightLearner(history_days=3 * 365).fit(snap)
    assert learner.source_ == "history"
    assert learner.n_samples_ > 0 and set(learner.weights_) == set(SIGNALS)
    assert all(w >= 0 for w in learner.weights_.values())


def test_defaults_without_data(make_snapshot):
    snap = make_snapshot({"organisations": [{"id": "a", "name": "A", "kind": "education"}]})
    learner = WeightLearner().fit(snap)
    assert learner.source_ == "defaults" and learner.weights_ == DEFAULT_WEIGHTS


def test_init_only_stores_params():
    learner = WeightLearner(min_outcomes=5, C=0.5)
    assert learner.get_params() == {
        "min_outcomes": 5,
        "history_share": 0.2,
        "history_days": None,
        "min_history": 10,
        "negatives": 5,
        "C": 0.5,
        "random_state": 0,
        "objective": "ndcg",
        "folds": 5,
        "per_signal": 60,
        "max_rows": 2000,
        "max_pairs": 20_000,
        "min_gain": 0.0,
        "ascent_steps": (1.0, 0.5, 0.25, 0.1),
    }
    assert not hasattr(learner, "weights_")
    with pytest.raises(TypeError):
        WeightLearner().fit(None)  # type: ignore[arg-type]


def test_history_snapshot_keeps_later_profiles_out(make_snapshot):
    """With ``history=``, the history pairs' signals come from the earlier network, not today's profiles."""
    doc = random_doc(n=80, seed=6, coops=150)
    snap = make_snapshot(doc, today="2025-06-01")
    # the earlier network knew no topics at all: the topics weight cannot be learned from it
    early = {**doc, "organisations": [{**o, "topics": []} for o in doc["organisations"]]}
    learner = WeightLearner(history_days=3 * 365).fit(snap, history=make_snapshot(early, today="2025-06-01"))
    assert learner.source_ == "history" and learner.weights_["topics"] == 0


def test_bad_objective_parameters_are_refused(make_snapshot):
    snap = make_snapshot(random_doc(n=20, seed=1, coops=20))
    for kwargs in ({"objective": "hinge"}, {"folds": 1}, {"per_signal": 0}, {"max_rows": 0}):
        with pytest.raises(ValueError):
            WeightLearner(**kwargs).fit(snap)


def _doc_with_new_partners(favour: str, n: int = 80, seed: int = 3, new: int = 70):
    """Old random cooperations (2015-2024) plus new ones (2025) that go to the partner best in ``favour``."""
    doc = random_doc(n=n, seed=seed, coops=120)
    for c in doc["cooperations"]:
        c["since"] = c["since"].replace("-03-01", "-01-01")  # all before the history window
    snap = build_snapshot(parse_network(doc), today="2025-06-01")
    sd = SignalData.from_snapshot(snap)
    rng = np.random.default_rng(seed)
    col = SIGNALS.index(favour)
    taken = {tuple(sorted((c["a"], c["b"]))) for c in doc["cooperations"]}
    extra = []
    for a in rng.permutation(n)[:new]:
        others = np.asarray([b for b in range(n) if b != a])
        values = sd.pairs(np.full(len(others), a), others)[:, col] + rng.random(len(others)) * 1e-3
        for b in others[np.argsort(-values)]:
            key = tuple(sorted((f"o{a}", f"o{b}")))
            if key not in taken:
                taken.add(key)
                extra.append({"a": key[0], "b": key[1], "since": "2025-02-01"})
                break
    return {**doc, "cooperations": doc["cooperations"] + extra}


def test_history_ranking_objective_learns_what_new_partners_share(make_snapshot):
    """New partners are each organisation's best topic match: the ranking objective puts topics first."""
    snap = make_snapshot(_doc_with_new_partners("topics"), today="2025-06-01")
    learner = WeightLearner(history_days=365).fit(snap)
    assert learner.source_ == "history" and learner.n_lists_ > 0
    assert set(learner.cv_ndcg_) == {0.0, 0.25, 0.5, 0.75, 1.0} and learner.blend_ in learner.cv_ndcg_
    # the chosen blend is the best cross-validated one, never worse than staying at the logistic start
    assert learner.cv_ndcg_[learner.blend_] == max(learner.cv_ndcg_.values()) >= learner.cv_ndcg_[0.0]
    assert all(w >= 0 for w in learner.weights_.values())
    assert sum(learner.weights_.values()) == pytest.approx(1.0, abs=1e-3)
    assert max(learner.weights_, key=learner.weights_.get) == "topics"
    assert any(learner.weights_[s] > 0 for s in CONTENT_SIGNALS)


def test_logistic_objective_keeps_the_pointwise_weights(make_snapshot):
    snap = make_snapshot(_doc_with_new_partners("topics"), today="2025-06-01")
    plain = WeightLearner(history_days=365, objective="logistic").fit(snap)
    ranked = WeightLearner(history_days=365).fit(snap)
    assert plain.logistic_weights_ == ranked.logistic_weights_
    # the pointwise weights are used only where they beat the defaults on the ranking lists
    assert plain.weights_ == (plain.logistic_weights_ if plain.used_ else DEFAULT_WEIGHTS)
    assert plain.n_lists_ > 0 and plain.blend_ == 0.0 and plain.cv_default_ > 0
    assert plain.n_samples_ == ranked.n_samples_


def test_ranking_lists_hold_what_the_engine_could_suggest(make_snapshot):
    snap = make_snapshot(_doc_with_new_partners("district"), today="2025-06-01")
    learner = WeightLearner(history_days=365)
    before, pos_r, pos_c = learner._history_pairs(snap)
    sd = SignalData.from_snapshot(before)
    lists = ranking_lists(sd, before.coop, pos_r, pos_c, per_signal=5)
    assert lists.n_rows == len(np.unique(np.r_[pos_r, pos_c]))
    assert lists.n_relevant.sum() == 2 * len(pos_r)
    content = lists.x[:, :, [SIGNALS.index(s) for s in CONTENT_SIGNALS]].max(axis=-1)
    # gated like the engine: no candidate without a content signal (new partners are listed anyway and
    # score 0, so they count as missed, as in the evaluation)
    assert (content[lists.valid & ~lists.relevant] > 0).all()
    assert lists.ndcg(np.ones(len(SIGNALS))) > 0
    assert not (lists.relevant & ~lists.valid).any()
    # at most per_signal per signal plus the new partners
    assert (lists.valid.sum(axis=1) <= 5 * len(SIGNALS) + lists.n_relevant).all()
    # a capped sample of rows when asked
    assert ranking_lists(sd, before.coop, pos_r, pos_c, max_rows=7).n_rows == 7


def test_ranking_lists_ndcg_is_the_evaluation_metric():
    rng = np.random.default_rng(0)
    rows, width = 6, 12
    x = rng.random((rows, width, len(SIGNALS))).astype(np.float32)
    valid = np.ones((rows, width), bool)
    valid[0, 8:] = False
    relevant = rng.random((rows, width)) < 0.25
    relevant[:, 0] = True
    relevant &= valid
    n_relevant = relevant.sum(axis=1) + np.asarray([1, 0, 0, 2, 0, 0])  # some partners out of reach
    lists = RankingLists(x, valid, relevant, n_relevant, np.zeros((rows, width), np.float32))
    w = rng.random(len(SIGNALS))
    score = x @ w
    expected = []
    for r in range(rows):
        ranked = [c for c in np.argsort(-score[r], kind="stable") if valid[r, c]]
        rel = set(np.flatnonzero(relevant[r]).tolist()) | {100 + i for i in range(n_relevant[r] - relevant[r].sum())}
        expected.append(ndcg_at_k(ranked, rel, 5))
    assert lists.ndcg(w, k=5) == pytest.approx(np.mean(expected), abs=1e-6)
    assert lists.ndcg(w, k=5, rows=np.asarray([2, 2])) == pytest.approx(expected[2], abs=1e-6)


def test_coordinate_ascent_moves_weight_to_the_signal_that_ranks():
    """Relevance follows proximity; topics is noise: from a topics-only start the weight moves over."""
    rng = np.random.default_rng(1)
    rows, width = 40, 30
    x = np.zeros((rows, width, len(SIGNALS)), np.float32)
    x[:, :, SIGNALS.index("topics")] = rng.random((rows, width))
    prox = rng.random((rows, width))
    x[:, :, SIGNALS.index("proximity")] = prox
    relevant = prox >= np.sort(prox, axis=1)[:, [-3]]
    lists = RankingLists(
        x, np.ones((rows, width), bool), relevant, relevant.sum(axis=1), np.zeros((rows, width), np.float32)
    )
    start = np.asarray([1.0 if s == "topics" else 0.0 for s in SIGNALS])
    w, best = coordinate_ascent(lists, start)
    assert best > lists.ndcg(start) and best == pytest.approx(lists.ndcg(w))
    assert w[SIGNALS.index("proximity")] > w[SIGNALS.index("topics")]
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)
    assert best > 0.9


def test_learned_weights_are_rounded_and_used_as_stored(make_snapshot):
    """Weights in steps of 0.0001 summing to 1, which `check_weights` (the web's weights in use) keeps."""
    from matching import check_weights

    snap = make_snapshot(_doc_with_new_partners("topics"), today="2025-06-01")
    learner = WeightLearner(history_days=365).fit(snap)
    assert all(round(w * 10_000) == pytest.approx(w * 10_000, abs=1e-6) for w in learner.weights_.values())
    assert sum(learner.weights_.values()) == pytest.approx(1.0, abs=1e-9)
    assert check_weights(learner.weights_) == learner.weights_
    assert check_weights({"topics": 1, "district": 3})["district"] == 0.75
