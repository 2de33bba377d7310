"""Benchmark of the exchange meeting planner: speed at 200 attendees, quality against the optimum.

Usage::

    python bench/meeting_bench.py [--n 200] [--rounds 6] [--table-size 4] [--network 2000] [--skip-exact]

1. A synthetic network (``graph.generate``, fixed seed) of ``--network`` organisations; ``--n`` of them
   attend. Times `matching.plan_meeting` end to end (score matrix, planning, reasons) and prints the
   total match score against `matching.score_upper_bound` (every organisation meets its best
   partners; a loose bound).
2. Small random instances: the planner against the exact optimum (`matching.exact_meeting_plan`,
   a MILP with HiGHS, 60 s limit), 1:1 rounds and tables, one and several rounds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph import Meeting, build_snapshot  # noqa: E402
from matching import (  # noqa: E402
    MeetingPlanner,
    exact_meeting_plan,
    matching_model,
    plan_meeting,
    score_upper_bound,
    table_sizes,
)


def synthetic(n_orgs: int):
    from graph import parse_network
    from graph.generate import generate_document

    return parse_network(generate_document(n_orgs, seed=7))


def random_scores(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    s = np.triu(s, 1)
    return s + s.T


def large(args: argparse.Namespace) -> None:
    net = synthetic(args.network)
    snap = build_snapshot(net, today="2025-12-01")
    rng = np.random.default_rng(1)
    attendees = sorted(rng.choice(snap.org_ids, size=args.n, replace=False).tolist())
    meeting = Meeting("bench", "Bench", attendance=attendees, rounds=args.rounds, table_size=args.table_size)
    t0 = time.perf_counter()
    matching_model(snap)  # the model is cached per snapshot in the app; time it separately
    t_model = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = plan_meeting(snap, meeting)
    t_plan = time.perf_counter() - t0
    sizes = sorted({len(t) for r in plan.rounds for t in r})
    print(f"network: {snap.n} organisations; meeting: {args.n} attendees, {args.rounds} rounds, "
          f"tables of {args.table_size} (sizes {sizes})")
    print(f"matching model fit (once per snapshot): {t_model:.2f} s")
    print(f"plan_meeting (scores, plan, reasons):   {t_plan:.2f} s")
    print(f"total match score {plan.score:.2f}, upper bound {plan.upper_bound:.2f} "
          f"({100 * plan.score / plan.upper_bound:.1f} % of the bound), warnings {len(plan.warnings)}")


def small() -> None:
    print("\nsmall instances vs the optimum (MILP, HiGHS, 60 s limit); random scores, 50 % density")
    print(f"{'format':7} {'n':>3} {'k':>2} {'R':>2} {'seed':>4} {'planner':>8} {'optimum':>8} {'gap %':>6} "
          f"{'t plan':>7} {'t MILP':>7}")
    cases = [("pairs", 40, 2, 1), ("pairs", 12, 2, 4), ("pairs", 20, 2, 5), ("tables", 12, 4, 1),
             ("tables", 9, 3, 2), ("tables", 10, 3, 2), ("tables", 12, 3, 2)]
    gaps = []
    for fmt, n, k, rounds in cases:
        for seed in range(3):
            s = random_scores(n, seed)
            t0 = time.perf_counter()
            got = MeetingPlanner(rounds=rounds, format=fmt, table_size=k, mix_weight=0, language_penalty=0,
                                 pair_language_penalty=0).fit(s).score_
            t_plan = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, best, bound, optimal = exact_meeting_plan(s, table_sizes(n, k), rounds, time_limit=60)
            t_exact = time.perf_counter() - t0
            gap = 100 * (best - got) / best
            gaps.append(gap)
            mark = "" if optimal else f" (not proven; bound {bound:.2f})"
            print(f"{fmt:7} {n:3} {k:2} {rounds:2} {seed:4} {got:8.3f} {best:8.3f} {gap:6.2f} {t_plan:6.2f}s "
                  f"{t_exact:6.1f}s{mark}")
    print(f"largest gap {max(gaps):.2f} %, mean {np.mean(gaps):.2f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--table-size", type=int, default=4)
    ap.add_argument("--network", type=int, default=2000)
    ap.add_argument("--skip-exact", action="store_true")
    args = ap.parse_args()
    large(args)
    s = random_scores(args.n, 0)
    t0 = time.perf_counter()
    planner = MeetingPlanner(rounds=args.rounds, table_size=args.table_size).fit(s)
    bound = score_upper_bound(s, table_sizes(args.n, args.table_size), args.rounds)
    print(f"random scores, {args.n} attendees: planner {time.perf_counter() - t0:.2f} s, "
          f"score {planner.score_:.2f}, upper bound {bound:.2f} ({100 * planner.score_ / bound:.1f} %)")
    if not args.skip_exact:
        small()


if __name__ == "__main__":
    main()
