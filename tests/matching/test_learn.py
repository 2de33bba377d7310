"""The weight learner: sources, non-negative weights, and that feedback moves the ranking."""

from __future__ import annotations

import numpy as np
import pytest

from matching import DEFAULT_WEIGHTS, SIGNALS, MatchingModel, WeightLearner

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
    assert learner.get_params() == {"min_outcomes": 5, "history_days": 730, "min_history": 10, "negatives": 5,
                                    "C": 0.5, "random_state": 0}
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
