"""Login sessions (Flask-Login) and the login throttle.

The throttle keeps its counters in the store (records of kind
``login_throttle``), so that it holds across several worker processes and
machines sharing one store. Keys are HMACs of the username and the client
address with the app's secret: no plain IP addresses are kept. Only failed
logins count (a venue's Wi-Fi where ten representatives log in at once is fine),
per account, per account and address, and per address (`login_wait`,
`login_failed`); within ``REMO_LOGIN_WINDOW`` seconds an address may fail
``REMO_LOGIN_ADDRESS_ATTEMPTS`` times and an account ``REMO_LOGIN_ATTEMPTS``
times from one address. Then the next attempt is refused with 429 and not
counted. Failures from one address never lock the account for the others.
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
from graph.store import GraphStore
from graph.store.base import ANY, Op

from .extensions import get_store
from .sessions import session_valid
from .users import User, get_user

__all__ = [
    "THROTTLE_KIND",
    "Anonymous",
    "client_address",
    "init_app",
    "login_failed",
    "login_manager",
    "login_wait",
]

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


def _counter_keys(username: str, address: str) -> dict[str, str]:
    user = username.strip().lower()
    return {
        "pair": _key("pair", f"{user}|{address}"),  # this account from this address
        "user": _key("user", user),  # this account from anywhere
        "ip": _key("ip", address),  # this address, any account
    }


def _recent(rec: Any, now: float, window: float) -> list[float]:
    return sorted(t for t in (rec.data.get("attempts", []) if rec else []) if now - t < window)


def _wait(recent: list[float], limit: int, now: float, window: float) -> float:
    """Seconds until fewer than ``limit`` of ``recent`` are inside the window (0: below the limit now)."""
    if len(recent) < limit:
        return 0.0
    return recent[len(recent) - limit] + window - now


def login_wait(username: str, address: str | None = None, *, now: float | None = None) -> int:
    """0 when a login attempt for ``username`` from ``address`` may be checked, else the seconds to wait.

    Refused: an address with ``REMO_LOGIN_ADDRESS_ATTEMPTS`` recent failures (for any accounts); an account
    with ``REMO_LOGIN_ATTEMPTS`` recent failures from this address; and, while an account has that many
    failures from anywhere, every address that has failed on it too. An address with a clean record for the
    account still gets its password checked, so that a brute force from one address does not lock the
    account for everybody.
    """
    limit = int(current_app.config["REMO_LOGIN_ATTEMPTS"])
    address_limit = int(current_app.config["REMO_LOGIN_ADDRESS_ATTEMPTS"])
    window = float(current_app.config["REMO_LOGIN_WINDOW"])
    now_ = time.time() if now is None else now
    store = get_store()
    keys = _counter_keys(username, address or client_address())
    recent = {name: _recent(store.get(THROTTLE_KIND, key), now_, window) for name, key in keys.items()}
    waits = [_wait(recent["ip"], address_limit, now_, window), _wait(recent["pair"], limit, now_, window)]
    if recent["pair"] and len(recent["user"]) >= limit:
        # refused while both hold: the account is under attack and this address took part
        waits.append(min(_wait(recent["user"], limit, now_, window), recent["pair"][-1] + window - now_))
    wait = max(waits)
    return max(1, math.ceil(wait)) if wait > 0 else 0


def login_failed(username: str, address: str | None = None, *, now: float | None = None) -> None:
    """Count one failed login of ``username`` from ``address`` (successful logins are never counted)."""
    window = float(current_app.config["REMO_LOGIN_WINDOW"])
    store = get_store()
    keys = list(_counter_keys(username, address or client_address()).values())
    for _attempt in range(8):
        now_ = time.time() if now is None else now
        ops = []
        for key in keys:
            rec = store.get(THROTTLE_KIND, key)
            ops.append(
                Op(THROTTLE_KIND, key, {"attempts": [*_recent(rec, now_, window), now_]}, rec.version if rec else None)
            )
        try:
            store.apply(ops, actor="login")
        except ConflictError:  # another worker counted at the same moment: count again
            continue
        _sweep(store, now_, window)
        return


def _sweep(store: GraphStore, now: float, window: float) -> None:
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
