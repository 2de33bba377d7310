"""Backups, exports and the SQLite database hold personal data: mode 0600 (folders 0700), written atomically."""

from __future__ import annotations

import os
import stat

import pytest

from graph.files import private_file
from graph.store import open_store


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask():
    """The usual umask 022 (files 0644 unless the code asks for less)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def seeded(store_url, tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": store_url})
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["remo_store"].close()


def test_backup_files_are_private(seeded, tmp_path):
    runner = seeded.test_cli_runner()
    one = runner.invoke(args=["backup", "-o", str(tmp_path / "one.backup")])
    assert one.exit_code == 0, one.output
    assert _mode(tmp_path / "one.backup") == 0o600
    folder = tmp_path / "nightly"
    rotated = runner.invoke(args=["backup", "--dir", str(folder), "--keep", "2"])
    assert rotated.exit_code == 0, rotated.output
    (written,) = list(folder.iterdir())
    assert _mode(written) == 0o600 and _mode(folder) == 0o700
    assert not list(tmp_path.glob("*.part")) and not list(folder.glob("*.part"))


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "graphml", "gexf"])
def test_exports_are_private(web_app, tmp_path, fmt):
    target = tmp_path / f"network.{fmt}"
    result = web_app.test_cli_runner().invoke(args=["export", "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    files = [p for p in tmp_path.iterdir() if p.name.startswith("network")]
    assert target in files and all(_mode(p) == 0o600 for p in files), [(p.name, oct(_mode(p))) for p in files]
    if fmt == "csv":
        assert len(files) == 3  # organisations, cooperations, persons
    assert not list(tmp_path.glob("*.part"))


def test_person_export_is_private(web_app, tmp_path):
    for fmt in ("json", "csv"):
        target = tmp_path / f"p.{fmt}"
        args = ["person", "export", "p-001", "--format", fmt, "-o", str(target)]
        result = web_app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        assert _mode(target) == 0o600


def test_sqlite_database_and_its_folder_are_private(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/state/remo.db")
    try:
        store.init()
        store.create("organisation", "a", {"id": "a", "name": "A"})
        db = tmp_path / "state" / "remo.db"
        assert _mode(db) == 0o600 and _mode(db.parent) == 0o700
        for side in ("remo.db-wal", "remo.db-shm"):
            if (db.parent / side).exists():
                assert _mode(db.parent / side) == 0o600, side
    finally:
        store.close()


def test_an_existing_folder_keeps_its_mode(tmp_path):
    os.chmod(tmp_path, 0o750)
    store = open_store(f"sqlite:///{tmp_path}/remo.db")
    try:
        store.init()
    finally:
        store.close()
    assert _mode(tmp_path) == 0o750 and _mode(tmp_path / "remo.db") == 0o600


def test_private_file_leaves_the_target_alone_on_error(tmp_path):
    target = tmp_path / "keep.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), private_file(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old" and not list(tmp_path.glob("*.part"))
