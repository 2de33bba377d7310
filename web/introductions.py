"""Introductions: a suggestion two organisations act on, and its status flow.

``proposed`` → ``accepted`` or ``declined`` → ``met`` → ``cooperating``. Moving to
``cooperating`` also records a cooperation between the two organisations (in the
same transaction, as a checked create: a cooperation written meanwhile is never
overwritten, the move then fails as a conflict). When the two already cooperate
(`current_cooperation`), that record is kept as it is, with its note.
Representatives follow the flow; KI staff may move an introduction to any status
(the desk's pipeline).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from graph import Issue, NotFoundError, Record, ValidationError, Vocabulary
from graph.model import Cooperation, parse_cooperation, parse_introduction
from graph.store import GraphStore
from graph.store.base import Op

__all__ = [
    "PIPELINE",
    "STATUSES",
    "allowed_next",
    "current_cooperation",
    "find_introduction",
    "introduction_id",
    "set_follow_up",
    "set_status",
]

STATUSES = ("proposed", "accepted", "declined", "met", "cooperating")
PIPELINE = ("proposed", "accepted", "met", "cooperating")
_NEXT: dict[str | None, tuple[str, ...]] = {
    None: ("accepted", "declined", "met"),
    "proposed": ("accepted", "declined", "met"),
    "accepted": ("met", "declined"),
    "declined": ("accepted",),
    "met": ("cooperating", "declined"),
    "cooperating": (),
}


def allowed_next(status: str | None, *, staff: bool = False) -> tuple[str, ...]:
    """The statuses an introduction in ``status`` may move to, the usual next step first.

    Staff may move to any other status; the flow's own steps still come first, so that the
    desk's "move" choice starts at the next step (``accepted`` → ``met``), not at ``proposed``.
    """
    flow = _NEXT.get(status, ())
    if staff:
        # at the end of the flow (cooperating) the step back comes first: met, accepted, ...
        rest = [s for s in PIPELINE[::-1] if s != status and s not in flow] + ["declined"]
        return tuple(dict.fromkeys(s for s in (*flow, *rest) if s != status))
    return flow


def introduction_id(a: str, b: str) -> str:
    x, y = sorted((a, b))
    rid = f"intro-{x}--{y}"
    if len(rid) > 120:
        rid = "intro-" + hashlib.sha256(f"{x}|{y}".encode()).hexdigest()[:32]
    return rid


def current_cooperation(store: GraphStore, a: str, b: str, day: str | None = None) -> Record | None:
    """A cooperation between ``a`` and ``b`` that is active on ``day`` (default today), if there is one."""
    day = day or dt.date.today().isoformat()
    pair = {a, b}
    for rec in store.list("cooperation"):
        data = rec.data
        if {data.get("a"), data.get("b")} == pair and (data.get("until") is None or data["until"] >= day):
            if data.get("since") is None or data["since"] <= day:
                return rec
    return None


def find_introduction(store: GraphStore, a: str, b: str) -> Record | None:
    """The introduction between ``a`` and ``b`` (either direction), newest first."""
    rec = store.get("introduction", introduction_id(a, b))
    if rec is not None:
        return rec
    pair = {a, b}
    found = [r for r in store.list("introduction") if {r.data.get("a"), r.data.get("b")} == pair]
    found.sort(key=lambda r: (r.data.get("at") or "", r.version), reverse=True)
    return found[0] if found else None


def set_status(
    store: GraphStore,
    org_id: str,
    partner_id: str,
    status: str,
    *,
    actor: str,
    vocab: Vocabulary | None = None,
    reasons: list[dict[str, Any]] | None = None,
    staff: bool = False,
    expected_version: int | None = None,
) -> Record:
    """Create or move the introduction between ``org_id`` and ``partner_id`` to ``status``.

    Raises `graph.ValidationError` for a move the flow does not allow and
    `graph.ConflictError` when the introduction changed meanwhile.
    """
    rec = find_introduction(store, org_id, partner_id)
    current = rec.data.get("status") if rec else None
    if status not in allowed_next(current, staff=staff):
        raise ValidationError(Issue("status", status, f"cannot move from {current} to {status}", code="bad_move"))
    today = dt.date.today().isoformat()
    if rec is None:
        data: dict[str, Any] = {
            "id": introduction_id(org_id, partner_id),
            "a": org_id,
            "b": partner_id,
            "status": status,
            "by": actor,
            "at": today,
            "meeting": None,
            "note": "",
            "reasons": list(reasons or []),
        }
        version = None
    else:
        data = {**rec.data, "status": status, "at": today}
        if reasons and not data.get("reasons"):
            data["reasons"] = list(reasons)
        version = rec.version if expected_version is None else expected_version
    intro, issues = parse_introduction(data, vocab)
    if intro is None:
        raise ValidationError(issues)
    ops = [Op("introduction", intro.id, intro.to_dict(), version)]
    if status == "cooperating" and current_cooperation(store, intro.a, intro.b, today) is None:
        coop, coop_issues = parse_cooperation(
            Cooperation(intro.a, intro.b, "other", since=today, note="via ReMo introduction").to_dict(), vocab
        )
        if coop is None:
            raise ValidationError(coop_issues)
        ops.append(Op("cooperation", coop.id, coop.to_dict(), None))  # created meanwhile: conflict, nothing written
    # the double opt-in mails and their record, in the same transaction (web.mail.introductions)
    from .mail.introductions import optin_ops

    ops += optin_ops(store, intro, previous=current, acting_org=None if staff else org_id, actor=actor)
    written = store.apply(ops, actor=actor)
    assert written[0] is not None
    return written[0]


def set_follow_up(
    store: GraphStore,
    intro_id: str,
    *,
    note: str,
    next_step: str,
    due: str | None,
    owner: str,
    actor: str,
    expected_version: int,
    vocab: Vocabulary | None = None,
) -> Record:
    """Store the staff's note, next step, due date and owner on an introduction.

    The write is checked against ``expected_version`` (`graph.ConflictError` when somebody saved
    in between) and lands in the change log under ``actor``. Raises `graph.NotFoundError` for an
    unknown introduction and `graph.ValidationError` for a bad date or too long a text.
    """
    rec = store.get("introduction", intro_id)
    if rec is None:
        raise NotFoundError(f"introduction {intro_id!r} not found")
    data = {**rec.data, "note": note, "next_step": next_step, "due": due or None, "owner": owner}
    intro, issues = parse_introduction(data, vocab)
    if intro is None:
        raise ValidationError(issues)
    written = store.apply([Op("introduction", intro.id, intro.to_dict(), expected_version)], actor=actor)
    assert written[0] is not None
    return written[0]
