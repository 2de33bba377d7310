"""Small screens and right-to-left: no sideways scrolling at 320 px; Arabic mirrors the layout."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ORG

pytestmark = pytest.mark.browser

# (path, role): the main pages
MAIN_PAGES = [
    ("/", "anonymous"),
    ("/directory", "anonymous"),
    ("/directory?q=verein&district=lennep", "anonymous"),
    (f"/org/{ORG}", "anonymous"),
    (f"/org/{ORG}", "representative"),
    (f"/org/{ORG}/edit", "representative"),
    (f"/org/{ORG}/suggestions", "representative"),
    ("/login", "anonymous"),
    ("/privacy", "anonymous"),
    ("/desk", "staff"),
    ("/desk/network", "staff"),
    ("/desk/changes", "staff"),
    ("/admin/users", "admin"),
    ("/admin/audit", "admin"),
    ("/events", "anonymous"),
    ("/events/month?month=2026-09", "anonymous"),
    ("/events/hausaufgabenhilfe-koepru", "anonymous"),
    (f"/org/{ORG}/events", "representative"),
    (f"/org/{ORG}/events/new", "representative"),
    ("/desk/events", "staff"),
]

_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width && (r.right > width + 1 || r.left < -1) && !e.closest('.table-wrap, .skip-link, .visually-hidden')) {
      wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_no_horizontal_scrolling_at_320px(lang: str, visitor: Any) -> None:
    problems = []
    for path, role in MAIN_PAGES:
        page = visitor.visit(path, role, lang, width=320)
        found = page.evaluate(_OVERFLOW)
        if found["scrollWidth"] > 320:
            problems.append(f"{path} ({role}): scrollWidth {found['scrollWidth']}, too wide: {found['wide']}")
    assert not problems, "\n".join(problems)


def test_arabic_is_right_to_left_and_mirrored(visitor: Any) -> None:
    boxes = {}
    for lang in ("de", "ar"):
        page = visitor.visit("/directory", "anonymous", lang)
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        width = page.evaluate("document.documentElement.clientWidth")
        items = page.locator(".main-nav li")
        first, last = items.first.bounding_box(), items.last.bounding_box()
        label = page.locator("label[for=q]").bounding_box()
        field = page.locator("#q").bounding_box()
        assert first and last and label and field
        boxes[lang] = (width, first, last, label, field)
    width, first, last, label, field = boxes["de"]
    assert first["x"] < width / 4 and last["x"] > first["x"], "German: the menu starts at the left"
    assert label["x"] < width / 4
    width, first, last, label, field = boxes["ar"]
    assert first["x"] + first["width"] > width * 3 / 4, "Arabic: the menu's first item is at the right edge"
    assert last["x"] < first["x"], "Arabic: the menu runs from right to left"
    assert label["x"] + label["width"] > width * 3 / 4, "Arabic: labels start at the right"
    # the text of the search field runs right to left as well
    page = visitor.page("anonymous", "ar")
    assert page.evaluate("getComputedStyle(document.querySelector('#q')).direction") == "rtl"


def test_mirroring_at_320px(visitor: Any) -> None:
    page = visitor.visit("/", "anonymous", "ar", width=320)
    toggle = page.locator(".menu-toggle")  # phones: the menu opens from its button (at the left in Arabic)
    box = toggle.bounding_box()
    assert box and box["x"] < 320 * 0.4
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    first = page.locator(".main-nav li").first.bounding_box()
    assert first and first["x"] + first["width"] > 320 * 0.6


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_pipeline_cards_stay_inside_their_columns(lang: str, visitor: Any) -> None:
    page = visitor.visit("/desk", "staff", lang)
    sticking_out = page.evaluate("""() => [...document.querySelectorAll('.pipeline section')].flatMap(col => {
      const c = col.getBoundingClientRect();
      return [...col.querySelectorAll('.card')].filter(card => {
        const r = card.getBoundingClientRect();
        return r.left < c.left - 1 || r.right > c.right + 1;
      }).map(card => col.id);
    })""")
    assert not sticking_out, sticking_out
