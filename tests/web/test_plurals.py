"""Counts through plural forms, plural rules as CLDR has them, the brochure and the terms in every language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from web.i18n import TRANSLATIONS, UI_LANGUAGES, isolate, join_list

ROOT = Path(__file__).resolve().parents[2]


def catalog(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _c_eval(expr: str, n: int) -> int:
    """Evaluate a gettext C plural expression (ternaries, &&, ||, comparisons, %)."""
    from gettext import c2py

    return c2py(expr)(n)


@pytest.mark.parametrize("lang,forms", [("ar", 6), ("ru", 3), ("uk", 3), ("de", 2), ("en", 2)])
def test_plural_forms_follow_cldr(lang, forms):
    """Each form index stands for exactly one CLDR category (Arabic: form 4 is 'many', n % 100 in 11..99)."""
    cat = catalog(lang)
    assert cat.num_plurals == forms
    rule = Locale.parse(lang).plural_form
    seen: dict[int, set] = {}
    for n in range(0, 1200):
        seen.setdefault(_c_eval(cat.plural_expr, n), set()).add(rule(n))
    assert all(len(cats) == 1 for cats in seen.values()), seen
    assert len(seen) == forms
    if lang == "ar":
        assert {n: _c_eval(cat.plural_expr, n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 102, 111)} == {
            0: 0,
            1: 1,
            2: 2,
            3: 3,
            10: 3,
            11: 4,
            99: 4,
            100: 5,
            102: 5,
            111: 4,
        }


def test_plural_entries_have_every_form():
    for lang in UI_LANGUAGES:
        cat = catalog(lang)
        for m in cat:
            if m.id and isinstance(m.id, tuple):
                assert len(m.string) == cat.num_plurals, (lang, m.id[0])


_COUNTED = re.compile(r"%\((\w+)\)[sd] (?:\w+ )?(\w+s)\b")
_NOT_A_COUNT = {
    "name",
    "org",
    "date",
    "start",
    "end",
    "title",
    "when",
    "status",
    "kind",
    "value",
    "a",
    "b",
    "id",
    "user",
}


def test_every_count_goes_through_ngettext():
    """No message says "%(n)d things" without plural forms ("1 Runden", "noch 1 Tage")."""
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    bad = []
    for filename, _line, message, _c, _ctx in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None}
    ):
        if not isinstance(message, str):
            continue
        for var, word in _COUNTED.findall(message):
            if var not in _NOT_A_COUNT and word not in {"is", "was", "has", "as", "its", "this"}:
                bad.append((filename, message))
    assert not bad, bad


@pytest.mark.parametrize(
    "lang,n,text",
    [
        ("de", 1, "1 Organisation"),
        ("de", 3, "3 Organisationen"),
        ("ar", 2, "2 منظمتان"),
        ("ar", 3, "3 منظمات"),
        ("ar", 11, "11 منظمةً"),
        ("ar", 100, "100 منظمة"),
        ("ru", 1, "1 организация"),
        ("ru", 3, "3 организации"),
        ("ru", 11, "11 организаций"),
        ("ru", 21, "21 организация"),
        ("uk", 24, "24 організації"),
        ("uk", 25, "25 організацій"),
    ],
)
def test_counts_read_naturally(web_app, lang, n, text):
    with web_app.test_request_context(), force_locale(lang):
        assert ngettext("%(num)d organisation", "%(num)d organisations", n) == text


def test_one_day_and_one_round_in_german(web_app):
    with web_app.test_request_context(), force_locale("de"):
        assert (
            ngettext("deadline %(date)s (%(num)d day left)", "deadline %(date)s (%(num)d days left)", 1, date="1.1.")
            == "Frist 1.1. (noch 1 Tag)"
        )
        assert ngettext("Seating plan: %(num)d round", "Seating plan: %(num)d rounds", 1) == "Sitzplan: 1 Runde"
        assert (
            ngettext("%(num)d organisation has no partner.", "%(num)d organisations have no partner.", 1)
            == "1 Organisation hat keinen Partner."
        )


def test_map_summary_counts_in_german(web_client):
    from tests.web.conftest import login

    login(web_client, "stefan")
    html = web_client.get("/map").get_data(as_text=True)
    assert "Die Karte zeigt" in html
    assert not re.search(r"\b1 Organisationen\b|\b1 Kooperationen\b|\b1 Gruppen\b", html)


def test_arabic_lists_use_the_arabic_comma(web_app):
    with web_app.test_request_context():
        assert join_list(["أ", "ب"], "ar") == "أ، ب"
        assert join_list(["a", "b"], "de") == "a, b"
        with force_locale("ar"):
            assert join_list(["أ", "ب"]) == "أ، ب"
    from graph import Vocabulary
    from web.reasons import reason_text

    with web_app.app_context():
        from web.extensions import get_store

        vocab: Vocabulary = get_store().snapshot().vocabulary
        text = reason_text({"kind": "shared_topics", "topics": ["homework_help", "language_courses"]}, vocab, {}, "ar")
    assert "، " in text and ", " not in text


BROCHURE_KEYS_SAME_IN_SOME_LANGUAGES = {"website", "email", "list_sep", "phone"}


@pytest.mark.parametrize("lang", ["tr", "ar", "ru", "uk"])
def test_brochure_is_fully_translated(web_app, lang):
    from web.brochure import texts

    with web_app.test_request_context():
        with force_locale("en"):
            english = texts("en")
        with force_locale(lang):
            local = texts(lang)
            ui_introduction = ngettext("Introduction", "Introduction", 1)
    for key, value in local.items():
        if key == "intro":
            assert all(p != e for p, e in zip(value, english["intro"], strict=True)), lang
        elif key not in BROCHURE_KEYS_SAME_IN_SOME_LANGUAGES:
            assert value != english[key], (lang, key, value)
    assert local["founded"] != "Founded" and local["phone"] != "Phone"
    # the chapter heading is "introduction" of a text, not the introduction of people to each other
    assert local["introduction"] != ui_introduction
    assert english["introduction"] == "Introduction"


def test_german_brochure_heading_is_einleitung(web_app):
    from web.brochure import texts

    with web_app.test_request_context(), force_locale("de"):
        t = texts("de")
    assert t["introduction"] == "Einleitung" and t["founded"] == "Gegründet" and t["phone"] == "Telefon"
    assert re.match(r"Stand: \d+\. \w+ 20\d\d$", t["as_of"])  # a German date, not ISO


def test_arabic_pdf_isolates_latin_names(web_app):
    from web.brochure import brochure_context, build_pdf, find_font, shaping_available

    if not (shaping_available() and find_font(web_app.config)):
        pytest.skip("the Arabic PDF needs uharfbuzz and a Unicode font")
    with web_app.app_context():
        from graph.io import store_vocabulary
        from web.extensions import get_store

        store = get_store()
        ctx = brochure_context(store.snapshot().network, store_vocabulary(store), "ar")
        pdf = build_pdf(ctx)
    assert isolate("Elternnetzwerk Köprü e.V.") in pdf.written
    assert any("، " in w for w in pdf.written)  # Arabic lists


def _msgstrs(lang):
    out = []
    for m in catalog(lang):
        if m.id:
            out += [m.string] if isinstance(m.string, str) else list(m.string)
    return " ".join(out)


def test_terms():
    de = _msgstrs("de")
    assert "Vorstellung" not in de  # a calque; the KI says Kontaktvermittlung
    assert "Kontaktvermittlung" in de
    assert "Vertreterinnen und Vertreter" not in de and "Vertreter:innen" in de
    tr = _msgstrs("tr")
    assert "örgüt" not in tr and "girişimci" not in tr and "ortak partner" not in tr
    assert "Переспланувати" not in _msgstrs("uk")
    for lang, dating in (("ru", "накомств"), ("uk", "найомств")):
        assert dating not in _msgstrs(lang)
    ru = _msgstrs("ru")
    assert "сотрудничеств" not in ru  # the noun is партнёрство throughout
    ar = catalog("ar")
    assert ar.get('Check the form and press "Save" again to save both – or discard your changes.').string.startswith(
        "راجعوا"
    )
    assert ar.get("Register at least two organisations.").string.startswith("سجّلوا")
