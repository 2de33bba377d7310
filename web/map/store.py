"""Stored map positions: one record of kind ``map_layout`` (it does not move the snapshot generation).

The record ``map_layout/network`` holds ``positions`` (organisation id -> ``[x, y]`` in layout units),
``pinned`` (ids staff fixed in place), ``seed`` and ``computed_at``. The layout covers every organisation
and every cooperation ever recorded (past, current and future), so that a view of another period or a
filtered view shows each organisation at the same place.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.network import Network
from graph.store import GraphStore
from graph.store.base import now_iso

from .layout import Positions, stable_layout

__all__ = ["LAYOUT_ID", "LAYOUT_KIND", "ensure_layout", "layout_graph", "load_layout", "relayout", "set_pinned"]

LAYOUT_KIND = "map_layout"
LAYOUT_ID = "network"


def layout_graph(network: Network) -> nx.Graph:
    """Every organisation, linked by every cooperation on record (whatever its dates)."""
    g = nx.Graph()
    g.add_nodes_from(sorted(o.id for o in network.organisations))
    g.add_edges_from((c.a, c.b) for c in network.cooperations if c.a in g and c.b in g and c.a != c.b)
    return g


def load_layout(store: GraphStore) -> tuple[Positions, set[str], dict[str, Any]]:
    """``(positions, pinned, record data)``; empty when nothing is stored yet."""
    rec = store.get(LAYOUT_KIND, LAYOUT_ID)
    if rec is None:
        return {}, set(), {}
    pos = {k: (float(v[0]), float(v[1])) for k, v in rec.data.get("positions", {}).items()}
    return pos, set(rec.data.get("pinned", [])), dict(rec.data)


def _save(store: GraphStore, positions: Positions, pinned: set[str], seed: int, actor: str, reason: str) -> Positions:
    """Store the layout; returns the positions as stored (rounded to 6 decimals)."""
    data = {
        "positions": {k: [round(x, 6), round(y, 6)] for k, (x, y) in sorted(positions.items())},
        "pinned": sorted(p for p in pinned if p in positions),
        "seed": seed,
        "computed_at": now_iso(),
        "reason": reason,
    }
    store.upsert(LAYOUT_KIND, LAYOUT_ID, data, actor=actor)
    return {k: (float(x), float(y)) for k, (x, y) in data["positions"].items()}  # type: ignore[union-attr]


def ensure_layout(
    store: GraphStore, network: Network, *, actor: str = "map", seed: int = 0
) -> tuple[Positions, set[str]]:
    """Stored positions, completed for new organisations (warm start) and saved when anything changed."""
    g = layout_graph(network)
    positions, pinned, _ = load_layout(store)
    reason = "new organisations" if positions else "first layout"
    ids = set(g.nodes())
    if positions and ids == set(positions):
        return positions, pinned
    if positions.keys() - ids and not ids - positions.keys():  # organisations left: just forget them
        positions = {k: v for k, v in positions.items() if k in ids}
    else:
        positions = stable_layout(g, previous=positions or None, pinned=pinned, seed=seed)  # type: ignore[assignment]
    return _save(store, positions, pinned, seed, actor, reason), pinned


def relayout(store: GraphStore, network: Network, *, actor: str, seed: int | None = None) -> Positions:
    """Lay the map out afresh on purpose; pinned organisations keep their places."""
    g = layout_graph(network)
    positions, pinned, data = load_layout(store)
    seed = int(data.get("seed", 0)) + 1 if seed is None else seed
    new = stable_layout(g, previous=positions or None, pinned=pinned, seed=seed, restart=True)
    return _save(store, new, pinned, seed, actor, "re-run by staff")  # type: ignore[arg-type]


def set_pinned(store: GraphStore, network: Network, org_id: str, pinned: bool, *, actor: str) -> bool:
    """Pin or release one organisation where it is; False when it is not on the map."""
    positions, pins = ensure_layout(store, network, actor=actor)
    if org_id not in positions:
        return False
    _, _, data = load_layout(store)
    pins = set(pins) | {org_id} if pinned else set(pins) - {org_id}
    _save(store, positions, pins, int(data.get("seed", 0)), actor, "pinned" if pinned else "released")
    return True
