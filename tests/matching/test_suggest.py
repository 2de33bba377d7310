"""Suggestions: novelty rules, reasons, hints, errors and the JSON shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

from graph import NotFoundError
from matching import MatchingModel, Suggestion, hints, suggest, suggest_all, suggestions_json

from .conftest import org

TOPICS = ["homework_help", "sport", "music", "language_courses", "counselling", "youth_work", "women"]
CAPS = ["rooms", "money", "volunteers", "interpreting", "community_access", "training", "publicity"]
DISTRICTS = ["lennep", "alt_remscheid", "luettringhausen", "sued"]


def random_doc(n=40, seed=0, coops=50):
    rng = np.random.default_rng(seed)
    orgs = []
    for i in range(n):
        orgs.append(
            org(
                f"o{i}",
                kind="migrant_organisation" if rng.random() < 0.5 else "education",
                topics=list(rng.choice(TOPICS, size=int(rng.integers(1, 4)), replace=False)),
                offers=list(rng.choice(CAPS, size=int(rng.integers(0, 3)), replace=False)),
                needs=list(rng.choice(CAPS, size=int(rng.integers(0, 3)), replace=False)),
                districts=[str(rng.choice(DISTRICTS))],
                languages=["de", str(rng.choice(["tr", "ar", "ru", "uk"]))],
            )
        )
    pairs = set()
    while len(pairs) < coops:
        a, b = sorted(rng.choice(n, size=2, replace=False).tolist())
        pairs.add((a, b))
    cooperations = [{"a": f"o{a}", "b": f"o{b}", "since": f"20{15 + (a + b) % 10}-03-01"} for a, b in sorted(pairs)]
    return {"organisations": orgs, "cooperations": cooperations}


@pytest.fixture
def network():
    return random_doc()


def test_best_match_and_reasons(make_snapshot):
    snap = make_snapshot(
        {
            "organisations": [
                org("a", topics=["homework_help"], needs=["rooms"], districts=["lennep"], languages=["de", "tr"]),
                org(
                    "b",
                    kind="education",
                    topics=["homework_help"],
                    offers=["rooms"],
                    districts=["lennep"],
                    languages=["de", "tr"],
                ),
                org("c", kind="education", topics=["sport"], districts=["sued"], languages=["de"]),
                org("d", kind="education", topics=["music"], districts=["sued"], languages=["de"]),
            ]
        }
    )
    result = suggest(snap, "a", k=5)
    assert [s.partner for s in result] == ["b"]  # c and d share nothing concrete with a
    from matching import matching_model

    parts = matching_model(snap).reasons(snap.index["a"], snap.index["b"], all_parts=True)
    kinds = {r["kind"]: r for r in parts}
    assert kinds["shared_topics"]["topics"] == ["homework_help"]
    assert kinds["they_offer_what_you_need"]["capabilities"] == ["rooms"]
    assert kinds["same_district"]["districts"] == ["lennep"]
    assert kinds["shared_language"]["languages"] == ["tr"]
    assert "bridge_mo_institution" in kinds
    assert result[0].score == pytest.approx(sum(r["weight"] for r in parts), abs=1e-3)
    # shown: at most four, strongest first, all of them parts of the score
    shown = result[0].reasons
    assert 1 <= len(shown) <= 4 and shown == sorted(shown, key=lambda r: -r["weight"])
    assert all(r in parts for r in shown) and shown[0] == parts[0]


def test_reasons_leave_out_filler(make_snapshot):
    """German everybody speaks, a district most share and weak parts are no reasons; rare traits are."""
    orgs = [org(f"o{i}", topics=["homework_help"], districts=["lennep"], languages=["de"]) for i in range(8)]
    orgs.append(org("x", kind="education", topics=["homework_help"], districts=["sued"], languages=["de", "tr"]))
    orgs.append(org("y", topics=["music"], districts=["sued"], languages=["de", "tr"]))
    snap = make_snapshot({"organisations": orgs})
    lists = {s.partner: s for s in suggest(snap, "o0", k=10)}
    for s in lists.values():
        kinds = {r["kind"] for r in s.reasons}
        assert "same_district" not in kinds  # 9 of 10 organisations are in lennep
        assert "shared_language" not in kinds  # only German is shared
        assert all(r["weight"] >= 0.1 * s.score for r in s.reasons[1:])
    pair = suggest(snap, "x", k=10)
    y = next(s for s in pair if s.partner == "y")
    assert {r["kind"] for r in y.reasons} >= {"same_district", "shared_language"}  # rare: they separate


def test_partners_and_recently_declined_never_suggested(make_snapshot, network):
    network["introductions"] = [
        {"id": "i1", "a": "o0", "b": "o1", "status": "declined", "at": "2025-01-10"},
        {"id": "i2", "a": "o0", "b": "o2", "status": "declined", "at": "2020-01-10"},
        {"id": "i3", "a": "o3", "b": "o0", "status": "declined"},
    ]
    snap = make_snapshot(network)
    everyone = suggest_all(snap, k=39, fair=False)
    for oid, items in everyone.items():
        partners = set(snap.partners(oid))
        assert oid not in {s.partner for s in items}
        assert not partners & {s.partner for s in items}
    shown = {s.partner for s in suggest(snap, "o0", k=39)}
    assert "o1" not in shown and "o3" not in shown
    assert "o1" not in {s.partner for s in everyone["o0"]}
    # the old refusal expired; with exclude_declined_days=None every refusal counts
    forever = {s.partner for s in suggest(snap, "o0", k=39, exclude_declined_days=None)}
    assert "o2" not in forever


def test_already_met_is_marked_but_may_be_suggested(make_snapshot):
    snap = make_snapshot(
        {
            "organisations": [
                org("a", topics=["sport"]),
                org("b", topics=["sport"]),
                org("c", topics=["sport"]),
                org("d", topics=["sport"]),
            ],
            "meetings": [{"id": "m1", "title": "Austausch", "attendance": ["a", "c"]}],
            "introductions": [
                {"id": "i1", "a": "a", "b": "b", "status": "met"},
                {"id": "i2", "a": "a", "b": "c", "status": "proposed"},
            ],
        }
    )
    met = {s.partner: s.already_met for s in suggest(snap, "a", k=5)}
    assert met == {"b": True, "c": True, "d": False}


def test_every_suggestion_has_a_concrete_reason(make_snapshot, network):
    snap = make_snapshot(network)
    for items in suggest_all(snap, k=10).values():
        for s in items:
            assert s.score > 0
            assert any(r["kind"] not in {"bridge_mo_institution", "bridge_communities"} for r in s.reasons)
            assert all(isinstance(r["weight"], float) and r["weight"] > 0 for r in s.reasons)


def test_reasons_are_ids_and_numbers_only(make_snapshot, network):
    snap = make_snapshot(network)
    doc = suggestions_json(snap, "o5")
    text = json.dumps(doc)
    assert set(doc) == {"organisation", "suggestions", "hints"}
    assert all(ch.isascii() for ch in text)
    for s in doc["suggestions"]:
        assert set(s) == {"partner", "score", "already_met", "reasons"}
        for r in s["reasons"]:
            assert "text" not in r
            for key, value in r.items():
                assert isinstance(value, (str, float, list))
                if isinstance(value, list):
                    assert all(isinstance(v, str) and " " not in v for v in value), key


def test_unknown_organisation_raises(make_snapshot, network):
    snap = make_snapshot(network)
    with pytest.raises(NotFoundError) as info:
        suggest(snap, "nobody")
    assert info.value.kind == "organisation" and info.value.id == "nobody"
    with pytest.raises(NotFoundError):
        hints(snap, "nobody")


def test_little_data_gets_hints_and_what_data_allows(make_snapshot):
    snap = make_snapshot(
        {"organisations": [org("a", districts=["lennep"]), org("b", districts=["lennep"], topics=["sport"]), org("c")]}
    )
    assert hints(snap, "a") == ["topics", "offers", "needs", "languages"]
    assert [s.partner for s in suggest(snap, "a")] == ["b"]
    assert suggest(snap, "c") == []
    assert suggestions_json(snap, "c")["hints"] == ["topics", "offers", "needs", "districts", "languages"]


def test_single_and_all_agree_without_fairness(make_snapshot, network):
    snap = make_snapshot(network)
    model = MatchingModel().fit(snap)
    everyone = model.suggest_all(k=5, fair=False)
    for oid in ("o0", "o7", "o13"):
        single = model.suggest(oid, k=5, fair=False)
        assert [s.partner for s in single] == [s.partner for s in everyone[oid]]
        assert [s.score for s in single] == sorted((s.score for s in single), reverse=True)


def test_model_is_cached_per_snapshot(make_snapshot, network):
    from matching import matching_model

    snap = make_snapshot(network)
    assert matching_model(snap) is matching_model(snap)
    assert matching_model(snap, weights={"topics": 1}) is not matching_model(snap)


def test_suggestion_to_dict():
    s = Suggestion("b", 0.5, [{"kind": "same_district", "weight": 0.5, "districts": ["sued"]}])
    assert s.to_dict() == {
        "partner": "b",
        "score": 0.5,
        "already_met": False,
        "reasons": [{"kind": "same_district", "weight": 0.5, "districts": ["sued"]}],
    }
