"""The embedded store: SQLite from the standard library.

One table of records (kind, id, version, JSON data), one change log, and a
generation counter that every write transaction increments, so that any process
can tell cheaply whether its snapshot is stale. WAL mode lets readers go on
while one writer writes; every ``apply`` is one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .._errors import StoreError, StoreUnavailable
from ..files import PRIVATE_FILE_MODE, make_private_dir
from .base import (
    ANY,
    GC_PAUSE_OPS,
    UNLOGGED_KINDS,
    Change,
    Op,
    Record,
    StoreBase,
    check_due_kind,
    check_text,
    check_version,
    gc_paused,
    now_iso,
    touches_snapshot,
)

__all__ = ["SQLiteStore"]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    action TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_record ON changes (kind, id);
CREATE INDEX IF NOT EXISTS records_due ON records (kind, json_extract(data, '$.due'))
    WHERE json_extract(data, '$.due') IS NOT NULL;
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0');
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
"""


#: idle connections kept for reuse; more are closed when handed back
MAX_IDLE_CONNECTIONS = 4
#: ``?synchronous=`` of the store URL. With WAL, NORMAL never corrupts the database, but a power cut may
#: lose the last transactions before a checkpoint; FULL syncs the WAL on every commit (slower writes)
SYNCHRONOUS_LEVELS = ("normal", "full", "extra")
DEFAULT_SYNCHRONOUS = "normal"


def _close_quietly(conn: sqlite3.Connection) -> None:
    try:
        conn.close()
    except sqlite3.Error:  # pragma: no cover
        pass


class _Lease:
    """A thread's hold on one connection: when the thread ends, its lease is freed and closes it."""

    __slots__ = ("__weakref__", "conn", "finalizer")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.finalizer = weakref.finalize(self, _close_quietly, conn)


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class SQLiteStore(StoreBase):
    """Store on one SQLite file: ``sqlite:///relative/path.db``, ``sqlite:////abs/path.db``
    or ``sqlite://`` (in memory, for tests).

    Example
    -------
    >>> store = SQLiteStore("sqlite://")
    >>> store.init()
    >>> store.create("organisation", "a", {"id": "a"}).version
    1
    >>> store.close()
    """

    #: `backup` and `restore_from` use SQLite's online backup API (a SQLite database file)
    native_backup = True

    def __init__(self, url: str = "sqlite:///instance/remo.db", *, timeout: float = 15.0):
        super().__init__()
        self.url = url
        parts = urlsplit(url)
        if parts.scheme != "sqlite":
            raise StoreError(f"not a SQLite URL: {url}")
        path = unquote(parts.path)
        if parts.netloc:
            raise StoreError(
                f"SQLite URLs have no host; use sqlite:///relative.db or sqlite:////absolute.db, not {url}"
            )
        options = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(options) - {"synchronous"})
        if unknown:
            raise StoreError(f"unknown option {unknown[0]!r} in the SQLite URL {url}; known: synchronous")
        sync = (options.get("synchronous") or [DEFAULT_SYNCHRONOUS])[-1].strip().lower()
        if sync not in SYNCHRONOUS_LEVELS:
            raise StoreError(
                f"synchronous={sync!r} in the SQLite URL {url}: use one of {', '.join(SYNCHRONOUS_LEVELS)}"
            )
        #: SQLite's ``PRAGMA synchronous`` for every connection (see docs/deployment.md, "Power cuts")
        self.synchronous = sync
        self._memory = path in ("", "/", "/:memory:")
        if self._memory:
            self._target = f"file:remo-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self.path = None
        else:
            rel = path[1:] if path.startswith("/") else path
            self.path = Path(rel)
            self._target = str(self.path)
        self._timeout = timeout
        # each thread holds at most one connection (a lease in a thread-local); `release` hands it
        # back to a small idle pool, and a thread that ends without releasing closes it
        self._local = threading.local()
        self._idle: list[sqlite3.Connection] = []
        self._leases: weakref.WeakSet[_Lease] = weakref.WeakSet()
        self._pool_lock = threading.Lock()
        self._keepalive = self._connect() if self._memory else None

    # -- connections ----------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            if not self._memory:
                assert self.path is not None
                if not self.path.parent.exists():
                    make_private_dir(self.path.parent)
                if not self.path.exists():
                    # the database holds password hashes and personal data: owner only (SQLite gives
                    # its -wal and -shm files the same mode)
                    with contextlib.suppress(FileExistsError):
                        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
            conn = sqlite3.connect(
                self._target,
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=self._memory,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            if not self._memory:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":  # pragma: no cover - e.g. network file systems
                    raise StoreError(f"{self.url}: SQLite could not switch to WAL mode (got {mode})")
            conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
            conn.execute("PRAGMA foreign_keys = ON")
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot open the store {self.url}: {exc}") from exc
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        lease = getattr(self._local, "lease", None)
        if lease is None:
            with self._pool_lock:
                conn = self._idle.pop() if self._idle else None
            lease = _Lease(conn if conn is not None else self._connect())
            with self._pool_lock:
                self._leases.add(lease)
            self._local.lease = lease
        return lease.conn

    def release(self) -> None:
        """Hand this thread's connection back (the web app calls this after every request).

        At most `MAX_IDLE_CONNECTIONS` stay open for the next thread; the rest are closed, so a
        server that starts a thread per request keeps a bounded number of descriptors.
        """
        lease = self._local.__dict__.pop("lease", None)
        if lease is None:
            return
        with self._pool_lock:
            self._leases.discard(lease)
            if lease.finalizer.detach() is None:  # pragma: no cover - already closed by close()
                return
            if lease.conn.in_transaction or len(self._idle) >= MAX_IDLE_CONNECTIONS:
                conn = lease.conn
            else:
                self._idle.append(lease.conn)
                return
        _close_quietly(conn)

    def open_connections(self) -> int:
        """How many connections this store holds open (leased and idle), for tests and health."""
        with self._pool_lock:
            return len(self._idle) + sum(1 for lease in self._leases if lease.finalizer.alive)

    def _fail(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return StoreError(f"{self.url}: the database file is read-only; nothing was written")
        if "disk is full" in text or "database or disk is full" in text:
            return StoreError(f"{self.url}: the disk is full; nothing was written")
        if "locked" in text or "busy" in text:
            return StoreUnavailable(f"{self.url}: the database is busy (locked by another writer); try again")
        if "no such table" in text:
            return StoreError(f"{self.url}: the store is not initialised; run 'remo init'")
        return StoreError(f"{self.url}: {text}")

    def init(self) -> None:
        try:
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def close(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
            leases, self._leases = list(self._leases), weakref.WeakSet()
        for conn in idle:
            _close_quietly(conn)
        for lease in leases:
            lease.finalizer()
        self._local = threading.local()
        if self._keepalive is not None:
            _close_quietly(self._keepalive)
        self._keepalive = None

    def disconnect(self) -> None:
        """Close every connection; the next call opens a new one (a file database only)."""
        if self._memory:
            raise StoreError(f"{self.url}: an in-memory database cannot be closed and opened again")
        self.close()

    # -- reads ----------------------------------------------------------
    def generation(self) -> int:
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return int(row[0]) if row else 0

    def get(self, kind: str, id: str) -> Record | None:
        try:
            row = self._conn.execute(
                "SELECT kind, id, version, data, updated_at, updated_by FROM records WHERE kind = ? AND id = ?",
                (kind, id),
            ).fetchone()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return self._record(row) if row else None

    @staticmethod
    def _record(row: tuple) -> Record:
        return Record(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5])

    def list(self, kind: str) -> list[Record]:
        try:
            rows = self._conn.execute(
                "SELECT kind, id, version, data, updated_at, updated_by FROM records WHERE kind = ? ORDER BY id",
                (kind,),
            ).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return [self._record(r) for r in rows]

    def count(self, kind: str) -> int:
        try:
            return self._conn.execute("SELECT count(*) FROM records WHERE kind = ?", (kind,)).fetchone()[0]
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def due(self, kind: str, until: str, limit: int = 100) -> builtins.list[Record]:
        """Records of ``kind`` due by ``until`` (see `GraphStore.due`), from the ``records_due`` index."""
        check_due_kind(kind)
        try:
            rows = self._conn.execute(
                "SELECT kind, id, version, data, updated_at, updated_by FROM records "
                "WHERE kind = ? AND json_extract(data, '$.due') IS NOT NULL AND json_extract(data, '$.due') <= ? "
                "ORDER BY json_extract(data, '$.due'), id LIMIT ?",
                (kind, until, max(0, int(limit))),
            ).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return [self._record(r) for r in rows]

    def all_records(self) -> Iterable[tuple[str, dict[str, Any]]]:
        return self.network_with_generation(raw=True)[0]

    def network_with_generation(self, raw: bool = False):
        from ..network import Network

        conn = self._conn
        loads = json.loads
        try:
            conn.execute("BEGIN")
            try:
                gen = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
                rows = conn.execute("SELECT kind, data FROM records ORDER BY kind, id")
                # record by record from the cursor: the texts, their parsed dicts and the network are
                # never all in memory at once (at 1M organisations that tripled the peak)
                pairs = ((k, loads(d)) for k, d in rows)
                result = list(pairs) if raw else Network.from_records(pairs)
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return result, gen

    def export_records(self) -> builtins.list[Record]:
        """Every record of every kind, sorted by (kind, id), read in one transaction."""
        conn = self._conn
        try:
            conn.execute("BEGIN")
            try:
                rows = conn.execute(
                    "SELECT kind, id, version, data, updated_at, updated_by FROM records ORDER BY kind, id"
                ).fetchall()
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return [self._record(r) for r in rows]

    def restore_from(self, source: str | os.PathLike[str]) -> None:
        """Replace the whole database with the SQLite backup file ``source`` (online backup API).

        The generation counter ends above both the current and the restored one, so that every
        process sees the change and rebuilds its snapshot.
        """
        before = self.generation()
        src = sqlite3.connect(f"file:{Path(source)}?mode=ro", uri=True)
        try:
            src.backup(self._conn)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        finally:
            src.close()
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "UPDATE meta SET value = CAST(MAX(CAST(value AS INTEGER), ?) + 1 AS TEXT) WHERE key = 'generation'",
                (before,),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def changes(self, limit: int = 50, kind: str | None = None, id: str | None = None) -> builtins.list[Change]:
        sql = "SELECT seq, at, actor, kind, id, action, version FROM changes"
        args: list[Any] = []
        where = []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if id:
            where.append("id = ?")
            args.append(id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(int(limit))
        try:
            rows = self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return [Change(*r) for r in rows]

    def purge_changes(self, before: str) -> int:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                n = conn.execute("DELETE FROM changes WHERE at < ?", (before,)).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return n

    # -- writes ---------------------------------------------------------
    def apply(
        self,
        ops: Sequence[Op],
        *,
        actor: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> builtins.list[Record | None]:
        """Apply all ``ops`` in one transaction; any error writes nothing."""
        with gc_paused(len(ops) >= GC_PAUSE_OPS):
            return self._apply(ops, actor, progress)

    def _apply(
        self, ops: Sequence[Op], actor: str, progress: Callable[[int], None] | None
    ) -> builtins.list[Record | None]:
        conn = self._conn
        at = now_iso()
        out: list[Record | None] = []
        log: list[tuple] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        try:
            for i, op in enumerate(ops):
                row = conn.execute(
                    "SELECT kind, id, version, data, updated_at, updated_by FROM records WHERE kind = ? AND id = ?",
                    (op.kind, op.id),
                ).fetchone()
                current = self._record(row) if row else None
                check_version(op, current)
                if op.data is None:
                    if current is not None:
                        conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (op.kind, op.id))
                        log.append((at, actor, op.kind, op.id, "delete", current.version + 1))
                    out.append(None)
                else:
                    text = _dumps(op.data)
                    check_text(op.kind, op.id, op.data, text)
                    if current is None:
                        conn.execute(
                            "INSERT INTO records (kind, id, version, data, updated_at, updated_by) "
                            "VALUES (?, ?, 1, ?, ?, ?)",
                            (op.kind, op.id, text, at, actor),
                        )
                        log.append((at, actor, op.kind, op.id, "create", 1))
                        out.append(Record(op.kind, op.id, 1, op.data, at, actor))
                    elif op.version is ANY and current.data == json.loads(text):
                        out.append(current)  # unchanged: keep the version (idempotent imports)
                    else:
                        version = current.version + 1
                        conn.execute(
                            "UPDATE records SET version = ?, data = ?, updated_at = ?, updated_by = ? "
                            "WHERE kind = ? AND id = ?",
                            (version, text, at, actor, op.kind, op.id),
                        )
                        log.append((at, actor, op.kind, op.id, "update", version))
                        out.append(Record(op.kind, op.id, version, op.data, at, actor))
                if progress is not None and (i + 1) % 1000 == 0:
                    progress(1000)
            log = [entry for entry in log if entry[2] not in UNLOGGED_KINDS]
            if log:
                conn.executemany(
                    "INSERT INTO changes (at, actor, kind, id, action, version) VALUES (?, ?, ?, ?, ?, ?)", log
                )
                if touches_snapshot(entry[2] for entry in log):
                    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
            conn.execute("COMMIT")
        except BaseException as exc:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:  # pragma: no cover
                pass
            if isinstance(exc, sqlite3.Error):
                raise self._fail(exc) from exc
            raise
        if progress is not None and len(ops) % 1000:
            progress(len(ops) % 1000)
        return out

    def backup(self, target: str | os.PathLike[str]) -> None:
        """Copy the database with SQLite's online backup API (safe during writes)."""
        dest = sqlite3.connect(str(target))
        try:
            self._conn.backup(dest)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        finally:
            dest.close()
