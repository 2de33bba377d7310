"""The network map: interactive page, public variant, presentation mode, exports, pinning and re-layout.

Everything is computed on the server (layout, sizes, communities, labels) and drawn as SVG that works
without JavaScript; ``map.js`` adds hover details, pan/zoom and keyboard stepping.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Any

import networkx as nx
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from graph.io import write_graph_xml
from graph.network import Network
from graph.privacy import public_network
from graph.snapshot import to_networkx
from graph.text import xml_safe_graph

from ...extensions import get_store
from ...i18n import isolate, join_list
from ...map.model import (
    KIND_STYLE,
    SHAPE_GROUPS,
    SIZE_METRICS,
    MapFilter,
    MapNode,
    MapView,
    build_map,
    filtered_network,
)
from ...map.raster import PAPER_SIZES, MapExportError, render_pdf, render_png
from ...map.store import LAYOUT_ID, LAYOUT_KIND, ensure_layout, relayout, set_pinned
from ...map.svg import Legend, node_shape_svg, render_svg
from ...ratelimit import expensive
from ...render_cache import cached
from ...security import allow
from ...templating import fmt_date, label, render_block

__all__ = ["bp", "describe", "legend", "map_context", "present_steps"]

bp = Blueprint("map", __name__)

EXPORTS = "svg,png,pdf,gexf,graphml"
MIME = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "gexf": "application/xml",
    "graphml": "application/xml",
}


def _today() -> str:
    return dt.date.today().isoformat()


def size_label(metric: str) -> str:
    return {
        "degree": _("Number of partners"),
        "betweenness": _("Broker role (betweenness)"),
        "eigenvector": _("Well-connected partners (eigenvector)"),
    }.get(metric, metric)


def legend(view: MapView | None = None) -> Legend:
    """Legend texts in the page's language."""
    kinds = {k: label("org_kinds", k) for k in KIND_STYLE}
    edges = {"coop": _("Cooperation")}
    if view is not None:
        styles = {e.style for e in view.edges}
        if "new" in styles:
            edges["new"] = _("New cooperation")
        if "dim" in styles:
            edges["dim"] = _("Earlier cooperation")
        if "suggested" in styles:
            edges["suggested"] = _("Suggested cooperation (dashed)")
    else:
        edges["suggested"] = _("Suggested cooperation (dashed)")
    size = size_label(view.filter.size) if view is not None else size_label("degree")
    return Legend(
        kinds=kinds,
        edges=edges,
        community=_("Community"),
        heading=_("Legend"),
        size_note=_("Node size: %(metric)s", metric=size),
    )


def describe(view: MapView) -> str:
    """The text description of the map (SVG ``<desc>``, summary paragraph)."""
    s = view.summary()
    flt = view.filter
    if flt.start == flt.end:
        when = _("on %(date)s", date=fmt_date(flt.end))
    else:
        when = _("between %(start)s and %(end)s", start=fmt_date(flt.start), end=fmt_date(flt.end))
    parts = [
        _(
            "The map shows %(orgs)s and %(coops)s %(when)s.",
            orgs=ngettext("%(num)d organisation", "%(num)d organisations", s["organisations"]),
            coops=ngettext("%(num)d cooperation", "%(num)d cooperations", s["cooperations"]),
            when=when,
        )
    ]
    if s["without_partner"]:
        parts.append(
            ngettext(
                "%(num)d organisation has no partner.", "%(num)d organisations have no partner.", s["without_partner"]
            )
        )
    if s["most_connected"]:
        top = join_list(f"{isolate(name)} ({deg})" for name, deg in s["most_connected"])
        parts.append(_("Most connected: %(list)s.", list=top))
    if s["communities"]:
        parts.append(
            ngettext(
                "%(num)d community (a group that cooperates closely).",
                "%(num)d communities (groups that cooperate closely).",
                len(s["communities"]),
            )
        )
    if s["joint_event_pairs"]:
        parts.append(
            ngettext(
                "%(num)d pair of organisations on the map also held joint events.",
                "%(num)d pairs of organisations on the map also held joint events.",
                s["joint_event_pairs"],
            )
        )
    if s["suggestions"]:
        parts.append(
            ngettext(
                "%(num)d suggested cooperation is drawn dashed.",
                "%(num)d suggested cooperations are drawn dashed.",
                s["suggestions"],
            )
        )
    return " ".join(parts)


def node_label(n: MapNode) -> str:
    return ngettext(
        "%(name)s, %(kind)s, %(num)d partner",
        "%(name)s, %(kind)s, %(num)d partners",
        n.degree,
        name=isolate(n.name),
        kind=label("org_kinds", n.kind),
    )


def _suggestions(snap: Any, k: int = 3) -> dict[str, list[tuple[str, float]]]:
    """The map's suggested links: the engine's lists with the weights in use (as on the suggestion pages)."""
    from matching import suggest_all

    from ...weights import weights_in_use

    result = suggest_all(snap, k=k, weights=weights_in_use(get_store()))
    return {org: [(s.partner, s.score) for s in items] for org, items in result.items()}


def map_context(public: bool, flt: MapFilter | None = None, **build: Any) -> dict[str, Any]:
    """Network, positions, filter and the built view for the current request."""
    store = get_store()
    snap = store.snapshot()
    network: Network = public_network(snap.network) if public else snap.network
    positions, pinned = ensure_layout(store, snap.network, actor="map")
    flt = flt or MapFilter.from_args(request.args, today=_today())
    if flt.focus and flt.focus not in snap.orgs:
        flt.focus = ""
    sugg = _suggestions(snap) if flt.suggestions and not public else None  # suggestions are internal
    view = build_map(network, positions, flt, suggestions=sugg, **build)
    return {
        "snap": snap,
        "network": network,
        "positions": positions,
        "pinned": pinned,
        "filter": flt,
        "view": view,
        "suggestions": sugg,
    }


def _endpoint(public: bool, name: str = "") -> str:
    if public:
        return "map.public_export" if name == "export" else "map.public"
    return "map.export" if name == "export" else "map.index"


def _page(public: bool) -> str:
    if not public:
        return render_template("map/index.html", **_page_context(map_context(False), public=False))
    # the public page's body depends only on the data, layout, language, day and filter: cached for all workers
    flt, parts = _public_key("page", "")

    def body() -> bytes:
        ctx = _page_context(map_context(True, flt), public=True)
        return str(render_block("map/index.html", "content", **ctx)).encode("utf-8")

    data, _etag = cached("map", parts, body)
    return render_template("map/index.html", body=Markup(data.decode("utf-8")))  # our own rendering


def _page_context(ctx: dict[str, Any], *, public: bool) -> dict[str, Any]:
    view: MapView = ctx["view"]
    flt: MapFilter = ctx["filter"]
    ep = _endpoint(public)
    desc = describe(view)
    title = _("Network map of ReMo")
    svg = render_svg(
        view,
        title=title,
        desc=desc,
        interactive=True,
        href=lambda n: url_for(ep, **flt.args(_today(), focus=n.id)) + "#map-details",
        node_label=node_label,
    )
    vocab = ctx["snap"].vocabulary
    focus = view.node_index.get(flt.focus) if flt.focus else None
    focus_org = ctx["snap"].orgs.get(flt.focus) if flt.focus else None
    focus_suggestions = []
    if focus is not None and ctx["suggestions"]:
        names = {o.id: o.name for o in ctx["network"].organisations}
        focus_suggestions = [(p, names.get(p, p), sc) for p, sc in ctx["suggestions"].get(flt.focus, [])[:3]]
    names = {n.id: n.name for n in view.nodes}
    kinds_used = sorted({o.kind for o in ctx["network"].organisations})
    return dict(
        public=public,
        view=view,
        svg=Markup(svg),  # built from escaped parts in web.map.svg
        desc=desc,
        summary=view.summary(),
        flt=flt,
        args=flt.args(_today()),
        ep=ep,
        export_ep=_endpoint(public, "export"),
        legend=legend(view),
        legend_swatches=_swatches(),
        shape_swatches=_shape_swatches(),
        colour_choices=[("kind", _("Kind of organisation")), ("district", _("District")), ("topic", _("Main topic"))],
        filters_in_use=bool(set(flt.args(_today())) - {"focus", "suggest"}),
        shape_groups=SHAPE_GROUPS,
        kinds=[k for k in vocab.ids("org_kinds") if k in kinds_used] or kinds_used,
        topics=vocab.ids("topics"),
        districts=vocab.ids("districts"),
        orgs=sorted(ctx["network"].organisations, key=lambda o: o.name.casefold()),
        size_metrics=[(m, size_label(m)) for m in SIZE_METRICS],
        focus=focus,
        focus_org=focus_org,
        focus_suggestions=focus_suggestions,
        pinned=ctx["pinned"],
        names=names,
        coops=sorted(
            (e for e in view.edges if e.style != "suggested"),
            key=lambda e: (names.get(e.a, e.a).casefold(), names.get(e.b, e.b).casefold()),
        ),
        suggested=[e for e in view.edges if e.style == "suggested"],
        papers=list(PAPER_SIZES),
        today=_today(),
    )


def _shape_swatches() -> dict[str, Markup]:
    """A neutral swatch per shape (the legend when the colour stands for the district or the topic)."""
    return {
        shape: Markup(
            '<svg class="swatch" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">'
            + node_shape_svg(shape, 12, 12, 8, "#ffffff")
            + "</svg>"
        )
        for shape in SHAPE_GROUPS
    }


def _swatches() -> dict[str, Markup]:
    out = {}
    for kind, (fill, shape) in KIND_STYLE.items():
        out[kind] = Markup(
            '<svg class="swatch" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">'
            + node_shape_svg(shape, 12, 12, 8, fill)
            + "</svg>"
        )
    return out


@bp.route("/map")
@allow("staff")
def index() -> str:
    return _page(public=False)


@bp.route("/map/public")
@allow("public")
@expensive
def public() -> str:
    return _page(public=True)


# ---------------------------------------------------------------------------
# exports
# ---------------------------------------------------------------------------
def _filter_note(flt: MapFilter) -> str:
    bits = []
    if flt.start == flt.end:
        bits.append(_("as of %(date)s", date=flt.end))
    else:
        bits.append(_("%(start)s to %(end)s", start=flt.start, end=flt.end))
    if flt.kinds:
        bits.append(", ".join(label("org_kinds", k) for k in flt.kinds))
    if flt.topic:
        bits.append(label("topics", flt.topic))
    if flt.district:
        bits.append(label("districts", flt.district))
    bits.append(_("Node size: %(metric)s", metric=size_label(flt.size)))
    return " · ".join(bits)


def export_graph(network: Network, view: MapView, *, public: bool) -> nx.Graph:
    """The filtered network for Gephi: `to_networkx` plus community, size value and positions."""
    sub = filtered_network(network, view.filter)
    keep = {n.id for n in view.nodes}
    sub = dataclasses.replace(sub, organisations=[o for o in sub.organisations if o.id in keep])
    g = to_networkx(sub, include_terms=False, public_only=public)
    for n in view.nodes:
        if n.id not in g:
            continue
        r, gr, b = (int(n.fill[i : i + 2], 16) for i in (1, 3, 5))
        g.nodes[n.id].update(
            community=n.community + 1,
            centrality=float(n.value),
            degree=n.degree,
            x=float(n.x),
            y=float(n.y),
            viz={
                "position": {"x": float(n.x), "y": float(-n.y), "z": 0.0},
                "size": float(n.r),
                "color": {"r": r, "g": gr, "b": b, "a": 1.0},
            },
        )
    return g


def _render_export(ctx: dict[str, Any], fmt: str, paper: str) -> bytes:
    view: MapView = ctx["view"]
    flt: MapFilter = ctx["filter"]
    title = _("Network map of ReMo")
    note = _filter_note(flt)
    if fmt == "svg":
        return render_svg(
            view, title=f"{title} – {note}", desc=describe(view), legend=legend(view), standalone=True
        ).encode("utf-8")
    if fmt == "png":
        return render_png(view, title=f"{title} – {note}", legend=legend(view), config=current_app.config)
    if fmt == "pdf":
        try:
            return render_pdf(
                view,
                title=title,
                subtitle=note,
                legend=legend(view),
                paper=paper,
                config=current_app.config,
                notes=[describe(view)[:400]],
            )
        except MapExportError as exc:
            abort(501, description=str(exc))
    g = xml_safe_graph(export_graph(ctx["network"], view, public=ctx["public"]))
    buf = io.BytesIO()
    # GEXF: the ``viz`` attributes become Gephi's positions, sizes and colours; GraphML drops them
    write_graph_xml(g, fmt, buf)
    return buf.getvalue()


def _public_key(fmt: str, paper: str) -> tuple[MapFilter, dict[str, Any]]:
    """The request's filter and what a public rendering depends on: generation, layout, language, day, filter."""
    store = get_store()
    snap = store.snapshot()
    ensure_layout(store, snap.network, actor="map")
    today = _today()
    flt = MapFilter.from_args(request.args, today=today)
    if flt.focus and flt.focus not in snap.orgs:
        flt.focus = ""
    layout = store.get(LAYOUT_KIND, LAYOUT_ID)
    parts = {
        "generation": snap.generation,
        "layout": layout.version if layout is not None else 0,
        "lang": str(get_locale()),
        "today": today,
        "filter": dataclasses.asdict(flt),
        "fmt": fmt,
        "paper": paper if fmt == "pdf" else "",
    }
    return flt, parts


def _public_export(fmt: str, paper: str) -> tuple[bytes, str, MapFilter]:
    """The public export from the shared render cache."""
    flt, parts = _public_key(fmt, paper)
    data, etag = cached("map", parts, lambda: _render_export({**map_context(True, flt), "public": True}, fmt, paper))
    return data, etag, flt


def _export(public: bool, fmt: str) -> Response:
    paper = request.args.get("paper", "a4") if fmt == "pdf" else ""
    if fmt == "pdf" and paper not in PAPER_SIZES:
        abort(404)
    etag = ""
    if public:
        data, etag, flt = _public_export(fmt, paper)
    else:
        ctx = map_context(public)
        flt = ctx["filter"]
        data = _render_export({**ctx, "public": False}, fmt, paper)
    name = f"remo-map-{flt.end}" + (f"-{paper}" if fmt == "pdf" else "")
    response = make_response(data)
    response.headers["Content-Type"] = MIME[fmt] + ("; charset=utf-8" if fmt in ("svg", "gexf", "graphml") else "")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    if etag:
        response.set_etag(etag)
        response.make_conditional(request)
    return response


@bp.route(f"/map.<any({EXPORTS}):fmt>")
@allow("staff")
def export(fmt: str) -> Response:
    return _export(False, fmt)


@bp.route(f"/map/public.<any({EXPORTS}):fmt>")
@allow("public")
@expensive
def public_export(fmt: str) -> Response:
    return _export(True, fmt)


# ---------------------------------------------------------------------------
# presentation mode
# ---------------------------------------------------------------------------
def last_meeting(network: Network, today: str) -> Any:
    """The latest meeting held on or before ``today`` (None when there is none)."""
    held = [m for m in network.meetings if m.date and m.date <= today]
    return max(held, key=lambda m: (m.date, m.id)) if held else None


def present_steps(snap: Any, positions: dict[str, Any], step: int, today: str) -> dict[str, Any]:
    """Step 1: the network at the last meeting; 2: new since then; 3: suggested next."""
    network = snap.network
    meeting = last_meeting(network, today)
    if meeting is not None:
        day = meeting.date
        heading1 = _("The network at the last meeting (%(date)s)", date=fmt_date(day))
    else:
        day = (dt.date.fromisoformat(today) - dt.timedelta(days=365)).isoformat()
        heading1 = _("The network one year ago (%(date)s)", date=fmt_date(day))
    build = {"width": 1600, "height": 900, "font_size": 22.0, "radius": (8.0, 26.0), "label_limit": 70}
    then = {c.a for c in network.cooperations if c.active_on(day)} | {
        c.b for c in network.cooperations if c.active_on(day)
    }
    if meeting is not None:
        then |= set(meeting.attendance)
    if step == 1:
        flt = MapFilter(start=day, end=day)
        view = build_map(network, positions, flt, shown=lambda v: v in then, **build)
        heading = heading1
    elif step == 2:
        flt = MapFilter(start=today, end=today)
        view = build_map(network, positions, flt, new_since=day, **build)
        for n in view.nodes:
            if n.id not in then and n.emphasis != "new":
                n.emphasis = "new"
        heading = _("New since then")
    else:
        flt = MapFilter(start=today, end=today, suggestions=True)
        pairs = sorted(
            ((s, a, b) for a, items in _suggestions(snap, k=1).items() for b, s in items),
            key=lambda t: (-t[0], t[1], t[2]),
        )
        chosen: dict[str, list[tuple[str, float]]] = {}
        seen: set[frozenset[str]] = set()
        for score, a, b in pairs:
            if frozenset((a, b)) in seen:
                continue
            seen.add(frozenset((a, b)))
            chosen.setdefault(a, []).append((b, score))
            if len(seen) >= 12:
                break
        view = build_map(network, positions, flt, suggestions=chosen, **build)
        heading = _("Suggested next")
    new_coops = [c for c in network.cooperations if c.since and day < c.since <= today]
    return {"view": view, "heading": heading, "day": day, "meeting": meeting, "new_coops": new_coops}


@bp.route("/map/present")
@allow("staff")
def present() -> str:
    try:
        step = int(request.args.get("step", "1"))
    except ValueError:
        step = 1
    if step not in (1, 2, 3):
        abort(404)
    store = get_store()
    snap = store.snapshot()
    positions, _pins = ensure_layout(store, snap.network, actor="map")
    data = present_steps(snap, positions, step, _today())
    view: MapView = data["view"]
    desc = describe(view)
    svg = render_svg(view, title=data["heading"], desc=desc, id_prefix="present")
    return render_template(
        "map/present.html",
        step=step,
        steps=3,
        svg=Markup(svg),  # built from escaped parts in web.map.svg
        desc=desc,
        summary=view.summary(),
        legend=legend(view),
        legend_swatches=_swatches(),
        **data,
    )


# ---------------------------------------------------------------------------
# pinning and re-running the layout (staff, POST with CSRF)
# ---------------------------------------------------------------------------
@bp.route("/map/pin", methods=["POST"])
@allow("staff")
def pin() -> Response:
    org_id = request.form.get("org", "")
    want = request.form.get("pinned") == "1"
    store = get_store()
    if not set_pinned(store, store.snapshot().network, org_id, want, actor=current_user.actor()):
        abort(404)
    flash(_("Pinned: it keeps its place when the layout is re-run.") if want else _("Released."), "success")
    return redirect(url_for("map.index", focus=org_id) + "#map-details")


@bp.route("/map/relayout", methods=["POST"])
@allow("staff")
def relayout_view() -> Response:
    store = get_store()
    relayout(store, store.snapshot().network, actor=current_user.actor())
    flash(_("The layout was computed afresh; pinned organisations kept their places."), "success")
    return redirect(url_for("map.index"))
