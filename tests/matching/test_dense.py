"""The fused exact scorer (`matching._dense`) against the readable reference `MatchingModel.score_block`."""

from __future__ import annotations

import numpy as np
import pytest

import matching._dense as dense
from graph import build_snapshot, parse_network
from graph.generate import generate_document
from matching import MatchingModel

from .test_suggest import random_doc

WEIGHTS = [
    None,
    {"topics": 0.35, "complementarity": 0.25, "proximity": 0.2, "activity": 0.1, "district": 0.05, "bridging": 0.05},
    {"complementarity": 1.0},
    {"language": 0.7, "bridging": 0.3},
    {"activity": 1.0},
    {"bridging": 1.0},
    {"district": 0.5, "proximity": 0.5},
]


@pytest.fixture(scope="module")
def generated():
    return build_snapshot(parse_network(generate_document(400, seed=5)), today="2026-11-01")


def _multi(make_snapshot):
    """Organisations in several districts, with several rare languages (language sums above 1)."""
    doc = random_doc(n=80, seed=4, coops=120)
    rng = np.random.default_rng(0)
    for i, o in enumerate(doc["organisations"]):
        if i % 3 == 0:
            o["districts"] = ["lennep", "sued"]
        if i % 4 == 0:
            o["languages"] = ["de", "uk", "ru"][: 1 + int(rng.integers(0, 3))]
        if i % 20 == 1:  # two rare languages: their weights sum above 1
            o["languages"] = ["de", "en", "pl"]
        if i % 7 == 0:
            o["topics"], o["needs"], o["offers"] = [], [], []  # nothing concrete: only partners
    return make_snapshot(doc)


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("one_way", [0.5, 0.0, 1.0])
def test_fused_scores_equal_reference(generated, weights, one_way):
    model = MatchingModel(weights, one_way=one_way, method="exact").fit(generated)
    rows = np.arange(0, generated.n, 3)
    ref, _ = model.score_block(rows)
    fast = model.dense_.scores(rows)
    np.testing.assert_allclose(fast, ref, atol=2e-6)
    # pairs without a concrete signal stay at exactly 0, excluded pairs at -1
    np.testing.assert_array_equal(fast == 0, ref == 0)
    np.testing.assert_array_equal(fast == -1, ref == -1)


@pytest.mark.parametrize("weights", WEIGHTS)
def test_fused_scores_multi_district_rare_languages_sparse_tables(make_snapshot, monkeypatch, weights):
    snap = _multi(make_snapshot)
    model = MatchingModel(weights, method="exact").fit(snap)
    assert model.dense_.lang_over.any() or not model.weights_["language"]  # the min(1, .) correction runs
    rows = np.arange(snap.n)
    ref, _ = model.score_block(rows)
    np.testing.assert_allclose(model.dense_.scores(rows), ref, atol=2e-6)
    # sparse right factors (large vocabularies) and tiles of 7 rows give the same numbers
    monkeypatch.setattr(dense, "DENSE_CELLS", 0)
    monkeypatch.setattr(dense, "TILE_CELLS", 7 * snap.n)
    model = MatchingModel(weights, method="exact").fit(snap)
    assert not any(isinstance(r, np.ndarray) for _, r in model.dense_.linear)
    np.testing.assert_allclose(model.dense_.scores(rows[::-1]), ref[::-1], atol=2e-6)


def test_top_k_all_equals_reference_ranking(generated):
    model = MatchingModel(method="exact").fit(generated)
    idx, raw = model.top_k_all(10, fair=False)
    ref, _ = model.score_block(np.arange(generated.n))
    best = -np.sort(-np.where(ref > 0, ref, 0), axis=1)[:, :10]
    np.testing.assert_allclose(raw, best, atol=2e-6)
    got = np.take_along_axis(ref, np.maximum(idx, 0), axis=1)
    np.testing.assert_allclose(np.where(idx >= 0, got, 0), best, atol=2e-6)
    assert ((idx >= 0) == (best > 0)).all()


@pytest.mark.parametrize("n", [4_000, 20_011])
@pytest.mark.parametrize("m", [1, 10, 50])
def test_largest_equals_sorting(n, m):
    rng = np.random.default_rng(n + m)
    x = rng.random((9, n)).astype(np.float32)
    x[1, ::3] = 0.5  # many ties
    x[2] = 0.25  # a constant row (falls back to argpartition)
    x[3, rng.choice(n, 40, replace=False)] = 2.0  # a few large values in few groups
    x[4, -5:] = 3.0  # in the columns after the last full group
    for part in (x, x[:2], x[3:], *(x[i : i + 1] for i in range(9))):  # a tied row makes all fall back
        top = dense.largest(part, m)
        assert top.shape == (len(part), m)
        assert all(len(set(row)) == m for row in top.tolist())  # no column twice
        got = -np.sort(-np.take_along_axis(part, top, axis=1), axis=1)
        np.testing.assert_array_equal(got, -np.sort(-part, axis=1)[:, :m])


@pytest.mark.parametrize("n", [12, 4_000, 20_011])
@pytest.mark.parametrize("m", [1, 10, 50])
def test_largest_ordered_ranks_by_value_then_lower_column(n, m):
    """Ties, also at the cut, go to the lower column index on every branch of `largest`."""
    rng = np.random.default_rng(7 * n + m)
    m = min(m, n)
    x = np.round(rng.random((9, n)) * 4).astype(np.float32) / 4  # five values: ties everywhere
    x[1] = 0.25  # a constant row
    x[2, ::3] = 0.0
    x[3] = -1.0  # nothing positive: only entries > 0 are ever listed
    x[4, rng.choice(n, min(n, 40), replace=False)] = 2.0
    for part in (x, x[:2], x[4:], *(x[i : i + 1] for i in range(9))):
        got = dense.largest(part, m, ordered=True)
        want = np.stack([np.lexsort((np.arange(n), -row))[:m] for row in part])
        positive = np.take_along_axis(part, want, axis=1) > 0
        np.testing.assert_array_equal(np.where(positive, got, -1), np.where(positive, want, -1))


def test_ranked_recuts_ties_at_the_m_th_place():
    x = np.asarray([[0.5, 0.9, 0.5, 0.5, 0.1], [0.0, 0.0, 0.0, 0.2, 0.0]], dtype=np.float32)
    # the given columns hold the right values but the wrong tied ones
    assert dense.ranked(x, np.asarray([[3, 1], [3, 4]])).tolist() == [[1, 0], [3, 4]]
    assert dense.ranked(x, np.asarray([[2, 3, 1], [4, 3, 2]]))[0].tolist() == [1, 0, 2]
