"""The shared vocabulary: organisation kinds, topics, capabilities, districts, ...

Every term has an id and labels in the six UI languages. Input accepts an id,
a label in any language or an alias, case-insensitively; an unknown value is
an error that names the closest known terms.

Example
-------
>>> vocab = Vocabulary.builtin()
>>> vocab.resolve("topics", "Hausaufgabenhilfe")
'homework_help'
>>> vocab.resolve("capabilities", "ROOMS")
'rooms'
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from ._errors import Issue, ValidationError
from .identity import fold

__all__ = ["CATEGORIES", "LANGUAGES", "Term", "Vocabulary", "seeds_dir"]

#: UI languages; every term carries a label in each of them.
LANGUAGES = ("de", "en", "tr", "ar", "ru", "uk")

#: Vocabulary categories, in the order they are shown.
CATEGORIES = (
    "org_kinds",
    "topics",
    "capabilities",
    "districts",
    "target_groups",
    "languages",
    "cooperation_kinds",
    "legal_forms",
)

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def seeds_dir() -> Path:
    """Folder with the shipped seed files (vocabulary, demo network)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "seeds", here / "_seeds"):
        if (candidate / "vocabulary.json").exists():
            return candidate
    return here.parent / "seeds"


#: case- and width-insensitive key for matching user input (one home: `graph.identity.fold`)
_fold = fold


@dataclass(frozen=True)
class Term:
    """One vocabulary entry."""

    id: str
    labels: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    native: str | None = None

    def label(self, lang: str = "de") -> str:
        return self.labels.get(lang) or self.labels.get("de") or self.labels.get("en") or self.id

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "labels": dict(self.labels)}
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if self.native:
            out["native"] = self.native
        return out


@dataclass
class Vocabulary:
    """All categories of terms, with case-insensitive lookup in every language."""

    terms: dict[str, dict[str, Term]] = field(default_factory=dict)
    _index: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    # topics + capabilities, merged once per change (a lookup merged them anew: 30 µs each with a
    # large vocabulary, most of an import's time)
    _merged: dict[str, tuple[dict[str, Term], dict[str, str]]] = field(default_factory=dict, repr=False, compare=False)

    # -- construction -------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "vocabulary") -> Vocabulary:
        vocab = cls()
        vocab.extend(data, where=where)
        return vocab

    @classmethod
    def builtin(cls) -> Vocabulary:
        """The vocabulary shipped in ``seeds/vocabulary.json`` (a fresh copy)."""
        return cls.from_dict(_load_builtin(), where="seeds/vocabulary.json")

    def copy(self) -> Vocabulary:
        new = Vocabulary()
        new.terms = {cat: dict(items) for cat, items in self.terms.items()}
        new._index = {cat: dict(idx) for cat, idx in self._index.items()}
        return new

    def extend(self, data: Mapping[str, Any], *, where: str = "vocabulary") -> list[Term]:
        """Add (or relabel) terms from a mapping ``{category: [term, ...]}``.

        Raises `ValidationError` naming every malformed entry; nothing is
        added then.
        """
        issues: list[Issue] = []
        parsed: list[tuple[str, Term]] = []
        for category, entries in data.items():
            if category == "format":
                continue
            if category not in CATEGORIES:
                issues.append(
                    Issue(
                        "category",
                        category,
                        "unknown vocabulary category",
                        where=where,
                        code="unknown_category",
                        hint=tuple(difflib.get_close_matches(category, CATEGORIES, n=3)),
                    )
                )
                continue
            if not isinstance(entries, list):
                issues.append(Issue(category, entries, "must be a list of terms", where=where))
                continue
            for i, entry in enumerate(entries):
                loc = f"{where} {category}[{i}]"
                term, errs = _parse_term(entry, loc)
                issues.extend(errs)
                if term is not None:
                    parsed.append((category, term))
        if issues:
            raise ValidationError(issues)
        added = []
        for category, term in parsed:
            self._add(category, term)
            added.append(term)
        return added

    def _add(self, category: str, term: Term) -> None:
        self._merged.clear()
        bucket = self.terms.setdefault(category, {})
        old = bucket.get(term.id)
        if old is not None:
            labels = {**old.labels, **term.labels}
            aliases = tuple(dict.fromkeys(old.aliases + term.aliases))
            term = Term(term.id, labels, aliases, term.native or old.native)
        bucket[term.id] = term
        index = self._index.setdefault(category, {})
        index[_fold(term.id)] = term.id
        for text in (*term.labels.values(), *term.aliases, *([term.native] if term.native else [])):
            index.setdefault(_fold(text), term.id)

    # -- lookup -------------------------------------------------------
    def __contains__(self, item: tuple[str, str]) -> bool:
        category, term_id = item
        return term_id in self._category_terms(category)

    def _capabilities(self) -> tuple[dict[str, Term], dict[str, str]]:
        found = self._merged.get("capabilities")
        if found is None:
            # Topics count as expertise an organisation can offer or need.
            found = self._merged["capabilities"] = (
                {**self.terms.get("topics", {}), **self.terms.get("capabilities", {})},
                {**self._index.get("topics", {}), **self._index.get("capabilities", {})},
            )
        return found

    def _category_terms(self, category: str) -> dict[str, Term]:
        if category == "capabilities":
            return self._capabilities()[0]
        return self.terms.get(category, {})

    def _category_index(self, category: str) -> dict[str, str]:
        if category == "capabilities":
            return self._capabilities()[1]
        return self._index.get(category, {})

    def ids(self, category: str) -> list[str]:
        return list(self._category_terms(category))

    def get(self, category: str, term_id: str) -> Term | None:
        return self._category_terms(category).get(term_id)

    def label(self, category: str, term_id: str, lang: str = "de") -> str:
        term = self.get(category, term_id)
        return term.label(lang) if term else term_id

    def lookup(self, category: str, value: str) -> str | None:
        """The term id for ``value`` (id, label or alias), or None."""
        if not isinstance(value, str):
            return None
        return self._category_index(category).get(_fold(value))

    def closest(self, category: str, value: str, n: int = 3) -> tuple[str, ...]:
        """Up to ``n`` known terms closest to ``value``, as ``id (German label)``."""
        index = self._category_index(category)
        keys = difflib.get_close_matches(_fold(value), list(index), n=n * 3, cutoff=0.55)
        seen: dict[str, None] = {}
        for key in keys:
            seen.setdefault(index[key], None)
        terms = self._category_terms(category)
        out = []
        for term_id in list(seen)[:n]:
            label = terms[term_id].label("de")
            out.append(term_id if label == term_id else f"{term_id} ({label})")
        return tuple(out)

    def resolve(self, category: str, value: Any, *, field: str | None = None, where: str = "") -> str:
        """Resolve ``value`` to a term id or raise `ValidationError`."""
        term_id = self.lookup(category, value) if isinstance(value, str) else None
        if term_id is None:
            raise ValidationError(self.unknown_issue(category, value, field=field, where=where))
        return term_id

    def unknown_issue(self, category: str, value: Any, *, field: str | None = None, where: str = "") -> Issue:
        singular = {
            "org_kinds": "organisation kind",
            "topics": "topic",
            "capabilities": "capability",
            "districts": "district",
            "target_groups": "target group",
            "languages": "language",
            "cooperation_kinds": "cooperation kind",
            "legal_forms": "legal form",
        }.get(category, category)
        hint = self.closest(category, value) if isinstance(value, str) else ()
        return Issue(
            field or category,
            value,
            f"unknown {singular}",
            where=where,
            code=f"unknown_{category}",
            hint=hint,
        )

    def resolve_many(
        self, category: str, values: Iterable[Any], *, field: str, where: str = ""
    ) -> tuple[list[str], list[Issue]]:
        """Resolve several values; return the ids found and an issue per unknown one."""
        ids: list[str] = []
        issues: list[Issue] = []
        for value in values:
            term_id = self.lookup(category, value) if isinstance(value, str) else None
            if term_id is None:
                issues.append(self.unknown_issue(category, value, field=field, where=where))
            elif term_id not in ids:
                ids.append(term_id)
        return ids, issues

    def to_dict(self, categories: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
        cats = list(categories) if categories is not None else [c for c in CATEGORIES if c in self.terms]
        return {cat: [t.to_dict() for t in self.terms.get(cat, {}).values()] for cat in cats}


def _parse_term(entry: Any, where: str) -> tuple[Term | None, list[Issue]]:
    issues: list[Issue] = []
    if not isinstance(entry, Mapping):
        return None, [Issue("term", entry, "a term must be an object with id and labels", where=where)]
    term_id = entry.get("id")
    if not isinstance(term_id, str) or not term_id or not set(term_id) <= _ID_CHARS:
        issues.append(Issue("id", term_id, "term ids use lowercase letters, digits and '_' only", where=where))
    labels = entry.get("labels", {})
    if not isinstance(labels, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in labels.items()
    ):
        issues.append(Issue("labels", labels, "labels must map language codes to non-empty text", where=where))
        labels = {}
    unknown_langs = [k for k in labels if k not in LANGUAGES]
    if unknown_langs:
        issues.append(
            Issue("labels", unknown_langs, f"label languages must be among {', '.join(LANGUAGES)}", where=where)
        )
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        issues.append(Issue("aliases", aliases, "aliases must be a list of text", where=where))
        aliases = []
    native = entry.get("native")
    if native is not None and not isinstance(native, str):
        issues.append(Issue("native", native, "must be text", where=where))
        native = None
    extra = set(entry) - {"id", "labels", "aliases", "native"}
    if extra:
        issues.append(Issue(sorted(extra)[0], entry[sorted(extra)[0]], "unknown field in term", where=where))
    if issues:
        return None, issues
    return Term(cast(str, term_id), dict(labels), tuple(aliases), native), []


@lru_cache(maxsize=1)
def _load_builtin() -> dict[str, Any]:
    path = seeds_dir() / "vocabulary.json"
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)
