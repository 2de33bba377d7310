"""Nothing is loaded from other hosts: every request of every page goes to the app itself; no web fonts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.pages import LANG_PARAM, collect_pages

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def all_pages(live_server: Any) -> list[Any]:
    pages, _ = collect_pages(live_server.app)
    return pages


def test_every_request_goes_to_the_own_host(all_pages: list[Any], visitor: Any, live_server: Any) -> None:
    """Every page in German and Arabic; requests recorded during the other browser tests count as well.

    The visitor records every request of every page it opened in this session, so pages the axe walk has
    already shown are not loaded again.
    """
    origin = live_server.url + "/"
    for lang in ("de", "ar"):
        for spec in all_pages:
            path = spec.path
            if spec.name in LANG_PARAM:
                path += ("&" if "?" in path else "?") + f"lang={lang}"
            if not spec.problem and (path, spec.role, lang) not in visitor.visited:
                visitor.visit(path, spec.role, lang, status=spec.status)
    seen = list(visitor.requests)
    assert len(seen) >= 2 * len(all_pages), "every page loads at least its HTML and the stylesheet"
    foreign = sorted({f"{url} ({kind}, on {frame})" for url, kind, frame in seen if not url.startswith(origin)})
    assert not foreign, "requests to other hosts or data: URLs:\n" + "\n".join(foreign)
    assert not [url for url, kind, _ in seen if kind == "font"], "web fonts are loaded"
    assert not visitor.fonts, f"pages declare or load web fonts (data: URLs included): {visitor.fonts}"


def test_the_recorder_sees_foreign_requests(browser: Any, live_server: Any) -> None:
    from tests.browser.conftest import Visitor

    visitor = Visitor(browser, live_server.url)  # its own: the planted request must not reach the session log
    page = visitor.page("anonymous", "de")
    page.goto(f"{live_server}/imprint")
    page.route("http://elsewhere.invalid/**", lambda route: route.abort())
    start = len(visitor.requests)
    page.evaluate("""() => { const i = document.createElement('img'); i.src = 'http://elsewhere.invalid/p.png';
      document.body.append(i); }""")
    page.wait_for_timeout(200)
    page.unroute("http://elsewhere.invalid/**")
    assert any(url.startswith("http://elsewhere.invalid/") for url, _, _ in visitor.requests[start:])
    visitor.close()
