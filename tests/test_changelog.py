"""The version moves with the changelog: its newest entry is the version in pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_newest_changelog_entry_is_the_package_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    entries = re.findall(r"^## (\d+\.\d+\.\d+) - (\d{4}-\d{2}-\d{2})$", text, flags=re.M)
    assert entries, "CHANGELOG.md has no '## X.Y.Z - YYYY-MM-DD' entry"
    assert entries[0][0] == version
    assert [e[1] for e in entries] == sorted((e[1] for e in entries), reverse=True)
