"""Privacy commands: brochure, data subject rights (export, erase, consent), audit log, retention."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from graph import audit
from graph.files import write_private
from graph.io import store_vocabulary
from graph.privacy import dumps, erase_person, subject_csv, subject_data, withdraw_consent
from graph.retention import RetentionPolicy, run_retention

from ..extensions import get_store
from ..i18n import UI_LANGUAGES
from . import store_app
from .data import fail_cleanly

__all__ = ["COMMANDS"]


def _default_actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name in a container
        return "cli"


actor_option = click.option(
    "--actor", default=_default_actor, show_default="cli:<login name>", help="Who acts (for the audit log)."
)
behalf_option = click.option("--on-behalf-of", default=None, help="The organisation id the actor acts for.")


def _write(path: Path, text: str, *, bom: bool = False) -> None:
    write_private(path, text, encoding="utf-8-sig" if bom else "utf-8")  # personal data: mode 0600


# ---------------------------------------------------------------------------
# brochure
# ---------------------------------------------------------------------------
@click.command("brochure")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FILE.pdf or FILE.html",
)
@click.option("--lang", type=click.Choice(UI_LANGUAGES), default="de", show_default=True)
@with_appcontext
@fail_cleanly
def brochure_cmd(output: Path, lang: str) -> None:
    """Write the printable brochure (public data only) as PDF or HTML."""
    from ..brochure import render_html, render_pdf

    store = get_store()
    network = store.snapshot().network
    vocab = store_vocabulary(store)
    suffix = output.suffix.lower()
    if suffix == ".pdf":
        data = render_pdf(network, vocab, lang, config=current_app.config)
        tmp = output.with_name(output.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(output)
    elif suffix in (".html", ".htm"):
        _write(output, render_html(network, vocab, lang, standalone=True))
    else:
        raise click.BadParameter("the file name must end in .pdf or .html", param_hint="-o/--output")
    click.echo(f"Wrote {output}")


# ---------------------------------------------------------------------------
# data subject rights
# ---------------------------------------------------------------------------
def _export(kind: str, record_id: str, fmt: str, output: Path, actor: str, on_behalf_of: str | None) -> None:
    store = get_store()
    doc = subject_data(store, kind, record_id)
    if fmt == "json":
        _write(output, dumps(doc))
    else:
        _write(output, subject_csv(doc), bom=True)
    audit.record_access(store, actor, "export", kind, record_id, on_behalf_of)
    n = len(doc["referenced_by"]) + len(doc["audit"])
    click.echo(f"Wrote {output}: the {kind} record, {n} records naming it, {len(doc['changes'])} change-log entries.")


def _export_options(fn):  # type: ignore[no-untyped-def]
    fn = click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)(fn)
    fn = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)(fn)
    return behalf_option(actor_option(fn))


@click.group("person")
def person_group() -> None:
    """A person's data: export (Art. 15/20 GDPR), erase (Art. 17), withdraw consent."""


@person_group.command("export")
@click.argument("person_id")
@_export_options
@with_appcontext
@fail_cleanly
def person_export(person_id: str, fmt: str, output: Path, actor: str, on_behalf_of: str | None) -> None:
    """Export everything stored about PERSON_ID as JSON or CSV."""
    _export("person", person_id, fmt, output, actor, on_behalf_of)


@person_group.command("erase")
@click.argument("person_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@actor_option
@behalf_option
@with_appcontext
@fail_cleanly
def person_erase(person_id: str, yes: bool, actor: str, on_behalf_of: str | None) -> None:
    """Erase PERSON_ID completely, with every reference to them (one transaction)."""
    if not yes and sys.stdin.isatty():
        click.confirm(f"Erase person {person_id} and every reference to them? This cannot be undone", abort=True)
    report = erase_person(get_store(), person_id, actor, on_behalf_of=on_behalf_of)
    click.echo(
        f"Erased person {person_id}: {len(report.updated)} records updated, "
        f"{report.anonymised_audit} audit entries anonymised."
    )
    click.echo(f"Erasure reference (for the reply to the data subject): {report.reference}")


@person_group.command("withdraw-consent")
@click.argument("person_id")
@actor_option
@behalf_option
@with_appcontext
@fail_cleanly
def person_withdraw(person_id: str, actor: str, on_behalf_of: str | None) -> None:
    """Withdraw PERSON_ID's consent: they disappear from every public output at once."""
    if withdraw_consent(get_store(), person_id, actor, on_behalf_of=on_behalf_of):
        click.echo(f"Consent of {person_id} withdrawn; the person no longer appears in public output.")
    else:
        click.echo(f"{person_id} had no recorded consent; nothing changed.")


@click.group("org")
def org_group() -> None:
    """An organisation's data: export everything stored about it."""


@org_group.command("export")
@click.argument("org_id")
@_export_options
@with_appcontext
@fail_cleanly
def org_export(org_id: str, fmt: str, output: Path, actor: str, on_behalf_of: str | None) -> None:
    """Export everything stored about ORG_ID as JSON or CSV."""
    _export("organisation", org_id, fmt, output, actor, on_behalf_of)


# ---------------------------------------------------------------------------
# audit log and retention
# ---------------------------------------------------------------------------
@store_app
@click.command("audit")
@click.option("--kind", default=None, help="Only records of this kind (organisation, person, ...).")
@click.option("--id", "record_id", default=None, help="Only this record id.")
@click.option("--actor", default=None, help="Only this actor.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@with_appcontext
@fail_cleanly
def audit_cmd(kind: str | None, record_id: str | None, actor: str | None, limit: int, as_json: bool) -> None:
    """Show who viewed, changed, exported or erased which record, newest first."""
    entries = audit.audit_log(get_store(), kind=kind, id=record_id, actor=actor, limit=limit)
    for e in entries:
        if as_json:
            click.echo(json.dumps(e.to_dict(), ensure_ascii=False))
            continue
        what = e.action + (f" ({e.change})" if e.change else "")
        behalf = f" for {e.on_behalf_of}" if e.on_behalf_of else ""
        click.echo(f"{e.at}  {e.actor}{behalf}  {what}  {e.kind}:{e.id}")
    if not entries and not as_json:
        click.echo("No entries.")


@click.group("retention")
def retention_group() -> None:
    """The deletion concept: remove data whose retention period has passed."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Only report what would be removed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
@fail_cleanly
def retention_run(dry_run: bool, as_json: bool) -> None:
    """Apply the retention rules (configured by REMO_RETENTION_* settings); logs counts and ids."""
    try:
        policy = RetentionPolicy.from_config(current_app.config)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    report = run_retention(get_store(), policy, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return
    verb = "would be removed" if dry_run else "removed"
    for rule, n in report.counts().items():
        click.echo(f"{rule}: {n} {verb}")
    if dry_run:
        click.echo("Dry run: nothing was written.")


COMMANDS = [brochure_cmd, person_group, org_group, audit_cmd, retention_group]
