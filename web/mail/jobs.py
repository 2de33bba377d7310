"""Scheduled jobs of ``remo worker``: reminders and digests that fall due.

A job is a function ``(store, now) -> int`` (how many messages it queued) registered with `job`;
each decides from the store what is due (mostly with `GraphStore.due` on its own record kind), so
jobs survive restarts and never run twice for the same thing: the record that says "done" is
written in the same transaction as the messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from graph.store import GraphStore

__all__ = ["JOBS", "job", "run_jobs"]

Job = Callable[[Any, dt.datetime], int]
JOBS: dict[str, Job] = {}


def job(name: str) -> Callable[[Job], Job]:
    def deco(fn: Job) -> Job:
        JOBS[name] = fn
        return fn

    return deco


def run_jobs(store: GraphStore, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every registered job once (needs an app context); returns messages queued per job."""
    from . import digest, introductions, meetings  # noqa: F401 - modules register their jobs on import

    when = now or dt.datetime.now(dt.UTC)
    return {name: fn(store, when) for name, fn in sorted(JOBS.items())}
