"""The directory's search: which organisations a query and the filters find, in name order.

Plain functions over a snapshot's organisations, no request; shared by the directory pages
(`web.views.directory`) and the API (`web.views.api.organisations`). The sorted visible fields and
search texts are kept per snapshot, so a search costs one pass over prepared data.
"""

from __future__ import annotations

import difflib
import weakref
from typing import Any

from graph import Organisation, Snapshot, Vocabulary
from graph.identity import fold_search
from graph.model import ORG_TERM_FIELDS

__all__ = [
    "FILTERS",
    "RESERVED_IDS",
    "fold",
    "fuzzy_alternatives",
    "search_orgs",
    "search_text",
    "visible_fields",
    "vocabulary_words",
]

RESERVED_IDS = frozenset({"new"})
FILTERS = {
    "kind": "org_kinds",
    "topic": "topics",
    "offer": "capabilities",
    "need": "capabilities",
    "district": "districts",
    "language": "languages",
}


#: lowercase without accents ("Räume" -> "raume"), for forgiving search (one home: `graph.identity.fold_search`)
fold = fold_search


def _term_words(vocab: Vocabulary, category: str, term_id: str, lang: str) -> list[str]:
    term = vocab.get(category, term_id)
    if term is None:
        return [term_id]
    # every language's label: "الواجبات" finds homework help in the German UI too (and the native name)
    return [term.label(lang), *term.labels.values(), *term.aliases, *([term.native] if term.native else [])]


#: a query word this long that occurs in no organisation's text is compared with the vocabulary's words
FUZZY_MIN_LEN = 5
#: difflib's similarity ratio a vocabulary word needs to stand in for a mistyped one ("Hausaufgabenhlfe")
FUZZY_CUTOFF = 0.82


def vocabulary_words(vocab: Vocabulary) -> list[str]:
    """The folded words of every term's labels (all languages) and aliases, for typo tolerance."""
    words: set[str] = set()
    for category in ("topics", "capabilities", "districts", "languages", "org_kinds", "target_groups"):
        for term_id in vocab.ids(category):
            term = vocab.get(category, term_id)
            if term is None:
                continue
            for text in (*term.labels.values(), *term.aliases):
                words.update(w for w in fold(text).replace("-", " ").split() if len(w) >= FUZZY_MIN_LEN - 1)
    return sorted(words)


def fuzzy_alternatives(word: str, words: list[str]) -> list[str]:
    """Vocabulary words close to a (mistyped) query word, best first (difflib; at most three)."""
    if len(word) < FUZZY_MIN_LEN:
        return []
    near = [w for w in words if abs(len(w) - len(word)) <= max(2, len(word) // 4)]  # cheap length bound first
    return difflib.get_close_matches(word, near, n=3, cutoff=FUZZY_CUTOFF)


def visible_fields(org: Organisation, internal: bool) -> dict[str, Any]:
    return org.to_dict() if internal else org.public_dict()


def search_text(d: dict[str, Any], vocab: Vocabulary, lang: str) -> str:
    """Everything a visitor may search in one organisation (its visible fields)."""
    words = [d.get("name", ""), d.get("description", "")]
    if "kind" in d:
        words += _term_words(vocab, "org_kinds", d["kind"], lang)
    for key in ORG_TERM_FIELDS:  # each field is named as its vocabulary category
        for t in d.get(key, []):
            words += _term_words(vocab, key, t, lang)
    for key in ("offers", "needs"):
        for item in d.get(key, []):
            words += _term_words(vocab, "capabilities", item["capability"], lang)
            words.append(item.get("detail", ""))
    return fold(" ".join(w for w in words if w))


def _matches(d: dict[str, Any], filters: dict[str, str]) -> bool:
    for name, value in filters.items():
        if not value:
            continue
        if name == "kind" and d.get("kind") != value:
            return False
        if name == "topic" and value not in d.get("topics", []):
            return False
        if name == "offer" and value not in [o["capability"] for o in d.get("offers", [])]:
            return False
        if name == "need" and value not in [n["capability"] for n in d.get("needs", [])]:
            return False
        if name == "district" and value not in d.get("districts", []):
            return False
        if name == "language" and value not in d.get("languages", []):
            return False
    return True


def _filter_values(d: dict[str, Any], name: str) -> list[str]:
    """The values of the visible fields ``d`` that the filter ``name`` compares with (see `_matches`)."""
    if name == "kind":
        return [d["kind"]] if "kind" in d else []
    if name in ("offer", "need"):
        return [item["capability"] for item in d.get(name + "s", [])]
    return list(d.get({"topic": "topics", "district": "districts", "language": "languages"}[name], []))


class _Prepared:
    """One snapshot's organisations sorted by name with their visible fields (and search texts per language)."""

    def __init__(self, orgs: list[Organisation], internal: bool) -> None:
        ordered = sorted(orgs, key=lambda o: fold(o.name))
        self.orgs = ordered
        self.visible = [visible_fields(o, internal) for o in ordered]
        self.texts: dict[str, list[str]] = {}
        self.index: dict[str, dict[str, set[int]]] = {}
        self._vocab_words: list[str] | None = None

    def vocab_words(self, vocab: Vocabulary) -> list[str]:
        if self._vocab_words is None:
            self._vocab_words = vocabulary_words(vocab)
        return self._vocab_words

    def positions(self, name: str, value: str) -> set[int]:
        """Positions of the organisations whose visible field fits the filter ``name=value`` (as `_matches`)."""
        index = self.index.get(name)
        if index is None:
            index = self.index[name] = {}
            for k, d in enumerate(self.visible):
                for v in _filter_values(d, name):
                    index.setdefault(v, set()).add(k)
        return index.get(value, set())

    def text(self, vocab: Vocabulary, lang: str) -> list[str]:
        texts = self.texts.get(lang)
        if texts is None:
            texts = self.texts[lang] = [search_text(d, vocab, lang) for d in self.visible]
        return texts


# per snapshot (which never changes once built): computed by the first search, reused by the next ones
_prepared: weakref.WeakKeyDictionary[Snapshot, dict[bool, _Prepared]] = weakref.WeakKeyDictionary()


def search_orgs(
    orgs: list[Organisation],
    vocab: Vocabulary,
    lang: str,
    query: str,
    filters: dict[str, str],
    internal: bool,
    *,
    snapshot: Snapshot | None = None,
    corrections: dict[str, list[str]] | None = None,
) -> list[Organisation]:
    """Organisations whose visible fields contain every word of ``query`` and fit every filter, by name.

    A word of at least `FUZZY_MIN_LEN` letters that no organisation's text contains is taken as a typo:
    it matches where one of its close vocabulary words does (`fuzzy_alternatives`); ``corrections``, when
    given, receives ``{word: [alternatives]}``. With ``snapshot`` (whose organisations ``orgs`` are) the
    sorted visible fields and search texts are kept per snapshot, so a search costs one pass over
    prepared data.
    """
    words = [w for w in fold(query).split() if w]
    if snapshot is not None:
        per = _prepared.setdefault(snapshot, {})
        prep = per.get(internal)
        if prep is None:
            prep = per[internal] = _Prepared(orgs, internal)
    else:
        prep = _Prepared(orgs, internal)
    texts = prep.text(vocab, lang) if words else None
    options: list[tuple[str, ...]] = [(w,) for w in words]
    if texts is not None:
        for i, w in enumerate(words):
            if len(w) >= FUZZY_MIN_LEN and not any(w in t for t in texts):
                alts = fuzzy_alternatives(w, prep.vocab_words(vocab))
                if alts:
                    options[i] = tuple(alts)
                    if corrections is not None:
                        corrections[w] = alts
    active = {name: value for name, value in filters.items() if value}
    if not active and texts is None:
        return list(prep.orgs)
    if active:
        sets = sorted((prep.positions(name, value) for name, value in active.items()), key=len)
        candidates: Any = sorted(sets[0].intersection(*sets[1:]))
    else:
        candidates = range(len(prep.visible))
    out = []
    for k in candidates:
        if texts is not None and not all(any(w in texts[k] for w in alts) for alts in options):
            continue
        out.append(prep.orgs[k])
    return out
