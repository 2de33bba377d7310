"""Start-up time of the ``remo`` command line, as a user runs it.

Prints the median wall and CPU time (of ``--runs`` fresh processes) of ``remo --help`` and
``remo orgs list`` on a store seeded with the demo network, beside ``python -c pass`` (the interpreter
alone) and ``python -c "import flask"`` measured in the same run, and the load average. Target
(architecture issue): both commands under 1 s on the 2-core machine.

    python bench/cli_startup.py [--runs 7]
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


def timed(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "REMO_STORE": f"sqlite:///{Path(tmp) / 'remo.db'}"}
        subprocess.run(
            [py, "-m", "web.cli", "seed", "--demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        rows = [
            ("python -c pass", [py, "-c", "pass"]),
            ("python -c 'import flask'", [py, "-c", "import flask"]),
            ("remo --help", [py, "-m", "web.cli", "--help"]),
            ("remo orgs list", [py, "-m", "web.cli", "orgs", "list"]),
        ]
        print(f"load average {os.getloadavg()[0]:.2f}, {args.runs} runs each, median\n")
        print("| command | wall s | CPU s |")
        print("|---|---:|---:|")
        for name, cmd in rows:
            wall, cpu = timed(cmd, env, args.runs)
            print(f"| {name} | {wall:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    main()
