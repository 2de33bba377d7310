"""SMTP delivery: the ``REMO_SMTP_URL``, turning an outbox record into a MIME message, the connection.

``smtp://[user[:password]@]host[:port]`` (port 25; add ``?starttls=1`` or use ``smtp+starttls://``,
port 587, to upgrade with STARTTLS, which is then required), ``smtps://…`` (TLS from the start, port
465). User and password are percent-decoded. No Flask here: the sender runs in ``remo worker``.
"""

from __future__ import annotations

import email.policy
import email.utils
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["MailConfigError", "SmtpSettings", "Transport", "build_mime", "check_address", "parse_smtp_url"]


class MailConfigError(ValueError):
    """The mail settings are unusable (a clear message for the operator)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str = "none"  # none | starttls | tls
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def redacted(self) -> str:
        scheme = {"none": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[self.tls]
        auth = f"{self.user}:***@" if self.user else ""
        return f"{scheme}://{auth}{self.host}:{self.port}"


_TRUE = {"1", "true", "yes", "on"}


def parse_smtp_url(url: str, *, timeout: float = 30.0) -> SmtpSettings:
    """``REMO_SMTP_URL`` -> `SmtpSettings` (raises `MailConfigError` with the reason).

    >>> parse_smtp_url("smtps://remo%40ki.example:geheim@mail.example").redacted()
    'smtps://remo@ki.example:***@mail.example:465'
    >>> parse_smtp_url("smtp://127.0.0.1:2525?starttls=1").tls
    'starttls'
    """
    if not url:
        raise MailConfigError("REMO_SMTP_URL is not set (e.g. smtp://127.0.0.1:25 or smtps://user:pw@mail.example)")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps", "smtp+starttls"}:
        raise MailConfigError(f"REMO_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, not {scheme}://")
    if not parts.hostname:
        raise MailConfigError("REMO_SMTP_URL names no host")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    tls = {"smtp": "none", "smtps": "tls", "smtp+starttls": "starttls"}[scheme]
    if scheme == "smtp" and query.get("starttls", "").lower() in _TRUE:
        tls = "starttls"
    try:
        port = parts.port or {"none": 25, "starttls": 587, "tls": 465}[tls]
    except ValueError as exc:
        raise MailConfigError(f"REMO_SMTP_URL has a bad port: {exc}") from exc
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpSettings(parts.hostname, port, tls, user, password, timeout)


def check_address(address: str) -> str | None:
    """Why ``address`` cannot be sent to (None when it looks deliverable)."""
    address = (address or "").strip()
    if not address:
        return "no address"
    if any(c in address for c in ' \t\r\n<>,;"()[]\\'):
        return f"invalid address {address!r}: contains spaces or special characters"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or "." not in domain or domain.startswith(".") or domain.endswith("."):
        return f"invalid address {address!r}: expected name@domain.tld"
    if ".." in domain or len(address) > 254:
        return f"invalid address {address!r}"
    return None


def _address(entry: dict[str, str]) -> Address:
    addr = entry["address"].strip()
    local, _, domain = addr.rpartition("@")
    return Address(display_name=entry.get("name", "") or "", username=local, domain=domain)


def build_mime(data: dict[str, Any], *, sender: str, sender_name: str = "", reply_to: str = "") -> EmailMessage:
    """The MIME message of an outbox record: text and HTML alternatives, attachments, stable headers.

    Headers with non-ASCII text (names, subjects) are encoded by the stdlib (RFC 2047); an
    address whose mailbox itself is not ASCII needs a server with SMTPUTF8 (RFC 6531/6532), which
    smtplib asks for by itself.
    """
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Message-ID"] = data["message_id"]
    created = data.get("created_at")
    when = email.utils.format_datetime(_parse(created)) if created else email.utils.formatdate(localtime=False)
    msg["Date"] = when
    local, _, domain = sender.rpartition("@")
    msg["From"] = Address(display_name=sender_name, username=local, domain=domain)
    msg["To"] = [_address(t) for t in data["to"]]
    if reply_to:
        rl, _, rd = reply_to.rpartition("@")
        msg["Reply-To"] = Address(username=rl, domain=rd)
    msg["Subject"] = data["subject"]
    msg["Auto-Submitted"] = "auto-generated"
    for key, value in (data.get("headers") or {}).items():
        msg[key] = value
    msg.set_content(data["text"], subtype="plain", charset="utf-8")
    if data.get("html"):
        msg.add_alternative(data["html"], subtype="html", charset="utf-8")
    for att in data.get("attachments") or []:
        maintype, _, subtype = att["content_type"].partition("/")
        params = {"method": "REQUEST"} if subtype == "calendar" else {}
        msg.add_attachment(
            att["content"].encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=att["filename"],
            params=params,
        )
    if data.get("lang"):  # after the body: set_content and add_attachment move Content-* headers
        msg["Content-Language"] = data["lang"]
    return msg


def _parse(text: str):
    import datetime as dt

    return dt.datetime.fromisoformat(text)


class Transport:
    """One SMTP connection, opened on first use and reused for a batch."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.tls == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.tls == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: EmailMessage, sender: str, recipients: list[str]) -> None:
        if self._smtp is None:
            self._smtp = self._open()
        try:
            self._smtp.send_message(msg, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPServerDisconnected:
            self.close()
            raise
        except smtplib.SMTPRecipientsRefused:
            self._smtp.rset()
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
