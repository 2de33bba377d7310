"""The deletion concept: how long ReMo keeps each kind of data, and the job that enforces it.

Rules (periods in months, configurable; see `RetentionPolicy.from_config`):

``unlinked_persons_months`` (12)
    persons without a recorded consent who are linked to no (existing)
    organisation and whose record has not changed for that long;
``inactive_org_contacts_months`` (24)
    contact persons all of whose organisations have been inactive that long
    (no change to the organisation's record, no meeting attended, no
    introduction, cooperation or project dated within the period);
``declined_introductions_months`` (12)
    introductions with status ``declined`` older than that;
``audit_months`` (24)
    audit entries;
``changes_months`` (24)
    change-log entries (``store.purge_changes``);
``mail_months`` (12)
    mail in the outbox that was sent or failed that long ago, and the records
    of mail links used that long ago (keep it longer than any link's lifetime:
    a link whose record is gone could be used again until it expires);
``access_requests_months`` (6)
    requests for access from organisations (name, contact, message).

Persons are removed like `graph.privacy.erase_person` does (their id also
leaves meeting participation and every other reference). All record
deletions happen in one transaction together with one audit entry (action
``retention``) that lists the counts and the ids removed, never contents.

Example
-------
>>> RetentionPolicy.from_config({"REMO_RETENTION_AUDIT_MONTHS": "36"}).audit_months
36
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ._errors import ConflictError
from .audit import KIND as AUDIT_KIND
from .audit import audit_op
from .migrate import read_records
from .privacy import MAX_RETRIES, erasure_ops
from .store import GraphStore
from .store.base import Op, Record

__all__ = ["RetentionPolicy", "RetentionReport", "months_before", "plan_retention", "run_retention"]


@dataclass(frozen=True)
class RetentionPolicy:
    """Retention periods in months; 0 switches a rule off."""

    unlinked_persons_months: int = 12
    inactive_org_contacts_months: int = 24
    declined_introductions_months: int = 12
    audit_months: int = 24
    changes_months: int = 24
    mail_months: int = 12
    access_requests_months: int = 6

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetentionPolicy:
        """Read ``REMO_RETENTION_<RULE>`` keys (e.g. ``REMO_RETENTION_AUDIT_MONTHS``) from an app config."""
        values: dict[str, int] = {}
        for f in fields(cls):
            key = "REMO_RETENTION_" + f.name.upper()
            if config.get(key) not in (None, ""):
                try:
                    months = int(config[key])
                except (TypeError, ValueError):
                    raise ValueError(f"{key} must be a whole number of months, not {config[key]!r}") from None
                if months < 0:
                    raise ValueError(f"{key} must not be negative")
                values[f.name] = months
        return cls(**values)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (clamped to the month's end).

    >>> months_before(dt.date(2025, 3, 31), 1)
    datetime.date(2025, 2, 28)
    """
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in range(day.day, 27, -1) if day.day > 28 else [day.day]:
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    return dt.date(y, m, 28)


@dataclass
class RetentionReport:
    """What a retention run removed (or would remove): ids per rule, never contents."""

    policy: RetentionPolicy
    today: str
    dry_run: bool
    removed: dict[str, list[str]] = field(default_factory=dict)
    updated: list[str] = field(default_factory=list)
    changes_purged: int = 0

    def counts(self) -> dict[str, int]:
        out = {rule: len(ids) for rule, ids in self.removed.items()}
        out["changes"] = self.changes_purged
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "dry_run": self.dry_run,
            "policy": self.policy.to_dict(),
            "counts": self.counts(),
            "removed": self.removed,
            "updated": self.updated,
        }


def _day(text: Any) -> str:
    return str(text)[:10] if text else ""


def _org_activity(records: list[Record]) -> dict[str, str]:
    """The latest day (ISO) on which each organisation showed activity."""
    last: dict[str, str] = {}

    def seen(org: str, day: str) -> None:
        if day and day > last.get(org, ""):
            last[org] = day

    for r in records:
        d = r.data
        if r.kind == "organisation":
            seen(r.id, _day(r.updated_at))
        elif r.kind == "meeting":
            for org in d.get("attendance", ()):
                seen(org, _day(d.get("date")) or _day(r.updated_at))
        elif r.kind == "introduction":
            for org in (d.get("a"), d.get("b")):
                if org:
                    seen(org, max(_day(d.get("at")), _day(r.updated_at)))
        elif r.kind == "cooperation":
            day = max(_day(d.get("until")), _day(d.get("since")), _day(r.updated_at))
            if not d.get("until"):  # a running cooperation is activity today
                day = "9999-12-31"
            for org in (d.get("a"), d.get("b")):
                if org:
                    seen(org, day)
        elif r.kind == "project":
            day = max(_day(d.get("end")), _day(d.get("start")), _day(r.updated_at))
            if not d.get("end"):
                day = "9999-12-31"
            for m in d.get("members", ()):
                if isinstance(m, dict) and m.get("org"):
                    seen(m["org"], day)
    return last


def _cutoff(today: dt.date, months: int) -> str:
    """The first day a rule keeps (records dated before it are due), or ``""`` when the rule is off (0 months)."""
    return months_before(today, months).isoformat() if months > 0 else ""


def _due_persons(records: list[Record], policy: RetentionPolicy, today: dt.date) -> dict[str, list[Record]]:
    """Persons without consent and organisation, and contacts of organisations long inactive."""
    orgs = {r.id for r in records if r.kind == "organisation"}
    due: dict[str, list[Record]] = {"unlinked_persons": [], "inactive_org_contacts": []}
    c = _cutoff(today, policy.unlinked_persons_months)
    c2 = _cutoff(today, policy.inactive_org_contacts_months)
    activity = _org_activity(records) if c2 else {}
    for r in records:
        if r.kind != "person":
            continue
        linked = [o for o in r.data.get("organisations", ()) if o in orgs]
        if c and not r.data.get("consent") and not linked and _day(r.updated_at) < c:
            due["unlinked_persons"].append(r)
        elif c2 and linked and all(activity.get(o, "") < c2 for o in linked):
            due["inactive_org_contacts"].append(r)
    return due


def _due_records(records: list[Record], policy: RetentionPolicy, today: dt.date) -> dict[str, list[Record]]:
    """Declined introductions, audit entries, mail and access requests older than their rule keeps them."""
    due: dict[str, list[Record]] = {"declined_introductions": [], "audit": [], "mail": [], "access_requests": []}
    c = _cutoff(today, policy.declined_introductions_months)
    if c:
        due["declined_introductions"] = [
            r
            for r in records
            if r.kind == "introduction"
            and r.data.get("status") == "declined"
            and (_day(r.data.get("at")) or _day(r.updated_at)) < c
        ]
    c = _cutoff(today, policy.audit_months)
    if c:
        due["audit"] = [r for r in records if r.kind == AUDIT_KIND and _day(r.data.get("at")) < c]
    c = _cutoff(today, policy.mail_months)
    if c:  # delivered or failed mail (addresses, contact details) and the records of used mail links
        due["mail"] = [
            r
            for r in records
            if (
                r.kind == "message"
                and r.data.get("status") in ("sent", "failed")
                and "" < _day(r.data.get("created_at")) < c
            )
            or (r.kind == "mail_link" and "" < _day(r.data.get("used_at")) < c)
        ]
    c = _cutoff(today, policy.access_requests_months)
    if c:  # requests for access from organisations not (yet) in the network
        due["access_requests"] = [
            r for r in records if r.kind == "access_request" and "" < _day(r.data.get("created_at")) < c
        ]
    return due


def _removal_ops(records: list[Record], due: dict[str, list[Record]]) -> tuple[list[Op], list[str]]:
    """The versioned ops removing what is due, persons with their references (erasure cascades, one after another)."""
    current = {(r.kind, r.id): r for r in records}
    writes: dict[tuple[str, str], Op] = {}
    updated: list[str] = []
    removed_keys = {
        (r.kind, r.id) for rule in ("declined_introductions", "audit", "mail", "access_requests") for r in due[rule]
    }
    for r in due["unlinked_persons"] + due["inactive_org_contacts"]:
        view = [x for k, x in current.items() if k not in removed_keys]
        ops, _ = erasure_ops(view, r.id, "retention")
        for op in ops:
            key = (op.kind, op.id)
            base = writes.get(key)
            version = base.version if base is not None else op.version
            writes[key] = Op(op.kind, op.id, op.data, version)
            if op.data is None:
                current.pop(key, None)
            else:
                old = current[key]
                current[key] = Record(old.kind, old.id, old.version, op.data, old.updated_at, old.updated_by)
                updated.append(f"{op.kind}:{op.id}")
    for key in removed_keys:
        rec = current.get(key)
        if rec is not None:
            writes[key] = Op(rec.kind, rec.id, None, rec.version)
    return list(writes.values()), sorted(set(updated) - {f"{k}:{i}" for k, i in removed_keys})


def plan_retention(
    records: list[Record], policy: RetentionPolicy, today: dt.date
) -> tuple[dict[str, list[Record]], list[Op], list[str]]:
    """Which records the rules remove, and the versioned ops that do it (with erasure cascades)."""
    due = {**_due_persons(records, policy, today), **_due_records(records, policy, today)}
    ops, updated = _removal_ops(records, due)
    return due, ops, updated


def run_retention(
    store: GraphStore,
    policy: RetentionPolicy | None = None,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    actor: str = "retention",
) -> RetentionReport:
    """Apply the retention rules: one transaction for the records, then purge the change log.

    With ``dry_run`` nothing is written; the report says what would go.
    """
    policy = policy or RetentionPolicy()
    today = today or dt.datetime.now(dt.UTC).date()
    report = RetentionReport(policy, today.isoformat(), dry_run)
    if policy.changes_months > 0:
        before = months_before(today, policy.changes_months).isoformat()
        if dry_run:
            report.changes_purged = sum(1 for c in store.changes(limit=10**9) if c.at < before)
        else:
            report.changes_purged = store.purge_changes(before)
    for attempt in range(MAX_RETRIES):
        due, ops, updated = plan_retention(read_records(store), policy, today)
        report.removed = {rule: [r.id for r in recs] for rule, recs in due.items()}
        report.updated = updated
        if dry_run or not (ops or report.changes_purged):
            break
        detail = {"counts": report.counts(), "ids": report.removed}
        try:
            store.apply([*ops, audit_op(actor, "retention", "store", "retention", detail=detail)], actor=actor)
            break
        except ConflictError:
            if attempt == MAX_RETRIES - 1:
                raise
    return report
