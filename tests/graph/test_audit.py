"""The audit log: entries without contents, merged with the change log, coalesced views, retention."""

from __future__ import annotations

import pytest

from graph import audit
from graph.audit import audit_log, purge_audit, record_access, viewed


@pytest.fixture(autouse=True)
def _fresh_view_cache():
    audit._recent.clear()
    yield
    audit._recent.clear()


def test_record_access_writes_an_entry_without_contents(store):
    store.init()
    store.create("organisation", "a", {"id": "a", "name": "A", "kind": "education"}, actor="anna")
    rid = record_access(store, "bert", "view", "organisation", "a", on_behalf_of="a")
    rec = store.get("audit", rid)
    assert rec is not None
    assert set(rec.data) == {"at", "actor", "action", "kind", "id", "on_behalf_of"}
    assert (rec.data["actor"], rec.data["action"], rec.data["on_behalf_of"]) == ("bert", "view", "a")
    assert "A" not in rec.data.values()
    entries = audit_log(store, kind="organisation", id="a")
    assert [(e.actor, e.action, e.source, e.change) for e in entries] == [
        ("bert", "view", "audit", ""),
        ("anna", "change", "changes", "create"),
    ]
    assert audit_log(store, actor="anna")[0].change == "create"
    assert audit_log(store, include_changes=False)[0].on_behalf_of == "a"


def test_unknown_action_is_refused(sqlite_store):
    with pytest.raises(ValueError, match="unknown audit action"):
        record_access(sqlite_store, "x", "peek", "person", "p1")


def test_audit_ids_sort_by_time_and_are_unique():
    ids = [audit.new_audit_id() for _ in range(200)]
    assert len(set(ids)) == 200
    assert ids[0][:8].isdigit() and ids[0][8] == "T"


def test_viewed_coalesces_repeated_views(sqlite_store):
    assert viewed(sqlite_store, "anna", "person", "p1") is True
    assert viewed(sqlite_store, "anna", "person", "p1") is False
    assert viewed(sqlite_store, "anna", "person", "p1", on_behalf_of="org-a") is True
    assert viewed(sqlite_store, "bert", "person", "p1") is True
    assert viewed(sqlite_store, "anna", "person", "p1", window=0) is True
    assert sqlite_store.count("audit") == 4


def test_audit_log_limit_and_changes_of_audit_records_are_not_listed(sqlite_store):
    for i in range(5):
        record_access(sqlite_store, "anna", "view", "person", f"p{i}")
    entries = audit_log(sqlite_store, limit=3)
    assert len(entries) == 3
    assert all(e.kind == "person" and e.source == "audit" for e in entries)


def test_purge_audit(sqlite_store):
    record_access(sqlite_store, "anna", "view", "person", "p1")
    assert purge_audit(sqlite_store, "2000-01-01") == []
    ids = purge_audit(sqlite_store, "9999-01-01", dry_run=True)
    assert len(ids) == 1 and sqlite_store.count("audit") == 1
    assert purge_audit(sqlite_store, "9999-01-01") == ids
    assert sqlite_store.count("audit") == 0
