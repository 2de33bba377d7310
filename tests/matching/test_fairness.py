"""Fair exposure: Gini targets and the quality cost of the re-ranking."""

from __future__ import annotations

import numpy as np
import pytest

from matching import (
    MatchingModel,
    exposure_gini,
    fairness_metrics,
    gini,
    recent_demand,
    rerank_capped,
    rerank_greedy,
    suggest,
)
from matching._fairness import DEFAULT_LEVEL, FAIR_LADDER, TOLERANCE

from .test_suggest import random_doc


def test_gini_bounds():
    assert gini([]) == 0.0
    assert gini([3, 3, 3]) == 0.0
    assert gini([0] * 9 + [10]) == pytest.approx(0.9)


def test_demo_network_fair_lists(demo_snapshot):
    model = MatchingModel().fit(demo_snapshot)
    plain = model.suggest_all(10, fair=False)
    fair = model.suggest_all(10, fair=True)
    metrics = fairness_metrics(plain, fair)
    assert metrics["gini"] <= 0.5
    assert metrics["gini"] <= metrics["gini_unfair"]
    assert metrics["quality_ratio"] >= 0.85
    assert exposure_gini(fair) == metrics["gini"]


def test_generated_network_fair_lists(make_snapshot):
    snap = make_snapshot(random_doc(n=120, seed=4, coops=200))
    model = MatchingModel().fit(snap)
    plain, fair = model.suggest_all(10, fair=False), model.suggest_all(10, fair=True)
    metrics = fairness_metrics(plain, fair)
    assert metrics["gini"] <= 0.5 and metrics["gini"] <= metrics["gini_unfair"]
    if metrics["gini_unfair"] <= model.fair_setting_.gini_target:  # already fair enough: the lists are left alone
        assert fair == plain and model.fair_report_["swaps"] == 0


def test_rerank_is_as_weak_as_the_target_allows():
    """Hubs in every pool: the re-ranking stops at the first tolerance that meets the Gini target."""
    from graph import build_snapshot, parse_network

    orgs = [{"id": f"o{i}", "name": f"O{i}", "kind": "education", "topics": ["music"]} for i in range(60)]
    coops = [{"a": "o0", "b": f"o{i}"} for i in range(1, 30)] + [{"a": "o1", "b": f"o{i}"} for i in range(30, 60)]
    snap = build_snapshot(parse_network({"organisations": orgs, "cooperations": coops}))
    model = MatchingModel({"topics": 0.5, "activity": 0.5}).fit(snap)
    plain_idx, plain_s = model.top_k_all(10, fair=False)
    idx, scores = model.top_k_all(10, fair=True)
    report, setting = model.fair_report_, model.fair_setting_
    assert setting == FAIR_LADDER[DEFAULT_LEVEL]  # no dated history: the default strength
    assert report["gini_plain"] > 0.5 and report["gini"] < report["gini_plain"]
    assert report["quality"] >= setting.min_quality and report["target_met"] == (report["gini"] <= 0.5)
    assert 0 < report["tolerance"] <= TOLERANCE and report["swaps"] > 0
    assert scores.sum() >= setting.min_quality * plain_s.sum() - 1e-9
    strict = MatchingModel({"topics": 0.5, "activity": 0.5}, min_quality=1.0).fit(snap)
    strict_s = strict.top_k_all(10, fair=True)[1]
    assert strict_s.sum() == pytest.approx(plain_s.sum())  # no cost allowed: only ties may move


def hub_pools(n: int = 300, m: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pools of ``m`` candidates per row (never the row itself), a few hubs in most of them."""
    rng = np.random.default_rng(seed)
    pop = rng.pareto(1.0, n) + 1.0
    cand = np.stack([rng.choice(np.delete(np.arange(n), i), m, replace=False, p=None) for i in range(n)])
    hubs = np.argsort(-pop)[:5]
    for i in range(n):
        row = [h for h in hubs if h != i][:3]
        rest = [c for c in cand[i] if c not in row]
        cand[i] = np.asarray(row + rest[: m - len(row)])
    scores = np.sort(rng.random((n, m)), axis=1)[:, ::-1] * 0.4 + 0.4
    scores[:, :3] += 0.2  # the hubs lead every list
    cand[rng.random((n, m)) < 0.05] = -1  # some pools are short
    return cand, scores


def _counts(picked: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(picked[picked >= 0], minlength=n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_capped_rerank_invariants(seed):
    n, k = 300, 10
    cand, scores = hub_pools(n, seed=seed)
    picked, picked_s, report = rerank_capped(cand, scores, k, gini_target=0.3, n_items=n)
    again = rerank_capped(cand, scores, k, gini_target=0.3, n_items=n)
    assert (again[0] == picked).all() and (again[1] == picked_s).all() and again[2] == report  # deterministic
    shuffled = np.random.default_rng(seed).permutation(cand.shape[1])  # the pools' order does not matter
    assert (rerank_capped(cand[:, shuffled], scores[:, shuffled], k, gini_target=0.3, n_items=n)[0] == picked).all()

    valid = np.where(cand >= 0, scores, -np.inf)
    top = np.argsort(-valid, axis=1, kind="stable")[:, :k]
    plain = np.where(np.isfinite(np.take_along_axis(valid, top, 1)), np.take_along_axis(cand, top, 1), -1)
    g_plain, g_fair = gini(_counts(plain, n)), gini(_counts(picked, n))
    assert report["gini_plain"] == g_plain and report["gini"] == g_fair
    assert g_fair < g_plain and report["swaps"] > 0  # the Gini decreases

    cap = report["cap"]
    before, after = _counts(plain, n), _counts(picked, n)
    assert (after <= np.maximum(before, cap)).all()  # nobody is pushed above the cap
    assert (after[before > cap] >= cap).all()  # and nobody is pushed below it
    assert after.sum() == before.sum()  # every place stays filled as before
    for i in range(n):
        row = picked[i][picked[i] >= 0]
        assert len(set(row.tolist())) == len(row) and i not in row  # no duplicates, no self-pairs
        assert set(row.tolist()) <= set(cand[i][cand[i] >= 0].tolist())  # only the row's own candidates
        own = dict(zip(cand[i].tolist(), scores[i].tolist(), strict=True))
        assert picked_s[i][: len(row)].tolist() == [own[j] for j in row]  # scores unchanged
        assert picked_s[i][: len(row)].tolist() == sorted(picked_s[i][: len(row)].tolist(), reverse=True)
        gone = sorted((own[j] for j in set(plain[i].tolist()) - set(row.tolist()) - {-1}), reverse=True)
        came = sorted((own[j] for j in set(row.tolist()) - set(plain[i].tolist())), reverse=True)
        assert len(gone) == len(came)
        # every swap kept the replacement within the tolerance of the partner it displaced
        assert all(a >= (1 - report["tolerance"]) * b - 1e-12 for a, b in zip(came, gone, strict=True))


def test_capped_rerank_leaves_fair_lists_alone():
    cand, scores = hub_pools(200, seed=3)
    picked, _, report = rerank_capped(cand, scores, 10, gini_target=1.0)
    valid = np.where(cand >= 0, scores, -np.inf)
    top = np.argsort(-valid, axis=1, kind="stable")[:, :10]
    assert (picked == np.take_along_axis(cand, top, 1)).all()
    assert report["swaps"] == 0 and report["target_met"]


def test_capped_rerank_respects_the_bounds():
    n = 300
    cand, scores = hub_pools(n, seed=4)
    loose = rerank_capped(cand, scores, 10, gini_target=0.0, n_items=n)
    tight = rerank_capped(cand, scores, 10, gini_target=0.0, n_items=n, min_quality=0.995)
    none = rerank_capped(cand, scores, 10, gini_target=0.0, n_items=n, tolerance=0.0)
    plain_sum = np.sort(np.where(cand >= 0, scores, 0.0), axis=1)[:, ::-1][:, :10].sum()
    assert none[2]["quality"] == 1.0 and none[1].sum() == pytest.approx(plain_sum)  # no tolerance, no cost
    assert tight[1].sum() >= 0.995 * plain_sum - 1e-9 and tight[2]["quality"] >= 0.995
    assert loose[2]["gini"] <= tight[2]["gini"] <= none[2]["gini"]
    assert not loose[2]["target_met"] and 0 < loose[2]["tolerance"] <= TOLERANCE


def test_capped_rerank_lets_recent_demand_keep_its_exposure():
    """An organisation that started many cooperations lately keeps its share; the others are capped."""
    n, k = 300, 10
    cand, scores = hub_pools(n, seed=5)
    plain = rerank_capped(cand, scores, k, gini_target=1.0, n_items=n)[0]
    before = _counts(plain, n)
    hub, other = np.argsort(-before)[:2]
    demand = np.ones(n)
    demand[hub] = n  # half of all recent cooperations
    capped = rerank_capped(cand, scores, k, gini_target=0.0, n_items=n)
    calibrated = rerank_capped(cand, scores, k, gini_target=0.0, n_items=n, demand=demand, slack=1.0)
    allowance = int(np.ceil(before.sum() * demand[hub] / demand.sum()))
    assert _counts(capped[0], n)[hub] < before[hub]
    assert _counts(calibrated[0], n)[hub] == min(before[hub], allowance) == before[hub]
    assert _counts(calibrated[0], n)[other] < before[other]
    assert calibrated[2]["gini"] < calibrated[2]["gini_plain"]


def test_recent_demand_counts_the_history_window(make_snapshot):
    doc = random_doc(n=40, seed=6, coops=60)
    snap = make_snapshot(doc)
    demand = recent_demand(snap)
    assert demand is not None and demand.shape == (snap.n,)
    dated = sorted(c.since[:10] for c in snap.network.cooperations if c.since)
    assert 0 < demand.sum() <= 2 * len(dated) and demand.sum() % 2 == 0
    undated = make_snapshot({**doc, "cooperations": [{**c, "since": None} for c in doc["cooperations"]]})
    assert recent_demand(undated) is None


def test_capped_rerank_edge_cases():
    empty = rerank_capped(np.zeros((0, 5), dtype=np.int64), np.zeros((0, 5)), 3)
    assert empty[0].shape == (0, 3) and empty[2]["swaps"] == 0
    short = rerank_capped(np.array([[1, -1, -1], [0, -1, -1]]), np.array([[0.5, 0, 0], [0.4, 0, 0]]), 2)
    assert short[0].tolist() == [[1, -1], [0, -1]] and short[1].tolist() == [[0.5, 0.0], [0.4, 0.0]]


def test_engine_fair_lists_keep_the_plain_scores(make_snapshot):
    """The re-ranking replaces and reorders; every score (and so every reason) is the plain one."""
    snap = make_snapshot(random_doc(n=150, seed=5, coops=260))
    model = MatchingModel({"topics": 0.4, "activity": 0.6}).fit(snap)
    fair = model.suggest_all(10, fair=True)
    pool = model.suggest_all(10 * model.pool, fair=False)
    assert model.fair_report_["swaps"] > 0
    for org, items in fair.items():
        plain = {s.partner: s for s in pool[org]}
        assert [s.score for s in items] == sorted((s.score for s in items), reverse=True)
        for s in items:
            assert s.partner != org and s.partner in plain
            assert s.score == pytest.approx(plain[s.partner].score)
            assert s.reasons == plain[s.partner].reasons


def test_rerank_keeps_the_head_and_counts_it():
    cand = np.tile(np.arange(1, 7), (20, 1))
    scores = np.tile(np.linspace(1.0, 0.5, 6), (20, 1))
    out = rerank_greedy(cand, scores, 3, strength=5.0, keep=2)
    assert (out[:, :2] == cand[:, :2]).all()
    assert len(set(out[:, 2].tolist())) > 1  # the last place is spread over the others


def test_rerank_spreads_a_hub():
    n = 50
    cand = np.tile(np.arange(1, 6), (n, 1))  # everybody's pool: 1..5, 1 always best
    scores = np.tile(np.array([1.0, 0.9, 0.8, 0.7, 0.6]), (n, 1))
    plain = np.bincount(cand[:, 0], minlength=6)
    fair = np.bincount(rerank_greedy(cand, scores, 1, strength=5.0).ravel(), minlength=6)
    assert plain[1] == n
    assert fair[1] < n / 2 and (fair[1:] > 0).all()


def test_single_suggest_discounts_popular_candidates(make_snapshot):
    snap = make_snapshot(random_doc(n=60, seed=2, coops=80))
    model = MatchingModel().fit(snap)
    assert model.exposure_factor_.min() < 1.0 <= model.exposure_factor_.max() + 1e-9
    fair = suggest(snap, "o1", k=10, fair=True)
    assert all(s.rank_score <= s.score + 1e-9 for s in fair)
    assert [s.rank_score for s in fair] == sorted((s.rank_score for s in fair), reverse=True)
