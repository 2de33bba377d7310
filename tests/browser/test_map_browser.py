"""Map, presentation mode and dashboard in Chromium: keyboard, axe-core (WCAG 2.1 A/AA), own host only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    return [
        {"id": v["id"], "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
        for v in result.response.get("violations", [])
    ]


def _record(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    return seen


def _own_host(urls: list[str], origin: str) -> list[str]:
    host = urlsplit(origin).netloc
    return [u for u in urls if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc != host]


@pytest.mark.parametrize("path", ["/map", "/map/present", "/map/present?step=2", "/map/present?step=3", "/dashboard"])
def test_axe_and_own_host(page, live_server, login, path):
    login(page, "staff")
    seen = _record(page)
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    assert _own_host(seen, live_server.url) == []


def test_public_map_axe(page, live_server):
    seen = _record(page)
    page.goto(live_server.url + "/map/public")
    assert _violations(page) == []
    assert _own_host(seen, live_server.url) == []


def test_presentation_steps_by_keyboard(page, live_server, login):
    login(page, "staff")
    page.goto(live_server.url + "/map/present?step=1")
    assert page.locator("body").get_attribute("data-step") == "1"
    for expected in ("2", "3"):
        with page.expect_navigation():
            page.keyboard.press("ArrowRight")
        assert page.locator("body").get_attribute("data-step") == expected
    page.keyboard.press("ArrowRight")  # the last step stays
    page.wait_for_timeout(200)
    assert page.locator("body").get_attribute("data-step") == "3"
    with page.expect_navigation():
        page.keyboard.press("ArrowLeft")
    assert page.locator("body").get_attribute("data-step") == "2"
    assert page.locator("[data-fullscreen]").is_visible()


def test_map_keyboard_navigation_and_details(page, live_server, login):
    login(page, "staff")
    page.goto(live_server.url + "/map")
    assert page.locator(".map-tools").is_visible()  # JavaScript enhanced the map
    first = page.locator("svg.netmap a.node").first
    first.focus()
    start = page.evaluate("document.activeElement.getAttribute('data-id')")
    moved = set()
    for key in ("ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"):
        page.keyboard.press(key)
        moved.add(page.evaluate("document.activeElement.getAttribute('data-id')"))
    assert moved - {start, None}, "arrow keys move the focus to other organisations"
    current = page.evaluate("document.activeElement.getAttribute('data-name')")
    page.keyboard.press("Enter")
    assert page.url.endswith("/map")  # Enter shows details in place instead of leaving
    assert page.locator('.js-details [data-field="name"]').text_content() == current
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('node')")
    # pan and zoom change the view box only
    box = page.locator("svg.netmap").get_attribute("viewBox")
    page.get_by_role("button", name="Vergrößern").or_(page.locator('[data-zoom="in"]')).first.click()
    assert page.locator("svg.netmap").get_attribute("viewBox") != box


def test_map_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/map/public")
        assert page.locator("svg.netmap a.node").count() > 50
        # the click only waits for the new page to start loading; its details come further down
        with page.expect_navigation():
            page.locator("svg.netmap a.node").first.click()
        assert "focus=" in page.url
        assert page.locator("#map-details > p > strong").count() == 1
        assert page.locator("#map-details > p > strong").text_content()
    finally:
        context.close()
