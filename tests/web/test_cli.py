"""The `remo` command line, driven through Flask's CLI runner and as a real process."""

import json
import os
import subprocess
import sys

from web.cli import cli


def test_every_command_has_help(runner):
    for args in (
        ["--help"],
        ["init", "--help"],
        ["seed", "--help"],
        ["import", "--help"],
        ["export", "--help"],
        ["orgs", "list", "--help"],
        ["orgs", "show", "--help"],
        ["stats", "--help"],
        ["generate", "--help"],
        ["serve", "--help"],
        ["demo", "--help"],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage:" in result.output


def test_seed_is_idempotent(runner, app):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    gen = app.extensions["remo_store"].store.generation()
    second = runner.invoke(args=["seed", "--demo"])
    assert "0 created, 0 updated" in second.output
    assert app.extensions["remo_store"].store.generation() == gen


def test_orgs_list_show_and_stats(runner, demo_app, demo_doc):
    org = demo_doc["organisations"][0]
    out = runner.invoke(args=["orgs", "list"]).output
    assert org["id"] in out and org["name"] in out
    shown = runner.invoke(args=["orgs", "show", org["id"]])
    assert shown.exit_code == 0 and org["name"] in shown.output
    missing = runner.invoke(args=["orgs", "show", "gibt-es-nicht"])
    assert missing.exit_code == 2 and "unknown organisation 'gibt-es-nicht'" in missing.output
    stats = json.loads(runner.invoke(args=["stats", "--json"]).output)
    assert stats["organisations"] == len(demo_doc["organisations"])
    assert stats["cooperations"] == len(demo_doc["cooperations"])


def test_import_reports_every_problem_and_writes_nothing(runner, demo_app, tmp_path):
    store = demo_app.extensions["remo_store"].store
    before = store.generation()
    path = tmp_path / "vereine.csv"
    path.write_bytes(
        "Name;Art;Themen;E-Mail\nVerein A;Migrantenorganisation;Musik;a@x.example\n"
        "Verein B;Migrantenorganisation;Hausaufgabenhlfe;b@x.example\n"
        "Verein C;Migrantenorganisation;Musik;info(at)c.example\n".encode("cp1252")
    )
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "vereine.csv: 2 problems found; nothing was imported." in result.output
    assert "vereine.csv row 3, column 'Themen'" in result.output and "Hausaufgabenhlfe" in result.output
    assert "vereine.csv row 4, column 'E-Mail'" in result.output
    assert store.generation() == before
    dry = runner.invoke(args=["import", "--dry-run", str(path)])
    assert dry.exit_code == 1
    path.write_text("Name;Art\nVerein A;Migrantenorganisation\n", encoding="utf-8")
    dry = runner.invoke(args=["import", "--dry-run", str(path)])
    assert dry.exit_code == 0 and "1 records would be created" in dry.output and "Dry run" in dry.output
    assert store.generation() == before
    ok = runner.invoke(args=["import", "--json", str(path)])
    assert json.loads(ok.output)["created"] == 1


def test_import_max_size_refuses_larger_files_and_writes_nothing(runner, demo_app, tmp_path):
    store = demo_app.extensions["remo_store"].store
    before = store.generation()
    path = tmp_path / "gross.csv"
    rows = "".join(f"Verein {i};Migrantenorganisation\n" for i in range(40_000))
    path.write_text("Name;Art\n" + rows, encoding="utf-8")
    assert path.stat().st_size > 2**20
    refused = runner.invoke(args=["import", "--max-size", "1", str(path)])
    assert refused.exit_code == 1
    assert "gross.csv: 1 problem found; nothing was imported." in refused.output
    assert "is larger than 1 MiB" in refused.output
    assert store.generation() == before
    allowed = runner.invoke(args=["import", "--dry-run", "--max-size", "2", str(path)])
    assert allowed.exit_code == 0 and "40000 records would be created" in allowed.output
    bad = runner.invoke(args=["import", "--max-size", "0", str(path)])
    assert bad.exit_code == 2 and "--max-size" in bad.output


def test_export_every_format(runner, demo_app, tmp_path):
    for fmt in ("json", "csv", "xlsx", "graphml", "gexf"):
        out = tmp_path / f"net.{fmt}"
        result = runner.invoke(args=["export", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000


def test_generate_is_deterministic(runner, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert runner.invoke(args=["generate", "--orgs", "300", "--seed", "7", "-o", str(a)]).exit_code == 0
    assert runner.invoke(args=["generate", "--orgs", "300", "--seed", "7", "-o", str(b)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert len(json.loads(a.read_text())["organisations"]) == 300
    result = runner.invoke(args=["import", str(a)])
    assert result.exit_code == 0, result.output


def test_console_script_runs_with_store_option(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    env.pop("REMO_STORE", None)
    url = f"sqlite:///{tmp_path}/cli.db"
    proc = subprocess.run(
        [sys.executable, "-m", "web.cli", "--store", url, "seed", "--demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "cli.db").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "web.cli", "--store", "postgres://x", "stats"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 1 and "unknown store URL 'postgres://x'" in bad.stderr


def test_migrate_between_sqlite_stores(runner, demo_app, tmp_path):
    src = demo_app.config["REMO_STORE"]
    dst = f"sqlite:///{tmp_path}/copy.db"
    result = runner.invoke(args=["migrate", "--from", src, "--to", dst])
    assert result.exit_code == 0, result.output
    assert "organisation" in result.output
    again = runner.invoke(args=["migrate", "--from", src, "--to", dst])
    assert again.exit_code == 1 and "Error:" in again.output
    same = runner.invoke(args=["migrate", "--from", src, "--to", src])
    assert same.exit_code == 1 and "same store" in same.output


def test_demo_command_serves_the_demo_network(tmp_path):
    """The README's first command: `remo demo` serves the demo network on localhost."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "REMO_STORE": f"sqlite:///{tmp_path}/demo.db"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    body = resp.read().decode("utf-8")
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.3)
        assert body, proc.stdout.read() if proc.poll() is not None else "no answer"
        assert "ReMo" in body
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_generate_realistic_imports_with_its_vocabulary(runner, tmp_path):
    a = tmp_path / "real.json"
    result = runner.invoke(args=["generate", "--orgs", "2000", "--seed", "3", "--realistic", "-o", str(a)])
    assert result.exit_code == 0, result.output
    doc = json.loads(a.read_text())
    assert len(doc["vocabulary"]["districts"]) >= 40
    result = runner.invoke(args=["import", str(a)])
    assert result.exit_code == 0, result.output
