"""`matching._batch.batch_parts` equals the per-pair reference `MatchingModel.reasons`."""

import numpy as np
import pytest

from graph import build_snapshot, parse_network
from graph.generate import generate_document, generate_realistic
from graph.vocabulary import seeds_dir
from matching import MatchingModel
from matching._batch import batch_parts


def _networks():
    import json

    demo = json.loads((seeds_dir() / "demo.json").read_text(encoding="utf-8"))
    return {"demo": demo, "generated": generate_document(500, seed=2), "realistic": generate_realistic(1500, seed=4)}


@pytest.fixture(scope="module", params=["demo", "generated", "realistic"])
def snap(request):
    return build_snapshot(parse_network(_networks()[request.param]), today="2026-11-01")


WEIGHTS = [
    None,
    {
        "topics": 0.2,
        "complementarity": 0.2,
        "proximity": 0.2,
        "bridging": 0.1,
        "district": 0.1,
        "language": 0.1,
        "activity": 0.1,
    },
    {"bridging": 1.0},
]


@pytest.mark.parametrize("weights", WEIGHTS)
def test_batch_parts_equal_the_reference_for_random_and_suggested_pairs(snap, weights):
    model = MatchingModel(weights).fit(snap)
    rng = np.random.default_rng(0)
    picked, _ = model.top_k_all(10, fair=False)
    r = np.repeat(np.arange(snap.n), picked.shape[1])
    c = picked.ravel()
    rows = np.concatenate([r[c >= 0], rng.integers(0, snap.n, 3000)])
    cols = np.concatenate([c[c >= 0], rng.integers(0, snap.n, 3000)])
    sig = model.signals_.pairs(rows, cols)
    got = batch_parts(snap, model.signals_, model.weights_, rows, cols, sig)
    want = [model.reasons(i, j, v, all_parts=True) for i, j, v in zip(rows.tolist(), cols.tolist(), sig, strict=True)]
    assert got == want
    kinds = {p["kind"] for parts in got for p in parts}
    if weights is WEIGHTS[1]:
        assert {"shared_topics", "common_partner", "same_district", "shared_language"} <= kinds


def test_suggest_all_builds_what_the_per_pair_path_builds(snap):
    model = MatchingModel().fit(snap)
    fast = model.suggest_all(5)
    picked, _ = model.top_k_all(5)
    for i in range(0, snap.n, max(1, snap.n // 40)):
        cols = picked[i][picked[i] >= 0]
        sig = model.signals_.pairs(np.full(len(cols), i), cols)
        slow = [model._make(i, int(j), v, None) for j, v in zip(cols.tolist(), sig, strict=True)]
        assert fast[snap.org_ids[i]] == slow
    assert list(fast) == list(snap.org_ids)


def test_they_offer_lists_the_most_urgent_need_first(make_snapshot):
    snap = make_snapshot(
        {
            "organisations": [
                {
                    "id": "a",
                    "name": "A",
                    "kind": "migrant_organisation",
                    "topics": ["homework_help"],
                    "needs": [
                        {"capability": "rooms", "urgency": 1},
                        {"capability": "money", "urgency": 3},
                        {"capability": "training", "urgency": 2},
                    ],
                },
                {
                    "id": "b",
                    "name": "B",
                    "kind": "education",
                    "topics": ["homework_help"],
                    "offers": ["rooms", "money", "training"],
                },
            ]
        }
    )
    model = MatchingModel().fit(snap)
    [s] = model.suggest("a", 3)
    [they] = [r for r in model.reasons(0, 1, all_parts=True) if r["kind"] == "they_offer_what_you_need"]
    assert they["capabilities"] == ["money", "training", "rooms"]
    assert [r for r in s.reasons if r["kind"] == "they_offer_what_you_need"][0]["capabilities"] == they["capabilities"]
