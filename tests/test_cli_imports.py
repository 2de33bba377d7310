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


def test_orgs_list_loads_no_heavy_library_and_lists_the_network(demo_app, demo_doc, tmp_path):
    url = demo_app.config["REMO_STORE"]
    done = _remo(["--store", url, "orgs", "list"], tmp_path / "modules.json")
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines()]
    assert listed == sorted(o["id"] for o in demo_doc["organisations"])
    loaded = set(json.loads((tmp_path / "modules.json").read_text()))
    assert not loaded & (HEAVY | {"numpy", "matching"}), sorted(loaded & (HEAVY | {"numpy", "matching"}))


def test_a_store_command_prints_what_it_prints_in_the_web_app(demo_app, demo_doc, tmp_path):
    """``remo`` runs suggest in the app without pages: same output as in the whole app."""
    org = demo_doc["organisations"][0]["id"]
    args = ["suggest", org, "--json", "--lang", "en"]
    whole = demo_app.test_cli_runner().invoke(args=args)
    assert whole.exit_code == 0, whole.output
    done = _remo(["--store", demo_app.config["REMO_STORE"], *args], tmp_path / "modules.json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(whole.output)
    assert "flask_login" not in set(json.loads((tmp_path / "modules.json").read_text()))  # no pages were set up


def test_the_lazy_registry_names_every_command_and_its_module():
    import importlib

    from web.commands import COMMAND_MODULES, all_commands

    found = {}
    for module in set(COMMAND_MODULES.values()):
        for cmd in importlib.import_module(f"web.commands.{module}").COMMANDS:
            found[cmd.name] = module
    assert found == COMMAND_MODULES
    assert set(all_commands()) == set(COMMAND_MODULES)  # no module is missing from the registry


def test_only_store_commands_run_without_the_pages():
    import click

    from web.cli import cli
    from web.commands import load_command, needs_pages

    root = click.Context(cli)
    orgs = click.Context(load_command("orgs"), parent=root)
    assert not needs_pages(click.Context(orgs.command.get_command(orgs, "list"), parent=orgs))
    assert not needs_pages(click.Context(load_command("suggest"), parent=root))
    for name in ("serve", "mail", "worker", "brochure", "meeting-outcomes"):
        cmd = load_command(name)
        leaf = cmd.get_command(click.Context(cmd), next(iter(cmd.commands))) if isinstance(cmd, click.Group) else cmd
        assert needs_pages(click.Context(leaf, parent=click.Context(cmd, parent=root))), name
    demo = click.Context(load_command("demo"), parent=root)
    assert needs_pages(click.Context(load_command("init"), parent=demo))  # remo demo serves the app it made
    assert needs_pages(None)


def test_the_store_app_has_the_configuration_but_no_pages(tmp_path, monkeypatch):
    from web import create_app

    monkeypatch.setenv("REMO_STORE", f"sqlite:///{tmp_path}/remo.db")
    whole, bare = create_app(), create_app(pages=False)
    assert bare.config["REMO_STORE"] == whole.config["REMO_STORE"] == f"sqlite:///{tmp_path}/remo.db"
    assert {k: v for k, v in bare.config.items() if k.startswith("REMO_")}.items() <= whole.config.items()
    assert "remo_store" in bare.extensions and "babel" in bare.extensions
    assert not bare.blueprints and whole.blueprints


def test_plan_meeting_help_names_the_planners_time_limit(runner):
    from matching import MeetingPlanner

    out = runner.invoke(args=["plan-meeting", "--help"]).output
    assert f"by default the planner's {MeetingPlanner().time_limit:g}" in " ".join(out.split())
