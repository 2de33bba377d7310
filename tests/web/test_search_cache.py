"""Per-snapshot search data (directory and API list pages) and the trimmed name lookups (load test fixes)."""

from __future__ import annotations

import itertools

import pytest

from web.directory import _matches, _prepared, fold, search_orgs

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
            ("", _filters(need="rooms")),
            ("", _filters(language="ar", topic=snap.network.organisations[0].topics[0])),
            ("verein", _filters(language="tr", kind="migrant_organisation")),
            ("", _filters(district="nowhere")),
        ]
        found = 0
        for (query, filters), lang in itertools.product(cases, ["de", "en", "ar"]):
            plain = search_orgs(orgs, vocab, lang, query, filters, internal)
            cached = search_orgs(orgs, vocab, lang, query, filters, internal, snapshot=snap)
            again = search_orgs(orgs, vocab, lang, query, filters, internal, snapshot=snap)
            assert [o.id for o in cached] == [o.id for o in plain] == [o.id for o in again], (query, filters, lang)
            found += bool(cached)
            # the reference: the filter applied field by field, as before the per-snapshot index
            active = {k: v for k, v in filters.items() if v}
            if not query:
                by_field = [
                    o.id
                    for o in sorted(orgs, key=lambda o: fold(o.name))
                    if _matches(o.to_dict() if internal else o.public_dict(), active)
                ]
                assert [o.id for o in cached] == by_field, filters
        assert found > 10
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


# ---------------------------------------------------------------------------
# suggestions API: rendered documents cached per snapshot
# ---------------------------------------------------------------------------
def _suggestions(web_client, secret: str, query: str = "") -> dict:
    resp = web_client.get(
        f"/api/v1/organisations/{ORG}/suggestions{query}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_suggestions_cached_per_snapshot_and_recomputed_after_a_write(web_app, web_client, web_store):
    from web.api.tokens import create_token
    from web.suggestion_cache import _books

    secret = create_token(web_store, "stefan", name="test")[0]
    first = _suggestions(web_client, secret, "?top=5")
    assert first == _suggestions(web_client, secret, "?top=5")  # served from the cache
    snap = web_store.snapshot()
    assert len(_books[snap].rendered) == 1
    assert _suggestions(web_client, secret, "?top=2")["suggestions"] == first["suggestions"][:2]  # a prefix
    assert len(_books[snap].rendered) == 1
    # language and size are part of the key
    english = _suggestions(web_client, secret, "?top=5&lang=en")
    assert [s["partner"] for s in english["suggestions"]] == [s["partner"] for s in first["suggestions"]]
    texts = lambda doc: [r["text"] for s in doc["suggestions"] for r in s["reasons"]]  # noqa: E731
    assert texts(english) != texts(first)
    assert len(_suggestions(web_client, secret, "?top=3")["suggestions"]) == 3
    assert len(_suggestions(web_client, secret, "?top=5")["suggestions"]) == 5
    # a write (a new cooperation with the best suggestion) makes a new snapshot: the partner disappears at once
    best = first["suggestions"][0]["partner"]
    resp = web_client.post(
        "/api/v1/cooperations",
        json={"a": ORG, "b": best, "kind": "joint_project"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    after = _suggestions(web_client, secret, "?top=5")
    assert best not in [s["partner"] for s in after["suggestions"]]


def test_suggestion_cache_equals_suggest_and_fills_a_block(web_app, web_store):
    """Lists from the block cache are exactly `matching.suggest`'s, for every organisation and size."""
    from matching import suggest, suggestions_json
    from web.reasons import render_suggestions
    from web.suggestion_cache import BOOK_TOP, _books, suggestion_document, suggestion_list
    from web.weights import weights_in_use

    snap = web_store.snapshot()
    weights = weights_in_use(web_store)
    first = snap.org_ids[0]
    suggestion_list(snap, first, 10, weights)
    computed = _books[snap].lists[tuple(sorted(weights.items()))]
    assert len(computed) > 1  # one request computed its neighbours too
    for org_id in snap.org_ids:
        for top in (1, 10, BOOK_TOP, BOOK_TOP + 5):
            assert suggestion_list(snap, org_id, top, weights) == suggest(snap, org_id, top, weights=weights)
    with web_app.app_context():
        doc = suggestion_document(snap, ORG, 7, "tr", weights)
        names = {o.id: o.name for o in snap.network.organisations}
        for top in (7, 3, 12, 1, 12):  # shorter lists come from the longer one rendered before
            doc = suggestion_document(snap, ORG, top, "tr", weights)
            assert doc == render_suggestions(
                suggestions_json(snap, ORG, suggest(snap, ORG, top, weights=weights)), snap.vocabulary, names, "tr"
            )


def test_suggestion_cache_raises_for_unknown_organisations(web_store):
    from graph import NotFoundError
    from web.suggestion_cache import suggestion_list
    from web.weights import weights_in_use

    with pytest.raises(NotFoundError):
        suggestion_list(web_store.snapshot(), "no-such-org", 10, weights_in_use(web_store))


def test_suggestions_name_common_partners(web_client, web_store):
    """Only the mentioned names are looked up; the reason texts still carry names, not ids."""
    from web.api.tokens import create_token

    secret = create_token(web_store, "stefan", name="test")[0]
    doc = _suggestions(web_client, secret, "?top=20&lang=en")
    snap = web_store.snapshot()
    common = [r for s in doc["suggestions"] for r in s["reasons"] if r["kind"] == "common_partner"]
    if not common:
        pytest.skip("the demo network gives this organisation no common partner")
    for r in common:
        for p in r["partners"]:
            assert snap.orgs[p].name in r["text"]


@pytest.mark.parametrize("lang", ["de", "en", "ar", "uk"])
def test_rendering_in_one_locale_equals_reason_by_reason(web_app, lang):
    """render_suggestions switches the locale once per document; the texts are those of reason_text."""
    from matching import suggest, suggestions_json
    from web.reasons import reason_text, render_suggestions

    with web_app.test_request_context("/"):
        snap = web_app.extensions["remo_store"].store.snapshot()
        names = {o.id: o.name for o in snap.network.organisations}
        doc = suggestions_json(snap, ORG, suggest(snap, ORG, 20))
        rendered = render_suggestions(doc, snap.vocabulary, names, lang)
        expected = [reason_text(r, snap.vocabulary, names, lang) for s in doc["suggestions"] for r in s["reasons"]]
        got = [r["text"] for s in rendered["suggestions"] for r in s["reasons"]]
        assert got == expected and len(got) > 10
        extra = {"kind": "something_new"}
        assert reason_text(extra, snap.vocabulary, names, lang)  # the fallback sentence still works


def test_directory_body_cache_keeps_views_apart(web_app, web_store):
    """The cached page body differs by role, language and page, and follows writes at once."""
    from .conftest import login

    public, staff, english = web_app.test_client(), web_app.test_client(), web_app.test_client()
    login(staff, "stefan")
    english.get("/lang/en")
    add = "/org/new"
    for _ in range(2):  # the second round is served from the cache
        assert add not in public.get("/directory").get_data(as_text=True)
        assert add in staff.get("/directory").get_data(as_text=True)
        de = public.get("/directory").get_data(as_text=True)
        en = english.get("/directory").get_data(as_text=True)
        assert "Verzeichnis" in de and "Directory of organisations" in en
        assert public.get("/directory?page=1").get_data(as_text=True) != public.get("/directory?page=2").get_data(
            as_text=True
        )
    org = web_store.list("organisation")[0]
    web_store.update("organisation", org.id, {**org.data, "name": "Zuletzt umbenannt e. V."}, org.version)
    assert "Zuletzt umbenannt e. V." in public.get("/directory?q=umbenannt").get_data(as_text=True)
