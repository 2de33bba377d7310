"""Data commands: init, seed, import, export, orgs, stats, generate, serve, demo."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from graph import ReMoError, ValidationError
from graph.io import EXPORT_FORMATS, MAX_FILE_BYTES, export_network, import_network, load_file, store_vocabulary
from graph.store import GraphStore, redact_url
from graph.vocabulary import seeds_dir

from ..extensions import get_store
from . import store_app

__all__ = ["COMMANDS", "fail_cleanly", "progress_bar"]


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn ReMo errors into a clear message on stderr and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            n = len(exc.issues)
            _echo_err(f"Error: {n} problem{'s' if n != 1 else ''} found; nothing was written.")
            for issue in exc.issues:
                _echo_err(f"  {issue}")
            sys.exit(1)
        except ReMoError as exc:
            _echo_err(f"Error: {exc}")
            sys.exit(1)

    return wrapper


@contextlib.contextmanager
def progress_bar(length: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """A click progress bar on stderr (silent when stderr is no terminal)."""
    if not sys.stderr.isatty() or not length:
        yield lambda n: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


@store_app
@click.command("init")
@with_appcontext
@fail_cleanly
def init_cmd() -> None:
    """Create the store's schema (idempotent)."""
    store = get_store()
    store.init()
    click.echo(f"Store ready: {redact_url(store.url)}")


def _seed_demo(store: GraphStore) -> Any:
    network = load_file(seeds_dir() / "demo.json", store)
    return import_network(store, network, actor="seed")


@store_app
@click.command("seed")
@click.option("--demo", is_flag=True, required=True, help="Load the fictional Remscheid demo network.")
@with_appcontext
@fail_cleanly
def seed_cmd(demo: bool) -> None:
    """Load the demo network (idempotent: running it twice changes nothing)."""
    report = _seed_demo(get_store())
    click.echo(
        f"Demo network: {report.created} created, {report.updated} updated, {report.unchanged} unchanged "
        f"({report.counts.get('organisations', 0)} organisations, {report.counts.get('cooperations', 0)} cooperations)."
    )


@store_app
@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report (or the problems) as JSON.")
@click.option(
    "--max-size",
    "max_mib",
    type=click.IntRange(min=1),
    default=MAX_FILE_BYTES // 2**20,
    show_default=True,
    help="Refuse files larger than this many MiB (a remo/1 file of 1,000,000 organisations is about 600 MiB).",
)
@with_appcontext
def import_cmd(file: Path, dry_run: bool, as_json: bool, max_mib: int) -> None:
    """Import FILE (.json in the remo/1 format, .csv or .xlsx): all or nothing.

    Every problem is listed with file, row (the header is row 1), column,
    value and reason; then nothing is written and the exit code is 1.
    """
    from graph._gc import paused_gc

    store = get_store()
    try:
        with paused_gc():  # parsed records are acyclic: collections would only walk them again and again
            network = load_file(file, store, max_bytes=max_mib * 2**20)
            total = sum(1 for _ in network.records())
            with progress_bar(total, "Importing") as update:
                report = import_network(store, network, dry_run=dry_run, actor="import", progress=update)
    except ValidationError as exc:
        if as_json:
            click.echo(
                json.dumps({"ok": False, "errors": [i.to_dict() for i in exc.issues]}, ensure_ascii=False, indent=1)
            )
        else:
            n = len(exc.issues)
            _echo_err(f"{file.name}: {n} problem{'s' if n != 1 else ''} found; nothing was imported.")
            for issue in exc.issues:
                _echo_err(f"  {issue}")
        sys.exit(1)
    except ReMoError as exc:
        _echo_err(f"Error: {exc}")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps({"ok": True, **report.to_dict()}, ensure_ascii=False, indent=1))
        return
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items() if v)
    verb = "would be" if dry_run else "were"
    click.echo(f"{file.name}: valid ({counts}).")
    click.echo(f"{report.created} records {verb} created, {report.updated} updated, {report.unchanged} unchanged.")
    if dry_run:
        click.echo("Dry run: nothing was written.")


@store_app
@click.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Target file.")
@click.option("--public", is_flag=True, help="Only public fields and persons with recorded consent.")
@with_appcontext
@fail_cleanly
def export_cmd(fmt: str, output: Path, public: bool) -> None:
    """Export the whole network (json, csv, xlsx, graphml or gexf; GraphML/GEXF open in Gephi)."""
    network = get_store().snapshot().network
    files = export_network(network, fmt, output, public_only=public)
    for f in files:
        click.echo(f"Wrote {f}")


@click.group("orgs")
def orgs_group() -> None:
    """List and show organisations."""


@store_app
@orgs_group.command("list")
@click.option("--kind", help="Only this kind (id or label).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@with_appcontext
@fail_cleanly
def orgs_list(kind: str | None, as_json: bool) -> None:
    """List organisations (id, kind, name)."""
    store = get_store()
    vocab = store_vocabulary(store)
    if kind:
        kind = vocab.resolve("org_kinds", kind, field="--kind")
    for rec in store.list("organisation"):
        data = rec.data
        if kind and data["kind"] != kind:
            continue
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            click.echo(f"{rec.id:40} {vocab.label('org_kinds', data['kind']):28} {data['name']}")


@store_app
@orgs_group.command("show")
@click.argument("org_id")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", default="de", show_default=True, help="Language of labels.")
@with_appcontext
def orgs_show(org_id: str, as_json: bool, lang: str) -> None:
    """Show one organisation."""
    store = get_store()
    rec = store.get("organisation", org_id)
    if rec is None:
        _echo_err(f"Error: unknown organisation {org_id!r}")
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({**rec.data, "version": rec.version}, ensure_ascii=False, indent=1))
        return
    vocab = store_vocabulary(store)
    d = rec.data

    def labels(cat: str, ids: list[str]) -> str:
        return ", ".join(vocab.label(cat, x, lang) for x in ids) or "–"

    click.echo(f"{d['name']}  ({rec.id}, version {rec.version})")
    click.echo(f"  {vocab.label('org_kinds', d['kind'], lang)}")
    if d.get("description"):
        click.echo(f"  {d['description']}")
    click.echo(f"  topics:    {labels('topics', d['topics'])}")
    click.echo(
        "  offers:    "
        + (
            ", ".join(
                vocab.label("capabilities", o["capability"], lang) + (f" ({o['detail']})" if o["detail"] else "")
                for o in d["offers"]
            )
            or "–"
        )
    )
    click.echo(
        "  needs:     "
        + (
            ", ".join(vocab.label("capabilities", n["capability"], lang) + f" [{n['urgency']}]" for n in d["needs"])
            or "–"
        )
    )
    click.echo(f"  districts: {labels('districts', d['districts'])}")
    click.echo(f"  languages: {labels('languages', d['languages'])}")
    partners = []
    snap = store.snapshot()
    if org_id in snap.index:
        partners = snap.partners(org_id)
    click.echo(f"  partners:  {', '.join(partners) or '–'}")


@store_app
@click.command("stats")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@fail_cleanly
def stats_cmd(as_json: bool) -> None:
    """Counts and simple figures of the network."""
    store = get_store()
    snap = store.snapshot()
    net = snap.network
    g = snap.graph
    isolated = sum(1 for n in g.nodes if g.degree(n) == 0)
    stats = {
        **net.counts(),
        "migrant_organisations": int(snap.is_mo.sum()),
        "current_cooperations": g.number_of_edges(),
        "organisations_without_partner": isolated,
        "density": round(2 * g.number_of_edges() / (g.number_of_nodes() * (g.number_of_nodes() - 1)), 4)
        if g.number_of_nodes() > 1
        else 0.0,
        "store": redact_url(store.url),
        "generation": snap.generation,
    }
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=1))
        return
    for key, value in stats.items():
        click.echo(f"{key.replace('_', ' '):32} {value}")


@click.command("generate")
@click.option("--orgs", "n_orgs", type=click.IntRange(2, 2_000_000), required=True, help="Number of organisations.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same network).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--realistic",
    is_flag=True,
    help="Shape of a large network: many places, a long tail of topics and capabilities, "
    "heavy-tailed degrees (see docs/benchmarks.md).",
)
def generate_cmd(n_orgs: int, seed: int, output: Path, realistic: bool) -> None:
    """Write a synthetic network (remo/1 JSON), for benchmarks.

    Shaped like the demo network unless --realistic.
    """
    from graph.generate import write_generated

    with progress_bar(n_orgs, "Generating") as update:
        counts = write_generated(output, n_orgs, seed=seed, progress=update, shape="realistic" if realistic else "demo")
    click.echo(f"Wrote {output}: {counts['organisations']} organisations, {counts['cooperations']} cooperations.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--production", is_flag=True, help="Serve with gunicorn and several workers (see docs/deployment.md).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="gunicorn workers with --production (default: REMO_WORKERS or 2 x CPU cores + 1).",
)
@with_appcontext
def serve_cmd(host: str, port: int, production: bool, workers: int | None) -> None:
    """Serve ReMo: the development server, or gunicorn with --production."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    get_store().generation()  # fail early on a bad or unreachable store
    url = redact_url(app.config["REMO_STORE"])
    if production:
        import os

        from ..production import run_gunicorn

        n = workers or int(os.environ.get("REMO_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
        click.echo(f"ReMo (production, {n} workers) on http://{host}:{port}/  (store: {url})")
        run_gunicorn(host, port, n, preload_model=app.config["REMO_PRELOAD"] is not False)
        return
    click.echo(f"ReMo on http://{host}:{port}/  (store: {url}; Ctrl+C stops)")
    # app.run() refuses to run inside the flask CLI; serve with werkzeug directly
    from werkzeug.serving import run_simple

    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.pass_context
def demo_cmd(ctx: click.Context, host: str, port: int) -> None:
    """Create the store, load the demo network and serve it (init + seed --demo + serve).

    In development (REMO_ENV unset or development) it also makes one demo account per role with a newly
    generated password and prints the logins once; with REMO_ENV=production it makes none.
    """
    ctx.invoke(init_cmd)
    ctx.invoke(seed_cmd, demo=True)
    ctx.invoke(demo_accounts_cmd)
    ctx.invoke(serve_cmd, host=host, port=port)


@click.command("demo-accounts", hidden=True)
@with_appcontext
@fail_cleanly
def demo_accounts_cmd() -> None:
    """Make the demo accounts and print their logins (development only; part of `remo demo`)."""
    from ..users import ensure_demo_accounts

    if current_app.config["REMO_ENV"] != "development":
        click.echo("No demo accounts outside development (REMO_ENV=production); create users with `remo user create`.")
        return
    accounts = ensure_demo_accounts(get_store())
    click.echo("Demo logins (new passwords on every start of `remo demo`; development only):")
    for username, role, password, orgs in accounts:
        extra = f"  for {', '.join(orgs)}" if orgs else ""
        click.echo(f"  {role:15} username {username:16} password {password}{extra}")
    click.echo('Log in at /login (top right: "Anmelden").')


@click.command("migrate")
@click.option("--from", "src_url", metavar="URL", required=True, help="Source store URL.")
@click.option("--to", "dst_url", metavar="URL", required=True, help="Target store URL.")
@click.option("--overwrite", is_flag=True, help="Allow a target that already holds records (they are replaced).")
@fail_cleanly
def migrate_cmd(src_url: str, dst_url: str, overwrite: bool) -> None:
    """Copy a whole network (and users, settings, ...) from one store to another, e.g. SQLite -> Neo4j.

    One transaction on the target: all or nothing. Versions restart at 1 there.
    """
    from graph.migrate import read_records, write_records
    from graph.store import open_store

    if src_url == dst_url:
        raise ReMoError(f"source and target are the same store: {redact_url(src_url)}")
    src = open_store(src_url)
    try:
        dst = open_store(dst_url)
        try:
            records = read_records(src)
            with progress_bar(len(records), "Copying") as update:
                counts = write_records(dst, records, overwrite=overwrite, actor="migrate", progress=update)
        finally:
            dst.close()
    finally:
        src.close()
    total = sum(counts.values())
    click.echo(f"Copied {total} records from {redact_url(src_url)} to {redact_url(dst_url)}:")
    for kind, n in sorted(counts.items()):
        click.echo(f"  {kind:24} {n}")


COMMANDS = [
    migrate_cmd,
    init_cmd,
    seed_cmd,
    import_cmd,
    export_cmd,
    orgs_group,
    stats_cmd,
    generate_cmd,
    serve_cmd,
    demo_cmd,
    demo_accounts_cmd,
]
