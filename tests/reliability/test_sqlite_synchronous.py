"""The operator chooses SQLite's durability: ``?synchronous=normal|full|extra`` in the store URL (WAL always)."""

from __future__ import annotations

import pytest

from graph import StoreError
from graph.store import open_store

LEVELS = {"normal": 1, "full": 2, "extra": 3}


def _pragmas(store) -> tuple[int, str]:
    conn = store._conn
    return conn.execute("PRAGMA synchronous").fetchone()[0], conn.execute("PRAGMA journal_mode").fetchone()[0]


@pytest.mark.parametrize("level", ["", "normal", "full", "FULL", "extra"])
def test_synchronous_is_applied_to_every_connection(tmp_path, level):
    url = f"sqlite:///{tmp_path}/remo.db" + (f"?synchronous={level}" if level else "")
    store = open_store(url)
    try:
        store.init()
        store.create("organisation", "a", {"id": "a", "name": "A"})
        want = LEVELS[level.lower() or "normal"]
        assert _pragmas(store) == (want, "wal")
        store.release()  # the next connection is opened afresh in another thread too
        import threading

        seen = []
        t = threading.Thread(target=lambda: seen.append(_pragmas(store)))
        t.start()
        t.join()
        assert seen == [(want, "wal")]
        assert store.get("organisation", "a") is not None  # the query part is not in the file name
        assert (tmp_path / "remo.db").exists()
    finally:
        store.close()


def test_the_web_app_passes_the_setting_through(tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "REMO_STORE": f"sqlite:///{tmp_path}/a.db?synchronous=full"})
    try:
        store = app.extensions["remo_store"].store
        store.init()
        assert _pragmas(store)[0] == 2
    finally:
        app.extensions["remo_store"].close()


@pytest.mark.parametrize("query", ["synchronous=off", "synchronous=sometimes", "sync=full"])
def test_unsafe_or_unknown_settings_are_refused(tmp_path, query):
    with pytest.raises(StoreError, match="synchronous"):
        open_store(f"sqlite:///{tmp_path}/remo.db?{query}")
