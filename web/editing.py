"""Optimistic editing in forms, shared by every editor with a version (organisations, funding programmes).

The record as the user loaded it travels signed in a hidden field. When the save meets a newer version
(`graph.ConflictError`), the editor can show what changed meanwhile and offer a three-way merge: fields
only the other editor changed take the saved value, fields this user changed keep the entry, so saving
again loses nobody's change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from graph.store import Record

__all__ = ["EditConflict", "edit_conflict", "read_original", "sign_original", "three_way_merge"]


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


@dataclass
class EditConflict:
    """What an editor shows after a save met a newer version.

    ``view`` (rows of before / now / mine per field changed meanwhile, who and when) goes to the
    template; ``merged`` (None when the original could not be read) refills the form, together with
    the new ``version`` and the signed ``original`` for the next save.
    """

    view: dict[str, Any]
    merged: dict[str, Any] | None
    version: str
    original: str


def edit_conflict(
    original_token: str | None,
    current: Record,
    mine: dict[str, Any],
    *,
    salt: str,
    changed: Callable[[dict[str, Any], dict[str, Any]], list[str]],
    describe: Callable[[str, dict[str, Any]], str],
    label: Callable[[str], str],
) -> EditConflict:
    """The conflict view and the merged entry for a record's editor (``changed``: fields that differ)."""
    original = read_original(original_token, salt)
    mine_changed = set(changed(original, mine))
    rows = [
        {
            "field": f,
            "label": label(f),
            "before": describe(f, original),
            "now": describe(f, current.data),
            "mine": describe(f, mine),
            "both": f in mine_changed,
        }
        for f in changed(original, current.data)
    ]
    return EditConflict(
        view={"rows": rows, "who": current.updated_by or _("somebody"), "at": current.updated_at},
        merged=three_way_merge(original, current.data, mine) if original else None,
        version=str(current.version),
        original=sign_original(current.data, salt),
    )
