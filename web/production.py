"""Production serving: gunicorn with several workers, structured (JSON) logs.

``remo serve --production`` runs the app factory in each gunicorn worker (no
preloading: every worker opens its own store connections). Configuration comes
only from the environment (``REMO_*``) and ``instance/remo.cfg``.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import sys
import time
import uuid
import weakref
from typing import Any

from flask import Flask, g, request

__all__ = ["JsonFormatter", "configure_logging", "freeze_snapshots", "init_request_ids", "request_id", "run_gunicorn"]

#: what a client's (or the proxy's) ``X-Request-ID`` may look like to be echoed and logged: nginx's
#: ``$request_id`` (32 hex digits), UUIDs and similar tokens. Anything else (too long, spaces, quotes,
#: control characters that could forge log lines) is replaced by a generated id.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id() -> str:
    """The current request's id: the client's ``X-Request-ID`` when it is well-formed, else a new one."""
    rid = g.get("request_id")
    if rid is None:
        given = request.headers.get("X-Request-ID", "")
        rid = given if REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex
        g.request_id = rid
    return rid


def init_request_ids(app: Flask) -> None:
    """Give every request an id (validated ``X-Request-ID`` or a new one) and return it in the response."""

    @app.after_request
    def _echo(response: Any) -> Any:
        response.headers["X-Request-ID"] = request_id()
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    _skip = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._skip and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def freeze_snapshots(app: Flask) -> None:
    """Keep each worker's snapshot out of Python's cyclic garbage collector (``REMO_GC_FREEZE``).

    A snapshot holds hundreds of thousands of long-lived objects; every full collection would walk
    them all again, which shows as slow requests. After a response that saw a new snapshot (the
    first, or one rebuilt after a write), the worker collects once and moves everything alive into
    the permanent generation (`gc.freeze`), after unfreezing the previous one so that the old
    snapshot can be freed. This runs when the response has been sent. On by default in production.
    """
    seen: dict[str, Any] = {"snapshot": lambda: None}

    @app.after_request
    def _maybe_freeze(response: Any) -> Any:
        from .extensions import get_store

        snap = get_store().cached_snapshot()
        if snap is None or seen["snapshot"]() is snap:
            return response
        seen["snapshot"] = weakref.ref(snap)

        def freeze() -> None:
            gc.unfreeze()
            gc.collect()
            gc.freeze()

        response.call_on_close(freeze)
        return response


def configure_logging(app: Flask) -> None:
    """JSON logs to stderr (``REMO_LOG_FORMAT=json``, default in production) and a request log line."""
    fmt = app.config.get("REMO_LOG_FORMAT") or ("json" if app.config.get("REMO_ENV") == "production" else "text")
    if fmt != "json" or app.testing:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("REMO_LOG_LEVEL", "INFO"))
    app.logger.handlers[:] = []
    app.logger.propagate = True
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    access = logging.getLogger("remo.access")

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def _log(response: Any) -> Any:
        started = g.get("request_started")
        access.info(
            "request",
            extra={
                "request_id": request_id(),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "pid": os.getpid(),
            },
        )
        return response


def run_gunicorn(host: str, port: int, workers: int, *, timeout: int = 60) -> None:
    """Serve ``web.create_app()`` with gunicorn (blocks until stopped)."""
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("timeout", timeout)
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("preload_app", False)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("proc_name", "remo")

        def load(self) -> Any:
            from . import create_app

            return create_app()

    _App().run()
