"""Template helpers: language and direction, the current user, vocabulary labels, ``<bdi>``."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from graph import StoreError, Vocabulary

from .auth import Anonymous
from .extensions import get_store
from .i18n import LANGUAGE_NAMES, UI_LANGUAGES, text_direction

__all__ = [
    "action_label",
    "current_lang",
    "init_app",
    "kind_label",
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


def bdi_filter(content_lang: str | None) -> Any:
    """The ``bdi`` filter: user-entered text in ``<bdi>``, escaped, marked with the content language.

    ``<bdi>`` keeps mixed-direction text readable (a German name inside an Arabic page); ``lang``
    tells screen readers and hyphenation which language the organisations write in, whatever the
    page's language is (WCAG 3.1.2, language of parts).
    """
    lang = (content_lang or "").strip()
    if lang and not lang.replace("-", "").isalnum():
        raise ValueError(f"REMO_CONTENT_LANG must be a language tag such as de, not {lang!r}")
    opening = Markup('<bdi lang="{}">').format(lang) if lang else Markup("<bdi>")

    def bdi(value: Any) -> Markup:
        return opening + Markup("{}</bdi>").format("" if value is None else value)

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
