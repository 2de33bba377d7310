"""``remo suggest --all --jobs N`` and ``--dask ADDRESS`` print the serial run's bytes, in its order."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph.generate import write_generated
from matching._blocks import dask_available

_SEPARATE = {"mix_stderr": False} if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else {}
_VARIANTS = [("--json",), ("--top", "3", "--lang", "ar", "--no-fair")]


@pytest.fixture(scope="module")
def cluster():
    """Two Dask worker processes on this machine (skipped when the dask extra is missing)."""
    if not dask_available():
        pytest.skip("dask.distributed is not installed (pip install -e '.[dask]')")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """An app with a generated network of 1,500 organisations and its serial ``--all --json`` output."""
    from web import create_app

    folder = tmp_path_factory.mktemp("generated")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "REMO_STORE": f"sqlite:///{folder}/app.db",
            "REMO_RENDER_CACHE_DIR": str(folder / "render-cache"),
        }
    )
    write_generated(folder / "generated.json", 1500, seed=7)
    result = app.test_cli_runner().invoke(args=["import", str(folder / "generated.json")])
    assert result.exit_code == 0, result.output
    serial = _run(app, "--json").stdout
    assert serial.count("\n") == 1500
    yield app, serial
    app.extensions["remo_store"].close()


def _run(app, *args):
    result = app.test_cli_runner(**_SEPARATE).invoke(args=["suggest", "--all", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_demo_network_in_two_processes(demo_app):
    for args in _VARIANTS:
        serial = _run(demo_app, *args).stdout
        assert serial.count("\n") == demo_app.extensions["remo_store"].store.snapshot().n
        assert _run(demo_app, "--jobs", "2", *args).stdout == serial


def test_demo_network_on_dask(demo_app, cluster):
    for args in _VARIANTS:
        assert _run(demo_app, "--dask", cluster.scheduler_address, *args).stdout == _run(demo_app, *args).stdout


@pytest.mark.slow
def test_generated_network_in_two_processes(generated):
    app, serial = generated
    result = _run(app, "--json", "--jobs", "2", "--progress")
    assert result.stdout == serial
    assert "suggest --all: 100 %" in result.stderr


@pytest.mark.slow
def test_generated_network_on_dask(generated, cluster):
    app, serial = generated
    assert _run(app, "--json", "--dask", cluster.scheduler_address).stdout == serial


def test_bad_input_writes_nothing(demo_app, monkeypatch):
    runner = demo_app.test_cli_runner(**_SEPARATE)
    zero = runner.invoke(args=["suggest", "--all", "--jobs", "0"])
    assert zero.exit_code == 2 and zero.stdout == "" and "--jobs" in zero.stderr
    both = runner.invoke(args=["suggest", "--all", "--jobs", "2", "--dask", "tcp://127.0.0.1:1"])
    assert both.exit_code == 2 and both.stdout == ""
    # the scheduler's address also comes from REMO_DASK_SCHEDULER
    monkeypatch.setenv("REMO_DASK_SCHEDULER", "tcp://127.0.0.1:1")
    gone = runner.invoke(args=["suggest", "--all", "--json"])
    assert gone.exit_code == 1 and gone.stdout == ""
    if dask_available():
        assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in gone.stderr
    else:
        assert "Dask is not installed" in gone.stderr
