"""Optimistic editing in forms, shared by every editor with a version (organisations, funding programmes).

The record as the user loaded it travels signed in a hidden field. When the save meets a newer version
(`graph.ConflictError`), the editor can show what changed meanwhile and offer a three-way merge: fields
only the other editor changed take the saved value, fields this user changed keep the entry, so saving
again loses nobody's change.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

__all__ = ["read_original", "sign_original", "three_way_merge"]


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def sign_original(data: dict[str, Any], salt: str) -> str:
    """The record as loaded, signed for a hidden form field."""
    return _signer(salt).dumps(data)


def read_original(token: str | None, salt: str) -> dict[str, Any]:
    """The record as the user loaded it, or ``{}`` when the field is missing or was tampered with."""
    try:
        data = _signer(salt).loads(token or "")
    except BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


def three_way_merge(original: dict[str, Any], current: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """``mine`` on top of ``current``: the user's changes (against ``original``) win, the rest is current.

    >>> three_way_merge({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 3})
    {'a': 2, 'b': 3}
    """
    if not original:
        return dict(mine)
    return {k: (current.get(k) if v == original.get(k) else v) for k, v in mine.items()}
