"""Network map speed: layout and map data for synthetic networks of 1,000 and 10,000 organisations.

Targets: map data and layout for 1,000 organisations <= 2 s, for 10,000 <= 20 s. "Map data" is what the
/map page computes on top of the store's cached snapshot: the filtered graph, degree sizes, communities,
labels and community outlines (`web.map.model.build_map`), plus the SVG markup. The layout is timed fresh
(first use, the worst case) and warm (one organisation added, the usual case).

    python bench/map_bench.py [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matching  # noqa: E402,F401  (imported up front: its first import takes seconds and is not map work)
from graph.generate import generate_document  # noqa: E402
from graph.network import parse_network  # noqa: E402
from graph.snapshot import build_snapshot  # noqa: E402
from web.map.layout import mean_displacement, stable_layout  # noqa: E402
from web.map.model import MapFilter, build_map  # noqa: E402
from web.map.store import layout_graph  # noqa: E402
from web.map.svg import render_svg  # noqa: E402

TARGETS = {1000: 2.0, 10000: 20.0}


def run(n: int) -> dict[str, float]:
    t = time.perf_counter()
    doc = generate_document(n, seed=1)
    network = parse_network(doc)
    snap = build_snapshot(network)
    t_snap = time.perf_counter() - t

    t = time.perf_counter()
    g = layout_graph(snap.network)
    positions = stable_layout(g, seed=0)
    t_fresh = time.perf_counter() - t

    t = time.perf_counter()
    view = build_map(snap.network, positions, MapFilter(start=snap.today, end=snap.today))
    t_data = time.perf_counter() - t
    t = time.perf_counter()
    svg = render_svg(view, title="map", desc="bench", interactive=True, href=lambda node: "#")
    t_svg = time.perf_counter() - t

    g2 = g.copy()
    g2.add_edge("bench-new-org", next(iter(g2)))
    t = time.perf_counter()
    warm = stable_layout(g2, previous=positions, seed=0)
    t_warm = time.perf_counter() - t
    return {
        "orgs": n,
        "edges": g.number_of_edges(),
        "snapshot_s": t_snap,
        "layout_fresh_s": t_fresh,
        "layout_warm_s": t_warm,
        "map_data_s": t_data,
        "svg_s": t_svg,
        "svg_kb": len(svg) / 1024,
        "move_share": mean_displacement(positions, warm),
        "total_fresh_s": t_fresh + t_data + t_svg,
        "total_warm_s": t_warm + t_data + t_svg,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    ok = True
    print(
        f"{'orgs':>6} {'coops':>6} {'snapshot':>9} {'layout':>7} {'warm':>6} {'data':>6} {'svg':>6} "
        f"{'total':>6} {'target':>6} {'moved':>6} {'svg KB':>7}"
    )
    for n in args.sizes:
        r = run(n)
        target = TARGETS.get(n)
        met = target is None or r["total_fresh_s"] <= target
        ok &= met
        print(
            f"{n:>6} {r['edges']:>6} {r['snapshot_s']:>8.2f}s {r['layout_fresh_s']:>6.2f}s {r['layout_warm_s']:>5.2f}s "
            f"{r['map_data_s']:>5.2f}s {r['svg_s']:>5.2f}s {r['total_fresh_s']:>5.2f}s "
            f"{'≤' + str(target) + 's' if target else '–':>6} {r['move_share'] * 100:>5.2f}% {r['svg_kb']:>6.0f}"
            + ("" if met else "  (target missed)")
        )
    print("total = fresh layout + map data + SVG (the snapshot is built and cached by the store anyway);")
    print("moved = average move of the others when one organisation is added, share of the map width")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
