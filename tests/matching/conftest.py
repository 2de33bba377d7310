"""Fixtures for the matching tests: small networks built in code, and the demo network."""

from __future__ import annotations

from pathlib import Path

import pytest

import graph.vocabulary as vocabulary
from graph import build_snapshot, parse_network

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "seeds" / "demo.json"

_FALLBACK_TERMS = {
    "org_kinds": [
        "migrant_organisation",
        "welfare_association",
        "integration_agency",
        "youth_association",
        "education",
        "public_service",
        "sports_culture",
        "religious_community",
        "other",
    ],
    "topics": ["homework_help", "sport", "music", "language_courses", "counselling", "youth_work", "women"],
    "capabilities": [
        "rooms",
        "money",
        "volunteers",
        "interpreting",
        "community_access",
        "training",
        "publicity",
        "funding_application_help",
        "contacts",
        "staff",
        "legal_advice",
        "equipment",
        "event_organisation",
    ],
    "districts": ["lennep", "alt_remscheid", "luettringhausen", "sued"],
    "target_groups": ["youth", "women", "families"],
    "languages": ["de", "tr", "ar", "ru", "uk", "en", "pl"],
    "cooperation_kinds": ["event", "project", "other"],
    "legal_forms": ["registered_association"],
}

if not (vocabulary.seeds_dir() / "vocabulary.json").exists():  # pragma: no cover - until seeds/ is written
    _fallback = {cat: [{"id": t, "labels": {"en": t}} for t in terms] for cat, terms in _FALLBACK_TERMS.items()}
    vocabulary._load_builtin = lambda: _fallback  # type: ignore[assignment]


def org(oid: str, kind: str = "migrant_organisation", **fields):
    return {"id": oid, "name": oid.upper(), "kind": kind, **fields}


def snapshot_of(doc: dict, today: str = "2025-06-01"):
    return build_snapshot(parse_network(doc), today=today)


@pytest.fixture
def make_snapshot():
    return snapshot_of


@pytest.fixture(scope="session")
def demo_snapshot():
    if not DEMO.exists():
        pytest.skip("seeds/demo.json is not written yet")
    import json

    with DEMO.open(encoding="utf-8") as fh:
        return build_snapshot(parse_network(json.load(fh)))
