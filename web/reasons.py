"""Readable reasons: the matching engine's structured reasons rendered in the user's language."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import force_locale, gettext, ngettext

from graph import Vocabulary

from .i18n import join_list

__all__ = ["reason_text", "render_many", "render_suggestions"]


def _join(items: Iterable[str]) -> str:
    return join_list(items)


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
        ids = reason.get("partners", [])
        partners = _join(names.get(p, p) for p in ids)
        return ngettext(
            "Common partner who can introduce you: %(partners)s",
            "Common partners who can introduce you: %(partners)s",
            len(ids),
            partners=partners,
        )
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


# texts already rendered, per vocabulary: (language, kind, ids, partner names) -> text. The same
# reasons (topics, capabilities, districts) recur across lists, so most texts come from here.
# (keyed by the vocabulary's id and checked through a weak reference: vocabularies are not hashable)
_TEXTS: dict[int, tuple[weakref.ref[Vocabulary], dict[tuple[Any, ...], str]]] = {}
_TEXTS_MAX = 50_000
# the one list a reason's text depends on, per kind (other kinds have a fixed text)
_TEXT_FIELD = {
    "shared_topics": "topics",
    "they_offer_what_you_need": "capabilities",
    "you_offer_what_they_need": "capabilities",
    "common_partner": "partners",
    "same_district": "districts",
    "shared_language": "languages",
}


def _texts_for(vocab: Vocabulary) -> dict[tuple[Any, ...], str]:
    entry = _TEXTS.get(id(vocab))
    if entry is None or entry[0]() is not vocab:
        for k in [k for k, (ref, _) in _TEXTS.items() if ref() is None]:
            _TEXTS.pop(k, None)
        entry = _TEXTS[id(vocab)] = (weakref.ref(vocab), {})
    if len(entry[1]) > _TEXTS_MAX:
        entry[1].clear()
    return entry[1]


def _text_key(reason: dict[str, Any], names: dict[str, str], lang: str) -> tuple[Any, ...]:
    kind = reason.get("kind", "")
    field = _TEXT_FIELD.get(kind)
    if field is None:
        return (lang, kind)
    if field == "partners":  # the text shows names, which a write can change
        return (lang, kind, tuple(names.get(p, p) for p in reason.get("partners", ())))
    return (lang, kind, tuple(reason.get(field, ())))


def render_suggestions(
    data: dict[str, Any], vocab: Vocabulary, names: dict[str, str], lang: str = "de"
) -> dict[str, Any]:
    """Add ``text`` to every reason of a ``suggestions_json`` document (a new dict)."""
    texts = _texts_for(vocab)
    keys = [[_text_key(r, names, lang) for r in s["reasons"]] for s in data["suggestions"]]
    found = {key: texts.get(key) for ks in keys for key in ks}
    missing = [
        (r, key)
        for s, ks in zip(data["suggestions"], keys, strict=True)
        for r, key in zip(s["reasons"], ks, strict=True)
        if found[key] is None
    ]
    if missing:  # switching the locale costs more than looking texts up
        with force_locale(lang):
            for r, key in missing:
                found[key] = texts[key] = _reason_text(r, vocab, names, lang)
    suggestions = [
        {**s, "reasons": [{**r, "text": found[key]} for r, key in zip(s["reasons"], ks, strict=True)]}
        for s, ks in zip(data["suggestions"], keys, strict=True)
    ]
    return {**data, "suggestions": suggestions}


def render_many(
    lists: Iterable[tuple[str, Any]], vocab: Vocabulary, names: dict[str, str], lang: str = "de"
) -> Iterator[dict[str, Any]]:
    """``render_suggestions({"organisation": o, "suggestions": [s.to_dict() ...]})`` for each ``(o, suggestions)``.

    The same documents, built straight from the `matching.Suggestion` objects (no intermediate
    copies), the locale switched only for texts not rendered before (`remo suggest --all`).
    """
    texts = _texts_for(vocab)
    for org_id, suggestions in lists:
        out = []
        missing = []
        for s in suggestions:
            reasons = []
            for r in s.reasons:
                key = _text_key(r, names, lang)
                text = texts.get(key)
                done = {**r, "text": text}
                if text is None:
                    missing.append((r, key, done))
                reasons.append(done)
            out.append({"partner": s.partner, "score": s.score, "already_met": s.already_met, "reasons": reasons})
        if missing:
            with force_locale(lang):
                for r, key, done in missing:
                    text = texts.get(key)
                    if text is None:
                        text = texts[key] = _reason_text(r, vocab, names, lang)
                    done["text"] = text
        yield {"organisation": org_id, "suggestions": out}
