"""The store interface every backend implements.

A store keeps *records*: ``(kind, id) -> data`` with a version number that
grows with every write. Kinds are the domain's (``organisation``,
``cooperation``, ``person``, ...) plus application kinds (``user``, ``api_token``,
``setting``). All writes of one call happen in one transaction: all or nothing.

Optimistic versioning: an update names the version it was based on; if the
stored version differs, `ConflictError` is raised and nothing is written.
"""

from __future__ import annotations

import abc
import builtins
import datetime as dt
import gc
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from .._errors import ConflictError, Issue, NotFoundError, ValidationError
from ..clock import network_today
from ..text import FORBIDDEN_REASON, forbidden_issues, json_has_forbidden

__all__ = [
    "ANY",
    "SNAPSHOT_KINDS",
    "UNLOGGED_KINDS",
    "GC_PAUSE_OPS",
    "Change",
    "DUE_FIELD",
    "GraphStore",
    "Op",
    "Record",
    "SnapshotCache",
    "StoreBase",
    "check_text",
    "gc_paused",
    "now_iso",
    "touches_snapshot",
]

#: Record kinds the in-memory snapshot is built from. Writes of other kinds (users, settings,
#: audit entries, login throttles, plans, ...) do not move the generation counter, so that they
#: never force the snapshot to be rebuilt.
SNAPSHOT_KINDS = frozenset(
    {
        "organisation",
        "person",
        "cooperation",
        "meeting",
        "introduction",
        "project",
        "funding_programme",
        "term",
        "event",
    }
)


#: Bookkeeping kinds whose writes are not entered in the change log (it is the audit trail of data).
UNLOGGED_KINDS = frozenset({"login_throttle", "login_session", "message"})


def check_text(kind: str, id: str, data: Any, text: str) -> None:
    """Refuse a record whose JSON ``text`` holds a character XML forbids (see `graph.text`).

    Every backend calls this on every record it writes, so no path (import, page, API, command)
    can store text that would break the XML exports; raises `ValidationError` naming the fields.
    """
    if json_has_forbidden(text):
        where = f"{kind} {id}"
        issues = forbidden_issues(data, where)
        raise ValidationError(issues or [Issue("text", "", FORBIDDEN_REASON, where, "forbidden_character")])


#: Outbox messages keep their own history (queued, attempts, sent) in the record.
#: The data field `GraphStore.due` orders and filters by: an ISO 8601 UTC timestamp text, or absent/None
#: for "not due at all". Only for application kinds (not `SNAPSHOT_KINDS`): outbox messages, scheduled jobs.
DUE_FIELD = "due"


def touches_snapshot(kinds: Iterable[str]) -> bool:
    """Whether a write of records of these kinds changes what the snapshot shows."""
    return any(kind in SNAPSHOT_KINDS for kind in kinds)


class _Any:
    def __repr__(self) -> str:
        return "ANY"


#: ``Op.version`` value meaning "create or overwrite, whatever is stored" (imports).
ANY: Any = _Any()


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


#: from this many records on, a store's write (and an import's preparation) pauses Python's cyclic garbage collector
GC_PAUSE_OPS = 1000


@contextmanager
def gc_paused(pause: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory) for a large write.

    A big import holds hundreds of thousands of live containers (records, rows,
    parameters) that are acyclic; the collector's full passes over them cost
    about half the client's CPU time. Re-enabled afterwards only if it was on;
    nested uses leave it to the outermost.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        # the objects made meanwhile would all sit in the youngest generation, so the first collection
        # after gc.enable() would walk millions of them (about 0.15 s per 20,000 organisations):
        # move them to the oldest generation instead, as if they had survived the collections
        gc.freeze()
        gc.enable()
        gc.unfreeze()


@dataclass(frozen=True)
class Record:
    kind: str
    id: str
    version: int
    data: dict[str, Any]
    updated_at: str = ""
    updated_by: str = ""


@dataclass(frozen=True)
class Op:
    """One write: ``data=None`` deletes.

    ``version``: ``None`` creates (conflict if the record exists), an int updates
    exactly that version, `ANY` upserts.
    """

    kind: str
    id: str
    data: dict[str, Any] | None
    version: Any = None


@dataclass(frozen=True)
class Change:
    seq: int
    at: str
    actor: str
    kind: str
    id: str
    action: str  # create | update | delete
    version: int


@runtime_checkable
class GraphStore(Protocol):
    """What ReMo needs from a store; see `open_store` for the URL schemes.

    The structural view of `StoreBase` (the contract every backend subclasses): type hints say
    ``store: GraphStore``; ``isinstance(obj, GraphStore)`` checks that the methods are there.
    """

    url: str
    native_backup: ClassVar[bool]

    def init(self) -> None: ...
    def generation(self) -> int: ...
    def get(self, kind: str, id: str) -> Record | None: ...
    def require(self, kind: str, id: str) -> Record: ...
    def list(self, kind: str) -> list[Record]: ...
    def count(self, kind: str) -> int: ...
    def apply(
        self,
        ops: Sequence[Op],
        *,
        actor: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> builtins.list[Record | None]: ...
    def create(self, kind: str, id: str, data: dict[str, Any], *, actor: str = "") -> Record: ...
    def update(self, kind: str, id: str, data: dict[str, Any], version: int, *, actor: str = "") -> Record: ...
    def upsert(self, kind: str, id: str, data: dict[str, Any], *, actor: str = "") -> Record: ...
    def delete(self, kind: str, id: str, version: Any = ANY, *, actor: str = "") -> None: ...
    def due(self, kind: str, until: str, limit: int = 100) -> builtins.list[Record]: ...
    def changes(self, limit: int = 50, kind: str | None = None, id: str | None = None) -> builtins.list[Change]: ...
    def purge_changes(self, before: str) -> int: ...
    def all_records(self) -> Iterable[tuple[str, dict[str, Any]]]: ...
    def network_with_generation(self, raw: bool = False) -> tuple[Any, int]: ...
    def network(self) -> Any: ...
    def export_records(self) -> builtins.list[Record]: ...
    def snapshot(self) -> Any: ...
    def cached_snapshot(self) -> Any: ...
    def set_clock(self, today: Callable[[], str]) -> None: ...
    def backup(self, target: str | os.PathLike[str]) -> None: ...
    def restore_from(self, source: str | os.PathLike[str]) -> None: ...
    def wipe(self) -> None: ...
    def release(self) -> None: ...
    def disconnect(self) -> None: ...
    def close(self) -> None: ...


class StoreBase(abc.ABC):
    """The store contract: every backend subclasses this and overrides each abstract method.

    A new backend is one line in `graph.store.BACKENDS`; ``tests/graph/test_store_contract.py``
    checks that it overrides every abstract method with a compatible signature and runs the
    behavioural suite on it. Methods that are not abstract either work for every backend
    (single-record writes over `apply`, the snapshot cache) or are optional capabilities that
    raise `NotImplementedError` unless a backend has them (`backup`, `restore_from`, `wipe`).

    The write rules (`check_version`; a create is version 1, an update the stored version + 1,
    an upsert of equal data leaves the record unchanged; deletes log version + 1; `UNLOGGED_KINDS`
    stay out of the change log; only `SNAPSHOT_KINDS` move the generation) are written once here
    as helpers, but each backend's ``apply`` still walks its operations itself: SQLite writes row
    by row in one transaction, Neo4j plans the whole write first and sends it in ``UNWIND``
    batches (deferring the JSON text of new records to overlap with the server). Folding both
    loops into one shared planner is left for a change with its own benchmark.
    """

    url: str

    #: whether `backup` / `restore_from` copy the store natively (SQLite's online backup API, a
    #: SQLite file). When False, `graph.backup` writes and reads JSON lines through `export_records`
    #: and `apply` instead.
    native_backup: ClassVar[bool] = False

    def __init__(self) -> None:
        self._snapshot_cache = SnapshotCache()

    # -- to be implemented by every backend ------------------------------------
    @abc.abstractmethod
    def init(self) -> None:
        """Create the schema (tables, constraints, indexes) if missing; safe to call again."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close every connection (driver) the store holds; the store is unusable afterwards."""

    @abc.abstractmethod
    def generation(self) -> int:
        """The counter that every write of a `SNAPSHOT_KINDS` record moves on (a cheap read)."""

    @abc.abstractmethod
    def get(self, kind: str, id: str) -> Record | None:
        """The record ``(kind, id)``, or None."""

    @abc.abstractmethod
    def list(self, kind: str) -> list[Record]:
        """Every record of ``kind``, sorted by id."""

    @abc.abstractmethod
    def count(self, kind: str) -> int:
        """How many records of ``kind`` there are."""

    @abc.abstractmethod
    def apply(
        self,
        ops: Sequence[Op],
        *,
        actor: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> builtins.list[Record | None]:
        """Apply all ``ops`` in one transaction, all or nothing; one result per op (None for deletes).

        Raises `ConflictError` (or `NotFoundError` for a versioned delete of a missing record) when
        an op does not fit the stored version (`check_version`), `ValidationError` for text XML
        forbids (`check_text`). ``progress(n)`` is called with the number of ops done since the
        last call; the calls add up to ``len(ops)``.
        """

    @abc.abstractmethod
    def changes(self, limit: int = 50, kind: str | None = None, id: str | None = None) -> builtins.list[Change]:
        """The change log, newest first, optionally of one kind and/or one id."""

    @abc.abstractmethod
    def purge_changes(self, before: str) -> int:
        """Delete change-log entries older than the ISO time ``before``; returns how many."""

    @abc.abstractmethod
    def all_records(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """``(kind, data)`` of every record, sorted by (kind, id)."""

    @abc.abstractmethod
    def network_with_generation(self, raw: bool = False) -> tuple[Any, int]:
        """The `graph.network.Network` of all records (or with ``raw`` the ``(kind, data)`` pairs)
        and the generation, read in one transaction (so a snapshot is never newer than its number)."""

    @abc.abstractmethod
    def export_records(self) -> builtins.list[Record]:
        """Every record of every kind, sorted by (kind, id), read in one transaction (`graph.migrate`)."""

    # -- optional capabilities ---------------------------------------------------
    def backup(self, target: str | os.PathLike[str]) -> None:
        """Copy the whole store natively to the file ``target`` (only when `native_backup`)."""
        raise NotImplementedError(f"{type(self).__name__} has no native backup; use graph.backup")

    def restore_from(self, source: str | os.PathLike[str]) -> None:
        """Replace the whole store with the native backup file ``source`` (only when `native_backup`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot restore a native backup; use graph.backup")

    def wipe(self) -> None:
        """Delete every record and the change log (for tests and benchmarks); the generation goes on."""
        raise NotImplementedError(f"{type(self).__name__} cannot wipe itself")

    def release(self) -> None:
        """Give back what the calling thread holds (a connection); the next call takes it again.

        Servers call this at the end of every request, so that a thread per request never piles
        up open connections. Backends whose driver pools connections itself need nothing here.
        """
        return None

    def disconnect(self) -> None:
        """Close every connection but stay usable: the next call opens new ones; the snapshot stays cached.

        A server that builds the snapshot and the model once and then forks its workers calls this in
        the parent just before the fork, so that no connection (a SQLite file handle, a Neo4j driver's
        sockets) is shared by two processes. A store that cannot reopen what it closes (an in-memory
        SQLite database) raises `StoreError`.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot disconnect")

    def due(self, kind: str, until: str, limit: int = 100) -> builtins.list[Record]:
        """Records of ``kind`` whose ``data["due"]`` is set and ``<= until``, earliest first (then by id).

        The queue primitive of the transactional outbox: a message is a record written in the same
        `apply` as the change that causes it; the sender asks for the due ones. Backends answer from
        an index (this backend-neutral version reads every record of ``kind``); ``kind`` must not be
        one of `SNAPSHOT_KINDS`.
        """
        check_due_kind(kind)
        found = [r for r in self.list(kind) if _due_of(r) is not None and _due_of(r) <= until]  # type: ignore[operator]
        found.sort(key=lambda r: (_due_of(r), r.id))
        return found[: max(0, int(limit))]

    # -- conveniences over the methods above -------------------------------------
    def require(self, kind: str, id: str) -> Record:
        """The record ``(kind, id)``; `NotFoundError` when missing."""
        rec = self.get(kind, id)
        if rec is None:
            raise NotFoundError(kind, id)
        return rec

    def create(self, kind: str, id: str, data: dict[str, Any], *, actor: str = "") -> Record:
        """Write a new record (version 1); `ConflictError` when it exists."""
        rec = self.apply([Op(kind, id, data, None)], actor=actor)[0]
        assert rec is not None
        return rec

    def update(self, kind: str, id: str, data: dict[str, Any], version: int, *, actor: str = "") -> Record:
        """Replace the record's data if it is still at ``version``; `ConflictError` otherwise."""
        rec = self.apply([Op(kind, id, data, version)], actor=actor)[0]
        assert rec is not None
        return rec

    def upsert(self, kind: str, id: str, data: dict[str, Any], *, actor: str = "") -> Record:
        """Create or overwrite whatever is stored; equal data leaves the record (and its version) as is."""
        rec = self.apply([Op(kind, id, data, ANY)], actor=actor)[0]
        assert rec is not None
        return rec

    def delete(self, kind: str, id: str, version: Any = ANY, *, actor: str = "") -> None:
        """Delete the record (at ``version``, or whatever is stored with `ANY`)."""
        self.apply([Op(kind, id, None, version)], actor=actor)

    def snapshot(self) -> Any:
        """The in-memory network (`graph.Snapshot`), rebuilt only when data changed."""
        return self._snapshot_cache.get(self)

    def cached_snapshot(self) -> Any:
        """The snapshot built last, without asking the store whether it is current (None before the first)."""
        return self._snapshot_cache._snapshot

    def set_clock(self, today: Callable[[], str]) -> None:
        """Date snapshots by ``today()`` (an ISO day) instead of `graph.clock.network_today` (for tests)."""
        self._snapshot_cache.clock = today

    def network(self) -> Any:
        """The `graph.network.Network` of all records."""
        from ..network import Network

        return Network.from_records(self.all_records())

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class SnapshotCache:
    """Caches the snapshot by the store's generation counter (a cheap read) and the day.

    The key is ``(generation, day)``, the day from ``clock`` (today in the network's time zone,
    `graph.clock.network_today`): after midnight the next call builds a snapshot dated anew (its
    cooperations, deadlines and "upcoming" are of the new day) even when no data changed. The
    generation number stays; caches hung off the snapshot object go with the old one.
    """

    _generation: int = -1
    _snapshot: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], str] = field(default=network_today)

    def get(self, store: StoreBase):
        from .._gc import paused_gc
        from ..snapshot import build_snapshot

        day = self.clock()
        gen = store.generation()
        snap = self._snapshot
        if snap is not None and gen == self._generation and snap.today == day:
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is not None and gen == self._generation and snap.today == day:
                return snap
            # read the generation together with the records, so that a write
            # racing with the build only makes the next call rebuild again
            with paused_gc():  # records are acyclic: the collector would only walk them again and again
                network, gen = store.network_with_generation()
                self._snapshot = build_snapshot(network, generation=gen, today=day)
            self._generation = gen
            return self._snapshot


def _due_of(rec: Record) -> str | None:
    value = rec.data.get(DUE_FIELD)
    return value if isinstance(value, str) and value else None


def check_due_kind(kind: str) -> None:
    if kind in SNAPSHOT_KINDS:
        raise ValueError(f"due() is for application kinds, not {kind!r}")


def check_version(op: Op, current: Record | None) -> None:
    """Raise `ConflictError` when ``op`` does not fit the stored record."""
    if op.version is ANY:
        return
    if op.version is None:
        if op.data is None:
            return
        if current is not None:
            raise ConflictError(op.kind, op.id, None, current)
        return
    if current is None:
        if op.data is None:
            raise NotFoundError(op.kind, op.id)
        raise ConflictError(op.kind, op.id, op.version, None)
    if current.version != op.version:
        raise ConflictError(op.kind, op.id, op.version, current)
