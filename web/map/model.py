"""The network map as plain geometry: nodes, edges, community outlines, labels (no Flask).

`build_map` takes a `graph.Network`, stored layout positions and a `MapFilter` and returns a `MapView`
in pixel coordinates. The SVG, PNG and PDF renderers draw that same `MapView`, so that every export
shows exactly the view on the screen.

Rules
-----
* Period: a cooperation is shown when it was active on some day of ``[start, end]``
  (``since <= end`` and ``until`` empty or ``>= start``); both default to today (current cooperations).
* Kind, topic and district filters select organisations; cooperations are shown between shown
  organisations only. ``focus`` keeps one organisation and its partners up to ``depth`` steps away.
* Node size: degree, betweenness or eigenvector centrality in the shown network (square-root scale).
* Communities: Louvain (`matching.communities`, fixed seed) on the shown network (label propagation above
  3,000 organisations); every community of two or more organisations gets an outline (the convex hull of
  its nodes, padded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.network import Network

from ..events import joint_activity

__all__ = [
    "KIND_STYLE",
    "SHAPE_GROUPS",
    "SIZE_METRICS",
    "MapEdge",
    "MapFilter",
    "MapNode",
    "MapView",
    "build_map",
    "centrality",
    "filtered_network",
    "kind_style",
    "shape_points",
]

#: Okabe–Ito colours (safe for the common colour-vision deficiencies), one per organisation kind, and
#: a shape per kind group, so that colour is never the only cue.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "migrant_organisation": ("#0072B2", "circle"),
    "welfare_association": ("#E69F00", "square"),
    "integration_agency": ("#D55E00", "square"),
    "public_service": ("#CC79A7", "square"),
    "education": ("#009E73", "triangle"),
    "youth_association": ("#56B4E9", "triangle"),
    "sports_culture": ("#F0E442", "diamond"),
    "religious_community": ("#000000", "diamond"),
    "other": ("#999999", "diamond"),
}
#: shape -> the kinds it stands for (legend)
SHAPE_GROUPS: dict[str, tuple[str, ...]] = {
    "circle": ("migrant_organisation",),
    "square": ("welfare_association", "integration_agency", "public_service"),
    "triangle": ("education", "youth_association"),
    "diamond": ("sports_culture", "religious_community", "other"),
}
SIZE_METRICS = ("degree", "betweenness", "eigenvector")
#: what the node colour stands for: the kind (with the shape), the district, or the main topic
COLOUR_BY = ("kind", "district", "topic")
#: colours for districts and topics: Okabe–Ito without grey; the less frequent values share OTHER_FILL
CATEGORY_FILLS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442")
OTHER_FILL = "#999999"
INK = "#1b1b1b"


def kind_style(kind: str) -> tuple[str, str]:
    """``(fill colour, shape)`` of an organisation kind (grey diamond for unknown kinds)."""
    return KIND_STYLE.get(kind, KIND_STYLE["other"])


def shape_points(shape: str, x: float, y: float, r: float) -> list[tuple[float, float]]:
    """The corners of a square, triangle or diamond of about the area of a circle of radius ``r``."""
    if shape == "square":
        s = r * 0.886  # same area as the circle
        return [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]
    if shape == "triangle":
        s = r * 1.35
        return [(x, y - s), (x + s * 0.866, y + s * 0.5), (x - s * 0.866, y + s * 0.5)]
    s = r * 1.25  # diamond
    return [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]


@dataclass
class MapFilter:
    """What the map shows; every field comes from a URL argument of the same name."""

    kinds: list[str] = field(default_factory=list)
    topic: str = ""
    district: str = ""
    start: str = ""
    end: str = ""
    focus: str = ""
    depth: int = 1
    size: str = "degree"
    suggestions: bool = False
    colour: str = "kind"

    @classmethod
    def from_args(cls, args: Any, *, today: str | None = None) -> MapFilter:
        """From request arguments (``kind`` may repeat; ``from``/``to`` are ISO dates); bad values are dropped."""
        today = today or dt.date.today().isoformat()
        kinds = [k for k in args.getlist("kind") if k in KIND_STYLE or k.isidentifier()]
        end = _iso(args.get("to", "")) or today
        start = _iso(args.get("from", "")) or end
        if start > end:
            start, end = end, start
        size = args.get("size", "degree")
        try:
            depth = min(max(int(args.get("depth", "1")), 1), 3)
        except ValueError:
            depth = 1
        focus = args.get("focus", "").strip()
        sugg = args.get("suggest")
        colour = args.get("colour", "kind")
        return cls(
            colour=colour if colour in COLOUR_BY else "kind",
            kinds=kinds,
            topic=args.get("topic", "").strip(),
            district=args.get("district", "").strip(),
            start=start,
            end=end,
            focus=focus,
            depth=depth,
            size=size if size in SIZE_METRICS else "degree",
            suggestions=(sugg == "1") if sugg is not None else bool(focus),
        )

    def args(self, today: str | None = None, **changes: Any) -> dict[str, Any]:
        """URL arguments that reproduce this filter (defaults left out), with ``changes`` applied."""
        f = dataclasses.replace(self, **changes)
        today = today or dt.date.today().isoformat()
        out: dict[str, Any] = {}
        if f.kinds:
            out["kind"] = list(f.kinds)
        for key, value in (("topic", f.topic), ("district", f.district), ("focus", f.focus)):
            if value:
                out[key] = value
        if f.end and f.end != today:
            out["to"] = f.end
        if f.start and f.start != f.end:
            out["from"] = f.start
        if f.depth != 1:
            out["depth"] = f.depth
        if f.size != "degree":
            out["size"] = f.size
        if f.colour != "kind":
            out["colour"] = f.colour
        if f.suggestions != bool(f.focus):
            out["suggest"] = "1" if f.suggestions else "0"
        return out


def _iso(text: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return ""


@dataclass
class MapNode:
    id: str
    name: str
    kind: str
    x: float
    y: float
    r: float
    fill: str
    shape: str
    degree: int
    value: float  # the size metric
    community: int  # -1: no partners in this view
    partners: list[str] = field(default_factory=list)
    label: str = ""  # shown label ('' when it would overlap another one)
    label_x: float = 0.0
    label_y: float = 0.0
    anchor: str = "start"
    emphasis: str = ""  # "focus", "new" or "dim"
    label_size: float = 0.0  # font size of the label (hubs larger); 0: the map's


@dataclass
class MapEdge:
    a: str
    b: str
    kinds: list[str]
    since: str | None = None
    style: str = "coop"  # "coop", "new", "dim" or "suggested"
    score: float = 0.0


@dataclass
class Hull:
    community: int
    points: list[tuple[float, float]]
    size: int
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class MapView:
    width: int
    height: int
    nodes: list[MapNode]
    edges: list[MapEdge]
    hulls: list[Hull]
    filter: MapFilter
    title: str = ""
    font_size: float = 13.0
    #: with ``filter.colour`` district or topic: ``[(value, fill)]`` in legend order ("" = the others)
    colours: list[tuple[str, str]] = field(default_factory=list)
    #: pairs of shown organisations that held a published joint event in the period: ``(a, b, events)``;
    #: activity next to the cooperations (not drawn as edges, not counted in degree or communities)
    joint_events: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def node_index(self) -> dict[str, MapNode]:
        return {n.id: n for n in self.nodes}

    def summary(self) -> dict[str, Any]:
        """Counts, the most connected organisations and the communities (the text alternative)."""
        coop = [e for e in self.edges if e.style != "suggested"]
        top = sorted(self.nodes, key=lambda n: (-n.degree, n.name.casefold()))[:5]
        groups: dict[int, list[MapNode]] = {}
        for n in self.nodes:
            if n.community >= 0:
                groups.setdefault(n.community, []).append(n)
        communities = [
            {"id": c + 1, "size": len(ms), "members": [m.name for m in sorted(ms, key=lambda m: -m.degree)[:3]]}
            for c, ms in sorted(groups.items())
        ]
        return {
            "organisations": len(self.nodes),
            "cooperations": len(coop),
            "suggestions": sum(1 for e in self.edges if e.style == "suggested"),
            "without_partner": sum(1 for n in self.nodes if n.degree == 0),
            "most_connected": [(n.name, n.degree) for n in top if n.degree > 0],
            "communities": communities,
            "joint_event_pairs": len(self.joint_events),
        }


def filtered_network(network: Network, flt: MapFilter, *, extra: Iterable[str] = ()) -> Network:
    """The organisations and cooperations the filter shows (a new `Network`; focus applied).

    ``extra``: organisations kept in a focus view besides the neighbourhood (suggested partners).
    """
    orgs = [
        o
        for o in network.organisations
        if (not flt.kinds or o.kind in flt.kinds)
        and (not flt.topic or flt.topic in o.topics)
        and (not flt.district or flt.district in o.districts)
    ]
    ids = {o.id for o in orgs}
    coops = [
        c
        for c in network.cooperations
        if c.a in ids
        and c.b in ids
        and (c.since is None or c.since <= flt.end)
        and (c.until is None or c.until >= flt.start)
    ]
    if flt.focus and flt.focus in ids:
        adj: dict[str, set[str]] = {}
        for c in coops:
            adj.setdefault(c.a, set()).add(c.b)
            adj.setdefault(c.b, set()).add(c.a)
        keep, frontier = {flt.focus}, {flt.focus}
        for _ in range(flt.depth):
            frontier = {u for v in frontier for u in adj.get(v, ())} - keep
            keep |= frontier
        keep |= set(extra) & ids
        orgs = [o for o in orgs if o.id in keep]
        coops = [c for c in coops if c.a in keep and c.b in keep]
    return dataclasses.replace(network, organisations=orgs, cooperations=coops)


def coop_graph(network: Network) -> nx.Graph:
    """Organisations as nodes, the network's cooperations as edges (pairs counted once)."""
    g = nx.Graph()
    g.add_nodes_from(sorted(o.id for o in network.organisations))
    for c in network.cooperations:
        if c.a != c.b:
            if g.has_edge(c.a, c.b):
                data = g.edges[c.a, c.b]
                data["kinds"].append(c.kind)
                if c.since and (not data["since"] or c.since < data["since"]):
                    data["since"] = c.since
            else:
                g.add_edge(c.a, c.b, kinds=[c.kind], since=c.since)
    return g


def centrality(g: nx.Graph, metric: str) -> dict[str, float]:
    """Degree, betweenness (sampled above 500 nodes) or eigenvector centrality (power iteration on A + I)."""
    if metric == "betweenness":
        n = g.number_of_nodes()
        return nx.betweenness_centrality(g, k=300 if n > 500 else None, seed=0)
    if metric == "eigenvector":
        nodes = list(g.nodes())
        if not nodes or g.number_of_edges() == 0:
            return dict.fromkeys(nodes, 0.0)
        a = nx.to_scipy_sparse_array(g, nodelist=nodes, format="csr") + sp.identity(len(nodes), format="csr")
        x = np.ones(len(nodes)) / len(nodes)
        for _ in range(200):
            y = a @ x
            y /= np.linalg.norm(y)
            if np.abs(y - x).max() < 1e-9:
                x = y
                break
            x = y
        x[np.asarray([g.degree(v) == 0 for v in nodes])] = 0.0
        return {v: float(val) for v, val in zip(nodes, x, strict=True)}
    return {v: float(d) for v, d in g.degree()}


#: above this many organisations the map uses label propagation for communities (Louvain takes seconds)
LOUVAIN_MAX_NODES = 3000


def _communities(g: nx.Graph) -> dict[str, int]:
    """Community per organisation: Louvain (`matching.communities`) up to `LOUVAIN_MAX_NODES`, else
    NetworkX's deterministic label propagation."""
    nodes = list(g.nodes())
    if not nodes:
        return {}
    if len(nodes) > LOUVAIN_MAX_NODES:
        parts = sorted(nx.community.label_propagation_communities(g), key=lambda p: min(p))
        return {v: c for c, part in enumerate(parts) for v in part}
    from matching import communities

    labels = communities(nx.to_scipy_sparse_array(g, nodelist=nodes, format="csr"), seed=0)
    return {v: int(c) for v, c in zip(nodes, labels, strict=True)}


def _hull(points: np.ndarray) -> list[tuple[float, float]]:
    """Convex hull of 2-D points, counter-clockwise (scipy's Qhull; a line or point stays as it is)."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.unique(np.round(points, 2), axis=0)
    if len(pts) < 3:
        return [(float(x), float(y)) for x, y in pts]
    try:
        hull = ConvexHull(pts)
    except QhullError:  # all points on a line
        return [(float(x), float(y)) for x, y in pts[[0, -1]]]
    return [(float(pts[i, 0]), float(pts[i, 1])) for i in hull.vertices]


def _place_labels(nodes: list[MapNode], font: float, limit: int, width: int, height: int) -> None:
    """Greedy labels: most important nodes first, right of the node (else left, above, below), skipped when
    they would overlap another label or node. Hubs get up to 40 % larger type (Kumu's "label by size"); the
    most important ones (``hubs``) only have to keep clear of other labels: in the dense middle of a network
    every spot touches some node, and the halo keeps the text readable over it."""
    cell = 64.0
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    label_boxes: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def cells(b: tuple[float, float, float, float]) -> list[tuple[int, int]]:
        return [
            (i, j)
            for i in range(int(b[0] // cell), int(b[2] // cell) + 1)
            for j in range(int(b[1] // cell), int(b[3] // cell) + 1)
        ]

    def add(b: tuple[float, float, float, float], label: bool = False) -> None:
        for c in cells(b):
            grid.setdefault(c, []).append(b)
            if label:
                label_boxes.setdefault(c, []).append(b)

    for n in nodes:  # nodes block label space too
        add((n.x - n.r, n.y - n.r, n.x + n.r, n.y + n.r))
    placed = 0
    vmax = max((n.value for n in nodes), default=0.0) or 1.0
    order = sorted(nodes, key=lambda n: (n.emphasis != "focus", -n.value, -n.degree, n.name.casefold()))
    hubs = max(5, limit // 8)
    for rank, n in enumerate(order[: max(limit * 4, limit)]):
        if placed >= limit:
            break
        blocking = label_boxes if rank < hubs and n.value > 0 else grid
        size = round(font * (1 + 0.4 * math.sqrt(max(n.value, 0.0) / vmax)), 1)
        text = n.name if len(n.name) <= 30 else n.name[:28].rstrip() + "…"
        w = 0.56 * size * len(text)
        own = (n.x - n.r, n.y - n.r, n.x + n.r, n.y + n.r)
        # (anchor, text x, baseline y) right, left, above and below the node
        spots = (
            ("start", n.x + n.r + 3, n.y + size * 0.35),
            ("end", n.x - n.r - 3, n.y + size * 0.35),
            ("middle", n.x, n.y - n.r - 4),
            ("middle", n.x, n.y + n.r + size * 0.95),
        )
        for side, tx, ty in spots:
            x0 = tx if side == "start" else tx - w if side == "end" else tx - w / 2
            box = (x0, ty - size * 0.8, x0 + w, ty + size * 0.3)
            if box[0] < 2 or box[2] > width - 2 or box[1] < 2 or box[3] > height - 2:
                continue
            if any(_overlap(box, b) for c in cells(box) for b in blocking.get(c, ()) if b != own):
                continue
            add(box, label=True)
            n.label, n.anchor, n.label_size = text, side, size
            n.label_x, n.label_y = tx, ty
            placed += 1
            break


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def build_map(
    network: Network,
    positions: Mapping[str, Iterable[float]],
    flt: MapFilter,
    *,
    suggestions: Mapping[str, list[tuple[str, float]]] | None = None,
    width: int = 1200,
    height: int = 800,
    font_size: float = 13.0,
    label_limit: int | None = None,
    radius: tuple[float, float] = (5.0, 18.0),
    new_since: str | None = None,
    shown: Callable[[str], bool] | None = None,
    title: str = "",
) -> MapView:
    """The map of ``network`` under ``flt`` in a ``width`` x ``height`` pixel frame.

    ``positions`` are layout positions of (at least) the shown organisations; missing ones are put in the
    centre. ``suggestions`` maps an organisation to ``[(partner, score)]`` (drawn dashed between shown
    organisations; with a focus only the focus organisation's). ``new_since``: cooperations that began
    after this date are emphasised and older ones dimmed (presentation mode). ``shown`` limits the
    organisations further (presentation: those in the network at a meeting).
    """
    extra = [p for p, _ in (suggestions or {}).get(flt.focus, [])[:3]] if flt.focus and flt.suggestions else []
    sub = filtered_network(network, flt, extra=extra)
    if shown is not None:
        sub = dataclasses.replace(
            sub,
            organisations=[o for o in sub.organisations if shown(o.id)],
            cooperations=[c for c in sub.cooperations if shown(c.a) and shown(c.b)],
        )
    g = coop_graph(sub)
    orgs = {o.id: o for o in sub.organisations}
    ids = list(g.nodes())
    values = centrality(g, flt.size)
    comm = _communities(g)

    raw = np.asarray([list(positions.get(v, (np.nan, np.nan))) for v in ids], dtype=np.float64).reshape(-1, 2)
    if len(ids) and np.isnan(raw).all():
        raw[:] = 0.5
    elif len(ids):
        raw[np.isnan(raw).any(axis=1)] = np.nanmean(raw, axis=0)
    if flt.focus or not positions:
        frame = raw
    else:  # the whole network's frame: filtered views keep every organisation where it is
        frame = np.asarray([list(p) for p in positions.values()], dtype=np.float64).reshape(-1, 2)
        frame = frame if len(frame) else raw
    margin = radius[1] + 8 + font_size
    if len(frame):
        lo, hi = frame.min(axis=0), frame.max(axis=0)
        ext = np.maximum(hi - lo, 1e-9)
        scale = min((width - 2 * margin) / ext[0], (height - 2 * margin) / ext[1])
        if not np.isfinite(scale) or (ext < 1e-6).all():
            scale = 0.0
        offset = np.array([width, height]) / 2 - (lo + hi) / 2 * scale
        px = raw * scale + offset
    else:
        px = raw

    vmax = max(values.values(), default=0.0) or 1.0
    rmin, rmax = radius
    colours, category_fill = _category_colours(ids, orgs, flt.colour)
    nodes: list[MapNode] = []
    for i, v in enumerate(ids):
        o = orgs[v]
        fill, shape = kind_style(o.kind)
        if category_fill is not None:
            fill = category_fill(o)
        val = values.get(v, 0.0)
        nodes.append(
            MapNode(
                id=v,
                name=o.name,
                kind=o.kind,
                x=round(float(px[i, 0]), 1),
                y=round(float(px[i, 1]), 1),
                r=round(rmin + (rmax - rmin) * math.sqrt(max(val, 0.0) / vmax), 1),
                fill=fill,
                shape=shape,
                degree=g.degree(v),
                value=round(val, 4),
                community=comm.get(v, -1) if g.degree(v) else -1,
                partners=sorted((orgs[u].name for u in g.neighbors(v)), key=str.casefold),
                emphasis="focus" if v == flt.focus else "",
            )
        )
    edges: list[MapEdge] = []
    for a, b, data in g.edges(data=True):
        since = data["since"]
        style = "coop"
        if new_since is not None:
            style = "new" if since and since > new_since else "dim"
        edges.append(MapEdge(a=a, b=b, kinds=sorted(set(data["kinds"])), since=since, style=style))
    if new_since is not None:
        fresh = {v for e in edges if e.style == "new" for v in (e.a, e.b)}
        for n in nodes:
            if n.emphasis != "focus":
                n.emphasis = "new" if n.id in fresh else "dim"
    if suggestions and flt.suggestions:
        seen = {frozenset((e.a, e.b)) for e in edges}
        sources = [flt.focus] if flt.focus else ids
        for v in sources:
            for partner, score in suggestions.get(v, [])[:3]:
                pair = frozenset((v, partner))
                if partner in orgs and partner in g and pair not in seen:
                    seen.add(pair)
                    edges.append(MapEdge(a=v, b=partner, kinds=[], style="suggested", score=round(score, 3)))

    hulls: list[Hull] = []
    groups: dict[int, list[MapNode]] = {}
    for n in nodes:
        if n.community >= 0:
            groups.setdefault(n.community, []).append(n)
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    for c, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        pts = np.concatenate([np.array([[m.x, m.y]]) + ring * (m.r + 10) for m in members])
        hull = _hull(pts)
        top = min(hull, key=lambda p: p[1])
        hulls.append(Hull(community=c, points=hull, size=len(members), label_x=top[0], label_y=top[1] - 4))

    limit = label_limit if label_limit is not None else (len(nodes) if len(nodes) <= 90 else 60)
    _place_labels(nodes, font_size, limit, width, height)
    nodes.sort(key=lambda n: n.name.casefold())
    shown_ids = {n.id for n in nodes}
    try:
        lo, hi = dt.date.fromisoformat(flt.start or flt.end), dt.date.fromisoformat(flt.end)
    except ValueError:
        lo = hi = dt.date.today()
    joint = [
        (a, b, len(ids))
        for (a, b), ids in sorted(joint_activity(sub.events, lo, hi).items())
        if a in shown_ids and b in shown_ids
    ]
    return MapView(
        width=width,
        height=height,
        nodes=nodes,
        edges=edges,
        hulls=hulls,
        filter=flt,
        title=title,
        font_size=font_size,
        colours=colours,
        joint_events=joint,
    )


def _category_colours(
    ids: list[str], orgs: Mapping[str, Any], by: str
) -> tuple[list[tuple[str, str]], Callable[[Any], str] | None]:
    """Colours for ``by`` = district or topic: the seven most frequent values of the shown organisations get a
    colour each, the rest share grey.

    An organisation's value is its first district, or its main topic: of its topics, the one that most of the
    shown organisations share (ties: the one it lists first). So an organisation that lists a rare topic
    first is coloured by the common one it also works on, and the legend names what the colours group.
    """
    if by not in ("district", "topic"):
        return [], None
    share: dict[str, int] = {}
    if by == "topic":
        for v in ids:
            for t in dict.fromkeys(orgs[v].topics):
                share[t] = share.get(t, 0) + 1

    def value(o: Any) -> str:
        if by == "district":
            return o.districts[0] if o.districts else ""
        if not o.topics:
            return ""
        return min(enumerate(o.topics), key=lambda it: (-share.get(it[1], 0), it[0]))[1]

    counts: dict[str, int] = {}
    for v in ids:
        key = value(orgs[v])
        if key:
            counts[key] = counts.get(key, 0) + 1
    top = sorted(counts, key=lambda k: (-counts[k], k))[: len(CATEGORY_FILLS)]
    fills = dict(zip(top, CATEGORY_FILLS, strict=False))
    legend = [(k, fills[k]) for k in top]
    if any(value(orgs[v]) not in fills for v in ids):
        legend.append(("", OTHER_FILL))
    return legend, lambda o: fills.get(value(o), OTHER_FILL)
