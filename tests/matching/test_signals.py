"""Signals on tiny hand-made networks with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching import SIGNALS, SignalData, check_weights, communities

from .conftest import org, snapshot_of


def signals(doc, a, b):
    snap = snapshot_of(doc)
    sd = SignalData.from_snapshot(snap)
    vec = sd.pairs(np.asarray([snap.index[a]]), np.asarray([snap.index[b]]))[0]
    block = sd.block(np.asarray([snap.index[a]]))
    for s, v in zip(SIGNALS, vec, strict=True):  # pair and block computations agree
        assert block[s][0, snap.index[b]] == pytest.approx(v, abs=1e-6)
    return dict(zip(SIGNALS, vec.tolist(), strict=True))


def test_topics_rare_shared_topic_weighs_more():
    doc = {
        "organisations": [
            org("a", topics=["music", "sport"]),
            org("b", topics=["music"]),
            org("c", topics=["sport"]),
            org("d", topics=["sport"]),
            org("e", topics=["sport"]),
        ]
    }
    assert signals(doc, "a", "b")["topics"] > signals(doc, "a", "c")["topics"] > 0
    assert signals(doc, "c", "d")["topics"] == pytest.approx(1.0)
    assert signals(doc, "b", "c")["topics"] == 0


def test_complementarity_is_reciprocal_and_one_way_counts_half():
    doc = {
        "organisations": [
            org("a", needs=["rooms"], offers=["interpreting"]),
            org("b", kind="education", needs=["interpreting"], offers=["rooms"]),
            org("c", kind="education", offers=["rooms"]),
            org("d", kind="education", offers=["rooms", "money"], needs=["volunteers"]),
        ]
    }
    assert signals(doc, "a", "b")["complementarity"] == pytest.approx(1.0)
    assert signals(doc, "a", "c")["complementarity"] == pytest.approx(0.5)  # one way: half
    assert signals(doc, "c", "a")["complementarity"] == pytest.approx(0.5)  # symmetric
    assert signals(doc, "b", "c")["complementarity"] == 0


def test_complementarity_harmonic_mean_weighs_urgency():
    doc = {
        "organisations": [
            org(
                "a",
                needs=[{"capability": "rooms", "urgency": 3}, {"capability": "money", "urgency": 1}],
                offers=["interpreting"],
            ),
            org("b", kind="education", needs=["interpreting"], offers=["rooms"]),
        ]
    }
    a, b = 0.75, 1.0  # b covers 3 of a's 4 urgency points; a covers all of b's need
    assert signals(doc, "a", "b")["complementarity"] == pytest.approx(2 * a * b / (a + b), rel=1e-5)


def test_proximity_is_adamic_adar_of_common_partners():
    doc = {
        "organisations": [org(x) for x in "abcdz"],
        "cooperations": [{"a": "a", "b": "z"}, {"a": "b", "b": "z"}, {"a": "c", "b": "z"}, {"a": "a", "b": "d"}],
    }
    aa = 1 / math.log(3)
    assert signals(doc, "a", "b")["proximity"] == pytest.approx(1 - math.exp(-aa), rel=1e-5)
    assert signals(doc, "b", "d")["proximity"] == 0


def test_bridging_mo_institution_and_communities():
    doc = {
        "organisations": [org("a"), org("b"), org("c", kind="education"), org("d", kind="education"), org("e")],
        "cooperations": [{"a": "a", "b": "b"}, {"a": "c", "b": "d"}],
    }
    assert signals(doc, "a", "c")["bridging"] == pytest.approx(1.0)  # MO-institution, other community
    assert signals(doc, "a", "b")["bridging"] == 0
    assert signals(doc, "a", "e")["bridging"] == 0  # e has no partners: no community
    assert signals(doc, "c", "e")["bridging"] == pytest.approx(0.5)


def test_district_and_language_german_is_weak():
    doc = {
        "organisations": [
            org("a", districts=["lennep"], languages=["de", "tr"]),
            org("b", districts=["lennep"], languages=["de", "tr"]),
            org("c", districts=["sued"], languages=["de"]),
            org("d", districts=["sued"], languages=["de", "ar"]),
        ]
    }
    ab, ac = signals(doc, "a", "b"), signals(doc, "a", "c")
    assert ab["district"] == pytest.approx(1.0) and ac["district"] == 0
    assert ab["language"] > 0.4
    assert ac["language"] == 0  # German, spoken by everybody, counts nothing


def test_communities_fixed_seed_is_deterministic():
    import scipy.sparse as sp

    rng = np.random.default_rng(1)
    m = sp.random(40, 40, density=0.1, random_state=rng, format="csr")
    m = ((m + m.T) > 0).astype(float).tocsr()
    assert (communities(m, seed=3) == communities(m, seed=3)).all()


def test_check_weights_rejects_nonsense():
    with pytest.raises(ValueError):
        check_weights({"nope": 1})
    with pytest.raises(ValueError):
        check_weights({"topics": -1})
    with pytest.raises(ValueError):
        check_weights({"topics": 0})
