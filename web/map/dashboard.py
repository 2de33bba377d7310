"""Impact dashboard figures and charts (no Flask): what the KI reports to its funder.

Rules (also in ``docs/map.md``)
-------------------------------
* The period is ``[start, end]`` (ISO dates). "The network" means the cooperations active on ``end``.
* Growth: per calendar year, the cooperations that began that year (``since``) and those active at the
  end of the year (at ``end`` for the last year). Cooperations without ``since`` count from the start.
* New in the period: cooperations with ``start <= since <= end``. New since the last meeting: the latest
  meeting held on or before ``end``; cooperations with ``meeting date < since <= end``.
* Organisations without a partner: no cooperation active on ``end``.
* Introductions by status: introductions dated (``at``) within the period, plus undated ones.
* Bridges: active cooperations between a migrant organisation and an organisation of another kind.
* Needs met vs open: a need of an organisation counts as *met* when at least one of its partners (active
  cooperation on ``end``) offers that capability; otherwise it is *open*.
* Joint events: published events of several organisations with a date in the period; each pair of their
  organisations counts as activity between them (shown apart: the cooperation figures do not include them).
* Density: cooperating pairs / possible pairs. Brokers: betweenness centrality (exact up to 500
  organisations, sampled beyond), the top five.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from xml.sax.saxutils import escape

import networkx as nx

from graph.network import Network

from ..events import joint_activity

__all__ = ["bar_chart", "dashboard_figures", "default_period", "stacked_bar_chart"]

STATUS_ORDER = ("proposed", "accepted", "met", "cooperating", "declined")


def default_period(network: Network, today: str) -> tuple[str, str]:
    """From the first recorded cooperation (or a year ago) to today."""
    sinces = [c.since for c in network.cooperations if c.since and c.since <= today]
    start = min(sinces) if sinces else (dt.date.fromisoformat(today) - dt.timedelta(days=365)).isoformat()
    return start, today


def _active(network: Network, day: str) -> list[Any]:
    ids = {o.id for o in network.organisations}
    return [c for c in network.cooperations if c.active_on(day) and c.a in ids and c.b in ids and c.a != c.b]


def _growth(network: Network, end: str) -> list[dict[str, int]]:
    """Per year up to ``end``: cooperations begun that year and those active at its end."""
    years = sorted({int(c.since[:4]) for c in network.cooperations if c.since and c.since <= end})
    first = min(years) if years else int(end[:4])
    growth = []
    for year in range(first, int(end[:4]) + 1):
        day = min(f"{year}-12-31", end)
        growth.append(
            {
                "year": year,
                "new": sum(1 for c in network.cooperations if c.since and c.since[:4] == str(year) and c.since <= end),
                "active": len(_active(network, day)),
            }
        )
    return growth


def _introductions(network: Network, start: str, end: str) -> tuple[list[Any], list[tuple[str, int]]]:
    """The introductions of the period, and how many have each status (the usual ones first)."""
    intros = [i for i in network.introductions if i.at is None or start <= i.at[:10] <= end]
    by_status = Counter(i.status for i in intros)
    statuses = [(s, by_status.get(s, 0)) for s in STATUS_ORDER] + sorted(
        (s, n) for s, n in by_status.items() if s not in STATUS_ORDER
    )
    return intros, statuses


def _bridges(orgs: dict[str, Any], active: list[Any]) -> tuple[list[Any], Counter[str], list[Any], int]:
    """Cooperations between a migrant organisation and another kind, and how many each of them has."""
    bridges = [
        c for c in active if (orgs[c.a].kind == "migrant_organisation") != (orgs[c.b].kind == "migrant_organisation")
    ]
    bridge_count: Counter[str] = Counter()
    for c in bridges:
        mo = c.a if orgs[c.a].kind == "migrant_organisation" else c.b
        bridge_count[mo] += 1
    mos = [o for o in orgs.values() if o.kind == "migrant_organisation"]
    mo_bridged = sum(1 for o in mos if bridge_count[o.id])
    return bridges, bridge_count, mos, mo_bridged


def _needs(orgs: dict[str, Any], g: nx.Graph) -> tuple[list[dict[str, Any]], Counter[str], Counter[str]]:
    """Per capability: how many organisations need it, and for how many a partner offers it."""
    offers: dict[str, set[str]] = {}
    for o in orgs.values():
        for x in o.offers:
            offers.setdefault(x.capability, set()).add(o.id)
    needed: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for o in orgs.values():
        partners = set(g.neighbors(o.id))
        for need in o.needs:
            needed[need.capability] += 1
            if partners & offers.get(need.capability, set()):
                met[need.capability] += 1
    needs = sorted(
        ({"capability": cap, "needed": n, "met": met[cap], "open": n - met[cap]} for cap, n in needed.items()),
        key=lambda r: (-r["open"], -r["needed"], r["capability"]),
    )
    return needs, needed, met


def dashboard_figures(network: Network, start: str, end: str) -> dict[str, Any]:
    """Every dashboard figure for the period (see the module doc for the rules)."""
    orgs = {o.id: o for o in network.organisations}
    active = _active(network, end)
    g = nx.Graph()
    g.add_nodes_from(orgs)
    g.add_edges_from((c.a, c.b) for c in active)

    growth = _growth(network, end)
    new_in_period = sorted(
        (c for c in network.cooperations if c.since and start <= c.since <= end), key=lambda c: (c.since, c.id)
    )
    held = [m for m in network.meetings if m.date and m.date <= end]
    meeting = max(held, key=lambda m: (m.date, m.id)) if held else None
    since_meeting = (
        sorted((c for c in network.cooperations if c.since and meeting.date < c.since <= end), key=lambda c: c.since)
        if meeting
        else []
    )
    isolated = sorted((orgs[v] for v in g if g.degree(v) == 0), key=lambda o: o.name.casefold())

    intros, statuses = _introductions(network, start, end)

    bridges, bridge_count, mos, mo_bridged = _bridges(orgs, active)

    needs, needed, met = _needs(orgs, g)
    # joint events: activity between organisations next to the recorded cooperations (not counted in them)
    joint = joint_activity(network.events, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    joint = {pair: ids for pair, ids in joint.items() if pair[0] in orgs and pair[1] in orgs}
    joint_events = sorted({e for ids in joint.values() for e in ids})

    n = g.number_of_nodes()
    between = nx.betweenness_centrality(g, k=300 if n > 500 else None, seed=0) if n > 2 else {}
    brokers = sorted(((v, b) for v, b in between.items() if b > 0), key=lambda t: (-t[1], orgs[t[0]].name))[:5]

    return {
        "start": start,
        "end": end,
        "organisations": len(orgs),
        "cooperations": g.number_of_edges(),
        "growth": growth,
        "new_in_period": new_in_period,
        "meeting": meeting,
        "since_meeting": since_meeting,
        "isolated": isolated,
        "introductions": statuses,
        "introductions_total": len(intros),
        "bridges": len(bridges),
        "bridge_share": round(len(bridges) / len(active), 3) if active else 0.0,
        "mo_total": len(mos),
        "mo_bridged": mo_bridged,
        "top_bridgers": [(orgs[v], k) for v, k in bridge_count.most_common(5)],
        "needs": needs,
        "needs_total": sum(needed.values()),
        "needs_met": sum(met.values()),
        "density": round(nx.density(g), 4) if n > 1 else 0.0,
        "brokers": [(orgs[v], round(b, 3)) for v, b in brokers],
        "names": {o.id: o.name for o in orgs.values()},
        "joint_events": len(joint_events),
        "joint_event_pairs": sorted(joint.items(), key=lambda t: (-len(t[1]), t[0])),
        "joint_event_pairs_without_cooperation": sum(1 for a, b in joint if not g.has_edge(a, b)),
    }


# ---------------------------------------------------------------------------
# charts: server-side SVG with role="img", a title and a description; the page shows a table below each
# ---------------------------------------------------------------------------
BAR = "#0072B2"
BAR2 = "#E69F00"
INK = "#1b1b1b"


def bar_chart(
    cid: str,
    title: str,
    desc: str,
    labels: list[str],
    values: list[float],
    *,
    line: list[float] | None = None,
    line_label: str = "",
    bar_label: str = "",
    width: int = 640,
    height: int = 280,
) -> str:
    """Vertical bars (``values``) with an optional line (``line``, e.g. a running total)."""
    left, right, top, bottom = 44, 16, 24, 40
    vmax = max([*values, *(line or []), 1])
    pw, ph = width - left - right, height - top - bottom
    step = pw / max(len(values), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-labelledby="{cid}-t {cid}-d" font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(desc)}</desc>',
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{INK}"/>',
    ]
    for frac in (0.5, 1.0):
        y = top + ph - ph * frac
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#d0d0d0"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{vmax * frac:.0f}</text>')
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step + step * 0.2
        h = ph * v / vmax
        out.append(
            f'<rect x="{x:.1f}" y="{top + ph - h:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" fill="{BAR}" '
            f'stroke="{INK}" stroke-width="0.8"/>'
        )
        out.append(
            f'<text x="{x + step * 0.3:.1f}" y="{top + ph - h - 4:.1f}" text-anchor="middle" fill="{INK}">{v:g}</text>'
        )
        out.append(
            f'<text x="{x + step * 0.3:.1f}" y="{top + ph + 18}" text-anchor="middle" fill="{INK}">{escape(lab)}</text>'
        )
    if line:
        pts = " ".join(f"{left + i * step + step * 0.5:.1f},{top + ph - ph * v / vmax:.1f}" for i, v in enumerate(line))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{BAR2}" stroke-width="3" stroke-dasharray="8 4"/>')
        for i, v in enumerate(line):
            cx, cy = left + i * step + step * 0.5, top + ph - ph * v / vmax
            out.append(f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="{BAR2}" stroke="{INK}"/>')
    if bar_label or line_label:
        y = height - 6
        out.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{BAR}" stroke="{INK}" stroke-width="0.8"/>'
        )
        out.append(f'<text x="{left + 18}" y="{y}" fill="{INK}">{escape(bar_label)}</text>')
        if line:
            x2 = left + 30 + 7.5 * len(bar_label)
            out.append(
                f'<line x1="{x2}" y1="{y - 4}" x2="{x2 + 22}" y2="{y - 4}" stroke="{BAR2}" stroke-width="3" '
                f'stroke-dasharray="8 4"/>'
            )
            out.append(f'<text x="{x2 + 28}" y="{y}" fill="{INK}">{escape(line_label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def stacked_bar_chart(
    cid: str,
    title: str,
    desc: str,
    rows: list[tuple[str, float, float]],
    *,
    first_label: str,
    second_label: str,
    width: int = 640,
) -> str:
    """Horizontal bars split in two parts (``(label, first, second)``, e.g. needs met / open); the second part
    is hatched so that the split does not rest on colour alone."""
    left, right, row_h = 210, 50, 26
    height = 40 + row_h * len(rows) + 30
    vmax = max([a + b for _, a, b in rows] + [1])
    pw = width - left - right
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-labelledby="{cid}-t {cid}-d" font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(desc)}</desc>',
        f'<defs><pattern id="{cid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAR2}" stroke-width="4"/>'
        f"</pattern></defs>",
    ]
    for i, (lab, a, b) in enumerate(rows):
        y = 20 + i * row_h
        wa, wb = pw * a / vmax, pw * b / vmax
        text = lab if len(lab) <= 30 else lab[:29] + "…"
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">{escape(text)}</text>')
        if wa:
            out.append(
                f'<rect x="{left}" y="{y + 3}" width="{wa:.1f}" height="{row_h - 8}" fill="{BAR}" '
                f'stroke="{INK}" stroke-width="0.8"/>'
            )
        if wb:
            out.append(
                f'<rect x="{left + wa:.1f}" y="{y + 3}" width="{wb:.1f}" height="{row_h - 8}" fill="url(#{cid}-hatch)" '
                f'stroke="{INK}" stroke-width="0.8"/>'
            )
        out.append(f'<text x="{left + wa + wb + 6:.1f}" y="{y + 15}" fill="{INK}">{a:g} / {b:g}</text>')
    y = height - 14
    out.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{BAR}" stroke="{INK}" stroke-width="0.8"/>')
    out.append(f'<text x="{left + 18}" y="{y}" fill="{INK}">{escape(first_label)}</text>')
    x2 = left + 40 + 7.5 * len(first_label)
    out.append(
        f'<rect x="{x2}" y="{y - 10}" width="12" height="12" fill="url(#{cid}-hatch)" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    )
    out.append(f'<text x="{x2 + 18}" y="{y}" fill="{INK}">{escape(second_label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
