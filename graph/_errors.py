"""Exceptions shared by every layer of ReMo.

Messages are English and technical; the web layer translates them for people by
their ``code`` and structured fields, never by parsing the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ConflictError",
    "Issue",
    "NotFoundError",
    "ReMoError",
    "StoreError",
    "StoreUnavailable",
    "ValidationError",
]


class ReMoError(Exception):
    """Base class of all ReMo errors."""

    code = "error"


@dataclass(frozen=True)
class Issue:
    """One problem found in input data.

    ``where`` says where the data came from (``demo.csv row 7`` or
    ``organisations[3]``), ``field`` which field, ``value`` the offending value
    and ``reason`` why it is wrong. ``code`` is stable for translation;
    ``hint`` carries suggestions such as the closest known vocabulary terms.
    """

    field: str
    value: Any
    reason: str
    where: str = ""
    code: str = "invalid"
    hint: tuple[str, ...] = field(default_factory=tuple)  # type: ignore[operator]  # dataclasses.field: the annotation above binds no name

    def __str__(self) -> str:
        parts = []
        if self.where:
            parts.append(self.where)
        parts.append(f"field {self.field!r}")
        text = ", ".join(parts)
        shown = self.value
        if isinstance(shown, str) and len(shown) > 80:
            shown = shown[:77] + "..."
        msg = f"{text}: value {shown!r}: {self.reason}"
        if self.hint:
            msg += " (did you mean: " + ", ".join(self.hint) + "?)"
        return msg

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "field": self.field,
            "value": self.value if isinstance(self.value, (str, int, float, bool, type(None))) else repr(self.value),
            "reason": self.reason,
            "code": self.code,
            "hint": list(self.hint),
        }


class ValidationError(ReMoError, ValueError):
    """Input data is invalid; ``issues`` lists every problem found."""

    code = "validation"

    def __init__(self, issues: list[Issue] | Issue):
        if isinstance(issues, Issue):
            issues = [issues]
        self.issues = list(issues)
        first = str(self.issues[0]) if self.issues else "invalid input"
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        super().__init__(first + more)


class NotFoundError(ReMoError, KeyError):
    """A record that does not exist was asked for."""

    code = "not_found"

    def __init__(self, kind: str, id: str):
        self.kind = kind
        self.id = id
        super().__init__(f"{kind} {id!r} does not exist")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class ConflictError(ReMoError):
    """A write was based on a stale version, or would create a duplicate.

    ``current`` is the record as it is now in the store (or ``None`` when it
    was deleted meanwhile), so that a UI can show what changed.
    """

    code = "conflict"

    def __init__(self, kind: str, id: str, expected: int | None, current: Any = None, message: str = ""):
        self.kind = kind
        self.id = id
        self.expected = expected
        self.current = current
        actual = getattr(current, "version", None)
        if not message:
            if expected is None:
                message = f"{kind} {id!r} already exists"
            elif current is None:
                message = f"{kind} {id!r} was deleted meanwhile (you had version {expected})"
            else:
                message = (
                    f"{kind} {id!r} was changed meanwhile: you had version {expected}, the store has version {actual}"
                )
        super().__init__(message)


class StoreError(ReMoError):
    """The store failed or was misconfigured."""

    code = "store"


class StoreUnavailable(StoreError):
    """The store cannot be reached right now (server down, wrong credentials)."""

    code = "store_unavailable"
