"""Partner suggestions for the web: computed in blocks, kept per snapshot, rendered per language.

A snapshot never changes (every write makes a new one), so a worker computes each organisation's
list once per snapshot and weights. The first request for an organisation computes the lists of a
whole block of organisations (`matching.suggest_many`: one scoring pass, a fraction of the cost of
one call per organisation), so later requests for its neighbours in the block are answered from
memory. Lists are kept up to `BOOK_TOP` entries; a request for ``top`` takes the first ``top`` (the
same list `matching.suggest` returns for that ``top``), and a suggestion's reasons are built when it
is first read. Larger ``top`` values are computed on their own. Rendered documents (reasons as text
in one language) are kept in a bounded LRU per snapshot, one per organisation and language for the
longest ``top`` asked; shorter ones are its prefix.

Caches hang off the snapshot weakly: when a write replaces the snapshot, they go with it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from graph import Snapshot
from matching import Suggestion, hints, suggest, suggest_many

from .reasons import render_suggestions

__all__ = ["BOOK_TOP", "RENDERED_SIZE", "suggestion_document", "suggestion_list"]

#: lists are computed (and kept) this long; requests for at most this many partners share them
BOOK_TOP = 20
#: rendered documents kept per snapshot (oldest dropped first)
RENDERED_SIZE = 4096
_CELLS_PER_BLOCK = 2_000_000  # organisations per block x organisations in the network
_MAX_BLOCK = 64


class _Book:
    """Per-snapshot state: structured lists per weights, and rendered documents."""

    def __init__(self) -> None:
        self.lists: dict[tuple[Any, ...], dict[str, Sequence[Suggestion]]] = {}
        self.rendered: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], int]] = OrderedDict()
        self.hints: dict[str, list[str]] = {}


_books: weakref.WeakKeyDictionary[Snapshot, _Book] = weakref.WeakKeyDictionary()
_lock = threading.RLock()


def _book(snap: Snapshot) -> _Book:
    with _lock:
        book = _books.get(snap)
        if book is None:
            book = _books[snap] = _Book()
        return book


def _block_of(snap: Snapshot, org_id: str) -> list[str]:
    """The organisations computed together with ``org_id``: a run of neighbours in snapshot order."""
    size = max(1, min(_MAX_BLOCK, _CELLS_PER_BLOCK // max(snap.n, 1)))
    i = snap.index[org_id]
    start = (i // size) * size
    return list(snap.org_ids[start : start + size])


def suggestion_list(snap: Snapshot, org_id: str, top: int, weights: dict[str, float]) -> list[Suggestion]:
    """``matching.suggest(snap, org_id, top, weights=weights)``, from the per-snapshot cache when possible.

    Raises `graph.NotFoundError` for an unknown organisation.
    """
    if top > BOOK_TOP or org_id not in snap.index:
        return suggest(snap, org_id, top, weights=weights)
    wkey = tuple(sorted(weights.items()))
    book = _book(snap)
    with _lock:
        per_weights = book.lists.setdefault(wkey, {})
        found = per_weights.get(org_id)
        if found is None:
            todo = [o for o in _block_of(snap, org_id) if o not in per_weights]
            per_weights.update(suggest_many(snap, todo, BOOK_TOP, weights=weights))
            found = per_weights[org_id]
        return found[:top]  # builds the reasons of the first ``top`` (once)


def suggestion_document(snap: Snapshot, org_id: str, top: int, lang: str, weights: dict[str, float]) -> dict[str, Any]:
    """The ``suggestions_json`` document of ``org_id`` with reasons rendered in ``lang`` (cached).

    Rendered documents are kept per (organisation, language, weights) for the longest ``top`` asked
    so far; a shorter ``top`` is a prefix of it. Callers must not change the returned dict. Raises
    `graph.NotFoundError` for an unknown organisation.
    """
    key = (org_id, lang, tuple(sorted(weights.items())))
    book = _book(snap)
    with _lock:
        entry = book.rendered.get(key)
        if entry is not None:
            book.rendered.move_to_end(key)
            doc, asked = entry
            if top <= asked or len(doc["suggestions"]) < asked:  # long enough, or all there is
                return doc if len(doc["suggestions"]) <= top else {**doc, "suggestions": doc["suggestions"][:top]}
    found = suggestion_list(snap, org_id, top, weights)
    with _lock:
        org_hints = book.hints.get(org_id)
    if org_hints is None:
        org_hints = hints(snap, org_id)
        with _lock:
            book.hints[org_id] = org_hints
    raw = {"organisation": org_id, "suggestions": [s.to_dict() for s in found], "hints": list(org_hints)}
    # only the names the reasons mention (a dict of every organisation's name costs ms at 10k organisations)
    mentioned = {p for s in raw["suggestions"] for r in s["reasons"] for p in r.get("partners", [])}
    names = {p: snap.orgs[p].name for p in mentioned if p in snap.orgs}
    doc = render_suggestions(raw, snap.vocabulary, names, lang)
    with _lock:
        book.rendered[key] = (doc, top)
        while len(book.rendered) > RENDERED_SIZE:
            book.rendered.popitem(last=False)
    return doc
