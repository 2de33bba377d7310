"""Files with personal data: written atomically and readable by their owner only (mode 0600).

Backups, exports and the SQLite database hold password hashes and personal data, so they must not be
world-readable whatever the process's umask is. `private_file` creates a temporary file next to the
target with mode 0600 (``O_EXCL``: never someone else's file), lets the caller fill it, flushes it to
disk and renames it over the target, so that readers see the old file or the whole new one. A folder
made for such files gets mode 0700.

Example
-------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with private_file(folder / "a.json") as tmp:
...     _ = tmp.write_text("{}")
>>> oct((folder / "a.json").stat().st_mode & 0o777)
'0o600'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PRIVATE_DIR_MODE", "PRIVATE_FILE_MODE", "make_private_dir", "private_file", "write_private"]

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def make_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and missing parents) with mode 0700; an existing folder is left as it is."""
    path = Path(path)
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        try:
            os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
        except OSError:  # pragma: no cover - e.g. a file system without modes
            pass
    return path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


@contextmanager
def private_file(path: str | os.PathLike[str], *, suffix: str = ".part") -> Iterator[Path]:
    """Yield an empty temporary file (mode 0600) that replaces ``path`` when the block ends without error.

    The caller writes the temporary file by name (SQLite, openpyxl and friends open it themselves).
    On an error the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(path.name + suffix)
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, PRIVATE_FILE_MODE)  # a writer that re-created the file gets the mode back
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_private(path: str | os.PathLike[str], data: bytes | str, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically with mode 0600; returns the path."""
    with private_file(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding=encoding)
        else:
            tmp.write_bytes(data)
    return Path(path)
