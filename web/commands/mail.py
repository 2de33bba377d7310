"""``remo mail`` (send the outbox, send a test mail) and ``remo worker`` (sender and scheduler)."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..extensions import get_store
from ..mail.compose import compose, mail_settings, queue_op, smtp_settings
from ..mail.sender import send_one, send_pending
from ..mail.smtp import MailConfigError, Transport, check_address
from .data import fail_cleanly

__all__ = ["COMMANDS"]


@click.group("mail")
def mail_group() -> None:
    """The outbox: send waiting mail, send a test mail (SMTP from REMO_SMTP_URL), queue the digests."""


def _transport() -> Transport:
    try:
        return Transport(smtp_settings())
    except MailConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@mail_group.command("send-pending")
@click.option("--limit", default=100, show_default=True, help="At most this many messages.")
@with_appcontext
@fail_cleanly
def send_pending_cmd(limit: int) -> None:
    """Send the outbox's due messages once; failures wait for their next try (see the outbox page)."""
    transport = _transport()
    report = send_pending(get_store(), transport, mail_settings(), limit=limit)
    for mid, reason in report.retry:
        click.echo(f"retry later: {mid}: {reason}", err=True)
    for mid, reason in report.failed:
        click.echo(f"failed: {mid}: {reason}", err=True)
    click.echo(report.summary())
    sys.exit(1 if report.retry or report.failed else 0)


@mail_group.command("test")
@click.argument("address")
@click.option("--lang", default="de", show_default=True, help="Language of the test mail.")
@with_appcontext
@fail_cleanly
def test_cmd(address: str, lang: str) -> None:
    """Send a test mail to ADDRESS now (it is kept in the outbox like every message)."""
    problem = check_address(address)
    if problem:
        click.echo(f"Error: {problem}", err=True)
        sys.exit(2)
    transport = _transport()
    store = get_store()
    draft = compose("test", lang, [{"name": "", "address": address}], lambda: _("ReMo test message"))
    op = queue_op(draft)
    store.apply([op], actor="cli")
    rec = store.require(op.kind, op.id)
    report = send_one(store, transport, mail_settings(), rec)
    if report.sent:
        click.echo(f"sent to {address} via {transport.settings.redacted()} ({rec.data['message_id']})")
        return
    reason = (report.failed or report.retry or [("", "not sent")])[0][1]
    click.echo(f"Error: not sent: {reason}", err=True)
    sys.exit(1)


@mail_group.command("digest")
@with_appcontext
@fail_cleanly
def digest_cmd() -> None:
    """Write the monthly digests that are due now into the outbox (the worker does this by itself)."""
    from ..mail.digest import run_digest

    queued = run_digest(get_store(), dt.datetime.now(dt.UTC))
    click.echo(f"{queued} digest(s) queued")


@click.command("worker")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between rounds.")
@click.option("--once", is_flag=True, help="One round (jobs, then sending), then exit.")
@with_appcontext
@fail_cleanly
def worker_cmd(interval: float, once: bool) -> None:
    """Run the scheduled jobs (reminders, digests) and send the outbox, every INTERVAL seconds.

    Meant to run as a systemd service next to ``remo serve``; SIGTERM ends it after the round.
    """
    from ..mail.jobs import run_jobs

    transport = _transport()
    store = get_store()
    settings = mail_settings()
    stop = {"now": False}

    def _stop(signum, frame) -> None:  # noqa: ANN001
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    log = current_app.logger
    click.echo(f"remo worker: sending via {transport.settings.redacted()} every {interval:g} s", err=True)
    while True:
        started = time.monotonic()
        try:
            queued = run_jobs(store, dt.datetime.now(dt.UTC))
            report = send_pending(store, transport, settings)
        except Exception as exc:  # noqa: BLE001 - a store outage: try again next round
            log.error("worker round failed: %s", exc)
        else:
            if report.sent or report.retry or report.failed or any(queued.values()):
                click.echo(f"{dt.datetime.now().isoformat(timespec='seconds')} jobs {queued}; {report.summary()}")
        if once or stop["now"]:
            return
        while time.monotonic() - started < interval and not stop["now"]:
            time.sleep(min(1.0, interval))
        if stop["now"]:
            return


COMMANDS = [mail_group, worker_cmd]
