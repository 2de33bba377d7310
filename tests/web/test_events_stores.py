"""The event workflow and trust on both stores (SQLite and Neo4j): versions, audit entries, all or nothing."""

from __future__ import annotations

import pytest

from graph import ConflictError, ValidationError
from graph.audit import audit_log
from web import events as svc

BASE = {
    "title": "Nähcafé",
    "organisations": ["naehstube"],
    "start": "2026-09-02T10:00",
    "end": "2026-09-02T12:00",
    "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=WE", "exdates": ["2026-09-16"], "except": []},
    "languages": ["de"],
}


def _act(store, vocab, action, **kw):
    kw.setdefault("actor", "rana (for naehstube)")
    kw.setdefault("staff", False)
    kw.setdefault("org_id", "naehstube")
    return svc.event_action(store, vocab, action, **kw)


def test_workflow_versions_and_audit(store, vocab):
    rec = _act(store, vocab, "submit", data=dict(BASE))
    assert rec.id == "naehcafe" and rec.data["status"] == "submitted" and rec.data["submitted_at"]
    with pytest.raises(svc.EventPermissionError):
        _act(store, vocab, "publish", event_id=rec.id, version=rec.version)
    published = _act(
        store, vocab, "publish", actor="stefan", staff=True, org_id=None, event_id=rec.id, version=rec.version
    )
    assert published.data["status"] == "published" and published.version == rec.version + 1
    with pytest.raises(ConflictError):  # a stale version writes nothing
        _act(store, vocab, "cancel", event_id=rec.id, version=rec.version)
    assert store.get("event", rec.id).data["status"] == "published"
    cancelled = _act(store, vocab, "cancel", event_id=rec.id, version=published.version)
    assert cancelled.data["status"] == "cancelled"
    events = [e for e in store.snapshot().network.events if e.id == rec.id]
    assert events and svc.public_events(events) == events  # a cancelled event stays public
    entries = [e for e in audit_log(store, limit=100) if e.source == "audit" and e.kind == "event"]
    assert sorted(e.detail["action"] for e in entries) == ["cancel", "publish", "submit"]
    assert {e.on_behalf_of for e in entries} == {"naehstube", None}


def test_bad_event_writes_nothing(store, vocab):
    with pytest.raises(ValidationError) as exc:
        _act(store, vocab, "submit", data={**BASE, "end": "2026-09-01T09:00"})
    assert "end" in {i.field for i in exc.value.issues}
    with pytest.raises(ValidationError):
        _act(store, vocab, "submit", data={**BASE, "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=XX"}})
    assert store.count("event") == 0
    assert not [e for e in audit_log(store, limit=100) if e.kind == "event"]


def test_trust_lets_a_representative_publish(store, vocab):
    svc.set_trust(store, "naehstube", True, actor="stefan", version=0)
    assert svc.is_trusted(store, "naehstube") and svc.trusted_orgs(store) == {"naehstube"}
    with pytest.raises(ConflictError):  # somebody set it meanwhile
        svc.set_trust(store, "naehstube", False, actor="sabine", version=0)
    rec = _act(store, vocab, "publish", data=dict(BASE))
    assert rec.data["status"] == "published"
    # another organisation's representative cannot change it
    with pytest.raises(svc.EventPermissionError):
        _act(store, vocab, "save", org_id="andere", event_id=rec.id, version=rec.version, data={"title": "X"})
    svc.set_trust(store, "naehstube", False, actor="stefan", version=store.get("event_trust", "naehstube").version)
    edited = _act(store, vocab, "save", event_id=rec.id, version=rec.version, data={"title": "Nähcafé neu"})
    assert edited.data["status"] == "submitted"  # a change without trust goes back to review
