"""The network map: access, filters, public projection, text alternative, exports, presentation mode."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from PIL import Image

from tests.web.conftest import ORG, csrf_token, login, post
from web.map.store import LAYOUT_ID, LAYOUT_KIND

SVG_NS = "{http://www.w3.org/2000/svg}"
NODE = re.compile(r'<a href="[^"]*" class="node"[^>]*data-id="([^"]+)"[^>]*data-kind="([^"]+)"')


def nodes(html: str) -> list[tuple[str, str]]:
    return NODE.findall(html)


@pytest.fixture
def staff(web_client):
    login(web_client, "stefan")
    return web_client


@pytest.mark.parametrize(
    ("url", "anonymous", "rep", "staff"),
    [
        ("/map", 302, 403, 200),
        ("/map.svg", 302, 403, 200),
        ("/map/present", 302, 403, 200),
        ("/map/present?step=3", 302, 403, 200),
        ("/dashboard", 302, 403, 200),
        ("/dashboard/report.pdf", 302, 403, 200),
        ("/map/public", 200, 200, 200),
        ("/map/public.svg", 200, 200, 200),
        ("/map/public.gexf", 200, 200, 200),
    ],
)
def test_access(web_app, url, anonymous, rep, staff):
    for who, expected in (("anonymous", anonymous), ("rana", rep), ("stefan", staff)):
        client = web_app.test_client()
        if who != "anonymous":
            login(client, who)
        assert client.get(url).status_code == expected, (url, who)


def test_pin_and_relayout_need_staff_and_csrf(web_app, web_store):
    anon = web_app.test_client()
    assert anon.post("/map/pin", data={"org": ORG, "pinned": "1"}).status_code in (400, 401)
    rep = web_app.test_client()
    login(rep, "rana")
    assert post(rep, "/map/pin", {"org": ORG, "pinned": "1"}).status_code == 403
    assert post(rep, "/map/relayout").status_code == 403
    staff = web_app.test_client()
    login(staff, "stefan")
    assert staff.post("/map/pin", data={"org": ORG, "pinned": "1"}).status_code == 400  # no CSRF token
    assert post(staff, "/map/pin", {"org": ORG, "pinned": "1"}).status_code == 302
    assert web_store.get(LAYOUT_KIND, LAYOUT_ID).data["pinned"] == [ORG]
    assert post(staff, "/map/pin", {"org": "gibt-es-nicht", "pinned": "1"}).status_code == 404
    before = web_store.get(LAYOUT_KIND, LAYOUT_ID).data["positions"]
    assert post(staff, "/map/relayout").status_code == 302
    after = web_store.get(LAYOUT_KIND, LAYOUT_ID).data["positions"]
    assert after[ORG] == before[ORG]
    assert after != before


def test_map_page_shows_every_organisation_with_accessible_svg(staff, demo_doc):
    html = staff.get("/map").get_data(as_text=True)
    found = nodes(html)
    assert len(found) == len(demo_doc["organisations"])
    assert 'role="graphics-document"' in html
    assert '<title id="map-title">' in html and '<desc id="map-desc">' in html
    assert 'aria-labelledby="map-title map-desc"' in html
    assert "style=" not in html  # CSP: no inline styles
    assert "<script>" not in html
    # the text alternative: one table row per organisation, and the summary
    assert html.count('#map-details">') >= len(found)
    assert "Most connected" in html or "Am besten vernetzt" in html


def test_kind_topic_district_filters(staff, demo_doc):
    html = staff.get("/map?kind=education&kind=youth_association").get_data(as_text=True)
    kinds = {k for _, k in nodes(html)}
    expected = sum(1 for o in demo_doc["organisations"] if o["kind"] in ("education", "youth_association"))
    assert kinds == {"education", "youth_association"} and len(nodes(html)) == expected
    topic = "homework_help"
    html = staff.get(f"/map?topic={topic}").get_data(as_text=True)
    assert {i for i, _ in nodes(html)} == {o["id"] for o in demo_doc["organisations"] if topic in o.get("topics", [])}
    district = next(d for o in demo_doc["organisations"] for d in o.get("districts", []))
    html = staff.get(f"/map?district={district}").get_data(as_text=True)
    assert {i for i, _ in nodes(html)} == {
        o["id"] for o in demo_doc["organisations"] if district in o.get("districts", [])
    }


def test_colour_by_topic_is_each_organisations_main_topic(staff, web_store, demo_doc):
    """Colour by topic: an organisation's main topic is the one of its topics that most shown organisations
    share (ties: listed first), not simply its first; the legend names the colours the nodes have."""
    orgs = demo_doc["organisations"]
    share: dict[str, int] = {}
    for o in orgs:
        for t in set(o.get("topics", [])):
            share[t] = share.get(t, 0) + 1

    def main(o: dict) -> str:
        topics = o.get("topics", [])
        return min(enumerate(topics), key=lambda it: (-share[it[1]], it[0]))[1] if topics else ""

    assert any(o.get("topics") and main(o) != o["topics"][0] for o in orgs)  # the demo tells the two apart
    html = staff.get("/map?colour=topic").get_data(as_text=True)
    vocab = web_store.snapshot().vocabulary
    by_label = {vocab.label("topics", t, "de"): t for t in vocab.ids("topics")}
    legend = re.findall(
        r'<li><svg class="swatch"[^>]*><rect [^>]*fill="(#[0-9A-Fa-f]{6})"[^>]*/></svg> ([^<]+)</li>', html
    )
    fills = {
        by_label[text.replace("&amp;", "&")]: fill for fill, text in legend if text.replace("&amp;", "&") in by_label
    }
    other = next(fill for fill, text in legend if text.replace("&amp;", "&") not in by_label)
    assert len(fills) == 7 and other == "#999999"
    counts: dict[str, int] = {}
    for o in orgs:
        if main(o):
            counts[main(o)] = counts.get(main(o), 0) + 1
    assert list(fills) == sorted(counts, key=lambda t: (-counts[t], t))[:7]  # legend: the most frequent first
    shown = dict(re.findall(r'class="node"[^>]*data-id="([^"]+)".*?fill="(#[0-9A-Fa-f]{6})"', html, re.S))
    assert len(shown) == len(orgs)
    for o in orgs:
        assert shown[o["id"]] == fills.get(main(o), other), (o["id"], o.get("topics"))


def _edges(svg_text: str, style: str = "coop") -> set[frozenset[str]]:
    return {frozenset(m) for m in re.findall(rf'class="edge edge-{style}" data-a="([^"]+)" data-b="([^"]+)"', svg_text)}


def test_period_filter_counts_cooperations_active_in_the_period(staff, demo_doc):
    def expected(start: str, end: str) -> set[frozenset[str]]:
        return {
            frozenset((c["a"], c["b"]))
            for c in demo_doc["cooperations"]
            if (not c.get("since") or c["since"] <= end) and (not c.get("until") or c["until"] >= start)
        }

    html = staff.get("/map?to=2021-12-31").get_data(as_text=True)
    assert _edges(html) == expected("2021-12-31", "2021-12-31")
    html = staff.get("/map?from=2023-01-01&to=2024-06-30").get_data(as_text=True)
    assert _edges(html) == expected("2023-01-01", "2024-06-30")


def test_focus_shows_the_neighbourhood_and_its_suggestions(staff, web_store):
    snap = web_store.snapshot()
    html = staff.get(f"/map?focus={ORG}").get_data(as_text=True)
    partners = set(snap.partners(ORG))
    shown = {i for i, _ in nodes(html)}
    suggested = _edges(html, "suggested")
    assert ORG in shown and partners <= shown
    assert shown - partners - {ORG} == {p for pair in suggested for p in pair} - partners - {ORG}
    assert 0 < len(suggested) <= 3 and all(ORG in pair for pair in suggested)
    assert 'id="map-details"' in html and 'action="/map/pin"' in html


def test_suggestions_overlay_top3_per_org_for_staff_only(web_app, staff):
    html = staff.get("/map?suggest=1").get_data(as_text=True)
    assert 'stroke-dasharray="7 5"' in html
    assert len(_edges(html, "suggested")) > 10
    public = web_app.test_client().get("/map/public?suggest=1&focus=" + ORG).get_data(as_text=True)
    assert "edge-suggested" not in public and 'stroke-dasharray="7 5"' not in public


def test_public_map_has_no_internal_data(web_app, web_store, demo_doc):
    client = web_app.test_client()
    html = client.get("/map/public").get_data(as_text=True)
    assert len(nodes(html)) == len(demo_doc["organisations"])
    notes = [c["note"] for c in demo_doc["cooperations"] if c.get("note")]
    gexf = client.get("/map/public.gexf").get_data(as_text=True)
    for text in (html, gexf):
        assert not any(note in text for note in notes)
        assert "@" not in re.sub(r"<[^>]+>", "", text).replace("&#64;", "")  # no e-mail addresses
    assert "/map/pin" not in html and "relayout" not in html


def test_svg_export_parses_with_legend_and_description(staff):
    resp = staff.get("/map.svg?kind=migrant_organisation")
    assert resp.headers["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(resp.data)
    assert root.tag == f"{SVG_NS}svg" and root.get("role") == "img"
    assert root.find(f"{SVG_NS}title").text and root.find(f"{SVG_NS}desc").text
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert "Legende" in texts or "Legend" in texts


def test_png_export(staff):
    resp = staff.get("/map.png")
    assert resp.data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(resp.data))
    assert img.size[0] == 2 * (1200 + 300) and img.size[1] >= 2 * 800


@pytest.mark.parametrize("paper", ["a4", "a3"])
def test_pdf_export_has_org_names(staff, paper, web_store):
    resp = staff.get(f"/map.pdf?paper={paper}")
    assert resp.data[:4] == b"%PDF"
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    page = reader.pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert w > h  # landscape
    text = page.extract_text()
    assert "Kommunales Integrationszentrum" in text
    assert sum(1 for o in web_store.snapshot().network.organisations if o.name[:12] in text) >= 20
    assert staff.get("/map.pdf?paper=letter").status_code == 404


def test_gexf_and_graphml_of_the_filtered_network(staff, demo_doc):
    n_mo = sum(1 for o in demo_doc["organisations"] if o["kind"] == "migrant_organisation")
    g = nx.read_gexf(io.BytesIO(staff.get("/map.gexf?kind=migrant_organisation").data))
    assert g.number_of_nodes() == n_mo
    assert all(d.get("kind") == "migrant_organisation" for _, d in g.nodes(data=True))
    assert all("viz" in d and "position" in d["viz"] for _, d in g.nodes(data=True))
    g2 = nx.read_graphml(io.BytesIO(staff.get("/map.graphml?kind=migrant_organisation").data))
    assert g2.number_of_nodes() == n_mo and g2.number_of_edges() == g.number_of_edges()
    assert {"community", "centrality", "x", "y"} <= set(next(iter(g2.nodes(data=True)))[1])


def test_size_metrics(staff):
    for metric in ("degree", "betweenness", "eigenvector"):
        resp = staff.get(f"/map?size={metric}")
        assert resp.status_code == 200
        radii = {
            float(r) for r in re.findall(r'<circle cx="[^"]+" cy="[^"]+" r="([^"]+)"', resp.get_data(as_text=True))
        }
        assert len(radii) > 3, metric


def test_presentation_steps_work_without_javascript(staff, web_store):
    snap = web_store.snapshot()
    pages = {}
    for step in (1, 2, 3):
        resp = staff.get(f"/map/present?step={step}")
        assert resp.status_code == 200
        pages[step] = resp.get_data(as_text=True)
    assert 'rel="next" href="/map/present?step=2"' in pages[1]
    assert 'rel="prev" href="/map/present?step=2"' in pages[3]
    assert 'role="img"' in pages[1]
    assert "06.11.2025" in pages[1]  # the last demo meeting, in the locale
    meeting_day = "2025-11-06"
    then = {o for c in snap.network.cooperations if c.active_on(meeting_day) for o in (c.a, c.b)}
    then |= set(next(m for m in snap.network.meetings if m.date == meeting_day).attendance)
    assert pages[1].count('<g class="node">') == len(then)
    assert "edge-new" in pages[2]
    new = [c for c in snap.network.cooperations if c.since and meeting_day < c.since <= snap.today]
    assert str(len(new)) in pages[2]
    assert "edge-suggested" in pages[3]
    assert staff.get("/map/present?step=4").status_code == 404


def test_map_is_fast_enough_for_the_demo(staff):
    import time

    staff.get("/map")  # layout stored on first use
    t = time.perf_counter()
    assert staff.get("/map?size=betweenness").status_code == 200
    assert time.perf_counter() - t < 5


def test_csrf_token_helper_finds_the_map_form(staff):
    assert csrf_token(staff, "/map")
