"""Signed one-click links in mail: expiring, single use, no login needed.

A link carries ``{"a": action, "r": reference, "j": link id, "e": expiry (Unix time)}`` signed with the
app's secret (itsdangerous, salted per purpose): changing one character makes it invalid. It is used
up by writing a ``mail_link`` record with the link id *in the same transaction* as what it does, so
a second use (also a race of two clicks) conflicts and does nothing. Opening a link only shows a
page that says what will happen; the action needs the button on that page (a POST), so that mail
scanners that follow links change nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from graph.store import GraphStore
from graph.store.base import Op, now_iso

__all__ = ["ACTIONS", "Link", "LinkAction", "LinkError", "make_link", "read_link", "register", "used_op"]

KIND = "mail_link"
_SALT = "remo-mail-link-1"


class LinkError(Exception):
    """``reason`` is ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    action: str
    ref: str
    jti: str
    expires: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def make_link(action: str, ref: str, *, days: float) -> tuple[str, Link]:
    """A token for ``action`` on ``ref`` valid for ``days`` (the token and what it says)."""
    link = Link(action, ref, uuid.uuid4().hex[:20], int(time.time() + days * 86400))
    token = _serializer().dumps({"a": link.action, "r": link.ref, "j": link.jti, "e": link.expires})
    return token, link


def read_link(token: str, store: GraphStore, *, now: float | None = None) -> Link:
    """The link in ``token``; raises `LinkError` when it is tampered with, expired or used."""
    try:
        data = _serializer().loads(token)
        link = Link(str(data["a"]), str(data["r"]), str(data["j"]), int(data["e"]))
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkError("invalid") from exc
    if link.action not in ACTIONS:
        raise LinkError("invalid")
    if (time.time() if now is None else now) > link.expires:
        raise LinkError("expired")
    if store.get(KIND, link.jti) is not None:
        raise LinkError("used")
    return link


def used_op(link: Link) -> Op:
    """The `Op` that uses ``link`` up: add it to the ``apply`` of the action (a second use conflicts)."""
    return Op(KIND, link.jti, {"action": link.action, "ref": link.ref, "used_at": now_iso()}, None)


@dataclass(frozen=True)
class LinkAction:
    """What a link does: ``describe`` (for the confirmation page) and ``perform`` (after the button).

    ``describe(store, link) -> dict`` with ``title``, ``text`` and ``button`` (translated), or raises
    `LinkError`; ``perform(store, link, form) -> str`` (the message to show) writes `used_op` with its
    change, and may raise `LinkError` or `graph.ValidationError`. ``fields`` names form fields the
    confirmation page asks for (``password``). ``one_click``: the action may be done by a POST
    without the page's CSRF token (RFC 8058 one-click unsubscribe: the mail program posts
    ``List-Unsubscribe=One-Click`` itself); only for harmless, repeatable actions.
    """

    describe: Callable[[Any, Link], dict[str, str]]
    perform: Callable[[Any, Link, Any], str]
    fields: tuple[str, ...] = ()
    one_click: bool = False


ACTIONS: dict[str, LinkAction] = {}


def register(name: str, action: LinkAction) -> None:
    ACTIONS[name] = action
