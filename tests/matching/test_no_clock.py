"""matching/ reads no clock: the caller passes the time (``created_at``, ``today``, the snapshot's ``today``).

The check walks the source of every module with `ast` and resolves import aliases (``import datetime as dt``,
``from datetime import date``, ``from time import time``), so ``dt.date.today()`` is found as ``datetime.date.today``.
Interval timers for search time limits (``time.perf_counter``, ``time.monotonic``) say nothing about the date
and stay allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

MATCHING = Path(__file__).resolve().parents[2] / "matching"

#: calls that read the wall clock or today's date
CLOCK_CALLS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
    }
)


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> full dotted name, for the module's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def clock_calls(source: str, filename: str = "<source>") -> list[str]:
    """``"file:line: name()"`` for every clock call in ``source``."""
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name is None:
            continue
        head, _, rest = name.partition(".")
        full = aliases.get(head, head) + (f".{rest}" if rest else "")
        if full in CLOCK_CALLS:
            found.append(f"{filename}:{node.lineno}: {name}()")
    return found


def test_the_check_finds_every_spelling():
    source = """
import datetime as dt
import time
from datetime import date, datetime
from time import time as now
dt.datetime.now(dt.UTC)
dt.date.today()
datetime.utcnow()
date.today()
time.time()
now()
time.perf_counter()
dt.date.fromisoformat("2025-01-01")
"""
    assert [x.split(": ")[1] for x in clock_calls(source)] == [
        "dt.datetime.now()",
        "dt.date.today()",
        "datetime.utcnow()",
        "date.today()",
        "time.time()",
        "now()",
    ]


def test_matching_reads_no_clock():
    files = sorted(MATCHING.rglob("*.py"))
    assert len(files) > 10
    found = [hit for path in files for hit in clock_calls(path.read_text(encoding="utf-8"), path.name)]
    assert found == [], "matching/ must not read the clock; pass the time in:\n" + "\n".join(found)
