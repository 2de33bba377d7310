"""Per-snapshot search data (directory and API list pages) and the trimmed name lookups (load test fixes)."""

from __future__ import annotations

import itertools

import pytest

from web.views.directory import _prepared, search_orgs

from .conftest import ORG

FILTER_NAMES = ("kind", "topic", "offer", "need", "district", "language")


def _filters(**given: str) -> dict[str, str]:
    return {name: given.get(name, "") for name in FILTER_NAMES}


@pytest.mark.parametrize("internal", [False, True])
def test_cached_search_equals_uncached(web_app, internal):
    with web_app.app_context():
        snap = web_app.extensions["remo_store"].store.snapshot()
        orgs, vocab = snap.network.organisations, snap.vocabulary
        cases = [
            ("", _filters()),
            ("verein", _filters()),
            ("Räume", _filters()),
            ("", _filters(kind="migrant_organisation")),
            ("", _filters(offer="rooms", district=snap.network.organisations[0].districts[0])),
            ("kultur verein", _filters(kind="migrant_organisation")),
            ("no such word anywhere", _filters()),
        ]
        for (query, filters), lang in itertools.product(cases, ["de", "en", "ar"]):
            plain = search_orgs(orgs, vocab, lang, query, filters, internal)
            cached = search_orgs(orgs, vocab, lang, query, filters, internal, snapshot=snap)
            again = search_orgs(orgs, vocab, lang, query, filters, internal, snapshot=snap)
            assert [o.id for o in cached] == [o.id for o in plain] == [o.id for o in again], (query, filters, lang)
        assert snap in _prepared and internal in _prepared[snap]


def test_search_sees_a_write_at_once(web_client, web_store):
    """The cache belongs to a snapshot: a write makes a new snapshot, so nothing stale is served."""
    before = web_client.get("/api/v1/organisations?q=Zebrafink&per_page=100").get_json()
    assert before["total"] == 0
    assert f"/org/{ORG}" not in web_client.get("/directory?q=Zebrafink").get_data(as_text=True)
    data = dict(web_store.get("organisation", ORG).data)
    data["description"] = "Wir züchten Zebrafinken."
    web_store.update("organisation", ORG, data, web_store.get("organisation", ORG).version, actor="test")
    after = web_client.get("/api/v1/organisations?q=zebrafink&per_page=100").get_json()
    assert [o["id"] for o in after["items"]] == [ORG]
    assert f"/org/{ORG}" in web_client.get("/directory?q=zebrafink").get_data(as_text=True)


def test_profile_names_only_for_introductions(web_client):
    """The profile page no longer builds a name table of every organisation; its pages still render."""
    for org_id in (ORG, "kulturverein-yesil-vadi"):
        assert web_client.get(f"/org/{org_id}").status_code == 200
