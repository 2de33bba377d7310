"""Login sessions (Flask-Login) and the login throttle.

The throttle keeps its counters in the store (records of kind
``login_throttle``), so that it holds across several worker processes and
machines sharing one store. Keys are HMACs of the username and the client
address with the app's secret: no plain IP addresses are kept. An attempt is
counted whether it succeeds or not; when a key already has
``REMO_LOGIN_ATTEMPTS`` attempts within the last ``REMO_LOGIN_WINDOW``
seconds, the next one is refused with 429 and not counted.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from typing import Any

from flask import Flask, current_app, request
from flask_login import AnonymousUserMixin, LoginManager

from graph import ConflictError
from graph.store.base import ANY, Op

from .extensions import get_store
from .sessions import session_valid
from .users import User, get_user

__all__ = ["THROTTLE_KIND", "Anonymous", "client_address", "init_app", "login_manager", "throttle"]

THROTTLE_KIND = "login_throttle"
login_manager = LoginManager()


class Anonymous(AnonymousUserMixin):
    """The visitor without login: sees the public directory only."""

    role = "public"
    organisations: list[str] = []
    is_staff = False
    is_admin = False
    display_name = ""


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    username, _, session_id = user_id.partition("|")
    store = get_store()
    user = get_user(store, username)
    if user is None or not user.active or not session_valid(store, user.id, session_id):
        return None
    user.session_id = session_id
    return user


def client_address() -> str:
    return request.remote_addr or "unknown"


def _key(kind: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{kind}-{digest}"


def throttle(username: str, address: str | None = None, *, now: float | None = None) -> int:
    """Count one login attempt; returns 0 when allowed, else the seconds to wait (nothing counted)."""
    limit = int(current_app.config["REMO_LOGIN_ATTEMPTS"])
    window = float(current_app.config["REMO_LOGIN_WINDOW"])
    store = get_store()
    keys = [_key("user", username.strip().lower()), _key("ip", address or client_address())]
    for _attempt in range(8):
        now_ = time.time() if now is None else now
        ops: list[Op] = []
        wait = 0.0
        for key in keys:
            rec = store.get(THROTTLE_KIND, key)
            recent = [t for t in (rec.data.get("attempts", []) if rec else []) if now_ - t < window]
            if len(recent) >= limit:
                wait = max(wait, min(recent) + window - now_)
                continue
            ops.append(Op(THROTTLE_KIND, key, {"attempts": [*recent, now_]}, rec.version if rec else None))
        if wait > 0:
            return max(1, math.ceil(wait))
        try:
            store.apply(ops, actor="login")
        except ConflictError:  # another worker counted at the same moment: count again
            continue
        _sweep(store, now_, window)
        return 0
    return int(window)  # pragma: no cover - extreme contention: refuse rather than not count


def _sweep(store: Any, now: float, window: float) -> None:
    """Drop stale counters now and then, so that many usernames do not pile up."""
    if store.count(THROTTLE_KIND) < 500:
        return
    stale = [
        Op(THROTTLE_KIND, r.id, None, ANY)
        for r in store.list(THROTTLE_KIND)
        if not any(now - t < window for t in r.data.get("attempts", []))
    ]
    if stale:
        store.apply(stale, actor="login")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"
