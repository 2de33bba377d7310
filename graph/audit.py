"""The audit log: who viewed, changed, exported or erased which record, and when.

Entries say *that* something happened, never *what* the record held: an entry
is a store record of kind ``audit`` whose data is ``at`` (ISO time, UTC),
``actor`` (a user name, ``cli:NAME``, ``retention``), ``action`` (see
`ACTIONS`), ``kind`` and ``id`` of the record concerned, ``on_behalf_of`` (the
organisation a representative acted for, or ``None``) and an optional
``detail`` (counts and ids only). The record id is the time plus a random
suffix, so ids sort by time and never collide.

Writes go through ``store.apply`` like every other write (one transaction,
entries are created and never updated; only `purge_audit` and an erasure's
anonymisation touch them again). Changes to records are logged by the store
itself (``store.changes()``); `audit_log` merges both views.

Example
-------
>>> from graph.store import SQLiteStore
>>> store = SQLiteStore("sqlite://"); store.init()
>>> _ = record_access(store, "anna", "view", "organisation", "kulturverein-lennep")
>>> [(e.actor, e.action, e.id) for e in audit_log(store)]
[('anna', 'view', 'kulturverein-lennep')]
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .store import GraphStore
from .store.base import Op, now_iso

__all__ = [
    "ACTIONS",
    "AUDITED_KINDS",
    "KIND",
    "VIEW_COALESCE_SECONDS",
    "AuditEntry",
    "audit_log",
    "audit_op",
    "new_audit_id",
    "purge_audit",
    "record_access",
    "viewed",
]

KIND = "audit"
#: what an entry can say happened
ACTIONS = ("view", "change", "export", "erase", "retention")
#: record kinds whose change-log entries `audit_log` merges in by default
AUDITED_KINDS = ("organisation", "person")
#: repeated views of one record by one actor within this many seconds are logged once
VIEW_COALESCE_SECONDS = 300


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit view: from an ``audit`` record or from the store's change log."""

    at: str
    actor: str
    action: str
    kind: str
    id: str
    on_behalf_of: str | None = None
    detail: Mapping[str, Any] | None = None
    source: str = "audit"  # "audit" (an audit record) or "changes" (the store's change log)
    change: str = ""  # create | update | delete, for change-log entries

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "kind": self.kind,
            "id": self.id,
            "on_behalf_of": self.on_behalf_of,
            "detail": dict(self.detail) if self.detail else None,
            "source": self.source,
            "change": self.change,
        }


def new_audit_id(at: dt.datetime | None = None) -> str:
    """A record id that sorts by time: ``20250410T101500123456Z-1a2b3c4d``."""
    at = at or dt.datetime.now(dt.UTC)
    return at.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(4)


def audit_op(
    actor: str,
    action: str,
    kind: str,
    id: str,
    on_behalf_of: str | None = None,
    *,
    detail: Mapping[str, Any] | None = None,
) -> Op:
    """The `Op` that creates one audit entry, to be applied alone or inside a larger transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; use one of {', '.join(ACTIONS)}")
    data: dict[str, Any] = {
        "at": now_iso(),
        "actor": actor or "unknown",
        "action": action,
        "kind": kind,
        "id": id,
        "on_behalf_of": on_behalf_of or None,
    }
    if detail:
        data["detail"] = dict(detail)
    return Op(KIND, new_audit_id(), data, None)


def record_access(
    store: GraphStore,
    actor: str,
    action: str,
    kind: str,
    id: str,
    on_behalf_of: str | None = None,
    *,
    detail: Mapping[str, Any] | None = None,
) -> str:
    """Write one audit entry (its own transaction); returns the entry's record id.

    ``detail`` may carry counts and ids, never the contents of a record.
    """
    op = audit_op(actor, action, kind, id, on_behalf_of, detail=detail)
    store.apply([op], actor=actor)
    return op.id


_recent: dict[tuple[str, str, str, str, str], float] = {}
_recent_lock = threading.Lock()
_RECENT_MAX = 10_000


def viewed(
    store: GraphStore,
    actor: str,
    kind: str,
    id: str,
    on_behalf_of: str | None = None,
    *,
    window: float = VIEW_COALESCE_SECONDS,
) -> bool:
    """Log that ``actor`` viewed the record ``kind``/``id`` (for profile and edit pages).

    Repeated views of the same record by the same actor (for the same
    organisation) within ``window`` seconds are logged once, so that reloading
    a page does not flood the log. Returns True when an entry was written.
    Errors of the store propagate: a page that cannot log its view should not
    show personal data silently.
    """
    key = (store.url, actor, kind, id, on_behalf_of or "")
    now = time.monotonic()
    with _recent_lock:
        last = _recent.get(key)
        if last is not None and now - last < window:
            return False
        if len(_recent) >= _RECENT_MAX:
            cutoff = now - window
            for k in [k for k, t in _recent.items() if t < cutoff]:
                del _recent[k]
            if len(_recent) >= _RECENT_MAX:
                _recent.clear()
        _recent[key] = now
    try:
        record_access(store, actor, "view", kind, id, on_behalf_of)
    except BaseException:
        with _recent_lock:
            _recent.pop(key, None)
        raise
    return True


def _entries(store: GraphStore) -> list[AuditEntry]:
    out = []
    for rec in store.list(KIND):
        d = rec.data
        out.append(
            AuditEntry(
                at=d.get("at", ""),
                actor=d.get("actor", ""),
                action=d.get("action", ""),
                kind=d.get("kind", ""),
                id=d.get("id", ""),
                on_behalf_of=d.get("on_behalf_of"),
                detail=d.get("detail"),
            )
        )
    return out


def audit_log(
    store: GraphStore,
    *,
    kind: str | None = None,
    id: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    include_changes: bool = True,
    kinds: Sequence[str] = AUDITED_KINDS,
) -> list[AuditEntry]:
    """The newest ``limit`` audit entries, merged with the change log of ``kinds``, newest first.

    ``kind``/``id``/``actor`` filter both sources. Change-log entries appear as
    action ``change`` with ``change`` set to create, update or delete.
    """
    entries = [
        e
        for e in _entries(store)
        if (kind is None or e.kind == kind) and (id is None or e.id == id) and (actor is None or e.actor == actor)
    ]
    if include_changes:
        for k in [kind] if kind else kinds:
            if k == KIND:
                continue
            for c in store.changes(limit=limit, kind=k, id=id):
                if actor is not None and c.actor != actor:
                    continue
                entries.append(
                    AuditEntry(
                        at=c.at,
                        actor=c.actor,
                        action="change",
                        kind=c.kind,
                        id=c.id,
                        source="changes",
                        change=c.action,
                    )
                )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[: max(0, int(limit))]


def purge_audit(store: GraphStore, before: str, *, dry_run: bool = False, actor: str = "retention") -> list[str]:
    """Delete audit entries older than ``before`` (ISO time) in one transaction; returns their record ids."""
    old = [rec for rec in store.list(KIND) if rec.data.get("at", "") < before]
    if old and not dry_run:
        store.apply([Op(KIND, rec.id, None, rec.version) for rec in old], actor=actor)
    return [rec.id for rec in old]
