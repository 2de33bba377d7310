"""The web package's service layer: pages, the API and the command line share use cases, not each other.

* no module in ``web/views/`` imports the command line (``web.commands``);
* no area package imports another (an area, ``web/views/<area>/``, is one blueprint's feature folder: its
  own modules, routes and forms, may import each other); the helpers several blueprints share are in
  ``web/views/_shared.py``, the form pieces in ``web/views/_forms.py``;
* the service modules (every module of ``web/`` outside ``web/views/`` and ``web/commands/``, except the
  app's plumbing in `NOT_SERVICES`) import no forms, no click and no views.

The imports are read from the source (``ast``), wherever they stand in a file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
VIEWS = WEB / "views"

#: modules of web/ that are no service module, and why
NOT_SERVICES = {
    "web/__init__.py": "the app factory: registers the blueprints and the commands",
    "web/cli.py": "the `remo` entry point (click)",
    "web/errors.py": "the error handlers (a CSRF failure, a form issue's message from web/views/_forms.py)",
    "web/security.py": "the request guards (CSRF protection, access rules)",
}

#: what a service module must not import (the module or any of its submodules)
SERVICE_FORBIDDEN = (
    "click",
    "flask.cli",
    "flask_wtf",
    "wtforms",
    "web.views",
    "web.commands",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path) -> set[str]:
    """Absolute names of what ``path`` imports; ``from X import y`` gives ``X`` and ``X.y`` (y may be a module)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _blueprint_unit(name: str) -> str | None:
    """The area package ``name`` belongs to (``web.views.api`` for the API's modules), or None."""
    parts = name.split(".")
    if len(parts) < 3 or parts[:2] != ["web", "views"] or parts[2].startswith("_"):
        return None
    if (VIEWS / parts[2] / "__init__.py").exists():
        return ".".join(parts[:3])
    return None


def _view_modules() -> list[Path]:
    return sorted(VIEWS.rglob("*.py"))


def _service_modules() -> list[Path]:
    out = []
    for path in sorted(WEB.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if (
            rel in NOT_SERVICES
            or _within(_module_name(path), "web.views")
            or _within(_module_name(path), "web.commands")
        ):
            continue
        out.append(path)
    return out


def test_no_view_imports_the_command_line():
    bad = {
        path.relative_to(ROOT).as_posix(): sorted(n for n in _imported(path) if _within(n, "web.commands"))
        for path in _view_modules()
    }
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"views import the CLI (move the use case to a service module in web/): {bad}"


def test_no_area_imports_another():
    bad = {}
    for path in _view_modules():
        own = _blueprint_unit(_module_name(path))
        others = sorted(
            n for n in _imported(path) if (unit := _blueprint_unit(n)) is not None and unit != own and n != "web.views"
        )
        if others:
            bad[path.relative_to(ROOT).as_posix()] = others
    assert not bad, f"areas import each other (share through web/views/_shared.py or _forms.py): {bad}"


@pytest.mark.parametrize("path", _service_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_service_modules_import_no_forms_no_click_no_views(path):
    hits = sorted(n for n in _imported(path) if any(_within(n, f) for f in SERVICE_FORBIDDEN))
    assert not hits, f"{path.relative_to(ROOT).as_posix()} imports {hits}"


def test_the_exceptions_exist_and_the_checks_see_the_modules():
    assert all((ROOT / rel).is_file() for rel in NOT_SERVICES)
    assert {"web/meetings.py", "web/meeting_plans.py", "web/projects.py", "web/directory.py"} <= {
        p.relative_to(ROOT).as_posix() for p in _service_modules()
    }
    assert _blueprint_unit("web.views.meetings") == "web.views.meetings"
    assert _blueprint_unit("web.views.meetings.routes") == "web.views.meetings"
    assert _blueprint_unit("web.views.api.organisations") == _blueprint_unit("web.views.api") == "web.views.api"
    assert _blueprint_unit("web.views._shared") is None
    assert "web.views.api.docs" in _imported(VIEWS / "api" / "__init__.py")  # `from . import docs` is a module
    assert "web.directory" in _imported(VIEWS / "api" / "organisations.py")  # `from ...directory` is web's
