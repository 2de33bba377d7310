"""The deletion concept: retention rules per data type."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.audit import record_access
from graph.io import import_document
from graph.retention import RetentionPolicy, months_before, run_retention

TODAY = dt.date.today()
CONSENT = {"date": "2025-01-01", "version": "1.0"}


def _doc() -> dict:
    return {
        "organisations": [
            {"id": "active", "name": "Active", "kind": "migrant_organisation"},
            {"id": "sleepy", "name": "Sleepy", "kind": "migrant_organisation"},
            {"id": "partner", "name": "Partner", "kind": "education"},
        ],
        "persons": [
            {"id": "p-unlinked", "name": "Una Linked"},
            {"id": "p-unlinked-consent", "name": "Con Sent", "consent": CONSENT},
            {"id": "p-active", "name": "Act Ive", "organisations": ["active"], "consent": CONSENT},
            {"id": "p-sleepy", "name": "Slee Py", "organisations": ["sleepy"], "consent": CONSENT},
            {"id": "p-both", "name": "Bo Th", "organisations": ["sleepy", "active"]},
        ],
        "cooperations": [{"a": "active", "b": "partner", "kind": "event", "since": "2024-01-01"}],
        "meetings": [
            {
                "id": "m1",
                "title": "Treffen",
                "date": "2024-04-01",
                "attendance": ["active", "sleepy"],
                "persons": ["p-sleepy", "p-active", "p-unlinked"],
            }
        ],
        "introductions": [
            {"id": "i-declined", "a": "active", "b": "sleepy", "status": "declined", "at": "2024-01-10"},
            {"id": "i-accepted", "a": "active", "b": "partner", "status": "accepted", "at": "2024-01-10"},
        ],
    }


def test_policy_from_config_and_month_arithmetic():
    assert RetentionPolicy.from_config({}) == RetentionPolicy()
    p = RetentionPolicy.from_config({"REMO_RETENTION_UNLINKED_PERSONS_MONTHS": "6", "REMO_RETENTION_AUDIT_MONTHS": 0})
    assert (p.unlinked_persons_months, p.audit_months, p.changes_months) == (6, 0, 24)
    with pytest.raises(ValueError, match="REMO_RETENTION_AUDIT_MONTHS"):
        RetentionPolicy.from_config({"REMO_RETENTION_AUDIT_MONTHS": "two years"})
    with pytest.raises(ValueError):
        RetentionPolicy.from_config({"REMO_RETENTION_AUDIT_MONTHS": "-1"})
    assert months_before(dt.date(2025, 1, 15), 13) == dt.date(2023, 12, 15)
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)


def test_nothing_is_due_today(store):
    store.init()
    import_document(store, _doc())
    report = run_retention(store)
    assert report.counts() == {
        "unlinked_persons": 0,
        "inactive_org_contacts": 0,
        "declined_introductions": 1,  # dated 2024-01-10, more than 12 months ago
        "audit": 0,
        "mail": 0,
        "access_requests": 0,
        "changes": 0,
    }


def test_rules_apply_after_their_periods(store):
    store.init()
    import_document(store, _doc())
    record_access(store, "anna", "view", "person", "p-active")
    later = months_before(TODAY, -25)  # 25 months from now: every period has passed
    dry = run_retention(store, today=later, dry_run=True)
    assert store.count("person") == 5 and store.count("audit") == 1
    assert dry.removed["unlinked_persons"] == ["p-unlinked"]
    # p-both is also a contact of an active organisation (running cooperation): stays
    assert dry.removed["inactive_org_contacts"] == ["p-sleepy"]
    assert dry.removed["declined_introductions"] == ["i-declined"]
    assert len(dry.removed["audit"]) == 1
    assert dry.changes_purged > 0

    report = run_retention(store, today=later, actor="nightly")
    assert report.removed == dry.removed
    persons = sorted(r.id for r in store.list("person"))
    # consented but unlinked persons stay (consent is their legal basis); active organisations' contacts stay
    assert persons == ["p-active", "p-both", "p-unlinked-consent"]
    assert [r.id for r in store.list("introduction")] == ["i-accepted"]
    assert store.get("meeting", "m1").data["persons"] == ["p-active"]
    logs = [r.data for r in store.list("audit")]
    assert len(logs) == 1 and logs[0]["action"] == "retention" and logs[0]["actor"] == "nightly"
    assert logs[0]["detail"]["counts"]["unlinked_persons"] == 1
    assert "Una Linked" not in str(logs[0])
    assert store.changes(limit=1000, kind="organisation") == []
    # the network still loads
    assert len(store.snapshot().network.persons) == 3


def test_switched_off_rules_remove_nothing(sqlite_store):
    import_document(sqlite_store, _doc())
    off = RetentionPolicy(0, 0, 0, 0, 0)
    report = run_retention(sqlite_store, off, today=months_before(TODAY, -100))
    assert sum(report.counts().values()) == 0
    assert sqlite_store.count("audit") == 0


def test_old_mail_used_links_and_access_requests_go(store):
    store.init()
    old, new = "2024-01-05T10:00:00+00:00", dt.datetime.now(dt.UTC).isoformat()
    for i, (status, created) in enumerate([("sent", old), ("failed", old), ("queued", old), ("sent", new)]):
        store.create(
            "message",
            f"m{i}",
            {"status": status, "created_at": created, "due": None, "to": [{"address": "a@example.org"}]},
        )
    store.create("mail_link", "l-old", {"action": "password_reset", "ref": "x", "used_at": old})
    store.create("mail_link", "l-new", {"action": "password_reset", "ref": "x", "used_at": new})
    store.create("access_request", "r-old", {"organisation": "V", "email": "a@example.org", "created_at": old})
    store.create("access_request", "r-new", {"organisation": "W", "email": "b@example.org", "created_at": new})
    report = run_retention(store)
    assert sorted(report.removed["mail"]) == ["l-old", "m0", "m1"]  # a message still waiting stays
    assert report.removed["access_requests"] == ["r-old"]
    assert sorted(r.id for r in store.list("message")) == ["m2", "m3"]
    assert [r.id for r in store.list("mail_link")] == ["l-new"]
    assert [r.id for r in store.list("access_request")] == ["r-new"]
    never = RetentionPolicy(mail_months=0, access_requests_months=0)
    off = run_retention(store, never, today=months_before(TODAY, -30))
    assert off.removed["mail"] == [] and off.removed["access_requests"] == []
