"""The candidate path (capped posting lists + exact rescoring) against the exact dense path."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from graph import build_snapshot, parse_network
from graph.generate import generate_document
from matching import SIGNALS, MatchingModel
from matching._candidates import PairScorer, candidate_pairs
from matching._kernels import jit_enabled

from .conftest import org
from .test_suggest import random_doc


@pytest.fixture(scope="module")
def generated():
    return build_snapshot(parse_network(generate_document(600, seed=3)), today="2026-11-01")


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    shares = [
        len(set(x[x >= 0].tolist()) & set(y[y >= 0].tolist())) / (x >= 0).sum()
        for x, y in zip(a, b, strict=True)
        if (x >= 0).any()
    ]
    return float(np.mean(shares))


@pytest.mark.parametrize(
    "weights",
    [
        None,
        {
            "topics": 0.35,
            "complementarity": 0.25,
            "proximity": 0.2,
            "activity": 0.1,
            "district": 0.05,
            "bridging": 0.05,
        },
    ],
)
def test_candidate_top10_agrees_with_exact(generated, weights):
    exact, _ = MatchingModel(weights, method="exact").fit(generated).top_k_all(10, fair=False)
    cand, _ = MatchingModel(weights, method="candidates").fit(generated).top_k_all(10, fair=False)
    assert _overlap(exact, cand) >= 0.95


@pytest.mark.parametrize("dense_limit", [50_000_000, 0])  # 0: every lookup table sparse (as at 1M)
def test_pair_scorer_equals_signal_pairs(generated, dense_limit, monkeypatch):
    import matching._candidates as candidates

    monkeypatch.setattr(candidates, "_DENSE_LIMIT", dense_limit)
    model = MatchingModel(method="candidates").fit(generated)
    r, c = candidate_pairs(model, np.arange(50))
    sd = model.signals_
    aa = np.asarray(sd.adj[r].multiply(sd.adj_aa[c]).sum(axis=1)).ravel()
    scorer = PairScorer(sd, jit=False)
    assert isinstance(scorer.tables["topics"][1], np.ndarray) == (dense_limit > 0)
    fast = scorer.signals(r, c, aa)
    np.testing.assert_allclose(fast, sd.pairs(r, c), atol=1e-5)


@pytest.mark.skipif(not jit_enabled(), reason="Numba is not installed (the fast extra)")
def test_compiled_pair_scorer_gives_the_numbers_of_the_numpy_one(generated):
    model = MatchingModel(method="candidates").fit(generated)
    r, c = candidate_pairs(model, np.arange(generated.n))
    sd = model.signals_
    aa = np.asarray(sd.adj[r].multiply(sd.adj_aa[c]).sum(axis=1)).ravel()
    compiled = PairScorer(sd, jit=True).signals(r, c, aa)
    np.testing.assert_array_equal(compiled, PairScorer(sd, jit=False).signals(r, c, aa))
    np.testing.assert_allclose(compiled, sd.pairs(r, c), atol=1e-5)


@pytest.mark.skipif(not jit_enabled(), reason="Numba is not installed (the fast extra)")
def test_segment_dots_merge_unsorted_duplicate_empty_and_long_rows_per_segment():
    from matching._candidates import _canonical
    from matching._kernels import segment_dots

    rng = np.random.default_rng(5)
    left = sp.random(40, 30, density=0.2, format="csr", random_state=1, dtype=np.float32).tolil()
    right = sp.random(50, 30, density=0.3, format="csr", random_state=2, dtype=np.float32).tolil()
    left[3, :] = 0  # an empty row
    right[7, :] = 1  # a full row
    left, right = left.tocsr(), right.tocsr()
    left.eliminate_zeros()
    coo = left.tocoo()  # duplicates and unsorted indices: the canonical copy sums them
    messy = sp.csr_matrix(
        (np.r_[coo.data, coo.data[:5]], (np.r_[coo.row, coo.row[:5]], np.r_[coo.col, coo.col[:5]])), shape=left.shape
    )
    r, c = rng.integers(0, 40, 500), rng.integers(0, 50, 500)
    r[:3], c[:3] = 3, 7
    ends = np.array([10, 10, 24, 30])  # the second segment is empty
    got = segment_dots(_canonical(messy), _canonical(right), ends, r, c)
    assert got.shape == (500, 4) and got.dtype == np.float32
    dl, dr = messy.toarray(), right.toarray()
    for s, (lo, hi) in enumerate(zip(np.r_[0, ends[:-1]], ends, strict=True)):
        want = (dl[r, lo:hi] * dr[c, lo:hi]).sum(axis=1)
        np.testing.assert_allclose(got[:, s], want, rtol=1e-5, atol=1e-6)
    assert (got[:3] == 0).all() and (got[:, 1] == 0).all()
    assert segment_dots(_canonical(left), _canonical(right), ends, r[:0], c[:0]).shape == (0, 4)


def test_candidates_never_partners_self_or_declined(make_snapshot):
    doc = random_doc(n=60, seed=8, coops=90)
    doc["introductions"] = [
        {"id": f"i{k}", "a": "o0", "b": f"o{k}", "status": "declined", "at": "2025-05-01"} for k in range(1, 6)
    ]
    snap = make_snapshot(doc)
    model = MatchingModel(method="candidates").fit(snap)
    idx, _ = model.top_k_all(20, fair=True)
    declined = {snap.index[f"o{k}"] for k in range(1, 6)}
    for i, row in enumerate(idx):
        shown = set(row[row >= 0].tolist())
        assert i not in shown
        assert not shown & set(snap.coop[i].indices.tolist())
        if i == snap.index["o0"]:
            assert not shown & declined
    r, c = candidate_pairs(model, np.arange(snap.n))
    assert not np.asarray(snap.coop[r, c]).any() and not (r == c).any()


def test_activity_signal(make_snapshot):
    doc = random_doc(n=40, seed=1, coops=60)
    snap = make_snapshot(doc)
    model = MatchingModel({"topics": 0.5, "activity": 0.5}).fit(snap)
    act = model.signals_.activity
    deg = np.diff(snap.coop.indptr)
    assert act.min() >= 0 and act.max() == pytest.approx(1.0)
    assert np.all(np.diff(act[np.argsort(deg, kind="stable")]) >= -1e-7)  # monotone in the degree
    assert act[deg == 0].max(initial=0) == 0
    i, j = 0, int(np.argmax(deg))
    vec = model.signals_.pairs(np.asarray([i]), np.asarray([j]))[0]
    assert vec[SIGNALS.index("activity")] == pytest.approx(act[j])
    # activity counts on its own (the degree prior): every suggestion has a reason other than bridging,
    # and a suggestion without any shared content carries the activity reason
    for items in model.suggest_all(5, fair=False).values():
        for s in items:
            kinds = {r["kind"] for r in s.reasons}
            assert kinds - {"bridge_mo_institution", "bridge_communities"}
    lone = MatchingModel({"bridging": 0.5, "activity": 0.5}).fit(snap).suggest_all(3, fair=False)
    assert all({r["kind"] for r in s.reasons} & {"active_partner"} for items in lone.values() for s in items)

    # more weight on activity moves suggestions toward active organisations
    def mean_degree(weights):
        idx, _ = MatchingModel(weights).fit(snap).top_k_all(5, fair=False)
        return deg[idx[idx >= 0]].mean()

    assert mean_degree({"topics": 0.2, "activity": 0.8}) > mean_degree({"topics": 1.0})


def _lists_case(make_snapshot):
    """Row ``r`` and, per case, more than ``cap`` organisations that outrank the best partner on every
    single-topic and single-capability list."""
    orgs = [
        org(
            "r",
            "migrant_organisation",
            topics=["sport", "music"],
            needs=["rooms"],
            offers=["interpreting"],
            districts=["lennep"],
        )
    ]
    # organisations with topic sport or music alone (weight 1 on those lists), offering rooms
    for k in range(6):
        orgs.append(org(f"f{k}", "education", topics=["sport"], offers=["rooms"], districts=["lennep"]))
        orgs.append(org(f"g{k}", "education", topics=["music"], offers=["rooms"], districts=["lennep"]))
        orgs.append(org(f"h{k}", "education", topics=["sport"], needs=["interpreting"], districts=["lennep"]))
    # x has both topics of r: weight 1/sqrt(2) on each single-topic list, below the fillers
    orgs.append(org("x", "education", topics=["sport", "music"], offers=["rooms"], districts=["lennep"]))
    # y helps both ways (offers rooms, needs interpreting) but has a second topic: lower weight on sport
    orgs.append(
        org("y", "education", topics=["sport", "women"], offers=["rooms"], needs=["interpreting"], districts=["lennep"])
    )
    return make_snapshot({"organisations": orgs})


def test_pair_and_mutual_lists_find_what_single_lists_cap_away(make_snapshot):
    snap = _lists_case(make_snapshot)
    r = snap.index["r"]
    for weights, best in (({"topics": 1.0}, "x"), ({"topics": 0.2, "complementarity": 0.8}, "y")):
        exact = MatchingModel(weights, method="exact").fit(snap)
        idx, _ = exact.top_k_all(1, fair=False)
        assert snap.org_ids[idx[r, 0]] == best
        cand = MatchingModel(weights, method="candidates", cap=2).fit(snap)
        _, cols = candidate_pairs(cand, np.asarray([r]))
        assert snap.index[best] in cols.tolist()
        idx, _ = cand.top_k_all(1, fair=False)
        assert snap.org_ids[idx[r, 0]] == best


def test_expand_dot_equals_row_products_with_empty_and_long_rows():

    from matching._candidates import SparseTable, _expand_dot

    rng = np.random.default_rng(3)
    left = sp.random(60, 12, density=0.2, format="csr", dtype=np.float32, random_state=1)
    left = sp.lil_matrix(left)
    left[0, :] = 0  # an empty row
    left[1, :] = rng.random(12)  # a row with every feature
    left = sp.csr_matrix(left, dtype=np.float32)
    right = sp.random(60, 12, density=0.3, format="csr", dtype=np.float32, random_state=2)
    r = rng.integers(0, 60, 500)
    c = rng.integers(0, 60, 500)
    want = np.asarray(left[r].multiply(right[c]).sum(axis=1)).ravel()
    assert np.allclose(_expand_dot(left, right.toarray(), r, c), want, atol=1e-6)
    assert np.allclose(_expand_dot(left, SparseTable(right), r, c), want, atol=1e-6)
    empty = SparseTable(sp.csr_matrix((60, 12), dtype=np.float32))
    assert (_expand_dot(left, empty, r, c) == 0).all()
    assert (_expand_dot(left, right.toarray(), r, c)[r == 0] == 0).all()
    assert _expand_dot(left, right.toarray(), r[:0], c[:0]).shape == (0,)


def test_sparse_table_gathers_every_cell_of_short_long_and_empty_rows():

    from matching._candidates import SparseTable

    rng = np.random.default_rng(5)
    dense = np.zeros((40, 70), dtype=np.float32)
    for i in range(40):  # row i has i entries (row 0 empty, the last ones long)
        dense[i, rng.choice(70, i, replace=False)] = rng.random(i) + 0.5
    table = SparseTable(sp.csr_matrix(dense))
    r, c = np.divmod(np.arange(40 * 70), 70)
    np.testing.assert_array_equal(table.gather(r, c), dense[r, c])
    assert table.gather(r[:0], c[:0]).shape == (0,)


@pytest.mark.skipif(not jit_enabled(), reason="Numba is not installed (the fast extra)")
def test_compiled_candidates_equal_the_scipy_ones(generated, make_snapshot, monkeypatch):
    import matching._kernels as kernels
    from matching._candidates import _candidates

    doc = random_doc(n=80, seed=3, coops=200)
    doc["introductions"] = [
        {"id": f"i{k}", "a": "o0", "b": f"o{k}", "status": "declined", "at": "2025-05-01"} for k in range(1, 6)
    ]
    for snap in (generated, make_snapshot(doc)):
        model = MatchingModel(method="candidates").fit(snap)
        index, _ = model._candidate_parts
        rows = np.arange(snap.n)[::-1].copy()  # any order
        want = _candidates(model.signals_, index, model.blocked_, rows)
        got = _candidates(model.signals_, index, model.blocked_, rows, jit=True)
        assert got.nnz == want.nnz > 0
        np.testing.assert_array_equal(got.indptr, want.indptr)
        np.testing.assert_array_equal(got.indices, want.indices)
        np.testing.assert_array_equal(got.data, want.data)  # the same Adamic-Adar, bit for bit
    # a first output buffer far too small (1 per row): the kernel stops, the output grows, the rows go on
    monkeypatch.setattr(kernels, "_ROW_ROOM", 1)
    again = _candidates(model.signals_, index, model.blocked_, np.repeat(rows, 20), jit=True)
    assert want.nnz > 2 * len(rows) and again.nnz == 20 * want.nnz
    np.testing.assert_array_equal(again[::20].toarray(), want.toarray())


@pytest.mark.skipif(not jit_enabled(), reason="Numba is not installed (the fast extra)")
def test_compiled_scorer_unpickled_without_numba_scores_the_numpy_way(generated, monkeypatch):
    import pickle

    model = MatchingModel(method="candidates").fit(generated)
    r, c = candidate_pairs(model, np.arange(30))
    aa = np.zeros(len(r))
    scorer = PairScorer(model.signals_, jit=True)
    data = pickle.dumps(scorer)
    monkeypatch.setenv("REMO_JIT", "0")  # as on a Dask worker without the fast extra
    moved = pickle.loads(data)
    assert not moved.jit and "topics" in moved.tables
    np.testing.assert_array_equal(moved.signals(r, c, aa), scorer.signals(r, c, aa))
