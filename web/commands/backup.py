"""``remo backup`` and ``remo restore``: whole-store backups (see `graph.backup` and docs/deployment.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from graph.backup import backup, restore
from graph.files import make_private_dir
from graph.store import redact_url

from ..extensions import get_store
from . import store_app
from .data import fail_cleanly

__all__ = ["COMMANDS"]

_PATTERN = "remo-backup-*"


@store_app
@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The backup file.")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write remo-backup-<UTC time>.db (SQLite) or .jsonl (other stores) into this folder instead.",
)
@click.option("--keep", type=click.IntRange(1, 10_000), default=None, help="With --dir: keep only the newest N.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
@fail_cleanly
def backup_cmd(output: Path | None, folder: Path | None, keep: int | None, as_json: bool) -> None:
    """Write a consistent backup of the whole store (safe while the server runs).

    SQLite: a SQLite database file (online backup API, integrity-checked). Neo4j: JSON lines,
    read in one transaction. Restore with 'remo restore FILE'.
    """
    if (output is None) == (folder is None):
        raise click.UsageError("give either -o FILE or --dir FOLDER")
    if keep is not None and folder is None:
        raise click.UsageError("--keep needs --dir")
    store = get_store()
    if folder is not None:
        make_private_dir(folder)  # backups hold password hashes and personal data
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        ext = ".db" if store.native_backup else ".jsonl"
        output = folder / f"remo-backup-{stamp}{ext}"
    assert output is not None
    result = backup(store, output)
    removed: list[str] = []
    if folder is not None and keep is not None:
        old = sorted(p for p in folder.glob(_PATTERN) if not p.name.endswith(".part"))
        for path in old[:-keep]:
            path.unlink()
            removed.append(path.name)
    if as_json:
        click.echo(json.dumps({**result, "removed": removed}, ensure_ascii=False))
        return
    click.echo(
        f"Backup of {redact_url(store.url)}: {result['records']} records ({result['format']}) in {result['file']}"
    )
    for name in removed:
        click.echo(f"Removed old backup {name}")


@store_app
@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask; replace the store's content.")
@with_appcontext
@fail_cleanly
def restore_cmd(file: Path, yes: bool) -> None:
    """Replace the WHOLE content of the store with the backup FILE (all or nothing).

    Works on a fresh store too (restoring on a new machine). Running servers see the restored
    data at their next request.
    """
    store = get_store()
    if not yes:
        click.confirm(f"Replace everything in {redact_url(store.url)} with {file.name}?", abort=True)
    store.init()
    result = restore(store, file)
    click.echo(f"Restored {result['records']} records ({result['format']}) into {redact_url(store.url)}.")


COMMANDS = [backup_cmd, restore_cmd]
