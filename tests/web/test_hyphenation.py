"""Soft hyphens for long words (Chromium has no German hyphenation dictionary): in names and labels of
cards, headings and tables, never in e-mail addresses, URLs or attributes."""

from __future__ import annotations

from markupsafe import Markup

from tests.web.conftest import ORG, login
from web.templating import hyphenate

SHY = "\u00ad"


def test_long_words_get_soft_hyphens_at_syllables():
    assert hyphenate("Migrantenorganisationen", "de") == SHY.join(
        ["Mi", "gran", "ten", "or", "ga", "ni", "sa", "ti", "o", "nen"]
    )
    assert hyphenate("Gemeinschaftsgrundschule Am Lindenhof", "de").startswith(
        SHY.join(["Ge", "mein", "schafts", "grund", "schu", "le"]) + " Am Lindenhof"
    )
    assert hyphenate("Köprü e.V. Lennep", "de") == "Köprü e.V. Lennep"  # short words stay whole


def test_addresses_urls_and_markup_stay_whole():
    for text in ("kontakt@migrantenorganisationen.de", "https://gemeinschaftsgrundschule.example/anmeldung",
                 "gemeinschaftsgrundschule.de"):  # fmt: skip
        assert hyphenate(text, "de") == text
    html = hyphenate(Markup('<a href="/org/gemeinschaftsgrundschule">Gemeinschaftsgrundschule</a>'), "de")
    assert isinstance(html, Markup)
    assert html.startswith('<a href="/org/gemeinschaftsgrundschule">Ge' + SHY)


def test_languages_without_a_dictionary_stay_as_they_are():
    assert hyphenate("Göçmenörgütlerinin", "tr") == "Göçmenörgütlerinin"
    assert hyphenate("منظماتالمهاجرينالمحلية", "ar") == "منظماتالمهاجرينالمحلية"
    assert SHY in hyphenate("Самоорганизациями", "ru")


def test_cards_and_profile_headings_are_hyphenated_but_not_their_links(web_client):
    html = web_client.get("/directory?q=Lindenhof").get_data(as_text=True)
    assert 'href="/org/grundschule-lindenhof"' in html
    assert "Ge\u00admein\u00adschafts\u00adgrund\u00adschu\u00adle" in html  # the card's heading
    html = web_client.get("/org/grundschule-lindenhof").get_data(as_text=True)
    assert '<h1><bdi lang="de">Ge\u00admein' in html
    assert "<title>Gemeinschaftsgrundschule Am Lindenhof – ReMo</title>" in html  # not in the title
    login(web_client, "rana")
    html = web_client.get(f"/org/{ORG}").get_data(as_text=True)
    for attr in ('href="', 'value="', 'aria-label="', 'title="', 'content="'):
        for value in html.split(attr)[1:]:
            assert SHY not in value.split('"', 1)[0], attr
