"""Backups of a whole store, and restoring them.

SQLite stores are backed up with SQLite's online backup API (consistent while
writers go on; never a file copy), giving a SQLite database file. Other stores
(Neo4j) are backed up as JSON lines: a header line ``{"format": "remo-backup/1"}``
then one record per line, read in one transaction. `restore` recognises both:
a SQLite backup restores into a SQLite store page by page; a JSON-lines backup
replaces every record of any store in one transaction.

Example
-------
>>> import tempfile, pathlib
>>> from graph.store import SQLiteStore
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> store = SQLiteStore(f"sqlite:///{tmp}/a.db"); store.init()
>>> _ = store.create("organisation", "a", {"id": "a"})
>>> backup(store, tmp / "a.backup")["format"]
'sqlite'
>>> store.delete("organisation", "a")
>>> restore(store, tmp / "a.backup")["records"]
1
>>> store.get("organisation", "a").data
{'id': 'a'}
>>> store.close()
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ._errors import Issue, StoreError, ValidationError
from .files import private_file
from .jsontext import loads as json_loads
from .store.base import GraphStore, Op

__all__ = ["BACKUP_FORMAT", "backup", "restore"]

BACKUP_FORMAT = "remo-backup/1"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def backup(store: GraphStore, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write a consistent backup of ``store`` to ``path``; returns ``{"format", "records"}``."""
    path = Path(path)
    with private_file(path) as tmp:  # mode 0600: a backup holds password hashes and personal data
        if store.native_backup:
            store.backup(tmp)
            fmt = "sqlite"
            import sqlite3

            conn = sqlite3.connect(tmp)
            try:
                count = conn.execute("SELECT count(*) FROM records").fetchone()[0]
                ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                conn.close()
            if ok != "ok":
                raise StoreError(f"the backup failed its integrity check: {ok}")
        else:
            from .migrate import read_records

            records = read_records(store)
            with tmp.open("w", encoding="utf-8") as fh:
                fh.write(json.dumps({"format": BACKUP_FORMAT, "records": len(records)}) + "\n")
                for r in records:
                    fh.write(json.dumps({"kind": r.kind, "id": r.id, "data": r.data}, ensure_ascii=False) + "\n")
            fmt = "jsonl"
            count = len(records)
    return {"format": fmt, "records": count, "file": str(path)}


def _read_jsonl(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    issues: list[Issue] = []
    out = []
    with path.open(encoding="utf-8") as fh:
        header = fh.readline()
        try:
            head = json_loads(header, where=path.name)
        except ValidationError:
            head = None
        if not isinstance(head, dict) or head.get("format") != BACKUP_FORMAT:
            raise ValidationError(
                Issue(
                    "file", path.name, f"not a ReMo backup (expected a SQLite file or {BACKUP_FORMAT})", where=path.name
                )
            )
        for n, line in enumerate(fh, start=2):
            if not line.strip():
                continue
            try:
                item = json_loads(line, where=f"{path.name} line {n}")
                out.append((item["kind"], item["id"], item["data"]))
            except ValidationError as exc:
                issues += exc.issues
            except (KeyError, TypeError):
                issues.append(Issue("line", n, "is not a backup record", where=f"{path.name} line {n}"))
        if head.get("records") is not None and head["records"] != len(out) and not issues:
            issues.append(
                Issue("records", len(out), f"the backup is truncated: header says {head['records']}", where=path.name)
            )
    if issues:
        raise ValidationError(issues)
    return out


def restore(store: GraphStore, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Replace the whole content of ``store`` with the backup at ``path`` (all or nothing)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(Issue("file", str(path), "does not exist", where=path.name, code="missing_file"))
    with path.open("rb") as fh:
        magic = fh.read(16)
    if magic == _SQLITE_MAGIC:
        if store.native_backup:
            store.restore_from(path)
            return {"format": "sqlite", "records": len(store.export_records())}
        # a SQLite backup into another backend: read it as a store and copy its records
        from .migrate import read_records
        from .store import SQLiteStore

        src = SQLiteStore(f"sqlite:///{path.resolve()}")
        try:
            items = [(r.kind, r.id, r.data) for r in read_records(src)]
        finally:
            src.close()
    else:
        items = _read_jsonl(path)
    from .migrate import read_records

    current = read_records(store)
    wanted = {(k, i) for k, i, _ in items}
    ops = [Op(r.kind, r.id, None, r.version) for r in current if (r.kind, r.id) not in wanted]
    versions = {(r.kind, r.id): r.version for r in current}
    ops += [Op(k, i, d, versions.get((k, i))) for k, i, d in items]
    store.apply(ops, actor="restore")
    return {"format": "jsonl" if magic != _SQLITE_MAGIC else "sqlite", "records": len(items)}
