"""Choosing the fair re-ranking strength from the held-out history (`matching.choose_fairness`)."""

from __future__ import annotations

import json

import pytest

from matching import FAIR_LADDER, MatchingModel, auto_weights, choose_fairness, fair_choice
from matching._fair_fit import MAX_COST, MIN_FAIR_PAIRS
from matching._fairness import DEFAULT_LEVEL

from .conftest import org, snapshot_of

GROUPS = ["homework_help", "sport", "language_courses", "counselling", "youth_work", "women"]
HUBS, PER_HUB = 5, 40
WEIGHTS = {"topics": 0.5, "activity": 0.5}


def hub_network(new_partners_are_hubs: bool) -> dict:
    """Five hubs with 40 old partners each, 2022 pairs inside the topic groups, 64 pairs of 2024.

    Everybody shares "music" and one group topic; the hubs hold all topics, so with a large activity
    weight every plain list shows the five hubs. The 64 newest pairs (the held-out 20 %) join
    organisations of one group (re-ranking the hubs out helps) or each to a hub it had not worked
    with (re-ranking them out costs).
    """
    n = HUBS + HUBS * PER_HUB
    orgs = [org(f"h{h}", topics=["music", *GROUPS]) for h in range(HUBS)]
    orgs += [org(f"o{i}", topics=["music", GROUPS[i % len(GROUPS)]]) for i in range(n - HUBS)]
    coops = [
        {"a": f"h{i // PER_HUB}", "b": f"o{i}", "since": f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"}
        for i in range(n - HUBS)
    ]
    same = [(i, j) for i in range(n - HUBS) for j in range(i + 1, n - HUBS) if (j - i) % len(GROUPS) == 0]
    filler, held = same[::7][:56], same[3::7][:64]
    coops += [
        {"a": f"o{a}", "b": f"o{b}", "since": f"2022-{1 + p % 12:02d}-{1 + p % 28:02d}"}
        for p, (a, b) in enumerate(filler)
    ]
    if new_partners_are_hubs:
        held = [(i, -1 - (i // PER_HUB + 1) % HUBS) for i in range(0, n - HUBS, 3)][:64]
    for p, (a, b) in enumerate(held):
        other = f"h{-1 - b}" if b < 0 else f"o{b}"
        coops.append({"a": f"o{a}", "b": other, "since": f"2024-{1 + p % 12:02d}-{1 + p % 28:02d}"})
    return {"organisations": orgs, "cooperations": coops}


@pytest.fixture(scope="module")
def helped():
    return snapshot_of(hub_network(False))


@pytest.fixture(scope="module")
def costly():
    return snapshot_of(hub_network(True))


def test_strong_where_the_re_ranking_raises_recall(helped):
    choice = choose_fairness(helped, WEIGHTS)
    assert choice.source == "history" and choice.pairs >= MIN_FAIR_PAIRS
    assert choice.recall[-1] > choice.recall[0]  # flattening the hubs finds more of the new partners
    assert choice.level >= 4 and choice.gini[choice.level] < choice.gini[0]


def test_weak_where_the_re_ranking_costs_a_lot(costly):
    choice = choose_fairness(costly, WEIGHTS)
    assert choice.source == "history" and choice.pairs >= MIN_FAIR_PAIRS
    assert choice.recall[-1] < 0.8 * choice.recall[0]  # the strongest level loses much of the recall
    assert choice.level <= 1


@pytest.mark.parametrize("name", ["helped", "costly"])
def test_the_chosen_strength_costs_at_most_five_percent(name, request):
    choice = choose_fairness(request.getfixturevalue(name), WEIGHTS)
    assert choice.cost <= MAX_COST
    assert choice.recall[choice.level] >= (1 - MAX_COST) * choice.recall[0]
    stronger = choice.recall[choice.level + 1 :]
    assert all(r < (1 - MAX_COST) * choice.recall[0] for r in stronger)  # the strongest that holds
    assert len(choice.recall) == len(choice.gini) == len(FAIR_LADDER)


def test_deterministic(helped):
    assert choose_fairness(helped, WEIGHTS) == choose_fairness(helped, WEIGHTS)
    fresh = snapshot_of(hub_network(False))
    assert choose_fairness(fresh, WEIGHTS) == choose_fairness(helped, WEIGHTS)


def test_too_little_history_keeps_the_default(helped):
    choice = choose_fairness(helped, WEIGHTS, min_pairs=1000)
    assert choice.level == DEFAULT_LEVEL and choice.source == "default" and choice.pairs == 64
    doc = hub_network(False)
    doc["cooperations"] = [c for c in doc["cooperations"] if c["since"] < "2021"]  # one year: no split
    for c in doc["cooperations"]:
        c.pop("since")
    assert choose_fairness(snapshot_of(doc), WEIGHTS).reason == "too little dated history"


def test_the_model_uses_the_choice(helped):
    model = MatchingModel(WEIGHTS).fit(helped)
    choice = fair_choice(helped, model.weights_)
    assert model.fair_setting_ == FAIR_LADDER[choice.level]
    model.top_k_all(10)
    assert model.fair_report_["setting"] == FAIR_LADDER[choice.level].options()
    fixed = MatchingModel(WEIGHTS, fair_level=0).fit(helped)
    plain, none = fixed.top_k_all(10, fair=False), fixed.top_k_all(10)
    assert (plain[0] == none[0]).all()  # level 0 re-ranks nothing


def test_fitted_with_the_weights(helped):
    fitted = auto_weights(helped)
    assert fitted.fairness.source == "history" and fitted.fairness.cost <= MAX_COST
    assert fair_choice(helped, fitted.weights) is fitted.fairness
    data = json.loads(json.dumps(fitted.to_dict()))
    assert data["fairness"]["level"] == fitted.fairness.level
    assert data["fairness"]["gini_target"] == FAIR_LADDER[fitted.fairness.level].gini_target
