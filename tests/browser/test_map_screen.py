"""The network map as Kumu or Gephi Lite users expect it: it fills the screen, labels the hubs without
overlaps, finds organisations by name, switches colours, explains communities; the presentation shows
its legend."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

_LABELS = """() => {
  const boxes = [...document.querySelectorAll('.map-canvas svg .labels text[data-for]')].map(t => {
    const r = t.getBoundingClientRect();
    return {id: t.getAttribute('data-for'), l: r.left, r: r.right, t: r.top, b: r.bottom,
            size: parseFloat(getComputedStyle(t).fontSize)};
  });
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1) overlaps.push(a.id + ' / ' + b.id);
  }
  const hubs = [...document.querySelectorAll('.map-canvas a.node')]
    .sort((x, y) => (+y.getAttribute('data-degree')) - (+x.getAttribute('data-degree'))).slice(0, 5)
    .map(n => n.getAttribute('data-id'));
  return {labelled: boxes.map(b => b.id), overlaps, hubs, boxes};
}"""


@pytest.mark.slow
def test_map_fills_a_wide_screen_and_is_above_the_fold(new_page: Any, login: Any, live_server: Any) -> None:
    for width, height in ((1920, 1080), (1280, 800)):
        page = new_page(viewport={"width": width, "height": height})
        login(page, "staff")
        page.goto(f"{live_server}/map")
        box = page.locator(".map-canvas svg").bounding_box()
        assert box["width"] >= 0.65 * width, (width, box)
        assert box["y"] < 0.55 * height, (width, box)  # the map starts high on the first screen
        assert height - box["y"] >= 0.45 * height  # and takes most of it
        assert not page.locator("#f-topic").is_visible()  # the filters fold away
        page.get_by_text("Filter, Farben und Fokus").click()
        assert page.locator("#f-topic").is_visible()


def test_hubs_are_labelled_without_overlaps_and_larger(page: Any, login: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, "staff")
    page.goto(f"{live_server}/map")
    found = page.evaluate(_LABELS)
    assert not found["overlaps"], found["overlaps"][:5]
    assert set(found["hubs"]) <= set(found["labelled"]), found["hubs"]
    sizes = {b["id"]: b["size"] for b in found["boxes"]}
    smallest = min(sizes.values())
    assert all(sizes[h] > smallest for h in found["hubs"])  # hubs in larger type
    assert smallest >= 12  # readable: at least 12 px on a 1920 px screen


def test_find_by_name_highlights(page: Any, login: Any, live_server: Any) -> None:
    login(page, "staff")
    page.goto(f"{live_server}/map")
    page.fill("#map-search", "kopru")  # without the diacritics it still finds Köprü
    matches = page.locator(".map-canvas a.node.is-match")
    assert matches.count() == 1
    assert "Köprü" in matches.first.get_attribute("data-name")
    assert page.locator(".map-canvas svg").evaluate("s => s.classList.contains('has-search')")
    # the one hit opens its details
    assert "Köprü" in page.locator('#map-details [data-field="name"]').inner_text()
    page.fill("#map-search", "zzzz")
    assert page.locator(".map-canvas a.node.is-match").count() == 0
    assert "Keine Organisation" in page.locator(".map-search-count").inner_text()


def test_details_explain_the_community(page: Any, login: Any, live_server: Any) -> None:
    login(page, "staff")
    page.goto(f"{live_server}/map")
    node = page.locator('.map-canvas a.node:not([data-community="0"])').first
    node.click()
    text = page.locator('#map-details [data-field="degree"]').inner_text()
    assert not text.startswith("#"), text
    assert "Gruppe" in text and "zusammenarbeiten" in text


@pytest.mark.parametrize("colour,legend_term", [("district", "Lennep"), ("topic", "Hausaufgabenhilfe")])
def test_colour_switch(page: Any, login: Any, live_server: Any, colour: str, legend_term: str) -> None:
    login(page, "staff")
    page.goto(f"{live_server}/map")
    kind_fills = page.locator(".map-canvas a.node").evaluate_all(
        "ns => ns.map(n => n.querySelector('circle, polygon').getAttribute('fill'))"
    )
    page.goto(f"{live_server}/map?colour={colour}")
    fills = page.locator(".map-canvas a.node").evaluate_all(
        "ns => ns.map(n => n.querySelector('circle, polygon').getAttribute('fill'))"
    )
    assert fills != kind_fills and len(set(fills)) >= 3
    legend = page.locator(".map-legend").inner_text()
    assert legend_term in legend or colour == "topic"
    assert page.locator("#f-colour").input_value() == colour


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1600, 900), (1280, 720), (1920, 1080)])
def test_presentation_shows_the_whole_legend(new_page: Any, login: Any, live_server: Any, size: tuple) -> None:
    page = new_page(viewport={"width": size[0], "height": size[1]})
    login(page, "staff")
    for step in (1, 2, 3):
        page.goto(f"{live_server}/map/present?step={step}")
        last = page.locator(".present-legend li").last.bounding_box()
        assert last["y"] + last["height"] <= size[1], (step, size, last)
        svg = page.locator(".present-map svg").bounding_box()
        assert svg["y"] + svg["height"] <= size[1] + 1, (step, size, svg)
        assert page.evaluate("document.documentElement.scrollHeight") <= size[1] + 1
