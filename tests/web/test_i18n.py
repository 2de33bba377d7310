"""Languages: catalogs complete and current, the switcher, right-to-left Arabic, vocabulary labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.web.conftest import ORG, login, make_web_app
from web.i18n import COMPLETE_CATALOGS, LANGUAGE_NAMES, TRANSLATIONS, UI_LANGUAGES, compile_catalogs

ROOT = Path(__file__).resolve().parents[2]


def pot_ids() -> set:
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def test_pot_is_up_to_date_with_the_code():
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None}
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    missing = {m for m in found if m not in pot_ids() and not (isinstance(m, tuple) and m[0] in pot_ids())}
    assert not missing, "run pybabel extract/update (see docs/web.md): " + repr(sorted(map(str, missing))[:5])


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_catalog_has_every_message(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    ids = {m.id for m in catalog if m.id}
    assert pot_ids() <= ids, f"{lang}: run pybabel update"
    if lang in COMPLETE_CATALOGS:
        empty = [
            m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
        ]
        assert not empty, f"{lang}: untranslated: {empty[:5]}"
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert not fuzzy, f"{lang}: fuzzy: {fuzzy[:5]}"


@pytest.mark.parametrize("lang", COMPLETE_CATALOGS)
def test_placeholders_survive_translation(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    for m in catalog:
        if not m.id or not m.string:
            continue
        source = m.id if isinstance(m.id, str) else m.id[0]
        targets = [m.string] if isinstance(m.string, str) else list(m.string)
        for t in targets:
            assert set(re.findall(r"%\(\w+\)[sd]", source)) == set(re.findall(r"%\(\w+\)[sd]", t)), (lang, source)


def test_catalogs_compile(tmp_path):
    import shutil

    shutil.copytree(TRANSLATIONS, tmp_path / "t", ignore=shutil.ignore_patterns("*.mo"))
    written = compile_catalogs(tmp_path / "t")
    assert len(written) == len(UI_LANGUAGES)
    with written[0].open("rb") as fh:
        assert read_mo(fh)


def test_german_by_default_and_accept_language(web_client):
    html = web_client.get("/").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html and "Zum Inhalt springen" in html
    html = web_client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html and "Skip to content" in html


def test_switch_to_arabic_and_back(web_client):
    resp = web_client.get("/lang/ar?next=/directory")
    assert resp.status_code == 302 and resp.headers["Location"] == "/directory"
    html = web_client.get("/directory").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "قاعات ومساحات" in html  # vocabulary labels in Arabic (capability "rooms")
    resp = web_client.get("/lang/de?next=/directory")
    html = web_client.get("/directory").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html and "Räumlichkeiten" in html
    assert web_client.get("/lang/xx").status_code == 404


def test_switcher_names_each_language_in_itself(web_client):
    html = web_client.get("/").get_data(as_text=True)
    for code, name in LANGUAGE_NAMES.items():
        link = rf'lang="{code}" hreflang="{code}"[^>]*>.*?<span class="lang-name">{name}</span></a>'
        assert re.search(link, html), code
    assert 'lang="de" hreflang="de" aria-current="true"' in html


def test_names_are_isolated_with_bdi(web_client):
    login(web_client, "rana")
    html = web_client.get(f"/org/{ORG}").get_data(as_text=True)
    assert '<h1><bdi lang="de">El\u00adtern\u00adnetz\u00adwerk Köprü e.V.</bdi></h1>' in html  # soft hyphens


def test_organisation_texts_keep_their_language_inside_arabic_pages(web_client):
    """The page is Arabic, the organisations' names and texts stay marked German (WCAG 3.1.2)."""
    web_client.get("/lang/ar")
    html = web_client.get(f"/org/{ORG}").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<h1><bdi lang="de">El\u00adtern\u00adnetz\u00adwerk Köprü e.V.</bdi></h1>' in html  # soft hyphens
    assert re.search(r'<p class="lead"><bdi lang="de">[^<]+</bdi></p>', html)
    listing = web_client.get("/directory").get_data(as_text=True)
    assert listing.count('<bdi lang="de">') >= 20


def test_content_language_is_configurable(template_db, tmp_path):
    app = make_web_app(template_db, tmp_path, REMO_CONTENT_LANG="tr")
    try:
        assert '<bdi lang="tr">' in app.test_client().get("/directory").get_data(as_text=True)
    finally:
        app.extensions["remo_store"].close()
    (tmp_path / "bad").mkdir()
    with pytest.raises(ValueError, match="REMO_CONTENT_LANG"):
        make_web_app(template_db, tmp_path / "bad", REMO_CONTENT_LANG='de" onmouseover="x')


def test_css_uses_logical_properties():
    css = (ROOT / "web" / "static" / "remo.css").read_text(encoding="utf-8")
    assert "margin-inline-start" in css and "padding-inline" in css
    assert not re.search(r"(margin|padding)-(left|right)\s*:", css)
    assert not re.search(r"text-align:\s*(left|right)", css)
    assert "@import" not in css and "url(http" not in css


@pytest.mark.parametrize("lang", ["de", "en", "tr", "ar", "ru", "uk"])
def test_offer_need_reasons_say_who_offers(lang):
    """ "Sie bieten, was Sie brauchen" could mean either side: each text names "this organisation"."""
    from flask import Flask

    from graph import Vocabulary
    from web.i18n import init_app as init_i18n
    from web.reasons import reason_text

    vocab = Vocabulary.builtin()
    cap = vocab.ids("capabilities")[0]
    app = Flask(__name__)
    init_i18n(app)
    with app.app_context():
        they = reason_text({"kind": "they_offer_what_you_need", "capabilities": [cap]}, vocab, {}, lang)
        you = reason_text({"kind": "you_offer_what_they_need", "capabilities": [cap]}, vocab, {}, lang)
    assert they != you
    marker = {
        "de": "Diese Organisation",
        "en": "This organisation",
        "tr": "Bu kuruluş",
        "ar": "هذه المنظمة",
        "ru": "организац",
        "uk": "організац",
    }[lang]
    assert marker.lower() in they.lower() and marker.split()[-1].lower()[:6] in you.lower()
    if lang == "de":
        assert they.startswith("Diese Organisation bietet, was Sie brauchen:")
        assert you.startswith("Sie bieten, was diese Organisation braucht:")
