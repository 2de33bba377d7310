"""The map as SVG markup, drawn from a `MapView` with presentation attributes only (no CSS, no scripts).

The same markup is inlined in the page (interactive: nodes are links, focusable, with data for the
details panel) and served as a standalone ``.svg`` export (with a legend panel on the right).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from graph.text import xml_safe

from .model import INK, KIND_STYLE, SHAPE_GROUPS, MapNode, MapView, shape_points

__all__ = ["EDGE_STYLE", "LEGEND_WIDTH", "Legend", "node_shape_svg", "render_svg"]


def escape(text: str) -> str:
    """Escaped for XML text, without the characters XML cannot hold (old data must not break the map)."""
    return _escape(xml_safe(text))


def quoteattr(text: str) -> str:
    return _quoteattr(xml_safe(text))


LEGEND_WIDTH = 300
FONT = "DejaVu Sans, Verdana, system-ui, sans-serif"
#: edge style -> (stroke, width, dash pattern or "")
EDGE_STYLE: dict[str, tuple[str, float, str]] = {
    "coop": ("#5e5e5e", 1.6, ""),
    "new": ("#D55E00", 4.0, ""),
    "dim": ("#c8c8c8", 1.2, ""),
    "suggested": ("#8a3b00", 2.6, "7 5"),
}
HULL_FILL = "#0072B2"
HULL_STROKE = "#767676"


@dataclass
class Legend:
    """Translated texts for the legend and descriptions (the renderers know no languages)."""

    kinds: dict[str, str] = field(default_factory=dict)  # kind -> label
    edges: dict[str, str] = field(default_factory=dict)  # edge style -> label
    community: str = "Community"
    heading: str = "Legend"
    size_note: str = ""


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def node_shape_svg(shape: str, x: float, y: float, r: float, fill: str, stroke: str = INK, width: float = 1.5) -> str:
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="{_f(width)}"'
    if shape == "circle":
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" {common}/>'
    pts = " ".join(f"{_f(px)},{_f(py)}" for px, py in shape_points(shape, x, y, r))
    return f'<polygon points="{pts}" {common}/>'


def _node_markup(n: MapNode) -> str:
    parts = []
    if n.emphasis in ("focus", "new"):
        ring = "#D55E00" if n.emphasis == "new" else INK
        parts.append(
            f'<circle cx="{_f(n.x)}" cy="{_f(n.y)}" r="{_f(n.r + 5)}" fill="none" stroke="{ring}" stroke-width="3"/>'
        )
    fill = n.fill if n.emphasis != "dim" else "#e3e3e3"
    parts.append(node_shape_svg(n.shape, n.x, n.y, n.r, fill, stroke=INK if n.emphasis != "dim" else "#9a9a9a"))
    return "".join(parts)


def _hulls_svg(view: MapView) -> list[str]:
    """The community outlines."""
    out: list[str] = []
    out.append('<g class="hulls" aria-hidden="true">')
    for hull in view.hulls:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in hull.points)
        out.append(
            f'<polygon points="{pts}" fill="{HULL_FILL}" fill-opacity="0.06" stroke="{HULL_STROKE}" '
            f'stroke-width="1.2" stroke-linejoin="round"/>'
        )
    out.append("</g>")
    return out


def _edges_svg(view: MapView) -> list[str]:
    """The edges: cooperations first, suggestions (dashed) on top."""
    out: list[str] = []
    idx = view.node_index
    out.append('<g class="edges" aria-hidden="true">')
    for e in sorted(view.edges, key=lambda e: ("dim", "coop", "new", "suggested").index(e.style)):
        a, b = idx.get(e.a), idx.get(e.b)
        if a is None or b is None:
            continue
        stroke, width, dash = EDGE_STYLE[e.style]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{_f(a.x)}" y1="{_f(a.y)}" x2="{_f(b.x)}" y2="{_f(b.y)}" stroke="{stroke}" '
            f'stroke-width="{_f(width)}"{dash_attr} stroke-linecap="round" class="edge edge-{e.style}" '
            f'data-a="{escape(e.a)}" data-b="{escape(e.b)}"/>'
        )
    out.append("</g>")
    return out


def _nodes_svg(
    view: MapView,
    *,
    interactive: bool,
    href: Callable[[MapNode], str] | None,
    node_label: Callable[[MapNode], str] | None,
    id_prefix: str,
) -> list[str]:
    """The nodes, as focusable links with their details when ``interactive``."""
    out: list[str] = []
    out.append('<g class="nodes">')
    for i, n in enumerate(view.nodes):
        body = _node_markup(n)
        if interactive:
            name = node_label(n) if node_label else n.name
            link = href(n) if href else "#"
            partners = "; ".join(n.partners)
            out.append(
                f'<a href={quoteattr(link)} class="node" id="{id_prefix}-n{i}" aria-label={quoteattr(name)} '
                f"data-id={quoteattr(n.id)} data-name={quoteattr(n.name)} data-kind={quoteattr(n.kind)} "
                f'data-degree="{n.degree}" data-value="{n.value}" data-community="{n.community + 1}" '
                f'data-partners={quoteattr(partners)} data-x="{_f(n.x)}" data-y="{_f(n.y)}">'
                f"<title>{escape(n.name)}</title>{body}</a>"
            )
        else:
            out.append(f'<g class="node"><title>{escape(n.name)}</title>{body}</g>')
    out.append("</g>")
    return out


def _labels_svg(view: MapView, legend: Legend | None) -> list[str]:
    """The labels with a white halo (and, with a legend, the communities' names)."""
    out: list[str] = []
    fs = _f(view.font_size)
    out.append(
        f'<g class="labels" aria-hidden="true" font-size="{fs}" fill="{INK}" stroke="#ffffff" '
        f'stroke-width="{_f(view.font_size / 4)}" paint-order="stroke" stroke-linejoin="round">'
    )
    for n in view.nodes:
        if n.label:
            weight = ' font-weight="bold"' if n.emphasis in ("focus", "new") else ""
            fill = ' fill="#6b6b6b"' if n.emphasis == "dim" else ""
            size = f' font-size="{_f(n.label_size)}"' if n.label_size and n.label_size != view.font_size else ""
            out.append(
                f'<text x="{_f(n.label_x)}" y="{_f(n.label_y)}" text-anchor="{n.anchor}"{weight}{fill}{size} '
                f'data-for="{escape(n.id)}">{escape(n.label)}</text>'
            )
    if legend:
        for hull in view.hulls:
            out.append(
                f'<text x="{_f(hull.label_x)}" y="{_f(hull.label_y)}" text-anchor="middle" '
                f'font-size="{_f(view.font_size * 0.85)}" fill="#4a4a4a">'
                f"{escape(legend.community)} {hull.community + 1}</text>"
            )
    out.append("</g>")
    return out


def render_svg(
    view: MapView,
    *,
    title: str,
    desc: str,
    legend: Legend | None = None,
    interactive: bool = False,
    href: Callable[[MapNode], str] | None = None,
    node_label: Callable[[MapNode], str] | None = None,
    standalone: bool = False,
    id_prefix: str = "map",
) -> str:
    """SVG markup of ``view``.

    ``interactive``: every node is a focusable link (``href(node)``) with an accessible name
    (``node_label(node)``) and ``data-*`` details; the root has the role ``graphics-document`` (a role
    whose children stay reachable, unlike ``img``). Otherwise the picture is one ``role="img"``.
    ``legend`` adds a legend panel on the right (exports). ``standalone`` adds the XML namespace
    declaration for a file of its own.
    """
    w = view.width + (LEGEND_WIDTH if legend else 0)
    h = view.height
    if legend:
        h = max(h, 140 + 26 * (len(legend.kinds) + len(legend.edges)))
    role = 'role="graphics-document" aria-roledescription="network map"' if interactive else 'role="img"'
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'{role} aria-labelledby="{id_prefix}-title {id_prefix}-desc" class="netmap" id="{id_prefix}-svg" '
        f'font-family="{FONT}" preserveAspectRatio="xMidYMid meet">'
    ]
    if standalone:
        out[0] = '<?xml version="1.0" encoding="UTF-8"?>\n' + out[0]
    out.append(f'<title id="{id_prefix}-title">{escape(title)}</title>')
    out.append(f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>')
    out.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>')
    out.append('<g class="viewport">')
    out += _hulls_svg(view)
    out += _edges_svg(view)
    out += _nodes_svg(view, interactive=interactive, href=href, node_label=node_label, id_prefix=id_prefix)
    out += _labels_svg(view, legend)
    out.append("</g>")
    if legend:
        out.append(_legend_svg(view.width, legend))
    out.append("</svg>")
    return "\n".join(out)


def legend_rows(legend: Legend) -> list[tuple[str, str, str]]:
    """``(type, key, label)`` rows of the legend: kinds grouped by shape, then edge styles, then outlines."""
    rows: list[tuple[str, str, str]] = []
    for kinds in SHAPE_GROUPS.values():
        for kind in kinds:
            if kind in legend.kinds:
                rows.append(("kind", kind, legend.kinds[kind]))
    for kind, text in legend.kinds.items():
        if kind not in KIND_STYLE:
            rows.append(("kind", kind, text))
    for style, text in legend.edges.items():
        rows.append(("edge", style, text))
    rows.append(("hull", "", legend.community))
    return rows


def _legend_svg(x0: float, legend: Legend) -> str:
    out = [f'<g class="legend" transform="translate({_f(x0 + 16)},24)" font-size="14" fill="{INK}">']
    out.append(f'<text x="0" y="0" font-weight="bold" font-size="16">{escape(legend.heading)}</text>')
    y = 28
    for typ, key, text in legend_rows(legend):
        if typ == "kind":
            fill, shape = KIND_STYLE.get(key, KIND_STYLE["other"])
            out.append(node_shape_svg(shape, 10, y - 5, 8, fill))
        elif typ == "edge":
            stroke, width, dash = EDGE_STYLE[key]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="0" y1="{y - 5}" x2="22" y2="{y - 5}" stroke="{stroke}" '
                f'stroke-width="{_f(width)}"{dash_attr}/>'
            )
        else:
            out.append(
                f'<rect x="0" y="{y - 13}" width="22" height="16" rx="6" fill="{HULL_FILL}" fill-opacity="0.06" '
                f'stroke="{HULL_STROKE}" stroke-width="1.2"/>'
            )
        out.append(f'<text x="32" y="{y}">{escape(text)}</text>')
        y += 26
    if legend.size_note:
        out.append(f'<text x="0" y="{y + 6}" font-size="12" fill="#4a4a4a">{escape(legend.size_note)}</text>')
    out.append("</g>")
    return "".join(out)
