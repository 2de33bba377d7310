"""The representatives' side of the meetings on both stores: answers with a version check, publication, reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from graph import ConflictError
from graph.store.base import Op
from matching import MeetingPlan
from web.meetings import DeadlinePassed, meetings_of, publish_ops, set_attendance, today_berlin


@pytest.fixture
def app(store_url):
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "REMO_STORE": store_url})
    yield app
    app.extensions["remo_store"].close()


def _meeting(store, deadline_days=5):
    today = today_berlin()
    doc = {
        "id": "m1",
        "title": "Treffen",
        "date": (today + dt.timedelta(days=10)).isoformat(),
        "place": "Saal",
        "deadline": (today + dt.timedelta(days=deadline_days)).isoformat(),
        "attendance": ["c", "d", "b"],
        "invited": ["a"],
        "must_meet": [["b", "c"]],
    }
    return store.create("meeting", "m1", doc, actor="test")


@pytest.mark.slow  # the Neo4j case takes about 8 s
def test_answers_publication_and_reminder_on_both_stores(app):
    store = app.extensions["remo_store"].store
    first = _meeting(store)
    assert [(m.org, m.answer) for m in meetings_of(store, ["a", "b", "x"])] == [("a", "open"), ("b", "yes")]
    set_attendance(store, "m1", "a", True, actor="rep")
    set_attendance(store, "m1", "b", False, actor="rep")
    rec = store.get("meeting", "m1")
    assert rec.version == first.version + 2
    assert rec.data["attendance"] == ["c", "d", "a"] and rec.data["declined"] == ["b"]
    assert "must_meet" not in rec.data  # b's constraint went with b
    with pytest.raises(ConflictError):  # a staff edit based on the old version is refused
        store.update("meeting", "m1", first.data, first.version, actor="staff")
    with pytest.raises(Exception):  # noqa: B017 - x is not concerned: NotFoundError
        set_attendance(store, "m1", "x", True, actor="rep")

    plan = MeetingPlan("m1", "tables", 2, [[["a", "c"], ["d"]]], 0.5)
    store.create("meeting_plan", "m1", plan.to_dict(), actor="staff")
    assert not meetings_of(store, ["a"])[0].published
    _plan, ops = publish_ops(store, "m1", actor="staff", version=None)
    store.apply(ops, actor="staff")
    assert store.get("meeting_plan", "m1").data["published_by"] == "staff"
    assert meetings_of(store, ["a"])[0].published

    # after the deadline: representatives cannot change, staff can
    rec = store.get("meeting", "m1")
    store.update(
        "meeting",
        "m1",
        {**rec.data, "deadline": (today_berlin() - dt.timedelta(days=1)).isoformat()},
        rec.version,
        actor="staff",
    )
    with pytest.raises(DeadlinePassed):
        set_attendance(store, "m1", "b", True, actor="rep")
    assert "b" not in store.get("meeting", "m1").data["attendance"]
    set_attendance(store, "m1", "b", True, actor="staff", staff=True)
    assert "b" in store.get("meeting", "m1").data["attendance"]

    # the reminder schedule is found with due() and moves on (nobody here has a mail address)
    from web.mail.jobs import run_jobs
    from web.mail.meetings import SCHEDULE_KIND

    store.apply(
        [
            Op(
                SCHEDULE_KIND,
                "m1",
                {"meeting": "m1", "invited": {"a": "x"}, "stage": "eve", "due": "2000-01-01T00:00:00+00:00"},
                None,
            )
        ],
        actor="test",
    )
    with app.app_context():
        assert run_jobs(store, dt.datetime.now(dt.UTC))["meeting_reminders"] == 0
    assert store.get(SCHEDULE_KIND, "m1").data["due"] is None
    assert store.due(SCHEDULE_KIND, "2100-01-01") == []
