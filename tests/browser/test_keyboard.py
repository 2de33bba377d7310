"""Keyboard only: skip link, visible focus, login, directory search, profile editing, language switch."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ORG, PASSWORD

pytestmark = pytest.mark.browser

# what document.activeElement is, and how its focus shows
_FOCUS = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '', type: e.getAttribute('type') || '',
    cls: e.className || '', href: e.getAttribute('href') || '', hreflang: e.getAttribute('hreflang') || '',
    text: (e.innerText || e.value || '').trim().slice(0, 60),
    outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
    boxShadow: s.boxShadow, inCards: !!e.closest('.cards'),
  };
}"""


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate(_FOCUS)


def focus_is_visible(info: dict[str, Any]) -> bool:
    return (info["outlineStyle"] not in ("none", "") and info["outlineWidth"] >= 2) or info["boxShadow"] not in (
        "none",
        "",
    )


def tab_to(page: Any, wanted: Any, limit: int = 400, key: str = "Tab") -> dict[str, Any]:
    """Press Tab until ``wanted(info)`` is true for the focused element; every stop on the way shows focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        assert info["tag"] != "body", "focus fell back to the page body"
        assert focus_is_visible(info), f"no visible focus on {info}"
        if wanted(info):
            return info
    raise AssertionError(f"{limit} × {key} did not reach the element")


def keyboard_login(page: Any, origin: str, username: str) -> None:
    page.goto(f"{origin}/login")
    tab_to(page, lambda i: i["id"] == "username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server}/directory")
    page.keyboard.press("Tab")
    info = focused(page)
    assert "skip-link" in info["cls"] and info["href"] == "#main", info
    assert focus_is_visible(info)
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0 and box["width"] > 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # the next Tab continues inside main (the search field), not in the header
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_focus_is_visible_on_every_stop(page: Any, live_server: Any, login: Any) -> None:
    login(page, "representative")
    for path in ("/", "/directory", f"/org/{ORG}", f"/org/{ORG}/suggestions"):
        page.goto(f"{live_server}{path}")
        seen = 0
        for _ in range(60):
            page.keyboard.press("Tab")
            info = focused(page)
            if info["tag"] == "body":  # past the last stop
                break
            assert focus_is_visible(info), f"{path}: no visible focus on {info}"
            seen += 1
        assert seen >= 10, path


def test_login_with_the_keyboard(page: Any, live_server: Any) -> None:
    keyboard_login(page, live_server, "rana")
    assert "/login" not in page.url
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".main-nav .whoami").inner_text().endswith("Rana")


def test_wrong_password_is_announced_and_linked(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server}/login")
    tab_to(page, lambda i: i["id"] == "username")
    page.keyboard.type("rana")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password at all")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    field = page.locator("#password")
    assert field.get_attribute("aria-invalid") == "true"
    assert "password-error" in (field.get_attribute("aria-describedby") or "")
    assert page.locator("#password-error").is_visible()


def test_directory_search_with_the_keyboard(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server}/directory")
    tab_to(page, lambda i: i["id"] == "q")
    page.keyboard.type("Hausaufgaben")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=Hausaufgaben" in page.url
    count = page.locator(".cards > li").count()
    assert count >= 1
    info = tab_to(page, lambda i: i["inCards"] and i["tag"] == "a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(info["href"])
    assert page.locator("h1").count() == 1


def test_filter_with_the_keyboard(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server}/directory")
    tab_to(page, lambda i: i["id"] == "f-offer")
    page.keyboard.type("Räume")  # typing selects the matching option, as in every browser
    assert page.locator("#f-offer").input_value() == "rooms"
    tab_to(page, lambda i: i["tag"] == "button" and i["type"] == "submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "offer=rooms" in page.url


def test_edit_the_profile_with_the_keyboard(page: Any, start_server: Any) -> None:
    server = start_server()  # writes: a server of its own
    keyboard_login(page, server, "rana")
    page.goto(f"{server}/org/{ORG}/edit")
    # a checkbox: Space ticks it
    tab_to(page, lambda i: i["id"].startswith("districts-") and i["type"] == "checkbox")
    box_id = focused(page)["id"]
    before = page.locator(f"#{box_id}").is_checked()
    page.keyboard.press("Space")
    assert page.locator(f"#{box_id}").is_checked() != before
    # a text field: select and replace
    tab_to(page, lambda i: i["id"] == "phone")
    page.keyboard.press("Control+A")
    page.keyboard.type("02191 123456")
    # the Save button: Space submits
    tab_to(page, lambda i: i["tag"] == "button" and i["type"] == "submit")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert page.url.endswith(f"/org/{ORG}"), page.url
    assert page.locator(".flash-success").count() == 1
    assert "02191 123456" in page.locator("main").inner_text()


def test_switch_the_language_with_the_keyboard(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server}/directory?q=verein")
    tab_to(page, lambda i: i["hreflang"] == "ar")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert "q=verein" in page.url, "the switch keeps the page and its search"
    tab_to(page, lambda i: i["hreflang"] == "de")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("de", "ltr")
