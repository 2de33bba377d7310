"""The impact dashboard on the demo network: figures follow the documented rules."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest

from graph.network import parse_network
from tests.web.conftest import login
from web.map.dashboard import dashboard_figures


@pytest.fixture(scope="module")
def demo(demo_doc):
    return parse_network(demo_doc)


def test_growth_matches_the_demo_cooperations_since_years(demo, demo_doc):
    fig = dashboard_figures(demo, "2021-01-01", "2026-11-26")
    by_year = Counter(int(c["since"][:4]) for c in demo_doc["cooperations"] if c.get("since"))
    assert {r["year"]: r["new"] for r in fig["growth"]} == dict(sorted(by_year.items()))
    assert [r["year"] for r in fig["growth"]] == list(range(2021, 2027))
    assert {r["year"]: r["new"] for r in fig["growth"]} == {2021: 7, 2022: 10, 2023: 15, 2024: 17, 2025: 26, 2026: 23}
    active = [r["active"] for r in fig["growth"]]
    assert active == sorted(active) or max(active) == active[-1]


def test_new_since_last_meeting_and_isolated(demo, demo_doc):
    fig = dashboard_figures(demo, "2021-01-01", "2026-11-26")
    assert fig["meeting"].date == "2025-11-06"
    assert len(fig["since_meeting"]) == sum(
        1 for c in demo_doc["cooperations"] if c.get("since") and "2025-11-06" < c["since"] <= "2026-11-26"
    )
    linked = {o for c in demo.cooperations if c.active_on("2026-11-26") for o in (c.a, c.b)}
    assert {o.id for o in fig["isolated"]} == {o.id for o in demo.organisations} - linked


def test_introductions_bridges_needs_density_brokers(demo, demo_doc):
    fig = dashboard_figures(demo, "2021-01-01", "2026-11-26")
    assert dict(fig["introductions"]) == {
        **dict.fromkeys(("proposed", "accepted", "met", "cooperating", "declined"), 0),
        **Counter(i["status"] for i in demo_doc["introductions"]),
    }
    kinds = {o["id"]: o["kind"] for o in demo_doc["organisations"]}
    active = {frozenset((c.a, c.b)) for c in demo.cooperations if c.active_on("2026-11-26")}
    bridges = [p for p in active if len({kinds[x] == "migrant_organisation" for x in p}) == 2]
    assert fig["bridges"] == len(bridges)
    # needs: met when a current partner offers the capability
    offers = {o.id: {x.capability for x in o.offers} for o in demo.organisations}
    partners: dict[str, set[str]] = {}
    for p in active:
        a, b = tuple(p)
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    met = sum(
        1 for o in demo.organisations for n in o.needs if any(n.capability in offers[p] for p in partners.get(o.id, ()))
    )
    assert fig["needs_met"] == met and fig["needs_total"] == sum(len(o.needs) for o in demo.organisations)
    assert sum(r["met"] + r["open"] for r in fig["needs"]) == fig["needs_total"]
    n = len(demo.organisations)
    assert fig["density"] == pytest.approx(len(active) / (n * (n - 1) / 2), abs=1e-4)
    assert len(fig["brokers"]) == 5 and fig["brokers"][0][1] >= fig["brokers"][-1][1]


def test_period_limits_new_cooperations(demo):
    fig = dashboard_figures(demo, "2025-01-01", "2025-12-31")
    assert len(fig["new_in_period"]) == 26
    assert fig["growth"][-1]["year"] == 2025


def test_dashboard_page_and_report(web_client):
    login(web_client, "stefan")
    html = web_client.get("/dashboard").get_data(as_text=True)
    assert html.count('role="img"') == 3 and html.count("<table") >= 3
    assert "style=" not in html
    for year, new in {2021: 7, 2022: 10, 2023: 15, 2024: 17, 2025: 26, 2026: 23}.items():
        assert re.search(rf"<th scope=\"row\">{year}</th><td class=\"num\">{new}</td>", html), year
    html = web_client.get("/dashboard?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    assert 'value="2025-01-01"' in html
    resp = web_client.get("/dashboard/report.pdf?from=2025-01-01&to=2025-12-31")
    assert resp.data[:4] == b"%PDF"
    pypdf = pytest.importorskip("pypdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(resp.data)).pages)
    assert "01.01.2025" in text and "Kommunales Integrationszentrum" in text  # the period in the locale
