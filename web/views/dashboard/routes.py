"""Impact dashboard for KI staff (``/dashboard``) and the printable report for a period (PDF)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from ...extensions import get_store
from ...map.dashboard import bar_chart, dashboard_figures, default_period, stacked_bar_chart
from ...map.raster import MapExportError, new_pdf
from ...security import allow
from ...templating import fmt_date, fmt_percent, label, status_label

__all__ = ["bp", "period_from_args"]

bp = Blueprint("dashboard", __name__)


def _iso(text: str | None) -> str:
    try:
        return dt.date.fromisoformat((text or "").strip()).isoformat()
    except ValueError:
        return ""


def period_from_args(network: Any, args: Any, today: str) -> tuple[str, str]:
    d_start, d_end = default_period(network, today)
    start = _iso(args.get("from")) or d_start
    end = _iso(args.get("to")) or d_end
    return (start, end) if start <= end else (end, start)


def _charts(fig: dict[str, Any]) -> dict[str, Markup]:
    growth = fig["growth"]
    years = [str(r["year"]) for r in growth]
    charts = {
        "growth": bar_chart(
            "chart-growth",
            _("Cooperations over time"),
            _("New cooperations per year (bars) and cooperations active at the end of each year (dashed line)."),
            years,
            [r["new"] for r in growth],
            line=[r["active"] for r in growth],
            bar_label=_("new in the year"),
            line_label=_("active at year end"),
        ),
        "intros": bar_chart(
            "chart-intros",
            _("Introductions by status"),
            _("Number of introductions in the period per status."),
            [status_label(s) for s, _n in fig["introductions"]],
            [n for _s, n in fig["introductions"]],
        ),
        "needs": stacked_bar_chart(
            "chart-needs",
            _("Needs met and open"),
            _("Per capability: needs met by a partner (solid) and still open (hatched)."),
            [(label("capabilities", r["capability"]), r["met"], r["open"]) for r in fig["needs"][:12]],
            first_label=_("covered"),
            second_label=_("open"),
        ),
    }
    return {k: Markup(v) for k, v in charts.items()}  # built from escaped parts in web.map.dashboard


@bp.route("/dashboard")
@allow("staff")
def index() -> str:
    snap = get_store().snapshot()
    today = dt.date.today().isoformat()
    start, end = period_from_args(snap.network, request.args, today)
    fig = dashboard_figures(snap.network, start, end)
    return render_template("dashboard/index.html", fig=fig, charts=_charts(fig), start=start, end=end)


@bp.route("/dashboard/report.pdf")
@allow("staff")
def report() -> Response:
    snap = get_store().snapshot()
    today = dt.date.today().isoformat()
    start, end = period_from_args(snap.network, request.args, today)
    fig = dashboard_figures(snap.network, start, end)
    try:
        data = report_pdf(fig, config=current_app.config)
    except MapExportError as exc:
        abort(501, description=str(exc))
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="remo-report-{start}-{end}.pdf"'
    return response


def _heading(pdf: Any, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("remo", "B", 13)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("remo", "", 10)


def _table(pdf: Any, head: list[str], rows: list[list[Any]], widths: list[float]) -> None:
    """A header row and the rows, each cell cut with "…" to its width."""
    pdf.set_font("remo", "B", 9)
    for h, w in zip(head, widths, strict=True):
        pdf.cell(w, 6, h, border="B")
    pdf.ln()
    pdf.set_font("remo", "", 9)
    for row in rows:
        for v, w in zip(row, widths, strict=True):
            text = str(v)
            while text and pdf.get_string_width(text) > w - 1:
                text = text[:-2] + "…"
            pdf.cell(w, 5.5, text)
        pdf.ln()


def _growth_chart(pdf: Any, growth: list[dict[str, Any]]) -> None:
    """Bars of the cooperations new in each year, a dashed line of those active at its end; below, the cursor."""
    x0, y0, w, h = pdf.l_margin, pdf.get_y() + 2, 170.0, 50.0
    vmax = max([r["new"] for r in growth] + [r["active"] for r in growth] + [1])
    step = w / max(len(growth), 1)
    pdf.set_draw_color(27, 27, 27)
    pdf.set_line_width(0.2)
    pdf.line(x0, y0 + h, x0 + w, y0 + h)
    pdf.set_fill_color(0, 114, 178)
    pdf.set_font("remo", "", 8)
    prev = None
    for i, r in enumerate(growth):
        bh = h * r["new"] / vmax
        bx = x0 + i * step + step * 0.2
        pdf.rect(bx, y0 + h - bh, step * 0.6, bh, style="FD")
        pdf.text(bx + step * 0.3 - pdf.get_string_width(str(r["new"])) / 2, y0 + h - bh - 1, str(r["new"]))
        pdf.text(bx + step * 0.3 - pdf.get_string_width(str(r["year"])) / 2, y0 + h + 4, str(r["year"]))
        point = (x0 + i * step + step * 0.5, y0 + h - h * r["active"] / vmax)
        if prev is not None:
            pdf.set_draw_color(230, 159, 0)
            pdf.set_line_width(0.8)
            pdf.set_dash_pattern(dash=2, gap=1)
            pdf.line(*prev, *point)
            pdf.set_dash_pattern()
            pdf.set_line_width(0.2)
            pdf.set_draw_color(27, 27, 27)
        prev = point
    pdf.set_y(y0 + h + 7)


def report_pdf(fig: dict[str, Any], *, config: Any = None) -> bytes:
    """The period report as an A4 portrait PDF: key figures, the growth chart and the tables."""
    pdf = new_pdf("a4", config=config, orientation="P")
    title = _("ReMo network report")
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("remo", "B", 18)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("remo", "", 10)
    period = _("Period: %(start)s to %(end)s", start=fmt_date(fig["start"]), end=fmt_date(fig["end"]))
    pdf.cell(0, 6, period, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    _heading(pdf, _("Key figures"))
    rows = [
        [_("Organisations"), fig["organisations"]],
        [_("Cooperations active at the end of the period"), fig["cooperations"]],
        [_("New cooperations in the period"), len(fig["new_in_period"])],
        [_("New cooperations since the last meeting"), len(fig["since_meeting"])],
        [_("Organisations without any partner"), len(fig["isolated"])],
        [_("Bridges between migrant organisations and institutions"), fig["bridges"]],
        [_("Migrant organisations with an institution partner"), f"{fig['mo_bridged']} / {fig['mo_total']}"],
        [_("Needs met / recorded"), f"{fig['needs_met']} / {fig['needs_total']}"],
        [_("Network density"), fmt_percent(fig["density"])],
    ]
    _table(pdf, [_("Figure"), _("Value")], rows, [140, 40])

    _heading(pdf, _("Cooperations over time"))
    growth = fig["growth"]
    _growth_chart(pdf, growth)
    pdf.set_font("remo", "", 8)
    pdf.cell(0, 5, _("Bars: new in the year. Dashed line: active at year end."), new_x="LMARGIN", new_y="NEXT")
    _table(
        pdf,
        [_("Year"), _("new in the year"), _("active at year end")],
        [[r["year"], r["new"], r["active"]] for r in growth],
        [40, 50, 50],
    )

    _heading(pdf, _("Introductions by status"))
    _table(pdf, [_("Status"), _("Number")], [[status_label(s), n] for s, n in fig["introductions"]], [100, 40])

    _heading(pdf, _("Most central brokers"))
    _table(pdf, [_("Organisation"), _("Betweenness")], [[o.name, b] for o, b in fig["brokers"]], [140, 40])

    _heading(pdf, _("Needs met and open"))
    _table(
        pdf,
        [_("Need"), _("covered"), _("open")],
        [[label("capabilities", r["capability"]), r["met"], r["open"]] for r in fig["needs"]],
        [110, 30, 30],
    )

    if fig["since_meeting"]:
        _heading(pdf, _("New cooperations since the last meeting (%(date)s)", date=fmt_date(fig["meeting"].date)))
        names = fig["names"]
        _table(
            pdf,
            [_("Organisation"), _("Partner"), _("Since")],
            [[names.get(c.a, c.a), names.get(c.b, c.b), fmt_date(c.since)] for c in fig["since_meeting"]],
            [75, 75, 30],
        )
    _heading(pdf, _("Organisations without any partner"))
    _table(
        pdf, [_("Organisation"), _("Kind")], [[o.name, label("org_kinds", o.kind)] for o in fig["isolated"]], [120, 60]
    )
    pdf.ln(3)
    pdf.set_font("remo", "", 8)
    pdf.multi_cell(0, 4, _("A need counts as met when the organisation cooperates with a partner who offers it."))
    return bytes(pdf.output())
