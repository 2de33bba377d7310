"""The sender: delivers due outbox records over SMTP, with retries and back-off.

Each message is first *claimed* (a versioned write: status ``sending``, ``due`` = now + lease), then
sent, then marked ``sent``. Two senders never both claim one message (the second write conflicts);
a sender killed between sending and marking leaves the claim to lapse, and the message is sent again
later with the same ``Message-ID`` (at least once, never under a new id). An SMTP server that cannot
be reached, refuses the login or answers 4xx puts the message back with a growing delay and stops
the batch (the others wait, none is lost); a permanent refusal (5xx for the recipient, an invalid
address) or too many attempts marks it ``failed`` with the reason, and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field

from graph import ConflictError
from graph.store import GraphStore
from graph.store.base import Record

from .outbox import KIND
from .smtp import Transport, build_mime, check_address

__all__ = ["MailSettings", "SendReport", "backoff", "send_one", "send_pending"]


@dataclass(frozen=True)
class MailSettings:
    """Where mail comes from and how hard the sender tries."""

    sender: str = "remo@localhost"
    sender_name: str = "ReMo"
    reply_to: str = ""
    max_attempts: int = 10
    lease_seconds: int = 300
    base_delay: int = 60
    max_delay: int = 6 * 3600


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    retry: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0

    def summary(self) -> str:
        return f"{len(self.sent)} sent, {len(self.retry)} to retry, {len(self.failed)} failed"


def backoff(attempts: int, base: int = 60, cap: int = 6 * 3600) -> int:
    """Seconds to wait after the ``attempts``-th failed try: 1, 2, 4, … minutes up to six hours.

    >>> [backoff(n) for n in (1, 2, 3)], backoff(20)
    ([60, 120, 240], 21600)
    """
    return min(cap, base * 2 ** max(0, attempts - 1))


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).replace(microsecond=0).isoformat()


class _Transient(Exception):
    """Try this message again later and stop the batch (the server, not the message, is the problem)."""


def _classify(exc: BaseException) -> tuple[str, str]:
    """``("retry" | "fail", reason)`` for a delivery error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [(code, resp) for code, resp in exc.recipients.values()]
        text = "; ".join(
            f"{addr}: {code} {resp.decode(errors='replace') if isinstance(resp, bytes) else resp}"
            for addr, (code, resp) in exc.recipients.items()
        )
        if all(code >= 500 for code, _ in codes):
            return "fail", f"recipient refused: {text}"
        return "retry", f"recipient deferred: {text}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "stop", f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}"
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        if exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPSenderRefused):
            return "fail", f"refused by the SMTP server: {exc.smtp_code} {msg}"
        return "stop", f"SMTP server answered {exc.smtp_code} {msg}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "fail", f"the SMTP server cannot take this message: {exc}"
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return "stop", f"SMTP server not reachable: {exc.__class__.__name__}: {exc}"
    raise exc


def send_pending(
    store: GraphStore,
    transport: Transport,
    settings: MailSettings,
    *,
    limit: int = 100,
    now: Callable[[], dt.datetime] | None = None,
    after_each: Callable[[str], None] | None = None,
) -> SendReport:
    """Deliver up to ``limit`` due messages; returns what happened to each."""
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    report = SendReport()
    try:
        for rec in store.due(KIND, _iso(clock()), limit):
            try:
                outcome = _send_one(store, transport, settings, rec, clock, report)
            except _Transient:
                break
            if outcome and after_each is not None:
                after_each(rec.id)
    finally:
        transport.close()
    return report


def send_one(store: GraphStore, transport: Transport, settings: MailSettings, rec: Record) -> SendReport:
    """Deliver the one message ``rec`` now, whether due or not (``remo mail test``)."""
    report = SendReport()
    try:
        _send_one(store, transport, settings, rec, lambda: dt.datetime.now(dt.UTC), report)
    except _Transient:
        pass
    finally:
        transport.close()
    return report


def _send_one(
    store: GraphStore,
    transport: Transport,
    settings: MailSettings,
    rec: Record,
    clock: Callable[[], dt.datetime],
    report: SendReport,
) -> bool:
    data = dict(rec.data)
    if data.get("status") not in ("queued", "sending"):
        return False
    started = clock()
    claim = {
        **data,
        "status": "sending",
        "attempts": int(data.get("attempts") or 0) + 1,
        "due": _iso(started + dt.timedelta(seconds=settings.lease_seconds)),
    }
    try:
        claimed = store.update(KIND, rec.id, claim, rec.version, actor="mail")
    except ConflictError:
        report.skipped += 1  # another sender has it
        return False
    problems = [p for p in (check_address(t.get("address", "")) for t in data.get("to") or [{}]) if p]
    if problems:
        _finish(store, claimed, "failed", "; ".join(problems), report, clock)
        return True
    try:
        mime = build_mime(data, sender=settings.sender, sender_name=settings.sender_name, reply_to=settings.reply_to)
        transport.send(mime, settings.sender, [t["address"].strip() for t in data["to"]])
    except Exception as exc:  # noqa: BLE001 - classified below; unknown errors re-raise there
        verdict, reason = _classify(exc)
        if verdict == "fail":
            _finish(store, claimed, "failed", reason, report, clock)
            return True
        attempts = claim["attempts"]
        if attempts >= settings.max_attempts:
            _finish(store, claimed, "failed", f"gave up after {attempts} attempts: {reason}", report, clock)
            return True
        wait = backoff(attempts, settings.base_delay, settings.max_delay)
        back = {**claim, "status": "queued", "due": _iso(clock() + dt.timedelta(seconds=wait)), "last_error": reason}
        try:
            store.update(KIND, rec.id, back, claimed.version, actor="mail")
        except ConflictError:  # pragma: no cover - the claim lapsed and another sender took it
            pass
        report.retry.append((rec.id, reason))
        if verdict == "stop":
            raise _Transient(reason) from exc
        return True
    _finish(store, claimed, "sent", "", report, clock)
    return True


def _finish(store: GraphStore, claimed: Record, status: str, reason: str, report: SendReport, clock) -> None:
    data = {**claimed.data, "status": status, "due": None, "last_error": reason}
    if status == "sent":
        data["sent_at"] = _iso(clock())
    try:
        store.update(KIND, claimed.id, data, claimed.version, actor="mail")
    except ConflictError:  # pragma: no cover - the claim lapsed meanwhile; the other sender records it
        pass
    (report.sent.append(claimed.id) if status == "sent" else report.failed.append((claimed.id, reason)))
