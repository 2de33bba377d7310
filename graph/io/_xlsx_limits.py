"""Limits an XLSX workbook must keep before openpyxl reads it (zip bombs, far-away cells, slow files).

An ``.xlsx`` file is a zip archive of XML parts. openpyxl unpacks the parts it needs in memory
(the shared strings entirely) and, in read-only mode, pads every row to the width the sheet's
``<dimension>`` claims and yields every row up to its height, so one cell at ``XFD1048576`` in a
5 KB file means 17 billion cells, and a 1.5 MB file of zeros unpacks to 1.5 GB. `check_xlsx` looks
at the archive first, without openpyxl:

* at most `MAX_ENTRIES` parts; every part's declared size, their sum, and the compression ratio of
  each large part are bounded (`MAX_UNPACKED_BYTES`, `MAX_RATIO`);
* every part is then unpacked as a stream, counting the bytes really produced (a part that
  unpacks to more or less than it declares is refused as damaged), and for every worksheet the
  extent is taken from the ``<dimension>`` it claims and the cells and rows it really holds: at most
  `MAX_ROWS` rows, `MAX_COLUMNS` columns and `MAX_CELLS` rows x columns.

`Deadline` bounds the time openpyxl then takes (`MAX_SECONDS`). Every refusal is a
`ValidationError` whose reason names the limit.
"""

from __future__ import annotations

import re
import time
import zipfile
from typing import IO

from .._errors import Issue, ValidationError

__all__ = [
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_ENTRIES",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_SECONDS",
    "MAX_UNPACKED_BYTES",
    "Deadline",
    "check_xlsx",
]

MAX_UNPACKED_BYTES = 256 * 2**20  # all parts together, unpacked
MAX_RATIO = 200  # unpacked / packed size of one part larger than RATIO_FROM bytes
RATIO_FROM = 2**20
MAX_ENTRIES = 2000
MAX_ROWS = 1_048_576
MAX_COLUMNS = 1000
MAX_CELLS = 5_000_000  # rows x columns of one sheet (100,000 organisations x 50 columns)
MAX_SECONDS = 300.0

_CHUNK = 1 << 20
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?\""
)
# a cell's reference ("AB12") and a row's number ("12"): the only ``r`` attributes of a sheet's XML
_CELL = re.compile(rb"\sr=\"\$?([A-Z]{1,7})\$?[0-9]")
_ROW = re.compile(rb"\sr=\"([0-9]{1,10})\"")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b")


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _refuse(source: str, value: object, reason: str, code: str = "too_large") -> ValidationError:
    return ValidationError(Issue("file", value, reason, where=source, code=code))


class _Extent:
    """The rows and columns a worksheet claims (``<dimension>``) and really uses, fed in chunks."""

    def __init__(self) -> None:
        self.rows = self.columns = self.row_tags = 0
        self._tail = b""
        self._dimension_seen = False

    def feed(self, chunk: bytes) -> None:
        """The next chunk of the part; ``b""`` at the end."""
        text = self._tail + chunk
        # up to the last ">" every tag is complete; the rest waits for the next chunk
        boundary = len(text) if not chunk else text.rfind(b">") + 1
        head, self._tail = text[:boundary], text[boundary:]
        if not self._dimension_seen:
            m = _DIMENSION.search(head)
            if m:
                self._dimension_seen = True
                last_col, last_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
                self.rows = max(self.rows, int(last_row))
                self.columns = max(self.columns, _column(last_col))
        cols = _CELL.findall(head)
        if cols:
            width = max(map(len, cols))
            self.columns = max(self.columns, _column(max(c for c in cols if len(c) == width)))
        rows = _ROW.findall(head)
        if rows:
            self.rows = max(self.rows, max(map(int, rows)))
        self.row_tags += len(_ROW_TAG.findall(head))

    def check(self, where: str) -> None:
        rows = max(self.rows, self.row_tags)
        if rows > MAX_ROWS:
            raise _refuse(where, rows, f"the sheet has {rows:,} rows; at most {MAX_ROWS:,} are read")
        if self.columns > MAX_COLUMNS:
            reason = f"the sheet has {self.columns:,} columns; at most {MAX_COLUMNS:,} are read"
            raise _refuse(where, self.columns, reason)
        if rows * self.columns > MAX_CELLS:
            raise _refuse(
                where,
                rows * self.columns,
                f"the sheet spans {rows:,} rows x {self.columns:,} columns; at most {MAX_CELLS:,} cells are read "
                "(delete the far-away cells or the empty rows and columns)",
            )


def _stream(fh: IO[bytes]):
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return
        yield chunk


def check_xlsx(zf: zipfile.ZipFile, source: str) -> None:
    """Refuse a workbook (an open `zipfile.ZipFile`) that exceeds a limit, before openpyxl reads it."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise _refuse(source, len(infos), f"the workbook has {len(infos):,} parts; at most {MAX_ENTRIES:,} are read")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNPACKED_BYTES:
        raise _refuse(
            source, declared, f"the workbook unpacks to {declared:,} bytes; at most {MAX_UNPACKED_BYTES:,} are read"
        )
    for info in infos:
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(
                source,
                info.filename,
                f"the part {info.filename} unpacks {info.file_size // max(info.compress_size, 1):,} times larger "
                f"than it is packed; at most {MAX_RATIO} times (a zip bomb?)",
            )
    total = 0
    for info in infos:
        name = info.filename
        sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
        extent = _Extent() if sheet else None
        size = 0
        try:
            with zf.open(info) as fh:
                for chunk in _stream(fh):
                    size += len(chunk)
                    total += len(chunk)
                    if size > info.file_size or total > MAX_UNPACKED_BYTES:
                        raise _refuse(source, name, f"the workbook unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
                    if extent is not None:
                        extent.feed(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise _refuse(
                source, name, f"the part {name} is damaged ({exc.__class__.__name__})", code="binary_file"
            ) from exc
        if size != info.file_size:
            raise _refuse(source, name, f"the part {name} is damaged (its size differs)", code="binary_file")
        if extent is not None:
            extent.feed(b"")
            extent.check(f"{source} ({name})")


class Deadline:
    """``tick()`` raises a `ValidationError` once `MAX_SECONDS` have passed since it was made."""

    def __init__(self, source: str, seconds: float | None = None) -> None:
        self.source = source
        self.seconds = MAX_SECONDS if seconds is None else seconds
        self.until = time.monotonic() + self.seconds

    def tick(self) -> None:
        if time.monotonic() > self.until:
            raise _refuse(
                self.source, None, f"reading the workbook took longer than {self.seconds:g} seconds", code="too_slow"
            )
