"""PNG (Pillow) and PDF (fpdf2) drawings of a `MapView`: the same geometry as the SVG, drawn again.

No system packages: Pillow and fpdf2 draw lines, shapes and text themselves. Text uses a Unicode
TrueType font found like the brochure's (`web.brochure.find_font`: ``REMO_BROCHURE_FONT``, Debian's
DejaVu Sans, matplotlib's copy); without one, PNG labels use Pillow's built-in font and the PDF refuses
with `MapExportError` (a PDF in Latin-1 would mangle names like "Sonjaschnyk – Соняшник").
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

from .model import INK, KIND_STYLE, MapView, shape_points
from .svg import EDGE_STYLE, HULL_FILL, HULL_STROKE, LEGEND_WIDTH, Legend, legend_rows

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["PAPER_SIZES", "MapExportError", "find_fonts", "render_pdf", "render_png"]

#: paper -> (width, height) in mm, landscape
PAPER_SIZES = {"a4": (297.0, 210.0), "a3": (420.0, 297.0)}


class MapExportError(RuntimeError):
    """The export cannot be produced (no Unicode font for a PDF)."""


def find_fonts(config: Any = None) -> tuple[Path, Path | None] | None:
    from ..brochure import find_font

    return find_font(config)


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _dashes(x1: float, y1: float, x2: float, y2: float, on: float, off: float) -> list[tuple[float, ...]]:
    length = math.hypot(x2 - x1, y2 - y1)
    if length == 0:
        return []
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    out, pos = [], 0.0
    while pos < length:
        end = min(pos + on, length)
        out.append((x1 + ux * pos, y1 + uy * pos, x1 + ux * end, y1 + uy * end))
        pos = end + off
    return out


def _edge_order(style: str) -> int:
    return ("dim", "coop", "new", "suggested").index(style)


# ---------------------------------------------------------------------------
# PNG
# ---------------------------------------------------------------------------
def render_png(
    view: MapView, *, title: str = "", legend: Legend | None = None, scale: float = 2.0, config: Any = None
) -> bytes:
    """The map as PNG bytes, ``scale`` times the view's pixel size (2: sharp on a projector and in print)."""
    fonts = find_fonts(config)
    extra = LEGEND_WIDTH if legend else 0
    head = 40 if title else 0
    height = view.height
    if legend:
        height = max(height, 140 + 26 * (len(legend.kinds) + len(legend.edges)))
    w, h = int((view.width + extra) * scale), int((height + head) * scale)
    img = Image.new("RGB", (w, h), "white")

    def font(size: float, bold: bool = False) -> Any:
        if fonts is not None:
            path = fonts[1] if bold and fonts[1] else fonts[0]
            return ImageFont.truetype(str(path), max(int(size * scale), 6))
        return ImageFont.load_default(size=max(int(size * scale), 6))

    def p(x: float, y: float) -> tuple[float, float]:
        return x * scale, (y + head) * scale

    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    od = ImageDraw.Draw(overlay)
    for hull in view.hulls:
        pts = [p(x, y) for x, y in hull.points]
        if len(pts) >= 3:
            od.polygon(pts, fill=(*_rgb(HULL_FILL), 16))
    img.paste(overlay, (0, 0), overlay)
    d = ImageDraw.Draw(img)
    for hull in view.hulls:
        pts = [p(x, y) for x, y in hull.points]
        if len(pts) >= 3:
            d.line([*pts, pts[0]], fill=_rgb(HULL_STROKE), width=max(int(1.2 * scale), 1), joint="curve")
    _png_edges(d, view, p, scale)
    _png_nodes(d, view, p, scale)
    label_font = font(view.font_size)
    bold_font = font(view.font_size, bold=True)
    for n in view.nodes:
        if not n.label:
            continue
        f = bold_font if n.emphasis in ("focus", "new") else label_font
        if n.label_size and n.label_size != view.font_size:
            f = font(n.label_size, bold=n.emphasis in ("focus", "new"))
        colour = _rgb("#6b6b6b" if n.emphasis == "dim" else INK)
        d.text(
            p(n.label_x, n.label_y),
            n.label,
            font=f,
            fill=colour,
            anchor={"start": "ls", "end": "rs"}.get(n.anchor, "ms"),
            stroke_width=max(int(view.font_size / 8 * scale), 1),
            stroke_fill="white",
        )
    if title:
        d.text((16 * scale, 28 * scale), title, font=font(20, bold=True), fill=_rgb(INK), anchor="ls")
    if legend:
        _png_legend(d, legend, view.width, head, scale, font)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _png_edges(
    d: ImageDraw.ImageDraw, view: MapView, p: Callable[[float, float], tuple[float, float]], scale: float
) -> None:
    """The edges, cooperations first and suggestions (dashed) on top; ``p`` maps view to image coordinates."""
    idx = view.node_index
    for e in sorted(view.edges, key=lambda e: _edge_order(e.style)):
        a, b = idx.get(e.a), idx.get(e.b)
        if a is None or b is None:
            continue
        stroke, width, dash = EDGE_STYLE[e.style]
        lw = max(int(round(width * scale)), 1)
        (x1, y1), (x2, y2) = p(a.x, a.y), p(b.x, b.y)
        if dash:
            on, off = (float(v) * scale for v in dash.split())
            for seg in _dashes(x1, y1, x2, y2, on, off):
                d.line(seg, fill=_rgb(stroke), width=lw)
        else:
            d.line((x1, y1, x2, y2), fill=_rgb(stroke), width=lw)


def _png_nodes(
    d: ImageDraw.ImageDraw, view: MapView, p: Callable[[float, float], tuple[float, float]], scale: float
) -> None:
    """The nodes with their emphasis rings; ``p`` maps view to image coordinates."""
    for n in view.nodes:
        x, y = p(n.x, n.y)
        r = n.r * scale
        if n.emphasis in ("focus", "new"):
            ring = _rgb("#D55E00") if n.emphasis == "new" else _rgb(INK)
            rr = (n.r + 5) * scale
            d.ellipse((x - rr, y - rr, x + rr, y + rr), outline=ring, width=int(3 * scale))
        fill = _rgb(n.fill if n.emphasis != "dim" else "#e3e3e3")
        outline = _rgb(INK if n.emphasis != "dim" else "#9a9a9a")
        lw = max(int(1.5 * scale), 1)
        if n.shape == "circle":
            d.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=lw)
        else:
            d.polygon(
                [p(px, py) for px, py in shape_points(n.shape, n.x, n.y, n.r)], fill=fill, outline=outline, width=lw
            )


def _png_legend(d: ImageDraw.ImageDraw, legend: Legend, x0: float, head: float, scale: float, font: Any) -> None:
    x, y = (x0 + 16) * scale, (head + 24) * scale
    d.text((x, y), legend.heading, font=font(16, bold=True), fill=_rgb(INK), anchor="ls")
    y += 28 * scale
    f = font(14)
    for typ, key, text in legend_rows(legend):
        cy = y - 5 * scale
        if typ == "kind":
            fill, shape = KIND_STYLE.get(key, KIND_STYLE["other"])
            cx, r = x + 10 * scale, 8 * scale
            if shape == "circle":
                d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgb(fill), outline=_rgb(INK), width=int(scale))
            else:
                pts = shape_points(shape, cx, cy, r)
                d.polygon(pts, fill=_rgb(fill), outline=_rgb(INK), width=int(scale))
        elif typ == "edge":
            stroke, width, dash = EDGE_STYLE[key]
            lw = max(int(width * scale), 1)
            if dash:
                on, off = (float(v) * scale for v in dash.split())
                for seg in _dashes(x, cy, x + 22 * scale, cy, on, off):
                    d.line(seg, fill=_rgb(stroke), width=lw)
            else:
                d.line((x, cy, x + 22 * scale, cy), fill=_rgb(stroke), width=lw)
        else:
            d.rounded_rectangle(
                (x, y - 13 * scale, x + 22 * scale, y + 3 * scale),
                radius=6 * scale,
                fill=(236, 244, 250),
                outline=_rgb(HULL_STROKE),
                width=max(int(scale), 1),
            )
        d.text((x + 32 * scale, y), text, font=f, fill=_rgb(INK), anchor="ls")
        y += 26 * scale
    if legend.size_note:
        d.text((x, y + 6 * scale), legend.size_note, font=font(12), fill=_rgb("#4a4a4a"), anchor="ls")


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------
def new_pdf(paper: str = "a4", *, config: Any = None, orientation: str = "L") -> FPDF:
    """An fpdf2 document with the Unicode font registered as family ``remo`` (see module doc)."""
    fonts = find_fonts(config)
    if fonts is None:
        raise MapExportError(
            "no Unicode TrueType font found for the PDF (install fonts-dejavu-core or set REMO_BROCHURE_FONT)"
        )
    from fpdf import FPDF  # imported when a PDF is made: 0.4 s that other commands do not pay

    pdf = FPDF(orientation=orientation, unit="mm", format=paper.upper())
    regular, bold = fonts
    pdf.add_font("remo", "", str(regular))
    pdf.add_font("remo", "B", str(bold or regular))
    pdf.set_font("remo", "", 10)
    pdf.set_auto_page_break(True, 12)
    return pdf


def draw_map(pdf: FPDF, view: MapView, x0: float, y0: float, avail_w: float, avail_h: float) -> float:
    """Draw ``view`` into the box at ``(x0, y0)``; returns the scale (mm per pixel)."""
    s = min(avail_w / view.width, avail_h / view.height)

    def p(x: float, y: float) -> tuple[float, float]:
        return x0 + x * s, y0 + y * s

    pdf.set_line_width(1.2 * s)
    for hull in view.hulls:
        pts = [p(x, y) for x, y in hull.points]
        if len(pts) >= 3:
            pdf.set_draw_color(*_rgb(HULL_STROKE))
            pdf.set_fill_color(*_rgb(HULL_FILL))
            with pdf.local_context(fill_opacity=0.06):
                pdf.polygon(pts, style="F")
            pdf.polygon(pts, style="D")
    idx = view.node_index
    for e in sorted(view.edges, key=lambda e: _edge_order(e.style)):
        a, b = idx.get(e.a), idx.get(e.b)
        if a is None or b is None:
            continue
        stroke, width, dash = EDGE_STYLE[e.style]
        pdf.set_draw_color(*_rgb(stroke))
        pdf.set_line_width(width * s)
        if dash:
            on, off = (float(v) * s for v in dash.split())
            pdf.set_dash_pattern(dash=on, gap=off)
        (x1, y1), (x2, y2) = p(a.x, a.y), p(b.x, b.y)
        pdf.line(x1, y1, x2, y2)
        if dash:
            pdf.set_dash_pattern()
    for n in view.nodes:
        x, y = p(n.x, n.y)
        if n.emphasis in ("focus", "new"):
            pdf.set_draw_color(*_rgb("#D55E00" if n.emphasis == "new" else INK))
            pdf.set_line_width(3 * s)
            pdf.circle(x, y, (n.r + 5) * s, style="D")
        pdf.set_fill_color(*_rgb(n.fill if n.emphasis != "dim" else "#e3e3e3"))
        pdf.set_draw_color(*_rgb(INK if n.emphasis != "dim" else "#9a9a9a"))
        pdf.set_line_width(1.5 * s)
        if n.shape == "circle":
            pdf.circle(x, y, n.r * s, style="FD")
        else:
            pdf.polygon([p(px, py) for px, py in shape_points(n.shape, n.x, n.y, n.r)], style="FD")
    size_pt = view.font_size * s * 72 / 25.4
    for n in view.nodes:
        if not n.label:
            continue
        own_pt = size_pt * (n.label_size / view.font_size) if n.label_size else size_pt
        pdf.set_font("remo", "B" if n.emphasis in ("focus", "new") else "", own_pt)
        pdf.set_text_color(*_rgb("#6b6b6b" if n.emphasis == "dim" else INK))
        x, y = p(n.label_x, n.label_y)
        if n.anchor == "end":
            x -= pdf.get_string_width(n.label)
        elif n.anchor == "middle":
            x -= pdf.get_string_width(n.label) / 2
        pdf.text(x, y, n.label)
    pdf.set_text_color(0, 0, 0)
    return s


def _pdf_legend(pdf: FPDF, legend: Legend, x: float, y: float) -> None:
    pdf.set_font("remo", "B", 11)
    pdf.text(x, y, legend.heading)
    y += 7
    pdf.set_font("remo", "", 9)
    for typ, key, text in legend_rows(legend):
        cy = y - 1.3
        if typ == "kind":
            fill, shape = KIND_STYLE.get(key, KIND_STYLE["other"])
            pdf.set_fill_color(*_rgb(fill))
            pdf.set_draw_color(*_rgb(INK))
            pdf.set_line_width(0.25)
            if shape == "circle":
                pdf.circle(x + 2.2, cy, 2.0, style="FD")
            else:
                pdf.polygon(shape_points(shape, x + 2.2, cy, 2.0), style="FD")
        elif typ == "edge":
            stroke, width, dash = EDGE_STYLE[key]
            pdf.set_draw_color(*_rgb(stroke))
            pdf.set_line_width(width * 0.25)
            if dash:
                pdf.set_dash_pattern(dash=1.6, gap=1.1)
            pdf.line(x, cy, x + 5, cy)
            pdf.set_dash_pattern()
        else:
            pdf.set_draw_color(*_rgb(HULL_STROKE))
            pdf.set_fill_color(236, 244, 250)
            pdf.set_line_width(0.3)
            pdf.rect(x, cy - 2, 5, 4, style="FD", round_corners=True, corner_radius=1)
        pdf.text(x + 7.5, y, text)
        y += 5.5
    if legend.size_note:
        pdf.set_font("remo", "", 7.5)
        pdf.set_text_color(80, 80, 80)
        pdf.set_xy(x, y - 2)
        pdf.multi_cell(60, 3.5, legend.size_note)
        pdf.set_text_color(0, 0, 0)


def render_pdf(
    view: MapView,
    *,
    title: str,
    subtitle: str = "",
    legend: Legend | None = None,
    paper: str = "a4",
    config: Any = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The map on one landscape page (A4 or A3) with title, legend and optional notes; PDF bytes."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"unknown paper size {paper!r}")
    pdf = new_pdf(paper, config=config)
    pdf.set_title(title)
    pdf.add_page()
    page_w, page_h = PAPER_SIZES[paper]
    margin = 10.0
    pdf.set_font("remo", "B", 16 if paper == "a4" else 20)
    pdf.text(margin, margin + 5, title)
    top = margin + 9
    if subtitle:
        pdf.set_font("remo", "", 9 if paper == "a4" else 11)
        pdf.set_text_color(80, 80, 80)
        pdf.text(margin, margin + 11, subtitle)
        pdf.set_text_color(0, 0, 0)
        top += 5
    legend_w = 70.0 if legend else 0.0
    bottom = page_h - margin - 4 * len(notes)
    draw_map(pdf, view, margin, top, page_w - 2 * margin - legend_w, bottom - top)
    if legend:
        _pdf_legend(pdf, legend, page_w - margin - legend_w + 4, top + 4)
    if notes:
        pdf.set_font("remo", "", 8)
        pdf.set_text_color(80, 80, 80)
        for i, note in enumerate(notes):
            pdf.text(margin, bottom + 3 + 4 * i, note)
    return bytes(pdf.output())
