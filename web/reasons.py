"""Readable reasons: the matching engine's structured reasons rendered in the user's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import force_locale, gettext

from graph import Vocabulary

__all__ = ["reason_text", "render_suggestions"]


def _join(items: Iterable[str]) -> str:
    return ", ".join(items)


def reason_text(reason: dict[str, Any], vocab: Vocabulary, names: dict[str, str], lang: str = "de") -> str:
    """One reason as a sentence in ``lang`` (call inside an app context)."""
    with force_locale(lang):
        return _reason_text(reason, vocab, names, lang)


def _reason_text(reason: dict[str, Any], vocab: Vocabulary, names: dict[str, str], lang: str) -> str:
    """`reason_text` inside an already forced locale (switching it per reason cost about 1 ms per request)."""
    kind = reason.get("kind", "")
    if kind == "shared_topics":
        topics = _join(vocab.label("topics", t, lang) for t in reason.get("topics", []))
        return gettext("You share topics: %(topics)s", topics=topics)
    if kind == "they_offer_what_you_need":
        caps = _join(vocab.label("capabilities", c, lang) for c in reason.get("capabilities", []))
        return gettext("They offer what you need: %(items)s", items=caps)
    if kind == "you_offer_what_they_need":
        caps = _join(vocab.label("capabilities", c, lang) for c in reason.get("capabilities", []))
        return gettext("You offer what they need: %(items)s", items=caps)
    if kind == "common_partner":
        partners = _join(names.get(p, p) for p in reason.get("partners", []))
        return gettext("Common partner who can introduce you: %(partners)s", partners=partners)
    if kind == "same_district":
        districts = _join(vocab.label("districts", d, lang) for d in reason.get("districts", []))
        return gettext("Same district: %(districts)s", districts=districts)
    if kind == "shared_language":
        langs = _join(vocab.label("languages", x, lang) for x in reason.get("languages", []))
        return gettext("You speak the same language: %(languages)s", languages=langs)
    if kind == "bridge_mo_institution":
        return gettext("Builds a bridge between a migrant organisation and an institution")
    if kind == "bridge_communities":
        return gettext("Connects different parts of the network")
    if kind == "active_partner":
        return gettext("Well connected: already works with many partners")
    if kind == "already_met":
        return gettext("You have already met")
    return gettext("Further reason: %(kind)s", kind=kind)


def render_suggestions(
    data: dict[str, Any], vocab: Vocabulary, names: dict[str, str], lang: str = "de"
) -> dict[str, Any]:
    """Add ``text`` to every reason of a ``suggestions_json`` document (a new dict)."""
    out = {**data, "suggestions": []}
    with force_locale(lang):
        for s in data["suggestions"]:
            reasons = [{**r, "text": _reason_text(r, vocab, names, lang)} for r in s["reasons"]]
            out["suggestions"].append({**s, "reasons": reasons})
    return out
