"""Copy a whole store into another one, e.g. SQLite -> Neo4j (``remo migrate --from URL --to URL``).

Every record of every kind is copied: the network (organisations, persons,
cooperations, ...), the vocabulary terms and the application's records (users,
tokens, settings, ...). The data of each record arrives unchanged; what starts
afresh in the target is the bookkeeping: versions restart at 1,
``updated_at`` / ``updated_by`` name the migration, and the change log of the
source is not copied (the target logs one ``create`` per record). All records
are written in one transaction on the target: all or nothing.

Example
-------
>>> from graph.store import SQLiteStore
>>> src, dst = SQLiteStore("sqlite://"), SQLiteStore("sqlite://")
>>> src.init(); dst.init()
>>> _ = src.create("organisation", "a", {"id": "a", "name": "A"})
>>> _ = src.create("setting", "site.title", {"value": "ReMo"})
>>> migrate(src, dst)
{'organisation': 1, 'setting': 1}
>>> dst.get("setting", "site.title").data
{'value': 'ReMo'}
>>> src.close(); dst.close()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from ._errors import StoreError
from .store import redact_url
from .store.base import ANY, GraphStore, Op, Record

__all__ = ["migrate", "read_records", "write_records"]


def read_records(store: GraphStore) -> list[Record]:
    """Every record of every kind in ``store``, sorted by (kind, id), read in one transaction.

    Uses the store's ``export_records()`` (part of the store contract, `graph.store.base.StoreBase`).
    """
    return list(store.export_records())


def write_records(
    store: GraphStore,
    records: Sequence[Record],
    *,
    overwrite: bool = False,
    actor: str = "migrate",
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write ``records`` into ``store`` in one transaction; returns how many records of each kind.

    The target must be empty, unless ``overwrite``: then records of the same
    kind and id are replaced and any others in the target stay.
    ``progress(n)`` is called with the number of records written since the last call.
    """
    if not overwrite and read_records(store):
        raise StoreError(
            f"the target store {redact_url(store.url)} is not empty; migrate into an empty store "
            "(or overwrite records of the same kind and id on purpose)"
        )
    ops = [Op(r.kind, r.id, r.data, ANY if overwrite else None) for r in records]
    store.apply(ops, actor=actor, progress=progress)
    counts = dict(sorted(Counter(r.kind for r in records).items()))
    if not overwrite:
        found = {kind: store.count(kind) for kind in counts}
        if found != counts:
            raise StoreError(f"migration check failed: wrote {counts}, the target holds {found}")
    return counts


def migrate(
    src: GraphStore,
    dst: GraphStore,
    *,
    progress: Callable[[int], None] | None = None,
    overwrite: bool = False,
    actor: str = "migrate",
) -> dict[str, int]:
    """Copy every record of ``src`` into ``dst`` (one transaction); returns counts by kind.

    ``progress(n)`` receives increments of records written; for a progress
    bar with a known length call `read_records` and `write_records` yourself.
    """
    url = src.url
    in_memory = url in ("sqlite://", "sqlite:///", "sqlite:///:memory:")
    if src is dst or (url and not in_memory and url == dst.url):
        raise StoreError(f"source and target are the same store: {redact_url(src.url)}")
    return write_records(dst, read_records(src), overwrite=overwrite, actor=actor, progress=progress)
