"""Stable force-directed layout for the network map (pure: no Flask, no store).

`stable_layout` places the nodes of a NetworkX graph in map coordinates (the first layout fills the
unit square), warm-started from earlier positions so that the map stays put between two snapshots:
known nodes start where they were, a new node starts next to its placed partners, and the forces run
cooled (a small step size) for a few rounds only. Pinned nodes do not move at all.

Why not ``networkx.spring_layout``: it rescales the result (every node moves when one is added) and
its sparse variant loops over the nodes in Python (about 10 s for 1,000 organisations here). This is
the same Fruchterman–Reingold model, vectorised: attraction along the edges, repulsion from the nearest
nodes closer than ``2 k`` (a k-d tree finds them), and a weak pull to the centre that keeps organisations
without partners and small groups on the map. It scales to 10,000 organisations in a few seconds.

Example
-------
>>> import networkx as nx
>>> g = nx.path_graph(["a", "b", "c"])
>>> pos = stable_layout(g, seed=1)
>>> sorted(pos), all(0 <= v <= 1 for p in pos.values() for v in p)
(['a', 'b', 'c'], True)
>>> g.add_edge("c", "d")
>>> pos2 = stable_layout(g, previous=pos, seed=1)
>>> mean_displacement(pos, pos2) < 0.05
True
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["Positions", "layout_width", "mean_displacement", "stable_layout"]

Positions = dict[Hashable, tuple[float, float]]

#: rounds of a fresh layout and of a warm start (fewer for very large graphs, see `_rounds`)
FRESH_ROUNDS = 300
#: repulsion acts between a node and at most this many nearest nodes within the cut-off
NEAREST = 12
WARM_ROUNDS = 60


def _rounds(n: int, warm: bool) -> int:
    """Fewer rounds for larger maps (each round costs O(n log n))."""
    base = WARM_ROUNDS if warm else FRESH_ROUNDS
    if n > 2000:
        return base // 3
    if n > 300:
        return base // 2
    return base


def stable_layout(
    graph: nx.Graph,
    *,
    previous: Mapping[Hashable, tuple[float, float]] | None = None,
    pinned: Collection[Hashable] = (),
    seed: int = 0,
    rounds: int | None = None,
    gravity: float = 0.2,
    restart: bool = False,
) -> Positions:
    """Positions for every node of ``graph``, warm-started from ``previous`` when given.

    Parameters
    ----------
    graph : networkx.Graph
        Nodes to place; edges attract (undirected, unweighted).
    previous : mapping, optional
        Earlier positions ``node -> (x, y)``; nodes not in ``graph`` are ignored. When at least one node
        of ``graph`` has a previous position the run is a *warm start*: small steps, few rounds.
    pinned : collection, optional
        Nodes that keep their previous position exactly (pinned nodes without one move like the others).
    seed : int
        Seed of the random start positions (deterministic output for equal input).
    rounds : int, optional
        Number of force rounds; by default 300 for a fresh layout and 60 for a warm start (fewer above 300 nodes).
    gravity : float
        Pull towards the centre, relative to the attraction along an edge.
    restart : bool
        Lay out afresh (hot, all rounds) around the pinned nodes, which alone keep their ``previous``
        positions: what staff ask for when they re-run the layout on purpose.

    Returns
    -------
    dict
        ``node -> (x, y)`` as floats; a fresh layout starts in the unit square and stays about that size.
    """
    nodes = list(graph.nodes())
    n = len(nodes)
    if n == 0:
        return {}
    rng = np.random.default_rng(seed)
    prev = {v: previous[v] for v in nodes if previous is not None and v in previous}
    if restart:
        pins = set(pinned)
        prev = {v: p for v, p in prev.items() if v in pins}
    warm = bool(prev) and not restart
    index = {v: i for i, v in enumerate(nodes)}
    src, dst = _edges(graph, index)

    # one ideal edge length for every run over this graph: stored positions stay in the same units
    k = 1.0 / np.sqrt(n)
    width, centre = _frame(prev, k)
    pos, width = _start_positions(
        graph, nodes, index, prev, rng, warm=warm, restart=restart, frame=(width, centre), k=k
    )

    fixed = np.zeros(n, dtype=bool)
    for v in pinned:
        i = index.get(v)
        if i is not None and v in prev:
            fixed[i] = True

    rounds = rounds if rounds is not None else _rounds(n, warm)
    # a fresh layout starts hot (a tenth of the map), a warm start only jiggles (a tenth of an edge)
    t0 = 0.1 * width if not warm else 0.1 * k
    before = pos.copy()
    known = np.asarray([v in prev for v in nodes], dtype=bool)
    _run(pos, src, dst, fixed, k, centre, width, gravity, rounds, t0)
    if warm and not fixed.any():
        # undo any drift or turn of the whole picture: fit the known nodes back onto where they were
        _align(pos, before, known)
    return {v: (float(pos[i, 0]), float(pos[i, 1])) for i, v in enumerate(nodes)}


def _frame(prev: Mapping[Hashable, tuple[float, float]], k: float) -> tuple[float, np.ndarray]:
    """The width and centre of the previous positions (at least one edge wide); the unit square without them."""
    if not prev:
        return 1.0, np.array([0.5, 0.5])
    pts = np.asarray(list(prev.values()), dtype=np.float64)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return float(max(hi[0] - lo[0], hi[1] - lo[1], k)), (lo + hi) / 2


def _start_positions(
    graph: nx.Graph,
    nodes: list[Hashable],
    index: dict[Hashable, int],
    prev: Mapping[Hashable, tuple[float, float]],
    rng: np.random.Generator,
    *,
    warm: bool,
    restart: bool,
    frame: tuple[float, np.ndarray],
    k: float,
) -> tuple[np.ndarray, float]:
    """Where the force rounds start, and the width they work in: previous positions kept, the others random
    in the frame (fresh layout or restart) or next to their placed neighbours (warm start)."""
    width, centre = frame
    n = len(nodes)
    pos = np.empty((n, 2), dtype=np.float64)
    placed = np.zeros(n, dtype=bool)
    for v, p in prev.items():
        pos[index[v]] = p
        placed[index[v]] = True
    if not warm:
        width = max(width, 1.0) if restart else width
        start = centre + (rng.random((n, 2)) - 0.5) * width
        pos[~placed] = start[~placed]
        placed[:] = True
    else:
        _place_new(pos, placed, graph, nodes, index, rng, centre, width, k)
    return pos, width


def _edges(graph: nx.Graph, index: dict[Hashable, int]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(index[a], index[b]) for a, b in graph.edges() if a != b]
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.unique(np.sort(np.asarray(pairs, dtype=np.int64), axis=1), axis=0)
    return arr[:, 0], arr[:, 1]


def _place_new(
    pos: np.ndarray,
    placed: np.ndarray,
    graph: nx.Graph,
    nodes: list[Hashable],
    index: dict[Hashable, int],
    rng: np.random.Generator,
    centre: np.ndarray,
    width: float,
    k: float,
) -> None:
    """New nodes start next to their placed partners (repeatedly, for chains of new nodes), else on the rim."""
    todo = [i for i in range(len(nodes)) if not placed[i]]
    for _ in range(3):
        rest = []
        for i in todo:
            nbrs = [index[u] for u in graph.neighbors(nodes[i]) if placed[index[u]]]
            if nbrs:
                pos[i] = pos[nbrs].mean(axis=0) + (rng.random(2) - 0.5) * k
                placed[i] = True
            else:
                rest.append(i)
        todo = rest
        if not todo:
            return
    for i in todo:  # no placed partner: a free spot near the edge of the map, where it disturbs nobody
        angle = rng.random() * 2 * np.pi
        pos[i] = centre + 0.5 * width * np.array([np.cos(angle), np.sin(angle)])
        placed[i] = True


def _run(
    pos: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    fixed: np.ndarray,
    k: float,
    centre: np.ndarray,
    width: float,
    gravity: float,
    rounds: int,
    t0: float,
) -> None:
    n = len(pos)
    cutoff = 2.0 * k
    nearest = min(NEAREST, n - 1)
    moving = ~fixed
    # the pull grows towards the rim; it weakens with size, else large maps are squeezed into a dense core
    pull = gravity * k / (0.5 * width) * min(1.0, 10.0 / np.sqrt(max(n, 1)))
    for r in range(rounds):
        disp = np.zeros_like(pos)
        # repulsion 2 k^2 / d from the nearest nodes closer than the cut-off
        if n > 1:
            dist, j = cKDTree(pos).query(pos, k=nearest + 1, distance_upper_bound=cutoff)
            dist, j = dist[:, 1:].ravel(), j[:, 1:].ravel()
            ok = j < n
            i = np.repeat(np.arange(n), nearest)[ok]
            j, dist = j[ok], np.maximum(dist[ok], 1e-3 * k)
            delta = pos[i] - pos[j]
            f = (2 * k * k / dist**2 - 2 * k * k / cutoff**2)[:, None] * delta  # fades to 0 at the cut-off
            disp += _scatter(i, f, n)
        # attraction d^2 / k along edges
        if len(src):
            delta = pos[src] - pos[dst]
            dist = np.sqrt((delta**2).sum(axis=1))[:, None]
            f = delta * dist / k
            disp += _scatter(dst, f, n) - _scatter(src, f, n)
        # weak pull to the centre (keeps isolated nodes and small groups on the map)
        disp -= pull * (pos - centre)
        # cap each step by the temperature, which cools linearly
        t = t0 * (1 - r / rounds) + 1e-9
        length = np.sqrt((disp**2).sum(axis=1))
        scale = np.minimum(length, t) / np.maximum(length, 1e-12)
        pos[moving] += disp[moving] * scale[moving, None]
    if n and not np.isfinite(pos).all():  # pragma: no cover - guards against a numeric blow-up
        raise FloatingPointError("layout diverged")


def _scatter(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Row sums of ``values`` per ``index`` (``np.add.at``, but vectorised)."""
    out = np.empty((n, 2), dtype=np.float64)
    out[:, 0] = np.bincount(index, weights=values[:, 0], minlength=n)
    out[:, 1] = np.bincount(index, weights=values[:, 1], minlength=n)
    return out


def _align(pos: np.ndarray, ref: np.ndarray, mask: np.ndarray) -> None:
    """Rotate and shift ``pos`` in place so that the rows in ``mask`` best fit ``ref`` (Procrustes, no scaling)."""
    if mask.sum() < 3:
        return
    a, b = pos[mask], ref[mask]
    ca, cb = a.mean(axis=0), b.mean(axis=0)
    u, _, vt = np.linalg.svd((a - ca).T @ (b - cb))
    d = np.sign(np.linalg.det(u @ vt))
    rot = u @ np.diag([1.0, d]) @ vt
    pos[:] = (pos - ca) @ rot + cb


def layout_width(positions: Mapping[Hashable, tuple[float, float]]) -> float:
    """The larger side of the bounding box of ``positions`` (the map's width in layout units)."""
    if not positions:
        return 0.0
    pts = np.asarray(list(positions.values()), dtype=np.float64)
    ext = pts.max(axis=0) - pts.min(axis=0)
    return float(max(ext[0], ext[1]))


def mean_displacement(
    before: Mapping[Hashable, tuple[float, float]], after: Mapping[Hashable, tuple[float, float]]
) -> float:
    """Average move of the nodes in both layouts, as a share of the earlier map's width.

    >>> mean_displacement({"a": (0, 0), "b": (1, 0)}, {"a": (0.1, 0), "b": (1, 0), "c": (5, 5)})
    0.05
    """
    common = [v for v in before if v in after]
    if not common:
        return 0.0
    a = np.asarray([before[v] for v in common], dtype=np.float64)
    b = np.asarray([after[v] for v in common], dtype=np.float64)
    width = layout_width(before) or 1.0
    return round(float(np.sqrt(((a - b) ** 2).sum(axis=1)).mean() / width), 6)
