"""The screenshot script (bench/screenshots.py) works; with REMO_SCREENSHOTS=<folder> it writes all shots there."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_screenshots(browser: Any, start_server: Any, tmp_path: Path) -> None:
    from PIL import Image

    from bench.screenshots import SHOTS, take

    server = start_server()
    wanted = os.environ.get("REMO_SCREENSHOTS")
    out = Path(wanted) if wanted else tmp_path
    shots = SHOTS if wanted else [s for s in SHOTS if s[0] in ("directory", "directory-mobile")]
    written = take(browser, server.url, out, shots)
    assert len(written) == 2 * len(shots)
    for path in written:
        with Image.open(path) as image:
            width = 375 if "mobile" in path.name else 1280
            assert image.size[0] == width, path
        assert path.stat().st_size < 150_000, path
