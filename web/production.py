"""Production serving: gunicorn with several workers, structured (JSON) logs.

``remo serve --production`` runs the app factory once in gunicorn's master process and, with
``REMO_PRELOAD`` (on by default), builds the snapshot of the network, the matching weights and the
matching model there too (`preload`); the workers are forked from it and share that memory
(copy-on-write) instead of building one copy each. The master closes its store connections before
the fork, so every worker opens its own. Configuration comes only from the environment
(``REMO_*``) and ``instance/remo.cfg``.
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

__all__ = [
    "JsonFormatter",
    "configure_logging",
    "freeze_snapshots",
    "init_request_ids",
    "preload",
    "request_id",
    "run_gunicorn",
]

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
    seen: dict[str, Any] = app.extensions.setdefault("remo_frozen", {"snapshot": lambda: None})

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


def preload(app: Flask) -> dict[str, Any]:
    """Build what every worker needs before gunicorn forks them: snapshot, weights, matching model.

    The same calls the suggestion pages make (`web.weights.weights_in_use`,
    `matching.matching_model` with those weights), so a worker's first suggestion list finds the
    model in the memory it shares with the other workers. Everything alive is then frozen
    (`gc.freeze`: the collector of a worker never touches, and so never copies, those pages) and
    the store's connections are closed (`disconnect`): each worker opens its own. After a write a
    worker builds a new snapshot of its own, as without preloading. Returns what was built, for
    the log line.
    """
    from matching import matching_model

    from .extensions import get_store
    from .weights import weights_in_use

    started = time.perf_counter()
    with app.app_context():
        store = get_store()
        snap = store.snapshot()
        model = matching_model(snap, weights=weights_in_use(store))
        del model
        gc.collect()
        gc.freeze()
        frozen = app.extensions.get("remo_frozen")
        if frozen is not None:  # the worker's first response must not unfreeze what it shares
            frozen["snapshot"] = weakref.ref(snap)
        store.disconnect()
    return {
        "organisations": snap.n,
        "generation": snap.generation,
        "seconds": round(time.perf_counter() - started, 2),
        "pid": os.getpid(),
    }


def run_gunicorn(host: str, port: int, workers: int, *, timeout: int = 60, preload_model: bool = True) -> None:
    """Serve ``web.create_app()`` with gunicorn (blocks until stopped).

    With ``preload_model`` the app is created, and the model built (`preload`), in the master process.
    """
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("timeout", timeout)
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("preload_app", preload_model)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("proc_name", "remo")

        def load(self) -> Any:
            from . import create_app

            app = create_app()
            if preload_model:
                built = preload(app)
                logging.getLogger("remo").info("preloaded the matching model before the fork", extra=built)
            return app

    _App().run()
