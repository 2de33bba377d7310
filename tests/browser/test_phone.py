"""Phones (375 × 667): a compact header with a folding menu, the first directory result on the first
screen, and no word split across lines without hyphenation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ORG

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
#: the header (brand, language switch, menu button; the menu folded) may take this much of the screen
HEADER_MAX = 130

# every word of the page's text that the browser laid out on more than one line where the line does not end in
# a hyphen: a break after a soft hyphen (the browser shows a hyphen) or after "-" or "/" is fine, a break
# anywhere else splits the word without one ("Migrantenorga|nisationen"). Chromium's own hyphenation
# (hyphens: auto) has no German dictionary, so a style check alone says nothing. Also: elements wider than
# the screen.
_BROKEN_WORDS = r"""() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const top = (node, i) => {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    // a character at the start of a line may also give an empty box at the end of the line before
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    return rects.length ? Math.round(rects[rects.length - 1].top) : null;
  };
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest('.visually-hidden, script, style, option, [hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || style.position === 'absolute') continue;
    const re = /\S{4,}/g;
    let m;
    while ((m = re.exec(node.data))) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size < 2) continue;
      let line = top(node, m.index);
      for (let i = 1; i < m[0].length; i++) {
        const t = top(node, m.index + i);
        if (t === null || line === null || t === line) { if (t !== null) line = t; continue; }
        const before = m[0][i - 1];
        if (!'\u00ad-‐/'.includes(before)) {
          out.push(m[0].replaceAll('\u00ad', '') + ' broken after "' + m[0].slice(0, i).replaceAll('\u00ad', '') +
                   '" in <' + el.tagName.toLowerCase() + '>');
        }
        line = t;
      }
    }
  }
  return out.slice(0, 10);
}"""


def _phone(new_page: Any, login: Any, live_server: Any, role: str = "anonymous") -> Any:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    login(page, role)
    return page


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_header_is_compact_and_the_menu_folds(new_page: Any, login: Any, live_server: Any, role: str) -> None:
    page = _phone(new_page, login, live_server, role)
    page.goto(f"{live_server}/directory")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= HEADER_MAX, f"header {header['height']} px high"
    # the six languages stay reachable in one row, each named in itself for screen readers
    tops = {round(b["y"]) for b in (a.bounding_box() for a in page.locator(".lang-switch a").all())}
    assert len(tops) == 1, tops
    assert page.get_by_role("link", name="العربية").count() == 1
    toggle = page.get_by_role("button", name="Menü")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#main-menu").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Verzeichnis").is_visible()
    # the keyboard works too
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("#main-menu").is_visible()


def test_menu_without_javascript_is_shown(new_page: Any, live_server: Any) -> None:
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(f"{live_server}/directory")
    assert page.get_by_role("link", name="Verzeichnis").is_visible()
    assert page.locator(".menu-toggle").is_hidden()
    assert page.locator("#f-kind").is_visible()  # the filters, too


def test_wide_screen_has_no_menu_button(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server}/directory")
    assert page.locator(".menu-toggle").is_hidden()
    assert page.get_by_role("link", name="Verzeichnis").is_visible()
    assert page.locator("#f-kind").is_visible()  # filters open on wide screens
    assert page.get_by_role("link", name="Deutsch", exact=True).is_visible()


def test_first_directory_result_on_the_first_screen(new_page: Any, login: Any, live_server: Any) -> None:
    page = _phone(new_page, login, live_server)
    page.goto(f"{live_server}/directory")
    first = page.locator(".cards .card h3").first.bounding_box()
    assert first["y"] + first["height"] <= PHONE["height"], f"first result at {first['y']} px"
    assert not page.locator("#f-kind").is_visible()  # the six filters are folded
    page.get_by_text("Filter", exact=True).click()
    assert page.locator("#f-kind").is_visible()
    # filters in use stay open
    page.goto(f"{live_server}/directory?district=lennep")
    assert page.locator("#f-district").is_visible()


@pytest.mark.parametrize(
    "path,role",
    [
        ("/directory", "anonymous"),
        ("/", "anonymous"),
        (f"/org/{ORG}", "anonymous"),
        ("/org/grundschule-lindenhof", "anonymous"),  # "Gemeinschaftsgrundschule" in the heading
        ("/org/wohnungsbau-bergisch-heim", "staff"),  # "Wohnungsbaugenossenschaft", internal view
        ("/directory?q=Genossenschaft", "anonymous"),
        ("/directory?kind=public_service", "staff"),
        ("/desk", "staff"),
        ("/meetings/austauschtreffen-2025-1", "staff"),
        ("/funding", "anonymous"),
    ],
)
def test_no_word_broken_without_hyphenation(new_page: Any, login: Any, live_server: Any, path: str, role: str) -> None:
    page = _phone(new_page, login, live_server, role)
    page.goto(f"{live_server}{path}")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    broken = page.evaluate(_BROKEN_WORDS)
    assert not broken, broken
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
