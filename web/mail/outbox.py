"""The outbox: messages as store records, written in the same transaction as their cause.

A message is a record of kind ``message`` (see `graph.store.base.GraphStore.due`). Its data holds
everything the sender needs, already rendered in the recipient's language, so that sending needs
neither Flask nor the templates and a preview shows exactly what goes out::

    {"message_id": "<hex@domain>", "to": [{"name": ..., "address": ...}], "subject": ..., "text": ...,
     "html": ..., "lang": "tr", "purpose": "intro_request", "transactional": true,
     "headers": {"List-Unsubscribe": ...}, "attachments": [{"filename", "content_type", "content"}],
     "ref": {"introduction": "intro-…"}, "status": "queued", "due": "2026-…", "attempts": 0,
     "created_at": ..., "sent_at": null, "last_error": ""}

``status`` is ``queued`` (``due`` = when to try next), ``sending`` (claimed by a sender: ``due`` = when
the claim lapses, so a sender killed mid-send leaves the message due again), ``sent`` or ``failed``
(``due`` is None: never picked up again). ``message_id`` is made once, at queueing: a retry after a
crash sends the same ``Message-ID``, which receivers recognise as the same message.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from graph.store import GraphStore
from graph.store.base import Op, Record, now_iso

__all__ = [
    "KIND",
    "STATUSES",
    "Attachment",
    "Draft",
    "list_messages",
    "message_op",
]

KIND = "message"
STATUSES = ("queued", "sending", "sent", "failed")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: str  # text (calendar files are text)

    def to_dict(self) -> dict[str, str]:
        return {"filename": self.filename, "content_type": self.content_type, "content": self.content}


@dataclass
class Draft:
    """A rendered message, not yet in the outbox (see `web.mail.compose.compose`)."""

    to: list[dict[str, str]]
    subject: str
    text: str
    html: str
    lang: str
    purpose: str
    transactional: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    ref: dict[str, str] = field(default_factory=dict)


def _domain(from_address: str) -> str:
    return from_address.rpartition("@")[2].strip(" >") or "remo.invalid"


def message_op(draft: Draft, *, from_address: str, not_before: str | None = None) -> Op:
    """The `Op` that queues ``draft``: add it to the ``apply`` of the change that causes it."""
    key = uuid.uuid4().hex
    created = now_iso()
    data: dict[str, Any] = {
        "message_id": f"<{key}@{_domain(from_address)}>",
        "to": [dict(t) for t in draft.to],
        "subject": draft.subject,
        "text": draft.text,
        "html": draft.html,
        "lang": draft.lang,
        "purpose": draft.purpose,
        "transactional": draft.transactional,
        "headers": dict(draft.headers),
        "attachments": [a.to_dict() for a in draft.attachments],
        "ref": dict(draft.ref),
        "status": "queued",
        "due": not_before or created,
        "attempts": 0,
        "created_at": created,
        "sent_at": None,
        "last_error": "",
    }
    return Op(KIND, f"{created[:10]}-{key}", data, None)


def list_messages(store: GraphStore, status: str | None = None, limit: int = 200) -> list[Record]:
    """Messages, newest first, optionally only those in ``status``."""
    recs = [r for r in store.list(KIND) if status is None or r.data.get("status") == status]
    recs.sort(key=lambda r: (r.data.get("created_at") or "", r.id), reverse=True)
    return recs[:limit]


def parse_when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
