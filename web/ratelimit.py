"""Rate limits for the expensive public renderings (Flask-Limiter), shared by all gunicorn workers.

Anonymous clients may make ``REMO_RATELIMIT_RENDERS`` (default ``30 per minute``) renderings per
address: only requests that actually render count (a rendering already in `web.render_cache` costs
nothing and is not counted), but once the budget is spent every request to those routes answers
429 with ``Retry-After`` until the window ends. Logged-in users are not limited.

The counters live in ``REMO_RATELIMIT_STORAGE``: by default a small SQLite file in the instance
folder (``sqlite:///…``, the scheme this module adds to the ``limits`` library), which every worker
on the machine shares; or ``redis://…``, ``memcached://…`` (a server, for several machines), or
``memory://`` (per worker process: with N workers a client gets N times the budget).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits.storage import Storage

from graph.files import PRIVATE_FILE_MODE, make_private_dir

__all__ = ["SQLiteLimitStorage", "expensive", "init_app", "render_limit", "retry_after"]

DEFAULT_RENDERS = "30 per minute"
F = TypeVar("F", bound=Callable[..., Any])


class SQLiteLimitStorage(Storage):
    """Fixed-window counters in one SQLite file, so that all processes on the machine share them.

    ``sqlite:////var/lib/remo/ratelimit.db`` (absolute) or ``sqlite:///relative.db``.
    """

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = unquote(urlsplit(uri or "").path)
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ValueError("sqlite rate-limit storage needs a file: sqlite:////path/to/ratelimit.db")
        self.path = Path(path)
        self._local = threading.local()
        self._ready = False

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            make_private_dir(self.path.parent)
            if not self.path.exists():
                try:
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
                except FileExistsError:
                    pass
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = OFF")  # counters: losing them in a power cut is harmless
            if not self._ready:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS counters"
                    " (key TEXT PRIMARY KEY, n INTEGER NOT NULL, expires REAL NOT NULL)"
                )
                self._ready = True
            self._local.conn = conn
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            conn.execute(
                "INSERT INTO counters (key, n, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET n = n + ?",
                (key, amount, now + expiry, amount),
            )
            n = conn.execute("SELECT n FROM counters WHERE key = ?", (key,)).fetchone()[0]
            if int(now) % 64 == 0:  # now and then: forget expired windows of other clients
                conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return int(n)

    def get(self, key: str) -> int:
        row = (
            self._conn().execute("SELECT n FROM counters WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._conn()
            .execute("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        cur = self._conn().execute("DELETE FROM counters")
        return cur.rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counters WHERE key = ?", (key,))


def render_limit() -> str:
    return str(current_app.config.get("REMO_RATELIMIT_RENDERS") or DEFAULT_RENDERS)


def _logged_in() -> bool:
    return bool(getattr(current_user, "is_authenticated", False))


def _rendered(response: Any) -> bool:
    return bool(g.get("remo_rendered", False))


def expensive(fn: F) -> F:
    """Mark a public view that renders something expensive; `init_app` puts the render limit on it."""
    fn._remo_expensive = True  # type: ignore[attr-defined]
    return fn


def retry_after() -> int:
    """Seconds until the breached limit's window ends (at least 1)."""
    limiter = current_app.extensions.get("remo_limiter")
    current = limiter.current_limit if limiter is not None else None
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def init_app(app: Flask) -> None:
    """One limiter per app, on every view marked `expensive` (call after the blueprints are registered)."""
    storage = app.config.get("REMO_RATELIMIT_STORAGE") or (
        "memory://" if app.testing else "sqlite:///" + os.path.join(app.instance_path, "ratelimit.db")
    )
    enabled = app.config.get("REMO_RATELIMIT_ENABLED")
    app.config["RATELIMIT_ENABLED"] = True if enabled is None else bool(enabled)
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=storage,
        strategy="fixed-window",
        headers_enabled=False,
        key_prefix="remo",
        # a broken counter store (full disk, Redis down) must not take the pages down: log, count in memory
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    app.extensions["remo_limiter"] = limiter
    limit = limiter.limit(render_limit, exempt_when=_logged_in, deduct_when=_rendered)
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, "_remo_expensive", False):
            app.view_functions[endpoint] = limit(view)
