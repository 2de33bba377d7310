"""The command line imports what it uses: heavy libraries load only in the commands that need them.

Each check runs in a fresh interpreter and looks at ``sys.modules`` (the test process has imported everything).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: libraries that cost start-up time
HEAVY = {"sklearn", "scipy", "networkx", "neo4j"}


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _loaded_after(code: str, **env: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after ``code`` ran (its stdout is dropped)."""
    probe = (
        "import contextlib, io, json, sys\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = _run(probe, **env)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("package", ["graph", "graph.io", "matching"])
def test_every_exported_name_resolves(package):
    code = (
        f"import {package}\n"
        f"missing = [n for n in {package}.__all__ if getattr({package}, n, None) is None]\n"
        f"assert not missing, missing\n"
        f"assert set({package}.__all__) <= set(dir({package}))\n"
        f"exec('from {package} import *')\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("package", ["graph", "graph.io", "matching"])
def test_unknown_names_still_raise(package):
    done = _run(f"import {package}\n{package}.no_such_name")
    assert done.returncode == 1 and "has no attribute 'no_such_name'" in done.stderr


def test_importing_graph_and_its_import_code_loads_no_graph_library():
    assert not _loaded_after("import graph") & HEAVY
    assert not _loaded_after("import graph.io") & HEAVY


def test_a_snapshot_still_loads_networkx_when_it_is_used():
    assert "networkx" in _loaded_after("from graph import to_networkx")


def test_importing_matching_loads_none_of_its_libraries():
    assert not _loaded_after("import matching") & (HEAVY | {"numpy"})


def _remo(args: list[str], modules_file: Path) -> subprocess.CompletedProcess[str]:
    """``remo ARGS`` in a fresh interpreter; the top-level packages it loaded go to ``modules_file`` (JSON)."""
    code = (
        "import json, sys\n"
        "from web.cli import main\n"
        f"sys.argv = ['remo', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    with open({str(modules_file)!r}, 'w') as f:\n"
        "        json.dump(sorted({m.split('.')[0] for m in sys.modules}), f)\n"
    )
    return _run(code, REMO_CLI_LANG="en")


def test_help_loads_no_heavy_library(tmp_path):
    done = _remo(["--help"], tmp_path / "modules.json")
    assert done.returncode == 0, done.stderr
    assert "orgs" in done.stdout and "suggest" in done.stdout and "plan-meeting" in done.stdout
    loaded = set(json.loads((tmp_path / "modules.json").read_text()))
    assert not loaded & (HEAVY | {"numpy", "matching"}), sorted(loaded & (HEAVY | {"numpy", "matching"}))


def test_the_lazy_registry_names_every_command_and_its_module():
    import importlib

    from web.commands import COMMAND_MODULES, all_commands

    found = {}
    for module in set(COMMAND_MODULES.values()):
        for cmd in importlib.import_module(f"web.commands.{module}").COMMANDS:
            found[cmd.name] = module
    assert found == COMMAND_MODULES
    assert set(all_commands()) == set(COMMAND_MODULES)  # no module is missing from the registry


def test_plan_meeting_help_names_the_planners_time_limit(runner):
    from matching import MeetingPlanner

    out = runner.invoke(args=["plan-meeting", "--help"]).output
    assert f"by default the planner's {MeetingPlanner().time_limit:g}" in " ".join(out.split())
