"""The no-repeat part of meeting planning: the social golfer problem (pure, no I/O).

Seating ``n`` organisations at tables for ``R`` rounds so that no pair meets twice is the Social
Golfer Problem (CSPLib prob010). This module finds such schedules, ignoring the match scores;
`matching.MeetingPlanner` then improves them for the scores without giving up the rule.

Constructions (`design`)
    For ``n = g * k`` at ``g`` tables of ``k``: when ``g`` is a prime power and ``g >= k``, the
    transversal design TD(k, g) over the field GF(g) gives ``g`` rounds (point ``(i, x)``, table
    ``t`` of round ``m`` holds ``(i, t + m * a_i)``); its ``k`` groups of ``g`` points never met, so
    when ``k`` divides ``g`` they are split into tables by the same construction, recursively
    (this gives the affine planes, e.g. 16 at tables of 4 for 5 rounds, and 32 at tables of 4 for
    9 rounds). Kirkman's schoolgirls (15 at tables of 3, 7 rounds) are stored as a known
    solution; a Kirkman system with an even number of rounds is doubled into a nearly Kirkman
    system (`_doubled`: 18 at tables of 3 for 8 rounds from the affine plane of order 3); 1:1
    rounds use the round-robin circle method (``n - 1`` rounds for even ``n``).
Search (`golfer_search`)
    Tabu search with restarts after Dotú and Van Hentenryck, "Scheduling social golfers locally"
    (CPAIOR 2005): the cost is the number of repeated meetings; a move swaps two organisations
    of different tables in one round where at least one of them sits with somebody it meets more
    than once; the best non-tabu move is taken (ties broken at random), the reverse swap is tabu
    for a random tenure unless it beats the best schedule so far; after ``stall`` moves without
    improvement the search restarts from the best schedule with a few random swaps. All move
    gains are computed at once for all rounds with numpy. The budget is a number of moves
    (deterministic for a seed) with a wall-clock cap as a safety net.
Rotational search (`rotational_search`)
    Many resolvable designs are invariant under a cyclic shift: the points are ``Z_m x {0..c-1}``
    plus ``f`` fixed points, and round ``i`` is the first round with every point ``(x, j)`` moved to
    ``(x + i, j)``. Searching only the first round (the same tabu search, every move scored over
    all the rounds it generates) is a far smaller problem; it finds, e.g., 28 at tables of 4 for
    9 rounds (a resolvable design the plain search misses), 24 at tables of 4 for 7 and 30 at
    tables of 5 for 6 in about a second. `rotations` lists the shapes ``(m, c, f)`` worth trying.
Bounds (`round_bound`)
    Necessary conditions and the literature's proven maxima for a schedule without repeats.

Example
-------
>>> rounds = design([4, 4, 4, 4], 5)
>>> len(rounds), repeats(rounds, 16)
(5, 0)
>>> plan, left = golfer_search([[[0, 1, 2], [3, 4, 5], [6, 7, 8]]] * 4, 9, seed=0)
>>> left
0
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

__all__ = [
    "KNOWN_MAXIMA",
    "design",
    "golfer_search",
    "relabel",
    "repeats",
    "rotational_search",
    "rotations",
    "round_bound",
    "schedule_search",
]

#: Proven maxima of rounds for ``g`` tables of ``k`` (``n = g * k``) below the counting bound
#: ``(n - 1) // (k - 1)``: 12 at tables of 3 (no nearly Kirkman triple system of order 12),
#: 20 at tables of 4, 30 at tables of 5, and 36 at tables of 6 (a fourth round would need two
#: orthogonal Latin squares of order 6, which do not exist: Tarry 1900). Source: the table of
#: the social golfer problem kept by Warwick Harvey and the CSPLib prob010 references.
KNOWN_MAXIMA = {(4, 3): 4, (5, 4): 5, (6, 5): 6, (6, 6): 3}

# Kirkman's schoolgirl problem, 15 at tables of 3 for 7 rounds (a Kirkman triple system; checked by the tests).
_KIRKMAN_15 = [
    [[0, 4, 6], [1, 12, 13], [2, 3, 11], [5, 7, 14], [8, 9, 10]],
    [[0, 13, 14], [1, 3, 8], [2, 5, 9], [4, 7, 11], [6, 10, 12]],
    [[0, 5, 8], [1, 4, 9], [2, 7, 12], [3, 6, 14], [10, 11, 13]],
    [[0, 1, 7], [2, 6, 8], [3, 9, 13], [4, 10, 14], [5, 11, 12]],
    [[0, 9, 11], [1, 2, 14], [3, 7, 10], [4, 8, 12], [5, 6, 13]],
    [[0, 2, 10], [1, 6, 11], [3, 4, 5], [7, 8, 13], [9, 12, 14]],
    [[0, 3, 12], [1, 5, 10], [2, 4, 13], [6, 7, 9], [8, 11, 14]],
]


def repeats(rounds: Sequence[Sequence[Sequence[int]]], n: int, base: np.ndarray | None = None) -> int:
    """Number of repeated meetings: sum over pairs of ``max(0, times met - 1)`` (``base``: earlier counts).

    >>> repeats([[[0, 1], [2, 3]], [[0, 1], [2, 3]]], 4)
    2
    """
    M = _counts(rounds, n, base)
    return int(np.maximum(M - 1, 0).sum() // 2)


def _counts(rounds: Sequence[Sequence[Sequence[int]]], n: int, base: np.ndarray | None = None) -> np.ndarray:
    M = np.zeros((n, n), dtype=np.int64) if base is None else np.array(base, dtype=np.int64, copy=True)
    for tables in rounds:
        for t in tables:
            idx = np.asarray(t, dtype=np.int64)
            M[np.ix_(idx, idx)] += 1
            M[idx, idx] -= 1
    return M


# ---------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------
def round_bound(sizes: Sequence[int]) -> tuple[int, str]:
    """Most rounds a schedule without repeats can have at tables of these sizes, and why.

    The reason is ``"partners"`` (everybody meets at least ``min(sizes) - 1`` new people per round,
    so ``R <= (n - 1) / (min(sizes) - 1)``), ``"pairs"`` (a round uses ``sum(s * (s - 1) / 2)`` of
    the ``n * (n - 1) / 2`` pairs), ``"tables"`` (a table cannot seat more than there are tables,
    from round two on its members come from different tables of round one) or ``"known"`` (a
    proven maximum of the literature, `KNOWN_MAXIMA`).

    >>> round_bound([3] * 5), round_bound([4] * 5), round_bound([4, 4])
    ((7, 'partners'), (5, 'known'), (1, 'tables'))
    """
    sizes = list(sizes)
    n = sum(sizes)
    if max(sizes) > len(sizes):
        return 1, "tables"
    per_round = sum(s * (s - 1) // 2 for s in sizes)
    by_partners = (n - 1) // (min(sizes) - 1) if min(sizes) > 1 else n
    by_pairs = n * (n - 1) // 2 // per_round
    best, why = (by_partners, "partners") if by_partners <= by_pairs else (by_pairs, "pairs")
    if len(set(sizes)) == 1:
        known = KNOWN_MAXIMA.get((len(sizes), sizes[0]))
        if known is not None and known < best:
            return known, "known"
    return max(1, best), why


# ---------------------------------------------------------------------------
# constructions
# ---------------------------------------------------------------------------
def _field(q: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Addition and multiplication tables of GF(q) for prime powers up to 64, else None."""
    p = next((d for d in range(2, q + 1) if q % d == 0), q)
    e, x = 0, q
    while x % p == 0:
        x //= p
        e += 1
    if x != 1:
        return None
    if e == 1:
        a = np.arange(q)
        return (a[:, None] + a[None, :]) % q, (a[:, None] * a[None, :]) % q
    # an irreducible polynomial of degree e over GF(p): coefficients low to high, monic
    irreducible = {
        (2, 2): [1, 1],
        (2, 3): [1, 1, 0],
        (2, 4): [1, 1, 0, 0],
        (2, 5): [1, 0, 1, 0, 0],
        (2, 6): [1, 1, 0, 0, 0, 0],
        (3, 2): [1, 0],
        (3, 3): [1, 2, 0],
        (5, 2): [2, 0],
        (7, 2): [1, 0],
    }
    poly = irreducible.get((p, e))
    if poly is None:
        return None

    def digits(v: int) -> list[int]:
        return [(v // p**i) % p for i in range(e)]

    def value(d: Sequence[int]) -> int:
        return sum(int(c) * p**i for i, c in enumerate(d))

    def mul(u: int, v: int) -> int:
        a, b = digits(u), digits(v)
        prod = [0] * (2 * e - 1)
        for i, x_ in enumerate(a):
            for j, y in enumerate(b):
                prod[i + j] = (prod[i + j] + x_ * y) % p
        for deg in range(2 * e - 2, e - 1, -1):  # x^e = -(poly without the leading term)
            c = prod[deg]
            if c:
                prod[deg] = 0
                for i, pc in enumerate(poly):
                    prod[deg - e + i] = (prod[deg - e + i] - c * pc) % p
        return value(prod[:e])

    add = np.array(
        [[value([(a + b) % p for a, b in zip(digits(u), digits(v), strict=True)]) for v in range(q)] for u in range(q)]
    )
    mult = np.array([[mul(u, v) for v in range(q)] for u in range(q)])
    return add, mult


def _equal_tables(g: int, k: int) -> list[list[list[int]]]:
    """Rounds of a schedule without repeats for ``g * k`` points at ``g`` tables of ``k`` (maybe just one)."""
    n = g * k
    trivial = [[list(range(t * k, (t + 1) * k)) for t in range(g)]]
    if k == 2:  # round robin, circle method
        if n == 2:
            return trivial
        out = []
        for r in range(n - 1):
            others = [(r + i) % (n - 1) for i in range(n - 1)]
            tables = [[n - 1, others[0]]] + [[others[i], others[n - 1 - i]] for i in range(1, n // 2)]
            out.append(tables)
        return out
    if g == 5 and k == 3:
        return [[list(t) for t in r] for r in _KIRKMAN_15]
    if k == 3 and g % 2 == 0:
        doubled = _doubled(_equal_tables(g // 2, 3), 3 * g // 2)
        if doubled is not None:
            return doubled
    if g < k:
        return trivial
    gf = _field(g)
    if gf is None:
        return trivial
    add, mult = gf

    def point(i: int, x: int) -> int:  # group i (0..k-1), element x of GF(g)
        return i * g + x

    out = []
    for m in range(g):
        out.append([[point(i, int(add[t, mult[m, i]])) for i in range(k)] for t in range(g)])
    if g % k == 0:
        sub = _equal_tables(g // k, k)
        for tables in sub:
            out.append([[point(i, x) for x in t] for i in range(k) for t in tables])
    return out


def _doubled(kts: list[list[list[int]]], v: int) -> list[list[list[int]]] | None:
    """``2 v - 2`` rounds of triples for ``2 v`` points from a Kirkman triple system of order ``v``.

    A nearly Kirkman triple system (everybody meets everybody except their twin ``x + v``): the
    rounds of the system are taken in pairs ``(P, Q)``; with a colouring ``col`` of the points by
    0, 1, 2 under which every triple of ``P`` and ``Q`` has three colours, each point ``x`` gets a
    vector ``w(x)`` of weight two in GF(2)^4 (``col`` picks one of the three complementary pairs
    ``1100/0011, 1010/0101, 1001/0110``). Round ``j`` (of four) seats each triple of ``P`` on the
    copies ``x + v * w_j(x)`` and each triple of ``Q`` on the others. Two points of a triple have
    vectors whose bits run through all four combinations, so every pair of copies meets exactly
    once. None when the system is not complete, has an odd number of rounds or no colouring exists.

    >>> rounds = _doubled(_equal_tables(3, 3), 9)
    >>> len(rounds), repeats(rounds, 18)
    (8, 0)
    """
    if len(kts) != (v - 1) // 2 or len(kts) % 2 or v % 6 != 3:
        return None
    pairs = ((1, 1, 0, 0), (1, 0, 1, 0), (1, 0, 0, 1))
    out: list[list[list[int]]] = []
    for P, Q in zip(kts[0::2], kts[1::2], strict=True):
        lines = [list(t) for t in P + Q]
        col = _rainbow(lines, v)
        if col is None:
            return None
        w = [pairs[col[x]] if x % 2 == 0 else tuple(1 - b for b in pairs[col[x]]) for x in range(v)]
        for j in range(4):
            tables = [[x + v * w[x][j] for x in t] for t in P] + [[x + v * (1 - w[x][j]) for x in t] for t in Q]
            out.append(tables)
    return out


def _rainbow(lines: list[list[int]], v: int) -> list[int] | None:
    """A colouring of ``0 .. v - 1`` by 0, 1, 2 that gives every line three colours (backtracking)."""
    on: list[list[list[int]]] = [[] for _ in range(v)]
    for line in lines:
        for x in line:
            on[x].append(line)
    col = [-1] * v

    def fits(x: int, c: int) -> bool:
        return all(col[y] != c for line in on[x] for y in line if y != x)

    def go(x: int) -> bool:
        if x == v:
            return True
        for c in range(3):
            if fits(x, c):
                col[x] = c
                if go(x + 1):
                    return True
        col[x] = -1
        return False

    return col if go(0) else None


def design(sizes: Sequence[int], rounds: int) -> list[list[list[int]]] | None:
    """A schedule of ``rounds`` rounds without repeats for tables of ``sizes`` by construction, or None.

    Only for tables of equal size ``k`` (``n = g * k``) and only where a construction is known
    here (see the module). Points are ``0 .. n - 1``.

    >>> len(design([3] * 5, 7)), design([4] * 6, 7) is None
    (7, True)
    """
    sizes = list(sizes)
    if not sizes or len(set(sizes)) != 1:
        return None
    g, k = len(sizes), sizes[0]
    if k < 2:
        return None
    out = _equal_tables(g, k)
    if len(out) < rounds:
        return None
    return [[list(t) for t in r] for r in out[:rounds]]


# ---------------------------------------------------------------------------
# tabu search
# ---------------------------------------------------------------------------
def golfer_search(
    start: Sequence[Sequence[Sequence[int]]],
    n: int,
    *,
    base: np.ndarray | None = None,
    seed: int = 0,
    iterations: int = 20_000,
    time_limit: float | None = None,
    stall: int | None = None,
    restarts: Sequence[Sequence[Sequence[Sequence[int]]]] = (),
) -> tuple[list[list[list[int]]], int]:
    """Swap organisations between tables (per round) until no pair meets twice; returns ``(best, repeats)``.

    ``start``: round -> tables (lists of indices ``0 .. n - 1``); organisations missing from a round
    (locked elsewhere) stay out of it, table sizes are kept. ``base``: ``n x n`` counts of meetings
    that exist anyway (pairs at locked tables, must-not pairs as 1, so meeting them counts as a
    repeat). ``iterations`` moves at most; ``time_limit`` seconds at most (a cap: with a generous
    one the result depends only on ``seed``). ``restarts``: further starting schedules, tried in
    turn when the search from the current one stalls repeatedly.
    """
    rng = np.random.default_rng(seed)
    R = len(start)
    if R == 0 or n < 2:
        return [[list(t) for t in r] for r in start], 0
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    T = max(1, max(len(r) for r in start))
    base_m = np.zeros((n, n), dtype=np.int64) if base is None else np.array(base, dtype=np.int64)
    stall = stall if stall is not None else max(200, 20 * n)

    def state_of(rounds: Sequence[Sequence[Sequence[int]]]) -> np.ndarray:
        g = np.full((R, n), -1, dtype=np.int64)
        for w, tables in enumerate(rounds):
            for t, members in enumerate(tables):
                g[w, list(members)] = t
        return g

    def counts(g: np.ndarray) -> np.ndarray:
        M = base_m.copy()
        for w in range(R):
            same = (g[w][:, None] == g[w][None, :]) & (g[w] >= 0)[:, None]
            M += same
        M[np.arange(n), np.arange(n)] = 0
        return M

    def cost_of(M: np.ndarray) -> int:
        return int(np.maximum(M - 1, 0).sum() // 2)

    def to_rounds(g: np.ndarray) -> list[list[list[int]]]:
        return [[np.flatnonzero(g[w] == t).tolist() for t in range(len(start[w]))] for w in range(R)]

    starts = [start, *restarts]
    which = 0
    g = state_of(start)
    free = g >= 0
    M = counts(g)
    cost = cost_of(M)
    best_g, best_cost = g.copy(), cost
    if cost == 0:
        return to_rounds(g), 0
    tabu = np.zeros((R, n, n), dtype=np.int64)
    ar = np.arange(n)
    last_best = 0
    perturbations = 0
    for it in range(1, iterations + 1):
        if deadline is not None and it % 32 == 0 and time.perf_counter() > deadline:
            break
        gi = np.where(free, g, 0)
        onehot = np.zeros((R, n, T))
        rr, cc = np.nonzero(free)
        onehot[rr, cc, g[rr, cc]] = 1.0
        A1 = (M >= 1).astype(np.float64)
        A2 = (M >= 2).astype(np.float64)
        D1 = A1 @ onehot  # D1[w, a, t]: how many at table t of round w a has met already
        D2 = A2 @ onehot  # ... met twice or more
        Y = np.take_along_axis(D2, gi[:, :, None], axis=2)[:, :, 0]  # a's mates it met twice or more
        wk, ak = np.nonzero((Y > 0) & free)  # organisations in conflict: one of each swap is one of them
        if not len(wk):
            break
        gw = gi[wk]  # (K, n): the tables of round w
        ga = gi[wk, ak]  # (K,): a's table
        # gain of swapping a (table A) with b (table B): a joins B, b joins A, both leave their tables
        delta = (
            D1[wk[:, None], ak[:, None], gw]
            + D1[wk[:, None], ar[None, :], ga[:, None]]
            - Y[wk, ak][:, None]
            - Y[wk]
            - 2.0 * A1[ak]
        )
        valid = free[wk] & (gw != ga[:, None])
        allowed = valid & ((tabu[wk, ak] <= it) | (cost + delta < best_cost))
        if not allowed.any():
            allowed = valid
            if not allowed.any():
                break
        score = np.where(allowed, delta + rng.random(delta.shape) * 0.5, np.inf)
        b: int | np.integer
        x, b = np.unravel_index(int(np.argmin(score)), score.shape)
        w, a, b = int(wk[x]), int(ak[x]), int(b)
        gain = float(delta[x, b])
        ta, tb = int(g[w, a]), int(g[w, b])
        mates_a = np.flatnonzero((g[w] == ta) & (ar != a))
        mates_b = np.flatnonzero((g[w] == tb) & (ar != b))
        M[a, mates_a] -= 1
        M[mates_a, a] -= 1
        M[b, mates_a] += 1
        M[mates_a, b] += 1
        M[b, mates_b] -= 1
        M[mates_b, b] -= 1
        M[a, mates_b] += 1
        M[mates_b, a] += 1
        g[w, a], g[w, b] = tb, ta
        cost += int(round(gain))
        tenure = int(rng.integers(4, 4 + max(8, n // 2)))
        tabu[w, a, b] = tabu[w, b, a] = it + tenure
        if cost < best_cost:
            best_g, best_cost, last_best = g.copy(), cost, it
            if cost == 0:
                break
        elif it - last_best > stall:
            perturbations += 1
            if restarts and perturbations % 8 == 0:  # try the next starting schedule
                which = (which + 1) % len(starts)
                g = state_of(starts[which])
            else:
                g = best_g.copy()
            for _ in range(int(rng.integers(2, 2 + max(2, R)))):
                w2 = int(rng.integers(R))
                cand = np.flatnonzero(g[w2] >= 0)
                if len(cand) < 2:
                    continue
                x, y = rng.choice(cand, size=2, replace=False)
                g[w2, x], g[w2, y] = g[w2, y], g[w2, x]
            M = counts(g)
            cost = cost_of(M)
            tabu[:] = 0
            last_best = it
    return to_rounds(best_g), best_cost


# ---------------------------------------------------------------------------
# cyclic (rotational) schedules
# ---------------------------------------------------------------------------
def rotations(sizes: Sequence[int], rounds: int) -> list[tuple[int, int, int]]:
    """Shapes ``(m, c, f)`` of cyclic schedules for tables of ``sizes``, most promising first.

    ``n = m * c + f`` with ``m >= rounds`` shifts, ``c`` orbits of ``m`` points and ``f`` fixed
    points (at most one per table, or two would meet in every round). First the shapes with
    ``k - 1`` or ``k`` orbits (tables of ``k``; a fixed point needs its ``k - 1`` table mates from
    different orbits unless ``m >= 2 * rounds``) and not a fixed point at every table, then by
    ``m`` close to ``rounds`` (every shift is a round) and fewer fixed points. Which shapes hold a
    solution is not known in advance: those that solved the published instances are near the
    front (e.g. 28 at 4 for 9 rounds: ``(9, 3, 1)``).

    >>> rotations([4] * 7, 9)[:2], rotations([3] * 5, 7)[0]
    ([(9, 3, 1), (11, 2, 6)], (7, 2, 1))
    """
    sizes = list(sizes)
    n, g = sum(sizes), len(sizes)
    out = []
    for f in range(0, g + 1):
        for m in range(max(2, rounds), n - f + 1):
            if (n - f) % m == 0:
                out.append((m, (n - f) // m, f))
    k = max(sizes)
    return sorted(out, key=lambda s: (s[1] not in (k - 1, k), g > 1 and s[2] == g, s[0] - rounds, s[2]))


def rotational_search(
    sizes: Sequence[int],
    rounds: int,
    shape: tuple[int, int, int],
    *,
    seed: int = 0,
    iterations: int = 3000,
    time_limit: float | None = None,
) -> tuple[list[list[list[int]]], int]:
    """Search a first round whose cyclic shifts give ``rounds`` rounds without repeats.

    ``shape = (m, c, f)`` (see `rotations`): point ``j * m + x`` is ``(x, j)``, points from
    ``m * c`` on are fixed. Round ``i`` seats ``(x + i mod m, j)`` where round 1 seats ``(x, j)``.
    Tabu search over swaps in the first round; the gain of a swap is the sum of the gains of the
    swaps it makes in every round (scored at once with numpy), the cost after it is exact.
    Returns ``(rounds, repeats)`` of the best schedule found (``iterations`` moves at most).

    >>> plan, left = rotational_search([4] * 6, 7, (7, 3, 3), iterations=20_000)
    >>> len(plan), left, repeats(plan, 24)
    (7, 0, 0)
    """
    sizes = list(sizes)
    m, c, f = shape
    n, T, R = sum(sizes), len(sizes), rounds
    if m * c + f != n or f > T or R < 1:
        raise ValueError(f"shape {shape} does not fit {n} organisations at {T} tables")
    rng = np.random.default_rng(seed)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    ar = np.arange(n)
    core = ar[: m * c]
    perm = np.tile(ar, (R, 1))
    for i in range(R):
        perm[i, : m * c] = (core // m) * m + (core % m + i) % m
    inv = np.argsort(perm, axis=1)  # round i seats point q at the table of inv[i, q] in round 1
    # round 1: the fixed points at different tables, the others at random
    seats = np.asarray([x for tt, s in enumerate(sizes) for x in [tt] * (s - (1 if tt < f else 0))], dtype=np.int64)

    def fresh() -> np.ndarray:
        t = np.empty(n, dtype=np.int64)
        t[m * c :] = np.arange(f)
        t[: m * c] = rng.permutation(seats)
        return t

    t = fresh()

    pp, pq = perm[:, :, None], perm[:, None, :]
    qp, qq = inv[:, :, None], inv[:, None, :]

    def meetings(t: np.ndarray) -> tuple[None, np.ndarray, int]:
        same = (t[:, None] == t[None, :]).astype(np.int64)
        np.fill_diagonal(same, 0)
        M = same[qp, qq].sum(axis=0)  # M[a, b] = sum over rounds i of same[inv_i a, inv_i b]
        return None, M, int(np.maximum(M - 1, 0).sum() // 2)

    G, M, cost = meetings(t)
    best_t, best_cost, last_best = t.copy(), cost, 0
    tabu = np.zeros((n, n), dtype=np.int64)
    stall, restarts = 10 * n, 0
    for it in range(1, iterations + 1):
        if cost == 0 or (deadline is not None and it % 32 == 0 and time.perf_counter() > deadline):
            break
        # X[a, b]: in how many rounds the images of a and b have met (twice) already; then per point of
        # round 1 and table, summed over the rounds: whom it has met (twice) there
        Mi = M[pp, pq]
        X = (Mi >= 1).sum(axis=0).astype(np.float64)
        X2 = (Mi >= 2).sum(axis=0).astype(np.float64)
        onehot = np.zeros((n, T))
        onehot[ar, t] = 1.0
        E1 = X @ onehot
        E2 = X2 @ onehot
        own2 = E2[ar, t]
        busy = np.flatnonzero(own2 > 0)
        if not len(busy):
            busy = ar
        Ht = E1[:, t]  # Ht[a, b] = E1[a, table of b]
        delta = Ht[busy] + Ht[:, busy].T - 2.0 * X[busy] - own2[busy][:, None] - own2[None, :]
        valid = t[busy][:, None] != t[None, :]
        allowed = valid & ((tabu[busy] <= it) | (cost + delta < best_cost))
        if not allowed.any():
            allowed = valid
        score = np.where(allowed, delta + rng.random(delta.shape) * 0.5, np.inf)
        b: int | np.integer
        x, b = np.unravel_index(int(np.argmin(score)), score.shape)
        a, b = int(busy[x]), int(b)
        t[a], t[b] = t[b], t[a]
        G, M, cost = meetings(t)
        tabu[a, b] = tabu[b, a] = it + int(rng.integers(3, 3 + max(5, n // 3)))
        if cost < best_cost:
            best_t, best_cost, last_best = t.copy(), cost, it
        elif it - last_best > stall:  # restart from the best with a few random swaps, now and then afresh
            restarts += 1
            if restarts % 2 == 0:
                t = fresh()
            else:
                t = best_t.copy()
                for _ in range(int(rng.integers(2, 5))):
                    u, v = rng.choice(n, size=2, replace=False)
                    t[u], t[v] = t[v], t[u]
            G, M, cost = meetings(t)
            tabu[:] = 0
            last_best = it
    G = best_t[inv]  # G[i, q]: table of q in round i
    return [[np.flatnonzero(G[i] == tt).tolist() for tt in range(T)] for i in range(R)], best_cost


# ---------------------------------------------------------------------------
# all of it: constructions, rotational search, tabu search
# ---------------------------------------------------------------------------
#: milliseconds per move (fixed part, part per ``rounds * n**2``), measured on two busy cores;
#: they turn a time limit into a number of moves, so that a seed gives the same plan everywhere
TABU_MOVE_MS = (0.1, 1.4e-5)
ROTATION_MOVE_MS = (0.1, 1.4e-5)
#: share of the time for the rotational search, and its split over the shapes tried (first = likeliest)
ROTATION_SHARE = 0.8
ROTATION_SPLIT = (0.35, 0.25, 0.25, 0.15)


def moves_for(seconds: float, n: int, rounds: int, per_move: tuple[float, float] = TABU_MOVE_MS) -> int:
    """Moves that fit into ``seconds`` (at least 100), by the per-move estimate ``per_move``."""
    ms = per_move[0] + per_move[1] * rounds * n * n
    return max(100, int(1000.0 * seconds / ms))


def schedule_search(
    start: Sequence[Sequence[Sequence[int]]],
    n: int,
    *,
    base: np.ndarray | None = None,
    complete: bool = True,
    seed: int = 0,
    budget: float = 6.0,
    time_limit: float | None = None,
    iterations: int | None = None,
) -> tuple[list[list[list[int]]], int, str]:
    """A schedule with as few repeats as possible: ``(rounds, repeats, how)``.

    ``start``: the schedule to improve (round -> tables), kept when nothing better is found.
    ``complete``: every organisation sits in every round and all rounds have the same tables
    (no locked tables); only then are constructions and the rotational search tried. In turn:
    a construction (`design`, ``how="design"``); the rotational search (`rotational_search`,
    ``"rotation"``) with ``ROTATION_SHARE`` of the time, split over the first shapes by
    ``ROTATION_SPLIT``; the tabu search (`golfer_search`, ``"tabu"``) from ``start`` with the rest (or
    ``iterations`` moves), restarting also from the best rotational schedule. The budgets are
    numbers of moves for ``budget`` seconds (`moves_for`), so the result depends only on the
    input and ``seed``; ``time_limit`` (seconds) caps the wall-clock time. ``how="start"``:
    nothing was better than ``start``.
    """
    rounds = [[list(t) for t in tables] for tables in start]
    R = len(rounds)
    left = repeats(rounds, n, base)
    if left == 0 or R == 0:
        return rounds, left, "start"
    t_end = time.perf_counter() + (time_limit if time_limit is not None else 10.0 * budget + 1.0)
    sizes = [len(t) for t in rounds[0]]
    clean = base is None or not np.asarray(base).any()
    if complete:
        made = design(sizes, R)
        if made is not None and repeats(made, n, base) < left:
            return made, repeats(made, n, base), "design"
    best, best_left, how = rounds, left, "start"
    others: list[list[list[list[int]]]] = []
    share = 0.0
    if complete and clean:
        shapes = rotations(sizes, R)[: len(ROTATION_SPLIT)]
        most = round_bound(sizes)[0]
        share = ROTATION_SHARE if shapes else 0.0
        for x, shape in enumerate(shapes):
            part = budget * ROTATION_SHARE * ROTATION_SPLIT[x] / sum(ROTATION_SPLIT[: len(shapes)])
            # all m shifts when that many rounds can exist (the full cyclic schedule is found more
            # easily than a part of it), then its first R rounds
            full = shape[0] if shape[0] <= most else R
            got, _ = rotational_search(
                sizes,
                full,
                shape,
                seed=seed + x,
                iterations=moves_for(part, n, full, ROTATION_MOVE_MS),
                time_limit=max(0.0, t_end - time.perf_counter()),
            )
            got = got[:R]
            got_left = repeats(got, n, base)
            if got_left < best_left:
                best, best_left, how = got, got_left, "rotation"
            others.append(got)
            if got_left == 0:
                return best, 0, how
    moves = iterations if iterations is not None else moves_for(budget * (1.0 - share), n, R)
    others.sort(key=lambda s: repeats(s, n, base))
    found, found_left = golfer_search(
        rounds,
        n,
        base=base,
        seed=seed,
        iterations=moves,
        time_limit=max(0.05, t_end - time.perf_counter()),
        restarts=others[:1],
    )
    if found_left < best_left:
        best, best_left, how = found, found_left, "tabu"
    return best, best_left, how


# ---------------------------------------------------------------------------
# who sits on which place of a schedule
# ---------------------------------------------------------------------------
def relabel(
    rounds: Sequence[Sequence[Sequence[int]]], weights: np.ndarray, *, seed: int = 0, kicks: int = 10
) -> list[list[list[int]]]:
    """Put the organisations on the places of a schedule so that the pairs that meet score high.

    Renaming the organisations of a schedule keeps it free of repeats, so a construction or the
    result of the tabu search can be fitted to the scores: a local search over exchanges of two
    organisations' places (a quadratic assignment; every gain at once as one ``n x n`` array,
    ``gain(p, q) = H[p, q] + H[q, p] - H[p, p] - H[q, q] + 2 C[p, q] W'[p, q]`` with ``C`` the
    schedule's meetings, ``W'`` the scores in place order and ``H = C W'``), with random kicks.

    >>> w = np.zeros((4, 4)); w[0, 3] = w[3, 0] = 1.0
    >>> relabel([[[0, 1], [2, 3]]], w)
    [[[2, 1], [0, 3]]]
    """
    W = np.asarray(weights, dtype=np.float64)
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    C = _counts(rounds, n).astype(np.float64)
    perm = np.arange(n)  # perm[place] = organisation

    def value(p: np.ndarray) -> float:
        return float((C * W[np.ix_(p, p)]).sum() / 2.0)

    def descend(p: np.ndarray) -> np.ndarray:
        p = p.copy()
        for _ in range(50 * n):
            Wp = W[np.ix_(p, p)]
            H = C @ Wp
            d = np.diag(H)
            gain = H + H.T - d[:, None] - d[None, :] + 2.0 * C * Wp
            np.fill_diagonal(gain, -np.inf)
            x = int(np.argmax(gain))
            a, b = divmod(x, n)
            if gain[a, b] <= 1e-9:
                break
            p[a], p[b] = p[b], p[a]
        return p

    best = descend(perm)
    best_val = value(best)
    for _ in range(kicks):
        cand = best.copy()
        for _ in range(2 + int(rng.integers(0, 3))):
            a, b = rng.integers(0, n, size=2)
            cand[a], cand[b] = cand[b], cand[a]
        cand = descend(cand)
        val = value(cand)
        if val > best_val + 1e-9:
            best, best_val = cand, val
    return [[[int(best[x]) for x in t] for t in tables] for tables in rounds]
