"""When two records are the same: ids that differ only in case, organisation names that differ only in
case, spacing or Unicode normalisation (NFC/NFD).

Text fields are stored in NFC (`graph.model` normalises every text it parses), so ``"Café"`` typed on a
Mac (NFD) and on Windows (NFC) is one name. `fold_id` and `fold_name` give the form two records are
compared in; `clash_issues` finds, for records about to be written, every other record that would then
carry the same folded id (of the same kind) or the same folded organisation name. Imports
(`graph.io.import_network`) and the pages and API that create or change organisations refuse such a
write with a ``duplicate_id`` or ``duplicate_name`` issue.

This module is also the one home of the text folds: every comparison of user text goes through one of
the functions below. They differ on purpose, and each names its reason; the id and slug patterns
(`graph.model.SLUG_RE`, `graph.model.RECORD_ID_RE`, `graph.model.slugify`) live next to the parsers
that use them, and the API schemas and forms import them from there.

=================  ==========================================================================
`fold_id`          ids: NFC + case fold only (an id is exact text otherwise)
`fold_name`        organisation names (duplicates): NFC + case fold + spaces collapsed; keeps
                   accents, so "Müller" and "Muller" stay two organisations
`fold`             user input against a vocabulary: NFKC (full-width, ligatures) + case fold +
                   spaces collapsed, and the Turkish dotted/dotless i match a plain "i"
`fold_header`      spreadsheet headers, sheet and organisation names in imports: NFKC + case
                   fold + spaces collapsed, ``_`` read as a space ("target_groups" = "Target groups")
`fold_search`      the directory search: case fold, dotless i, accents dropped (NFKD without
                   combining marks: "Räume" finds "Raume"); spaces kept, the caller splits words
`fold_email`       email addresses (accounts, password resets, mail preferences): surrounding
                   spaces dropped, case folded; no Unicode normalisation, as addresses are ASCII
=================  ==========================================================================

Example
-------
>>> fold_name("Caf\\u0065\\u0301  Lennep") == fold_name("Café lennep"), fold_id("p-ABC") == fold_id("p-abc")
(True, True)
>>> [i.code for i in clash_issues([("person", "p-ABC", {})], {("person", "p-abc"): {}})]
['duplicate_id']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import Issue
from .store import GraphStore

__all__ = ["clash_issues", "fold", "fold_email", "fold_header", "fold_id", "fold_name", "fold_search", "store_clashes"]


def fold_id(rid: str) -> str:
    """The form in which ids are compared: ``p-ABC`` and ``p-abc`` are one id."""
    return unicodedata.normalize("NFC", rid).casefold()


def fold_name(name: Any) -> str:
    """The form in which organisation names are compared (NFC, case-folded, spaces collapsed)."""
    return " ".join(unicodedata.normalize("NFC", str(name or "")).casefold().split())


def fold(text: Any) -> str:
    """Case- and width-insensitive key for matching user input to vocabulary terms.

    >>> fold("  İZMİR  Ｉｎｔｅｇｒａｔｉｏｎ ") == fold("izmir integration")
    True
    """
    text = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    # Turkish dotted/dotless i: "İ".casefold() is "i̇", "ı" stays; both should match a plain "i"
    text = text.replace("\u0307", "").replace("ı", "i")
    return " ".join(text.split())


def fold_header(text: Any) -> str:
    """The form spreadsheet headers, sheet names and organisation names are compared in by imports.

    ``None`` folds to ``""``; underscores count as spaces, so ``target_groups`` is the header
    ``Target groups``.
    """
    return " ".join(unicodedata.normalize("NFKC", str(text or "")).casefold().replace("_", " ").split())


def fold_search(text: str) -> str:
    """Lowercase without accents ("Räume" -> "raume"), for forgiving search."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ı", "i"))
    return "".join(c for c in text if not unicodedata.combining(c))


def fold_email(address: str) -> str:
    """The form in which email addresses are compared: ``" Ada@Example.org "`` is ``"ada@example.org"``."""
    return address.strip().casefold()


def clash_issues(
    writes: Iterable[tuple[str, str, Mapping[str, Any] | None]],
    stored: Mapping[tuple[str, str], Mapping[str, Any]],
) -> list[Issue]:
    """Issues for ``writes`` (``(kind, id, data)``, data ``None`` deletes) that would leave two records
    with the same folded id of one kind, or two organisations with the same folded name, given the
    ``stored`` records (``{(kind, id): data}``)."""
    writes = list(writes)
    final: dict[tuple[str, str], Mapping[str, Any] | None] = dict(stored)
    for kind, rid, data in writes:
        final[(kind, rid)] = data
    by_id: dict[tuple[str, str], list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for (kind, rid), data in final.items():
        if data is None:
            continue
        by_id.setdefault((kind, fold_id(rid)), []).append(rid)
        if kind == "organisation" and data.get("name"):
            by_name.setdefault(fold_name(data["name"]), []).append(rid)
    issues: list[Issue] = []
    for kind, rid, data in writes:
        if data is None:
            continue
        others = [o for o in by_id[(kind, fold_id(rid))] if o != rid]
        if others:
            issues.append(
                Issue(
                    "id",
                    rid,
                    f"differs only in case from the {kind} id {others[0]!r}; ids are compared without case",
                    where=f"{kind} {rid}",
                    code="duplicate_id",
                )
            )
        if kind == "organisation" and data.get("name"):
            others = [o for o in by_name[fold_name(data["name"])] if o != rid]
            if others:
                issues.append(
                    Issue(
                        "name",
                        data["name"],
                        f"organisation {others[0]!r} has the same name (compared without case, spacing and "
                        "Unicode normalisation)",
                        where=f"organisation {rid}",
                        code="duplicate_name",
                    )
                )
    return issues


def store_clashes(store: GraphStore, writes: Iterable[tuple[str, str, Mapping[str, Any] | None]]) -> list[Issue]:
    """`clash_issues` of ``writes`` against the records of their kinds in ``store``."""
    writes = list(writes)
    stored = {(kind, r.id): r.data for kind in {w[0] for w in writes} for r in store.list(kind)}
    return clash_issues(writes, stored)
