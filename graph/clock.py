"""Today's date in the network's time zone (Europe/Berlin): where a snapshot's ``today`` comes from.

The day turns at midnight in Berlin, not at midnight UTC or in the server's own zone. `network_today`
is the one clock of the snapshot cache (`graph.store.SnapshotCache`), so a long-running worker dates
its snapshot anew after midnight even when no data changed; tests give the cache a clock of their own
(`graph.store.StoreBase.set_clock`).

>>> import datetime as dt
>>> network_today(dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC))  # 00:30 in Berlin (CET)
'2026-03-29'
>>> network_today(dt.datetime(2026, 7, 1, 21, 59, tzinfo=dt.UTC))  # 23:59 in Berlin (CEST)
'2026-07-01'
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["NETWORK_TZ", "network_today"]

#: the time zone of the network's dates (deadlines, "upcoming", active cooperations) and of event times
NETWORK_TZ = "Europe/Berlin"
_ZONE = ZoneInfo(NETWORK_TZ)


def network_today(now: dt.datetime | None = None) -> str:
    """The ISO day of ``now`` (default: the current time) in `NETWORK_TZ`."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(_ZONE).date().isoformat()
