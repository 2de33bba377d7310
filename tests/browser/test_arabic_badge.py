"""Arabic meeting plan: the "locked" badge sits beside or under the table's title, never on top of it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

_OVERLAPS = """() => [...document.querySelectorAll('.meeting-table.is-locked .table-title')].map(h => {
  const title = h.querySelector('span:not(.badge)').getClientRects();
  const badge = h.querySelector('.badge').getBoundingClientRect();
  return [...title].some(r => r.left < badge.right - 1 && badge.left < r.right - 1 &&
                               r.top < badge.bottom - 1 && badge.top < r.bottom - 1);
})"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 1280])
def test_locked_badge_does_not_cover_the_title(new_page: Any, start_server: Any, width: int) -> None:
    server = start_server()
    try:
        page = new_page(viewport={"width": width, "height": 900})
        log_in(page, server.url, "staff")
        page.goto(f"{server.url}/lang/ar?next=/meetings/austauschtreffen-2025-1")
        page.wait_for_load_state("networkidle")
        for _ in range(3):  # lock the first three tables of round 1
            page.locator(".meeting-table:not(.is-locked) form button").first.click()
            page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("dir") == "rtl"
        found = page.evaluate(_OVERLAPS)
        assert len(found) >= 3 and not any(found), found
    finally:
        server.stop()
