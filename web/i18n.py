"""Languages: Flask-Babel with catalogues compiled from the committed ``.po`` files.

The UI speaks German by default and also English, Turkish, Arabic (right to
left), Russian and Ukrainian. The locale comes from the user's choice (kept in
the session), then the browser's Accept-Language, then German. Source strings
(msgids) are English; ``.mo`` files are built from the ``.po`` files when the
app starts (and by the tests), never committed.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel

__all__ = [
    "COMPLETE_CATALOGS",
    "LANGUAGE_NAMES",
    "RTL",
    "UI_LANGUAGES",
    "compile_catalogs",
    "get_locale",
    "init_app",
    "text_direction",
]

UI_LANGUAGES = ("de", "en", "tr", "ar", "ru", "uk")
#: each language's name in itself, for the language switcher
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "ru": "Русский",
    "uk": "Українська",
}
RTL = frozenset({"ar"})
#: catalogs with a translation for every message (the tests hold them to it); the others fall back to English
COMPLETE_CATALOGS = ("de", "en", "tr", "ar", "ru", "uk")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older; returns the files written."""
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        tmp = mo.with_suffix(".mo.part")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)
        written.append(mo)
    return written


def get_locale() -> str:
    chosen = session.get("lang") if request else None
    if chosen in UI_LANGUAGES:
        return chosen
    if request:
        best = request.accept_languages.best_match(UI_LANGUAGES)
        if best:
            return best
    return "de"


def text_direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


def init_app(app: Flask) -> Babel:
    try:
        compile_catalogs()
    except OSError as exc:  # read-only install: use what is there
        app.logger.warning("could not compile translations: %s", exc)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "de")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    return Babel(app, locale_selector=get_locale)
