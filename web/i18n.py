"""Languages: Flask-Babel with catalogues compiled from the committed ``.po`` files.

The UI speaks German by default and also English, Turkish, Arabic (right to
left), Russian and Ukrainian. The locale comes from the user's choice (kept in
the session), then the browser's Accept-Language, then German. Source strings
(msgids) are English; ``.mo`` files are built from the ``.po`` files when the
app starts (and by the tests), never committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel

__all__ = [
    "COMPLETE_CATALOGS",
    "LANGUAGE_NAMES",
    "RTL",
    "UI_LANGUAGES",
    "compile_catalogs",
    "get_locale",
    "init_app",
    "isolate",
    "join_list",
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
    """The page language: the user's choice, then Accept-Language, then German.

    Outside a request (the ``remo`` command line) the language is ``REMO_CLI_LANG`` (``remo --lang``),
    English by default: the command line's help and messages speak one language.
    """
    if not has_request_context():
        lang = current_app.config.get("REMO_CLI_LANG") if current_app else None
        return lang if lang in UI_LANGUAGES else "en"
    chosen = session.get("lang")
    if chosen in UI_LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(UI_LANGUAGES)
    if best:
        return best
    return "de"


def text_direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


def _current_lang(lang: str | None) -> str:
    if lang:
        return lang
    from flask_babel import get_locale as babel_locale

    try:
        loc = babel_locale()
    except RuntimeError:  # no app context
        loc = None
    return str(loc or "de").split("_")[0]


def join_list(items: Iterable[str], lang: str | None = None) -> str:
    """Join list items with the language's separator: "، " in Arabic, ", " elsewhere."""
    return ("، " if _current_lang(lang) in RTL else ", ").join(items)


def isolate(text: str) -> str:
    """Wrap plain text in Unicode isolates (FSI ... PDI), the plain-text twin of ``<bdi>``.

    A Latin name such as "Köprü e.V." inside an Arabic sentence keeps its full stop at its end;
    for texts that are not HTML (PDFs, SVG titles, flash messages).
    """
    return f"\u2068{text}\u2069" if text else text


def init_app(app: Flask) -> Babel:
    try:
        compile_catalogs()
    except OSError as exc:  # read-only install: use what is there
        app.logger.warning("could not compile translations: %s", exc)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "de")
    # dates and times on the pages: the KI's time zone (stored timestamps are UTC)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("REMO_TIMEZONE") or "Europe/Berlin")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    return Babel(app, locale_selector=get_locale)
