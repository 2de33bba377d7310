"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1, messages read back with `email`."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

__all__ = ["SmtpServer", "free_port"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001
        if address in self.server.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        if self.server.delay:
            time.sleep(self.server.delay)  # blocks the server's loop: a slow relay
        with self.server.lock:
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """``with SmtpServer() as smtp: ... smtp.messages`` (parsed `EmailMessage` objects, in arrival order)."""

    def __init__(
        self, port: int | None = None, *, user: str | None = None, password: str | None = None, smtputf8: bool = True
    ):
        self.port = port or free_port()
        self.smtputf8 = smtputf8
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.delay = 0.0
        self.lock = threading.Lock()
        self._auth = (user, password) if user else None
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        if self._auth:
            return f"smtp://{self._auth[0]}:{self._auth[1]}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        ok = self._auth is not None and (auth_data.login.decode(), auth_data.password.decode()) == self._auth
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        kwargs = {}
        if self._auth:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=self.smtputf8, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            raw = [content for _, _, content in self.envelopes]
        return [email.message_from_bytes(b, policy=email.policy.default) for b in raw]  # type: ignore[misc]

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.envelopes) >= n:
                break
            time.sleep(0.05)
        return self.messages
