"""Exchange meetings: exact plans of small instances by mixed-integer programming (tests, benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import scipy.sparse as sp

__all__ = ["exact_meeting_plan"]


def exact_meeting_plan(
    scores: np.ndarray, sizes: Sequence[int], rounds: int = 1, *, time_limit: float = 60.0
) -> tuple[list[list[list[int]]], float, float, bool]:
    """The best plan of small instances by mixed-integer programming (``scipy.optimize.milp``).

    Maximises ``sum W[a, b]`` over pairs at the same table (tables of the given ``sizes`` in every
    round, no pair twice). Returns ``(rounds, value, bound, optimal)``: the best plan found, its
    value, the solver's upper bound and whether optimality was proven within ``time_limit`` seconds.

    >>> s = np.array([[0, 9, 2, 1], [9, 0, 1, 1], [2, 1, 0, 5], [1, 1, 5, 0]], dtype=float)
    >>> plan, value, bound, optimal = exact_meeting_plan(s, [2, 2], rounds=2)
    >>> value, optimal
    (17.0, True)
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    W = np.array(scores, dtype=np.float64)
    n, T, R = W.shape[0], len(sizes), rounds
    if set(sizes) == {2}:
        return _exact_pairs(W, R, time_limit)
    iu, ju = np.triu_indices(n, 1)
    P = len(iu)
    nx_ = n * T * R

    def xv(i: int, t: int, r: int) -> int:
        return (r * n + i) * T + t

    def pv(p: int, r: int) -> int:
        return nx_ + r * P + p

    nvar = nx_ + P * R
    c = np.zeros(nvar)
    for r in range(R):
        c[nx_ + r * P : nx_ + (r + 1) * P] = -W[iu, ju]
    rows, cols, vals, lo, hi = [], [], [], [], []
    row = 0

    def add(entries: list[tuple[int, float]], lb: float, ub: float) -> None:
        nonlocal row
        for col, v in entries:
            rows.append(row)
            cols.append(col)
            vals.append(v)
        lo.append(lb)
        hi.append(ub)
        row += 1

    for r in range(R):
        for i in range(n):
            add([(xv(i, t, r), 1.0) for t in range(T)], 1, 1)
        for t in range(T):
            add([(xv(i, t, r), 1.0) for i in range(n)], sizes[t], sizes[t])
        for p in range(P):
            i, j = int(iu[p]), int(ju[p])
            for t in range(T):
                # p <= 1 - x_it + x_jt  and  p <= 1 + x_it - x_jt  (i and j at the same table)
                add([(pv(p, r), 1.0), (xv(i, t, r), 1.0), (xv(j, t, r), -1.0)], -np.inf, 1)
                add([(pv(p, r), 1.0), (xv(i, t, r), -1.0), (xv(j, t, r), 1.0)], -np.inf, 1)
                # p >= x_it + x_jt - 1: sitting together counts (and counts against the no-repeat rule)
                add([(pv(p, r), 1.0), (xv(i, t, r), -1.0), (xv(j, t, r), -1.0)], -1, np.inf)
    for p in range(P):
        add([(pv(p, r), 1.0) for r in range(R)], 0, 1)
    lb = np.zeros(nvar)
    ub = np.ones(nvar)
    if len(set(sizes)) == 1:  # symmetry: organisation 0 sits at table 1 in every round
        for r in range(R):
            lb[xv(0, 0, r)] = 1
    A = sp.csr_matrix((vals, (rows, cols)), shape=(row, nvar))
    res = milp(
        c,
        constraints=LinearConstraint(A, lo, hi),
        integrality=np.ones(nvar),
        bounds=Bounds(lb, ub),
        options={"time_limit": time_limit, "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"no plan found: {res.message}")
    x = np.round(res.x[:nx_]).reshape(R, n, T)
    plan = [[np.flatnonzero(x[r, :, t]).tolist() for t in range(T)] for r in range(R)]
    value = float(sum(W[a, b] for tables in plan for t in tables for q, a in enumerate(t) for b in t[q + 1 :]))
    bound = -float(
        cast(
            float, getattr(res, "mip_dual_bound", None) if getattr(res, "mip_dual_bound", None) is not None else res.fun
        )
    )
    return plan, value, max(bound, value), bool(res.status == 0)


def _exact_pairs(W: np.ndarray, R: int, time_limit: float) -> tuple[list[list[list[int]]], float, float, bool]:
    """1:1 rounds as R edge-disjoint perfect matchings: ``x[pair, round]``, degree 1 per round."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = W.shape[0]
    iu, ju = np.triu_indices(n, 1)
    P = len(iu)
    c = np.tile(-W[iu, ju], R)
    rows, cols = [], []
    row = 0
    for r in range(R):
        for i in range(n):
            for p in np.flatnonzero((iu == i) | (ju == i)).tolist():
                rows.append(row)
                cols.append(r * P + p)
            row += 1
    lo = [1.0] * row
    for p in range(P):
        for r in range(R):
            rows.append(row)
            cols.append(r * P + p)
        row += 1
    lo += [0.0] * P
    hi = [1.0] * row
    A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(row, R * P))
    res = milp(
        c,
        constraints=LinearConstraint(A, lo, hi),
        integrality=np.ones(R * P),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"no plan found: {res.message}")
    x = np.round(res.x).reshape(R, P)
    plan = [[[int(iu[p]), int(ju[p])] for p in np.flatnonzero(x[r])] for r in range(R)]
    value = float(sum(W[a, b] for tables in plan for a, b in tables))
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual if dual is not None else res.fun)
    return plan, value, max(bound, value), bool(res.status == 0)
