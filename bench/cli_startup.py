"""Start-up time of the ``remo`` command line, as a user runs it.

Prints the median wall and CPU time (of ``--runs`` fresh processes) of ``remo --help``,
``remo orgs list`` and ``remo suggest ORG`` on a store seeded with the demo network, beside
``python -c pass`` (the interpreter alone) and ``python -c "import flask"`` measured in the same run,
and the load average; each with cached bytecode (the usual case) and without any (a fresh install
before Python has written its ``__pycache__``: every module, the standard library's too, compiled from
source). Then the heavy libraries each command loads (from ``python -X importtime``) and what importing
each of them alone costs. Target (architecture issue): ``remo --help`` and ``remo orgs list`` under 1 s
wall on the 2-core machine.

    python bench/cli_startup.py [--runs 7] [--no-uncached]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TARGET_S = 1.0  # seconds of wall time for remo --help and remo orgs list
#: the libraries that cost start-up time; a command should load them only when it uses them
HEAVY = ("sklearn", "scipy", "networkx", "numpy", "neo4j", "openpyxl", "fpdf", "jsonschema")


def timed(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds (user + system) of ``runs`` fresh processes."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def import_times(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Import seconds per top-level package that ``args`` (a python command line) imports: the sum of the own
    times of its modules (numpy imported by scipy counts for numpy)."""
    out = subprocess.run(
        [args[0], "-X", "importtime", *args[1:]], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    found: dict[str, float] = {}
    for line in out.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            top = parts[2].strip().split(".")[0]
            found[top] = found.get(top, 0.0) + int(parts[0]) / 1e6
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-uncached", action="store_true", help="Skip the runs without cached bytecode.")
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "REMO_STORE": f"sqlite:///{Path(tmp) / 'remo.db'}"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run(
            [py, "-m", "web.cli", "seed", "--demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        listing = subprocess.run(
            [py, "-m", "web.cli", "orgs", "list"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        org = listing.stdout.split()[0]
        remo = {
            "remo --help": [py, "-m", "web.cli", "--help"],
            "remo orgs list": [py, "-m", "web.cli", "orgs", "list"],
            f"remo suggest {org}": [py, "-m", "web.cli", "suggest", org],
        }
        rows = {"python -c pass": [py, "-c", "pass"], "python -c 'import flask'": [py, "-c", "import flask"], **remo}
        # no bytecode: an empty cache folder to read from, and nothing written to it
        uncached = {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(Path(tmp) / "no-pycache")}

        print(f"load average {os.getloadavg()[0]:.2f}, {args.runs} runs each, median\n")
        print("| command | wall s | CPU s | wall s, no bytecode | CPU s, no bytecode |")
        print("|---|---:|---:|---:|---:|")
        medians: dict[str, float] = {}
        for name, cmd in rows.items():
            wall, cpu = timed(cmd, env, args.runs)
            medians[name] = wall
            if args.no_uncached:
                print(f"| {name} | {wall:.3f} | {cpu:.3f} | | |")
                continue
            wall_u, cpu_u = timed(cmd, uncached, max(1, args.runs // 2))
            print(f"| {name} | {wall:.3f} | {cpu:.3f} | {wall_u:.3f} | {cpu_u:.3f} |")

        verdict = ", ".join(
            f"{name} {'yes' if medians[name] < TARGET_S else 'no'}" for name in ("remo --help", "remo orgs list")
        )
        print(f"\ntarget, median wall < {TARGET_S:g} s: {verdict} (at load {os.getloadavg()[0]:.2f})")

        print("\nheavy libraries each command imports (import s, from python -X importtime):\n")
        for name, cmd in remo.items():
            found = import_times(cmd, env)
            heavy = [f"{lib} {found[lib]:.3f}" for lib in HEAVY if lib in found]
            print(f"- {name}: {', '.join(heavy) or 'none'}")

        print("\nimporting each heavy library alone (median wall and CPU s of python -c 'import LIB'):\n")
        print("| library | wall s | CPU s |")
        print("|---|---:|---:|")
        for lib in HEAVY:
            wall, cpu = timed([py, "-c", f"import {lib}"], env, args.runs)
            print(f"| {lib} | {wall:.3f} | {cpu:.3f} |")
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
