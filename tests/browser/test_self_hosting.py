"""Nothing is loaded from other hosts: every request of every page goes to the app itself; no web fonts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.pages import LANG_PARAM, collect_pages

pytestmark = pytest.mark.browser

_FONTS = """() => {
  const faces = [];
  for (const sheet of document.styleSheets) {
    let rules = [];
    try { rules = sheet.cssRules; } catch (e) { faces.push('unreadable sheet ' + sheet.href); continue; }
    for (const rule of rules) { if (rule.type === CSSRule.FONT_FACE_RULE) faces.push(rule.cssText.slice(0, 120)); }
  }
  return {faces: faces, loaded: [...document.fonts].map(f => f.family)};
}"""


@pytest.fixture(scope="module")
def all_pages(live_server: Any) -> list[Any]:
    pages, _ = collect_pages(live_server.app)
    return pages


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_every_request_goes_to_the_own_host(lang: str, all_pages: list[Any], visitor: Any, live_server: Any) -> None:
    origin = live_server.url + "/"
    start = len(visitor.requests)
    fonts = []
    for spec in all_pages:
        path = spec.path
        if spec.name in LANG_PARAM:
            path += ("&" if "?" in path else "?") + f"lang={lang}"
        page = visitor.page(spec.role, lang)
        page.goto(f"{live_server}{path}")  # "load": the page and everything it asked for so far
        found = page.evaluate(_FONTS)
        if found["faces"] or found["loaded"]:
            fonts.append(f"{path}: {found}")
    seen = visitor.requests[start:]
    assert len(seen) >= 2 * len(all_pages), "every page loads at least its HTML and the stylesheet"
    foreign = sorted({f"{url} ({kind}, on {frame})" for url, kind, frame in seen if not url.startswith(origin)})
    assert not foreign, "requests to other hosts or data: URLs:\n" + "\n".join(foreign)
    assert not [url for url, kind, _ in seen if kind == "font"], "web fonts are loaded"
    assert not fonts, "pages declare or load web fonts (data: URLs included):\n" + "\n".join(fonts)


def test_the_recorder_sees_foreign_requests(visitor: Any, live_server: Any) -> None:
    page = visitor.page("anonymous", "de")
    page.goto(f"{live_server}/imprint")
    page.route("http://elsewhere.invalid/**", lambda route: route.abort())
    start = len(visitor.requests)
    page.evaluate("""() => { const i = document.createElement('img'); i.src = 'http://elsewhere.invalid/p.png';
      document.body.append(i); }""")
    page.wait_for_timeout(200)
    page.unroute("http://elsewhere.invalid/**")
    assert any(url.startswith("http://elsewhere.invalid/") for url, _, _ in visitor.requests[start:])
