"""The cached snapshot is dated anew when the day turns, even when no data changed (clock injected, no sleeping)."""

from __future__ import annotations

import datetime as dt

from graph.clock import network_today
from graph.store.base import Op
from matching import funding_for_org


def _seed(store) -> None:
    org = {"name": "A", "kind": "migrant_organisation", "needs": [{"capability": "rooms", "urgency": 3}]}
    store.apply(
        [
            Op("organisation", "a", {"id": "a", **org}),
            Op("organisation", "b", {"id": "b", "name": "B", "kind": "education"}),
            Op("cooperation", "a--b", {"id": "a--b", "a": "a", "b": "b", "kind": "other", "until": "2026-03-28"}),
            Op(
                "funding_programme",
                "raum",
                {"id": "raum", "name": "Raum", "funds": {"capabilities": ["rooms"]}, "deadline": "2026-03-28"},
            ),
        ],
        actor="test",
    )


def test_snapshot_is_dated_anew_after_midnight(store):
    day = {"today": "2026-03-28"}
    store.set_clock(lambda: day["today"])
    _seed(store)
    first = store.snapshot()
    assert first.today == "2026-03-28"
    assert store.snapshot() is first  # same day, same data: the cached one
    assert first.partners("a") == ["b"]  # the cooperation runs until today
    assert [m.programme for m in funding_for_org(first, "a").matches] == ["raum"]

    day["today"] = "2026-03-29"  # midnight passed, nothing was written
    second = store.snapshot()
    assert second is not first and second.today == "2026-03-29"
    assert second.generation == first.generation
    assert second.partners("a") == []  # the cooperation ended yesterday
    assert funding_for_org(second, "a").matches == []  # the deadline has passed
    assert store.snapshot() is second


def test_the_default_clock_is_today_in_berlin(sqlite_store):
    # 23:30 UTC on 28 March is 00:30 on the 29th in Berlin
    assert network_today(dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)) == "2026-03-29"
    assert sqlite_store.snapshot().today == network_today()
