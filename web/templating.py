"""Template helpers: language and direction, the current user, vocabulary labels, ``<bdi>``."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from flask import Flask, current_app, g
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from graph import StoreError, Vocabulary

from .auth import Anonymous
from .extensions import get_store
from .i18n import LANGUAGE_NAMES, UI_LANGUAGES, join_list, text_direction

__all__ = [
    "action_label",
    "actor_name",
    "current_lang",
    "fmt_date",
    "fmt_datetime",
    "fmt_number",
    "fmt_percent",
    "hyphenate",
    "init_app",
    "intro_state",
    "join_markup",
    "list_sep",
    "kind_label",
    "org_name",
    "label",
    "render_block",
    "status_label",
    "vocabulary",
]


def current_lang() -> str:
    loc = get_locale()
    lang = str(loc.language) if loc is not None else "de"
    return lang if lang in UI_LANGUAGES else "de"


def render_block(template: str, block: str, **context: Any) -> Markup:
    """One block of a template, rendered with the usual context (for caching a page's body).

    The template shows the cached HTML when it is rendered again with ``body`` set.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.update_template_context(context)
    tmpl = app.jinja_env.get_template(template)
    return Markup("".join(tmpl.blocks[block](tmpl.new_context(context))))


def vocabulary() -> Vocabulary:
    """The network's vocabulary (built-in plus stored terms), once per request."""
    vocab = g.get("_remo_vocab")
    if vocab is None:
        vocab = get_store().snapshot().vocabulary
        g._remo_vocab = vocab
    return vocab


def label(category: str, term_id: str, lang: str | None = None) -> str:
    """A vocabulary term's label in the page's language."""
    return vocabulary().label(category, term_id, lang or current_lang())


#: pyphen's dictionary per UI or content language (Turkish has none there, Arabic is not hyphenated)
HYPHENATION_DICTS = {"de": "de_DE", "en": "en_GB", "ru": "ru_RU", "uk": "uk_UA"}
#: words shorter than this fit one line of a 320 px screen even in a heading; longer ones get soft hyphens
MIN_HYPHENATED = 13
_SOFT_HYPHEN = "\u00ad"
_TOKEN = re.compile(r"\S+")
_LONG_WORD = re.compile(rf"[^\W\d_]{{{MIN_HYPHENATED},}}")
_TAG = re.compile(r"(<[^>]*>)")


@functools.lru_cache(maxsize=8)
def _hyphenator(lang: str) -> Any:
    import pyphen

    return pyphen.Pyphen(lang=HYPHENATION_DICTS[lang])


@functools.lru_cache(maxsize=4096)
def _hyphenate_word(lang: str, word: str) -> str:
    return _hyphenator(lang).inserted(word, hyphen=_SOFT_HYPHEN)


def _hyphenate_text(text: str, lang: str) -> str:
    def token(m: re.Match[str]) -> str:
        t = m.group(0)
        if "@" in t or "/" in t or re.search(r"\w\.\w", t) or _SOFT_HYPHEN in t:
            return t  # e-mail addresses, URLs, domains and words hyphenated by hand stay as they are
        return _LONG_WORD.sub(lambda w: _hyphenate_word(lang, w.group(0)), t)

    return _TOKEN.sub(token, text)


def hyphenate(value: Any, lang: str | None = None) -> Any:
    """Soft hyphens in the long words of ``value`` for the language ``lang`` (default: the page's).

    Chromium does not hyphenate German with ``hyphens: auto`` (no dictionary on Linux), so a narrow card
    would split "Migrantenorganisationen" anywhere; with soft hyphens every browser breaks at a syllable
    and shows the hyphen. Only text is touched: e-mail addresses, URLs and the tags of markup stay as they
    are; languages without a dictionary come back unchanged. For text content only, never attributes.
    """
    if value is None or value == "":
        return value
    code = (lang or current_lang()).split("-")[0].lower()
    if code not in HYPHENATION_DICTS:
        return value
    if isinstance(value, Markup):
        parts = _TAG.split(str(value))
        return Markup("".join(p if i % 2 else _hyphenate_text(p, code) for i, p in enumerate(parts)))
    return _hyphenate_text(str(value), code)


def bdi_filter(content_lang: str | None) -> Any:
    """The ``bdi`` filter: user-entered text in ``<bdi>``, escaped, marked with the content language.

    ``<bdi>`` keeps mixed-direction text readable (a German name inside an Arabic page); ``lang``
    tells screen readers and hyphenation which language the organisations write in, whatever the
    page's language is (WCAG 3.1.2, language of parts). ``|bdi(hyphens=True)`` also puts soft hyphens
    into long words, in that language (`hyphenate`).
    """
    lang = (content_lang or "").strip()
    if lang and not lang.replace("-", "").isalnum():
        raise ValueError(f"REMO_CONTENT_LANG must be a language tag such as de, not {lang!r}")
    opening = Markup('<bdi lang="{}">').format(lang) if lang else Markup("<bdi>")

    def bdi(value: Any, hyphens: bool = False) -> Markup:
        text = "" if value is None else value
        if hyphens and isinstance(text, str):
            text = hyphenate(text, lang or None)  # ``|bdi(hyphens=True)``: cards, headings, tables on phones
        return opening + Markup("{}</bdi>").format(text)

    return bdi


def status_label(status: str) -> str:
    """An introduction status in words."""
    labels = {
        "proposed": _("proposed"),
        "accepted": _("accepted"),
        "declined": _("declined"),
        "met": _("met"),
        "cooperating": _("cooperating"),
    }
    return labels.get(status, status)


def intro_state(status: str | None, already_met: bool = False) -> str:
    """One text for where a pair stands, so a card never says "already met" and "accepted" at once.

    ``already_met`` is the engine's view (an introduction marked met, or both at one exchange
    meeting since); the introduction's status is what the organisations said. An open status
    (proposed, accepted) with a meeting in between reads "accepted – you were at the same
    exchange meeting"; without an introduction the engine's "already met" stands alone.
    """
    if not status:
        return _("already met") if already_met else ""
    text = _("Status: %(status)s", status=status_label(status))
    if already_met and status in ("proposed", "accepted"):
        return _("Status: %(status)s – you were at the same exchange meeting", status=status_label(status))
    return text


def action_label(status: str) -> str:
    """The button text that moves an introduction to ``status``."""
    labels = {
        "proposed": _("Back to proposed"),
        "accepted": _("Yes, introduce us"),
        "declined": _("Not now"),
        "met": _("We met"),
        "cooperating": _("We cooperate"),
    }
    return labels.get(status, status)


def kind_label(kind: str) -> str:
    """A record kind in words (change log)."""
    labels = {
        "organisation": _("Organisation"),
        "person": _("Contact person"),
        "cooperation": _("Cooperation"),
        "meeting": _("Meeting"),
        "introduction": _("Introduction"),
        "project": _("Project"),
        "funding_programme": _("Funding programme"),
        "user": _("User account"),
        "term": _("Vocabulary term"),
        "setting": _("Setting"),
        "event": _("Event"),
        "event_trust": _("Trust for events"),
    }
    return labels.get(kind, kind)


def _parse_when(value: Any) -> dt.date | dt.datetime | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)  # stored timestamps are UTC


def fmt_date(value: Any, format: str = "medium") -> str:
    """A stored date (``2026-12-02`` or a timestamp) in the page's locale, e.g. "02.12.2026"."""
    when = _parse_when(value)
    if when is None:
        return "" if value is None else str(value)
    if isinstance(when, dt.datetime):
        return format_date(when.astimezone(_zone()).date(), format)
    return format_date(when, format)


def fmt_datetime(value: Any, format: str = "medium") -> str:
    """A stored UTC timestamp in the page's locale and the KI's time zone (Europe/Berlin)."""
    when = _parse_when(value)
    if when is None:
        return "" if value is None else str(value)
    if not isinstance(when, dt.datetime):
        return format_date(when, format)
    return format_datetime(when, format)


def fmt_number(value: Any, digits: int = 2) -> str:
    """A number in the page's locale with at most ``digits`` decimals ("17,92" in German)."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern)


def fmt_percent(value: Any, digits: int = 1) -> str:
    """A share (0.0396) as a percentage in the page's locale ("4 %" / "3,96 %")."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "") + "%"
    return format_percent(value, format=pattern)


def _zone() -> Any:
    from flask_babel import get_timezone

    return get_timezone()


def org_name(org_id: str | None) -> str:
    """An organisation's name for its id (the id when no such organisation is stored, e.g. erased)."""
    if not org_id:
        return ""
    try:
        org = get_store().snapshot().orgs.get(org_id)
    except StoreError:
        org = None
    return org.name if org else org_id


def actor_name(actor: str | None) -> str:
    """A change-log actor ("staff:carol", "staff:carol for:org-id") as people read it: the user's name.

    Falls back to the username when the account has no name (or is gone); "for:" becomes the
    organisation's name. Other actors (``demo``, ``import``) are shown as they are.
    """
    if not actor:
        return ""
    names = g.get("_remo_user_names")
    if names is None:
        from .users import list_users

        try:
            names = {u.id: u.display_name for u in list_users(get_store())}
        except StoreError:
            names = {}
        g._remo_user_names = names
    base, _sep, rest = actor.partition(" for:")
    role, colon, username = base.partition(":")
    who = names.get(username, username) if colon and role in ("staff", "admin", "representative") else base
    if rest:
        return _("%(user)s for %(org)s", user=who, org=org_name(rest))
    return who


def list_sep() -> str:
    """The separator of list items in the current language: "، " in Arabic, ", " elsewhere."""
    return join_list(["", ""])


def join_markup(items: Any) -> Markup:
    """`web.i18n.join_list` for HTML: escapes plain items and keeps markup."""
    return Markup(list_sep()).join(items)


@pass_eval_context
def _join_filter(eval_ctx: Any, items: Any) -> str:
    """The ``join_list`` template filter: markup-aware in HTML templates, plain text in ``.txt`` ones (mails)."""
    return join_markup(items) if eval_ctx.autoescape else join_list(str(i) for i in items)


def _safe_user() -> Any:
    try:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    except StoreError:  # the store is down: render the error page as for a visitor
        return Anonymous()


def init_app(app: Flask) -> None:
    app.jinja_env.filters["bdi"] = bdi_filter(app.config.get("REMO_CONTENT_LANG", "de"))
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["action_label"] = action_label
    app.jinja_env.globals["kind_label"] = kind_label
    app.jinja_env.globals["actor_name"] = actor_name
    app.jinja_env.globals["org_name"] = org_name
    app.jinja_env.globals["intro_state"] = intro_state
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["number"] = fmt_number
    app.jinja_env.filters["percent"] = fmt_percent
    app.jinja_env.filters["join_list"] = _join_filter
    app.jinja_env.filters["hy"] = hyphenate
    app.jinja_env.globals["list_sep"] = list_sep
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _context() -> dict[str, Any]:
        lang = current_lang()
        return {
            "lang": lang,
            "text_dir": text_direction(lang),
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "user": _safe_user(),
        }
