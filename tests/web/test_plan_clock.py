"""The web service layer passes the time to the planner (matching reads no clock)."""

from __future__ import annotations

from matching import MeetingPlan
from web.meeting_plans import load_plan, save_plan


def test_save_plan_stamps_a_plan_without_created_at(sqlite_store):
    save_plan(sqlite_store, MeetingPlan("m1", "tables", 2, [[["a", "c"], ["d"]]], 0.5), actor="staff")
    plan, version = load_plan(sqlite_store, "m1")
    assert plan is not None and plan.created_at[:2] == "20" and plan.created_at.endswith("+00:00")
    kept = MeetingPlan("m1", "tables", 2, [[["a", "c"], ["d"]]], 0.5, created_at="2026-03-28T10:00:00+00:00")
    save_plan(sqlite_store, kept, actor="staff", version=version)
    assert load_plan(sqlite_store, "m1")[0].created_at == "2026-03-28T10:00:00+00:00"
