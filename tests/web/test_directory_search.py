"""Directory search: typos in vocabulary words, and every language's terms in every UI language."""

from __future__ import annotations

import re
import time

import pytest

from web.directory import fold, fuzzy_alternatives, search_orgs, vocabulary_words


def _names(html: str) -> list[str]:
    return re.findall(r'<li class="card">\s*<h3><a href="/org/([^"]+)"', html)


@pytest.fixture
def homework(web_store):
    snap = web_store.snapshot()
    return {o.id for o in snap.network.organisations if "homework_help" in o.topics}


def test_typo_finds_homework_help(web_client, homework):
    assert homework
    exact = set(_names(web_client.get("/directory?q=Hausaufgabenhilfe").get_data(as_text=True)))
    html = web_client.get("/directory?q=Hausaufgabenhlfe").get_data(as_text=True)
    found = set(_names(html))
    assert homework <= found and found == exact
    assert "hausaufgabenhilfe" in html and 'class="notice"' in html  # says what it searched for instead
    # a word that is really there is not "corrected"
    html = web_client.get("/directory?q=Hausaufgabenhilfe").get_data(as_text=True)
    assert "Keine Organisation erwähnt" not in html
    # nonsense still finds nothing
    assert _names(web_client.get("/directory?q=Xylophonkonzert").get_data(as_text=True)) == []


@pytest.mark.parametrize("ui", ["de", "en", "tr", "ar", "ru", "uk"])
def test_every_languages_terms_in_every_ui_language(web_client, homework, ui):
    web_client.get(f"/lang/{ui}?next=/directory")
    for query in ("الواجبات", "Hausaufgabenhilfe", "homework", "Ödev"):
        found = set(_names(web_client.get(f"/directory?q={query}").get_data(as_text=True)))
        assert homework <= found, (ui, query)


def test_fuzzy_matching_is_bounded_and_fast(web_store):
    snap = web_store.snapshot()
    words = vocabulary_words(snap.vocabulary)
    assert fold("hausaufgabenhilfe") in words
    assert fuzzy_alternatives("hausaufgabenhlfe", words)[0] == "hausaufgabenhilfe"
    assert fuzzy_alternatives("raum", words) == []  # short words are never guessed
    start = time.perf_counter()
    for _ in range(20):
        search_orgs(snap.network.organisations, snap.vocabulary, "de", "Hausaufgabenhlfe Dolmetschn", {}, False)
    assert (time.perf_counter() - start) / 20 < 0.25
