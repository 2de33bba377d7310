"""Backups: consistent while writers run, restorable on every backend."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from graph import ValidationError
from graph.backup import backup, restore
from graph.io import import_document, network_document
from graph.store import Op, open_store


def test_backup_and_restore_round_trip(store, demo_doc, tmp_path):
    import_document(store, demo_doc)
    before = network_document(store.snapshot().network)
    info = backup(store, tmp_path / "remo.backup")
    assert info["records"] > 200
    store.delete("organisation", demo_doc["organisations"][0]["id"])
    store.create("organisation", "nach-dem-backup", {"id": "nach-dem-backup"})
    gen = store.generation()
    restore(store, tmp_path / "remo.backup")
    assert store.get("organisation", "nach-dem-backup") is None
    assert network_document(store.snapshot().network) == before
    assert store.generation() > gen


def test_restore_refuses_garbage_and_writes_nothing(store, tmp_path):
    store.create("organisation", "a", {"id": "a"})
    bad = tmp_path / "bad.backup"
    bad.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        restore(store, bad)
    assert "not a ReMo backup" in str(err.value)
    truncated = tmp_path / "t.backup"
    truncated.write_text('{"format": "remo-backup/1", "records": 5}\n{"kind": "x", "id": "y", "data": {}}\n')
    with pytest.raises(ValidationError, match="truncated"):
        restore(store, truncated)
    assert [r.id for r in store.list("organisation")] == ["a"]


def test_sqlite_backup_during_writes_is_consistent(tmp_path):
    """Writers add pairs of records in one transaction; every backup holds whole pairs only."""
    url = f"sqlite:///{tmp_path}/live.db"
    store = open_store(url)
    stop = threading.Event()
    written = []

    def writer():
        w = open_store(url)
        i = 0
        try:
            while not stop.is_set() and i < 5000:
                w.apply(
                    [
                        Op("organisation", f"a{i}", {"id": f"a{i}", "pad": "x" * 500}),
                        Op("organisation", f"b{i}", {"id": f"b{i}", "pad": "y" * 500}),
                    ]
                )
                i += 1
                written.append(i)
        finally:
            w.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        backups = []
        for n in range(5):
            while len(written) < (n + 1) * 40 and t.is_alive():
                time.sleep(0.001)
            path = tmp_path / f"b{n}.db"
            backup(store, path)
            backups.append(path)
    finally:
        stop.set()
        t.join()
    counts = []
    for path in backups:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {r[0] for r in conn.execute("SELECT id FROM records")}
        conn.close()
        a = {i[1:] for i in ids if i.startswith("a")}
        b = {i[1:] for i in ids if i.startswith("b")}
        assert a == b
        counts.append(len(a))
    assert counts == sorted(counts) and counts[-1] > 0
    fresh = open_store(f"sqlite:///{tmp_path}/fresh.db")
    try:
        restore(fresh, backups[-1])
        assert fresh.count("organisation") == 2 * counts[-1]
    finally:
        fresh.close()
        store.close()
