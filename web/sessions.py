"""Server-side login sessions: a record per login, so that logging out really ends a session.

The session cookie is signed but kept by the browser; alone it would stay valid until it expires,
even after logout. So each login writes a record of kind ``login_session`` whose id is a hash of a
random session id; the cookie carries ``username|session id``. A request is logged in only while
that record exists, belongs to the user and has not expired. Logout deletes the record; a password
change and disabling the account delete every record of the user (in the same transaction as the
change, see `web.users.update_user`). Only hashes are kept, so a copy of the store (a backup)
opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from graph.store import GraphStore
from graph.store.base import ANY, Op

__all__ = [
    "SESSION_KIND",
    "end_session",
    "revoke_ops",
    "session_valid",
    "start_session",
]

SESSION_KIND = "login_session"
#: sweep expired session records once there are this many
_SWEEP_AT = 200


def _record_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()[:40]


def start_session(store: GraphStore, username: str, lifetime: float, *, now: float | None = None) -> str:
    """Write a new session record for ``username``; returns the session id for the cookie."""
    now_ = time.time() if now is None else now
    session_id = secrets.token_urlsafe(24)
    ops = [Op(SESSION_KIND, _record_id(session_id), {"user": username, "expires": now_ + lifetime}, None)]
    if store.count(SESSION_KIND) >= _SWEEP_AT:
        ops += [Op(SESSION_KIND, r.id, None, ANY) for r in store.list(SESSION_KIND) if r.data.get("expires", 0) <= now_]
    store.apply(ops, actor=f"login:{username}")
    return session_id


def session_valid(store: GraphStore, username: str, session_id: str, *, now: float | None = None) -> bool:
    """Whether ``session_id`` is a live session of ``username``."""
    if not session_id:
        return False
    rec = store.get(SESSION_KIND, _record_id(session_id))
    if rec is None or rec.data.get("user") != username:
        return False
    return (time.time() if now is None else now) < float(rec.data.get("expires", 0))


def end_session(store: GraphStore, session_id: str) -> None:
    """Delete the session record (logout); unknown ids are ignored."""
    if session_id:
        store.apply([Op(SESSION_KIND, _record_id(session_id), None, ANY)], actor="logout")


def revoke_ops(store: GraphStore, username: str, *, keep: str | None = None) -> list[Op]:
    """Deletions of every session of ``username`` (but ``keep``), to apply with the change that ends them."""
    kept = _record_id(keep) if keep else None
    return [
        Op(SESSION_KIND, r.id, None, ANY)
        for r in store.list(SESSION_KIND)
        if r.data.get("user") == username and r.id != kept
    ]
