"""The store as a Flask extension: one store per app, opened lazily, closed on teardown of the app."""

from __future__ import annotations

import atexit
import threading

from flask import Flask, current_app

from graph import GraphStore, open_store

__all__ = ["StoreExtension", "get_store"]


class StoreExtension:
    """Opens the store named by ``REMO_STORE`` on first use and keeps it for the app's life."""

    def __init__(self, app: Flask | None = None):
        self._store: GraphStore | None = None
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.extensions["remo_store"] = self
        self.url = app.config["REMO_STORE"]
        atexit.register(self.close)
        app.teardown_appcontext(self.release)

    def release(self, exc: BaseException | None = None) -> None:
        """After each request (app context): hand the thread's store connection back."""
        store = self._store
        if store is not None:
            store.release()

    @property
    def store(self) -> GraphStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(self.url)
        return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def get_store() -> GraphStore:
    """The store of the current Flask app."""
    return current_app.extensions["remo_store"].store
