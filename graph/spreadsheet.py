"""Spreadsheet cells that cannot turn into formulas (OWASP "CSV Injection").

A text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return becomes a live formula when a
spreadsheet opens the file (``=HYPERLINK(…)`` in an organisation's name, say). Every CSV and XLSX file
ReMo writes goes through this module:

- CSV: such a cell gets a leading apostrophe (``'=1+1``), as OWASP advises; `restore_cell` takes it off
  again when ReMo reads its own CSV back (``remo import``), so an export round-trips unchanged. The rule is
  exact both ways: a text that already starts with apostrophes before such a character gets one more.
- XLSX: such a cell is written as text with Excel's "quote prefix" (what Excel itself stores when someone
  types ``'=1+1``): the value stays unchanged, shows as text and is never evaluated.

Only texts are touched; numbers (a year, an urgency) stay numbers.

Example
-------
>>> neutralise_cell("=HYPERLINK(\\"http://x.example\\")")
'\\'=HYPERLINK("http://x.example")'
>>> neutralise_cell("+49 2191 123"), neutralise_cell("Köprü e.V."), neutralise_cell(-3)
("'+49 2191 123", 'Köprü e.V.', -3)
>>> restore_cell(neutralise_cell("'-x")) == "'-x"
True
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "FORMULA_START",
    "csv_text",
    "is_formula_like",
    "neutralise_cell",
    "neutralise_row",
    "restore_cell",
    "xlsx_append",
]

#: the first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """True for a text that a spreadsheet would evaluate, also behind apostrophes we would add."""
    if not isinstance(value, str):
        return False
    return value.lstrip("'").startswith(FORMULA_START)


def neutralise_cell(value: Any) -> Any:
    """``value`` safe for a CSV cell: an apostrophe in front of a formula-like text."""
    return "'" + value if is_formula_like(value) else value


def restore_cell(value: Any) -> Any:
    """The inverse of `neutralise_cell` (for reading ReMo's own CSV files back)."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise_cell(v) for v in row]


def csv_text(rows: Iterable[Sequence[Any]], **fmtparams: Any) -> str:
    """``rows`` as CSV text with every cell neutralised (``fmtparams`` as for `csv.writer`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, **fmtparams)
    for row in rows:
        writer.writerow(neutralise_row(row))
    return buf.getvalue()


def xlsx_append(ws: Any, row: Sequence[Any]) -> None:
    """Append ``row`` to the openpyxl worksheet ``ws``; formula-like texts become quoted text cells."""
    ws.append(["" if is_formula_like(v) else v for v in row])
    r = ws.max_row
    for c, v in enumerate(row, start=1):
        if is_formula_like(v):
            cell = ws.cell(row=r, column=c)
            cell.value = v  # openpyxl reads a leading "=" as a formula: make it text again
            cell.data_type = "s"
            cell.quotePrefix = True
