"""Faults with real processes and real file systems: the store is never half-written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import StoreError
from graph.generate import write_generated
from graph.io import import_document
from graph.store import open_store


def _cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "web.cli", *args],
        env={**os.environ, "PYTHONPATH": os.getcwd(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _counts(db: Path) -> tuple[int, int, str]:
    conn = sqlite3.connect(db)
    try:
        orgs = conn.execute("SELECT count(*) FROM records WHERE kind = 'organisation'").fetchone()[0]
        coops = conn.execute("SELECT count(*) FROM records WHERE kind = 'cooperation'").fetchone()[0]
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return orgs, coops, ok


@pytest.mark.slow
def test_kill_9_during_a_100k_import_leaves_the_store_before_or_after(tmp_path, demo_doc):
    big = tmp_path / "big.json"
    counts = write_generated(big, 100_000, seed=3)
    db = tmp_path / "remo.db"
    url = f"sqlite:///{db}"
    store = open_store(url)
    import_document(store, demo_doc)
    store.close()
    before = _counts(db)
    proc = _cli("--store", url, "import", str(big))
    wal = Path(str(db) + "-wal")
    deadline = time.monotonic() + 240
    # wait until the write transaction is well under way (the WAL grows), then kill -9
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 20 * 2**20:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed: " + proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    orgs, coops, ok = _counts(db)
    assert ok == "ok"
    assert (orgs, coops) in {
        before[:2],
        (before[0] + counts["organisations"], before[1] + counts["cooperations"]),
    }
    assert (orgs, coops) == before[:2]  # killed inside the transaction: exactly as before
    # and the store works on
    store = open_store(url)
    try:
        assert store.count("organisation") == before[0]
        store.create("organisation", "nach-dem-absturz", {"id": "nach-dem-absturz"})
    finally:
        store.close()


@pytest.fixture
def small_fs(tmp_path):
    """A tiny tmpfs of our own (root only); skipped with a reason where mounting is not allowed."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here ({done.stderr.decode().strip()}); needs root")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_full_disk_gives_a_clear_error_and_no_corruption(small_fs, demo_doc):
    url = f"sqlite:///{small_fs}/remo.db"
    store = open_store(url)
    try:
        import_document(store, demo_doc)
        gen, n = store.generation(), store.count("organisation")
        filler = small_fs / "filler"
        with filler.open("wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        big = {
            "organisations": [
                {"id": f"voll-{i}", "name": f"Verein {i}", "kind": "other", "description": "x" * 2000}
                for i in range(500)
            ]
        }
        with pytest.raises(StoreError) as err:
            import_document(store, big)
        assert "disk is full; nothing was written" in str(err.value)
        assert store.count("organisation") == n and store.generation() == gen
        filler.unlink()
        import_document(store, {"organisations": big["organisations"][:5]})
        assert store.count("organisation") == n + 5
    finally:
        store.close()
    assert _counts(small_fs / "remo.db")[2] == "ok"


def test_read_only_database_gives_a_clear_error_and_no_corruption(small_fs, demo_doc):
    url = f"sqlite:///{small_fs}/remo.db"
    store = open_store(url)
    import_document(store, demo_doc)
    n = store.count("organisation")
    store.close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        proc = _cli("--store", url, "import", "seeds/demo.json")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1
        assert "read-only" in err or "cannot open the store" in err, err
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    orgs, _, ok = _counts(small_fs / "remo.db")
    assert ok == "ok" and orgs == n
