"""The main menu: one row on desk and projector screens (1280 × 800, 1920 × 1080), the less-used entries
under "Mehr" (a disclosure that works by keyboard and without JavaScript), folded behind "Menü" on phones."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

SCREENS = [{"width": 1280, "height": 800}, {"width": 1920, "height": 1080}]
PHONE = {"width": 375, "height": 667}

# the rows the menu's own entries take (their distinct tops) and its height
_ROWS = """() => {
  const ul = document.querySelector('#main-menu > ul');
  const tops = new Set([...ul.children].map(li => Math.round(li.getBoundingClientRect().top)));
  return {rows: tops.size, height: document.getElementById('main-menu').getBoundingClientRect().height};
}"""


def _menu(page: Any, origin: str) -> dict[str, Any]:
    page.goto(f"{origin}/directory")
    return page.evaluate(_ROWS)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
@pytest.mark.parametrize("role", ["admin", "staff", "representative", "anonymous"])
def test_menu_fits_on_one_row(new_page: Any, login: Any, live_server: Any, role: str, screen: dict[str, int]) -> None:
    page = new_page(viewport=screen)
    login(page, role)
    menu = _menu(page, live_server.url)
    assert menu["rows"] == 1, f"{role} at {screen['width']} px: the menu takes {menu['rows']} rows"
    # one row of 44 px targets plus the list's padding (at 1920 px the type is 118 %)
    assert menu["height"] <= 62, f"{role} at {screen['width']} px: the menu is {menu['height']} px high"


@pytest.mark.parametrize("lang", ["en", "tr", "ar", "ru", "uk"])
def test_menu_fits_on_one_row_in_every_language(visitor: Any, lang: str) -> None:
    for role in ("admin", "representative"):
        page = visitor.visit("/directory", role, lang)
        assert page.evaluate(_ROWS)["rows"] == 1, (role, lang)


def test_planner_and_audit_log_in_the_menu_more_works_by_keyboard(page: Any, login: Any, live_server: Any) -> None:
    login(page, "admin")
    page.goto(f"{live_server}/directory")
    menu = page.get_by_role("navigation", name="Hauptmenü")
    assert menu.get_by_role("link", name="Treffen planen").is_visible()
    audit = menu.locator("a", has_text="Protokoll der Zugriffe")
    assert audit.count() == 1 and not audit.is_visible()  # under "Mehr", folded
    more = page.locator(".nav-more summary")
    assert more.inner_text().strip() == "Mehr"
    more.focus()
    page.keyboard.press("Enter")
    assert audit.is_visible()
    # the drop-down lies over the page: the menu stays one row high
    assert page.evaluate(_ROWS)["rows"] == 1
    box, nav = audit.bounding_box(), page.locator("#main-menu").bounding_box()
    assert box["y"] >= nav["y"] + nav["height"] - 1
    # Tab reaches the entries, Escape closes and returns to "Mehr"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.nav-more') !== null")
    page.keyboard.press("Escape")
    assert not audit.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    # a click elsewhere closes it too
    more.click()
    assert audit.is_visible()
    page.locator("h1").click()
    assert not audit.is_visible()
    # on a page under "Mehr", "Mehr" is marked
    with page.expect_navigation():
        more.click()
        audit.click()
    assert page.locator(".nav-more summary.nav-more-current").count() == 1
    assert menu.locator("a[aria-current=page]").text_content() == "Protokoll der Zugriffe"


def test_more_opens_without_javascript(new_page: Any, live_server: Any) -> None:
    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server}/directory")
    assert page.evaluate(_ROWS)["rows"] == 1
    # anonymous visitors have few entries: no "Mehr", everything in the row
    assert page.locator(".nav-more").count() == 0
    assert page.get_by_role("link", name="Förderung", exact=True).is_visible()


def test_more_without_javascript_for_staff(new_page: Any, live_server: Any) -> None:
    from tests.browser.conftest import log_in

    page = new_page()
    log_in(page, live_server.url, "admin")
    nojs = new_page(java_script_enabled=False, storage_state=page.context.storage_state())
    nojs.goto(f"{live_server}/directory")
    audit = nojs.locator("#main-menu a", has_text="Protokoll der Zugriffe")
    assert not audit.is_visible()
    nojs.locator(".nav-more summary").click()
    assert audit.is_visible()


@pytest.mark.parametrize("role", ["admin", "representative"])
def test_menu_is_folded_on_phones(new_page: Any, login: Any, live_server: Any, role: str) -> None:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    login(page, role)
    page.goto(f"{live_server}/directory")
    assert not page.locator("#main-menu").is_visible()
    toggle = page.get_by_role("button", name="Menü")
    toggle.click()
    assert page.get_by_role("link", name="Verzeichnis").is_visible()
    page.locator(".nav-more summary").click()
    name = "Protokoll der Zugriffe" if role == "admin" else "Förderung"
    link = page.locator("#main-menu").get_by_role("link", name=name, exact=True)
    assert link.is_visible()
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
