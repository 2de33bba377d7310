"""The floors hold: web -> matching -> graph, and the lower floors load no web framework or store driver."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# what each package must never import (its own modules' import statements, anywhere in the file)
FORBIDDEN = {
    "graph": {"matching", "web", "flask", "flask_babel", "flask_login", "flask_wtf", "click"},
    "matching": {"web", "flask", "flask_babel", "flask_login", "flask_wtf", "click", "neo4j", "sqlite3"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_or_framework_imports(package):
    bad = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        hits = _imports(path) & FORBIDDEN[package]
        if hits:
            bad[str(path.relative_to(ROOT))] = sorted(hits)
    assert not bad, f"{package} imports what it must not: {bad}"


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_matching_loads_no_framework_and_no_store_driver():
    loaded = _loaded_after("import matching")
    assert not loaded & {"flask", "werkzeug", "jinja2", "click", "neo4j", "sqlite3", "web"}


def test_importing_graph_loads_neither_matching_nor_web_nor_a_driver():
    loaded = _loaded_after("import graph")
    assert not loaded & {"matching", "web", "flask", "neo4j", "sqlite3"}
