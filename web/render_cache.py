"""Public renderings (map PNG/SVG/PDF/GEXF/GraphML, brochure PDF/HTML) cached in files, shared by all workers.

A rendering depends only on the data (the store's generation counter, plus the map layout's version
for the map), the language, the day and the request's parameters; the key is a hash of all of them.
Each rendering is a file under ``REMO_RENDER_CACHE_DIR`` (default: ``render-cache`` in the instance
folder), written atomically (mode 0600), so every gunicorn worker serves what any worker rendered.
A lock file per key makes concurrent requests for the same rendering wait for the one that renders
instead of rendering it again. A write moves the generation, so old renderings are never served
again; they are removed with the oldest files once the folder exceeds ``REMO_RENDER_CACHE_MB``
(``0`` switches the cache off).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g

from graph.files import make_private_dir, write_private

__all__ = ["CACHE_FORMAT", "cache_dir", "cached", "init_app", "prune"]

#: part of every key: bump when the renderers change the output for the same data
CACHE_FORMAT = "remo-render/1"
DEFAULT_MB = 64
_prune_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.config.setdefault("REMO_RENDER_CACHE_DIR", "")
    app.config.setdefault("REMO_RENDER_CACHE_MB", DEFAULT_MB)


def cache_dir() -> Path | None:
    """The cache folder of the current app (None when the cache is off)."""
    cfg = current_app.config
    mb = cfg.get("REMO_RENDER_CACHE_MB", DEFAULT_MB)
    if mb is False or float(mb or 0) <= 0:
        return None
    folder = cfg.get("REMO_RENDER_CACHE_DIR") or os.path.join(current_app.instance_path, "render-cache")
    return Path(folder)


def _key(kind: str, parts: dict[str, Any]) -> str:
    cfg = current_app.config
    salt = {
        "format": CACHE_FORMAT,
        "store": cfg.get("REMO_STORE"),
        "font": cfg.get("REMO_BROCHURE_FONT"),
        "content_lang": cfg.get("REMO_CONTENT_LANG"),
    }
    blob = json.dumps({"kind": kind, "salt": salt, **parts}, sort_keys=True, ensure_ascii=False, default=str)
    return f"{kind}-{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:40]}"


def cached(kind: str, parts: dict[str, Any], render: Callable[[], bytes]) -> tuple[bytes, str]:
    """``(data, etag)``: the rendering for ``parts`` from the cache, or ``render()`` stored for next time.

    ``parts`` must hold everything the output depends on (generation, language, parameters).
    ``g.remo_rendered`` is set when this request rendered (the rate limiter counts only those).
    """
    key = _key(kind, parts)
    folder = cache_dir()
    if folder is None:
        g.remo_rendered = True
        return render(), key
    path = folder / key
    data = _read(path)
    if data is not None:
        return data, key
    lock_path = folder / (key + ".lock")
    try:
        make_private_dir(folder)
        lock = open(lock_path, "a")  # noqa: SIM115 - closed below
    except OSError as exc:  # a read-only or full disk: serve without the cache, loudly
        current_app.logger.warning("render cache %s unusable, rendering without it: %s", folder, exc)
        g.remo_rendered = True
        return render(), key
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one renders, the others wait and read its file
        try:
            data = _read(path)
            if data is None:
                g.remo_rendered = True
                data = render()
                try:
                    write_private(path, data)
                except OSError as exc:
                    current_app.logger.warning("render cache %s: cannot store a rendering: %s", folder, exc)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    try:
        lock_path.unlink()
    except OSError:
        pass
    prune(folder)
    return data, key


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:  # pragma: no cover
        pass
    return data


def prune(folder: Path, limit_bytes: int | None = None) -> int:
    """Remove the least recently used renderings until the folder is within the limit; returns how many."""
    if limit_bytes is None:
        limit_bytes = int(float(current_app.config.get("REMO_RENDER_CACHE_MB", DEFAULT_MB)) * 1024 * 1024)
    with _prune_lock:
        entries = []
        try:
            with os.scandir(folder) as it:
                for e in it:
                    if e.is_file() and not e.name.endswith((".lock", ".part")):
                        st = e.stat()
                        entries.append((st.st_mtime, st.st_size, e.path))
        except OSError:
            return 0
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _mtime, size, name in sorted(entries):
            if total <= limit_bytes:
                break
            try:
                os.unlink(name)
            except OSError:
                continue
            total -= size
            removed += 1
        return removed
