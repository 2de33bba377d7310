"""Restoring on a fresh machine: a backup of the demo store, restored by the CLI (in a subprocess, from a fresh
folder with a fresh ``instance`` folder and no ``REMO_*`` settings) into a new store, serves the same network.

Both backup formats are covered: the SQLite file (SQLite stores) and JSON lines (what a Neo4j store writes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.backup import backup
from graph.store import open_store
from web import create_app

from .conftest import ORG, PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def cli(args: list[str], cwd: Path, *, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMO_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def all_organisations(client) -> list[dict]:
    out, page = [], 1
    while True:
        doc = client.get(f"/api/v1/organisations?per_page=100&page={page}").get_json()
        out += doc["items"]
        if page >= doc["pages"]:
            return out
        page += 1


def served(url: str) -> dict:
    """What a server on ``url`` shows: the API list, one profile, the directory count, a login."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": url, "WTF_CSRF_ENABLED": False})
    try:
        client = app.test_client()
        profile = client.get(f"/org/{ORG}")
        login = client.post("/login", data={"username": "stefan", "password": PASSWORD})
        return {
            "organisations": all_organisations(client),
            "profile": (profile.status_code, ORG in profile.get_data(as_text=True)),
            "login": login.status_code,
            "healthz": client.get("/healthz").status_code,
        }
    finally:
        app.extensions["remo_store"].close()


def records(url: str) -> list[tuple[str, str, str]]:
    store = open_store(url)
    try:
        return [(r.kind, r.id, json.dumps(r.data, sort_keys=True)) for r in store.export_records()]
    finally:
        store.close()


class _WithoutFileBackup:
    """A store seen without its file backup, so that `graph.backup.backup` writes JSON lines (as for Neo4j)."""

    native_backup = False

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        if name in ("backup", "restore_from"):
            raise AttributeError(name)
        return getattr(self._store, name)


@pytest.mark.parametrize("fmt", ["sqlite", "jsonl"])
def test_backup_restored_into_a_fresh_store_serves_the_same_network(template_db, tmp_path, fmt):
    # the running installation: the demo network with its users
    old = tmp_path / "old"
    old.mkdir()
    old_url = f"sqlite:///{old / 'remo.db'}"
    src = open_store(f"sqlite:///{template_db}")
    try:
        src.backup(old / "remo.db")  # type: ignore[attr-defined]
    finally:
        src.close()

    if fmt == "sqlite":
        cli(["--store", old_url, "backup", "-o", str(old / "remo.backup")], cwd=old)
        file = old / "remo.backup"
    else:
        store = open_store(old_url)
        try:
            assert backup(_WithoutFileBackup(store), old / "remo.jsonl")["format"] == "jsonl"
        finally:
            store.close()
        file = old / "remo.jsonl"
    # the backup travels; the old machine is gone
    moved = tmp_path / "transfer" / file.name
    moved.parent.mkdir()
    file.rename(moved)

    # a fresh machine: an empty folder with an empty instance folder, no REMO_* settings
    fresh = tmp_path / "fresh"
    (fresh / "instance").mkdir(parents=True)
    new_url = f"sqlite:///{fresh / 'instance' / 'remo.db'}"
    cli(["--store", new_url, "init"], cwd=fresh)
    done = cli(["--store", new_url, "restore", "--yes", str(moved)], cwd=fresh)
    assert "Restored" in done.stdout

    assert records(new_url) == records(old_url)
    before, after = served(old_url), served(new_url)
    assert after == before
    assert len(after["organisations"]) > 10 and after["profile"] == (200, True)
    assert after["login"] == 302 and after["healthz"] == 200
    # the JSON export of both stores is the same document
    cli(["--store", old_url, "export", "-o", str(tmp_path / "old.json")], cwd=old)
    cli(["--store", new_url, "export", "-o", str(tmp_path / "new.json")], cwd=fresh)
    assert (tmp_path / "old.json").read_text() == (tmp_path / "new.json").read_text()


def test_backup_folder_keeps_the_newest(template_db, tmp_path):
    url = f"sqlite:///{tmp_path / 'remo.db'}"
    src = open_store(f"sqlite:///{template_db}")
    try:
        src.backup(tmp_path / "remo.db")  # type: ignore[attr-defined]
    finally:
        src.close()
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20250101T000000Z", "20250102T000000Z", "20250103T000000Z"):
        (folder / f"remo-backup-{stamp}.db").write_bytes(b"old")
    done = cli(["--store", url, "backup", "--dir", str(folder), "--keep", "2", "--json"], cwd=tmp_path)
    result = json.loads(done.stdout)
    assert result["format"] == "sqlite" and result["records"] > 10
    assert sorted(result["removed"]) == [f"remo-backup-2025010{d}T000000Z.db" for d in (1, 2)]
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == ["remo-backup-20250103T000000Z.db", Path(result["file"]).name]


def test_restore_refuses_what_is_no_backup(tmp_path):
    (tmp_path / "nonsense.txt").write_text("hello\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMO_")}
    env["PYTHONPATH"] = str(ROOT)
    url = f"sqlite:///{tmp_path / 'remo.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", "--store", url, "restore", "--yes", str(tmp_path / "nonsense.txt")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "not a ReMo backup" in done.stderr
