"""A modest rate limit for requests without a token (per client address, per process).

Token holders are not limited. Requests without a token may make ``REMO_API_ANON_LIMIT``
requests per ``REMO_API_ANON_WINDOW`` seconds from one address (defaults 300 per 60 s); more
are answered with 429 and a ``Retry-After`` header. The counters live in memory of each worker
process (no store write per public read), keyed by an HMAC of the address, so several workers
allow a little more in total; the login throttle (`web.auth.throttle`) is the strict one.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time

from flask import current_app

__all__ = ["AnonymousLimiter"]


class AnonymousLimiter:
    """Fixed-window counters; ``hit`` returns 0 when allowed, else the seconds to wait."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self.max_keys = max_keys

    def hit(self, address: str, *, now: float | None = None) -> int:
        limit = int(current_app.config.get("REMO_API_ANON_LIMIT", 300))
        window = float(current_app.config.get("REMO_API_ANON_WINDOW", 60))
        if limit <= 0:
            return 0
        secret = str(current_app.config["SECRET_KEY"]).encode()
        key = hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:24]
        now = time.monotonic() if now is None else now
        with self._lock:
            start, count = self._counts.get(key, (now, 0))
            if now - start >= window:
                start, count = now, 0
            if count >= limit:
                return max(1, math.ceil(start + window - now))
            if len(self._counts) >= self.max_keys:
                self._counts = {k: v for k, v in self._counts.items() if now - v[0] < window}
            self._counts[key] = (start, count + 1)
        return 0
