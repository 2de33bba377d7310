"""axe-core on every HTML page of the app, in German and Arabic: no WCAG 2.1 A/AA violations.

The pages come from walking ``app.url_map`` (`tests.browser.pages`), so a new route is checked as soon as it
exists. Each page is visited as the least privileged role that may see it. Pages of areas still being built
(`IN_PROGRESS`) are expected failures (not strict) until their owners fix what is reported.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pytest

from tests.browser.pages import (
    EXTRA_PAGES,
    IN_PROGRESS,
    LANG_PARAM,
    OWN_LANG,
    collect_pages,
    get_endpoints,
    sample_url,
)

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGS = ("de", "ar")


@cache
def _url_map_app() -> Any:
    """An app for reading the URL map at collection time (its store is never opened)."""
    from web import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "collect", "REMO_STORE": "sqlite:///never-opened.db"})


def _page_names() -> list[str]:
    names = sorted({r.endpoint for r in get_endpoints(_url_map_app())})
    return names + [p.name for p in EXTRA_PAGES]


def _params() -> list[Any]:
    out = []
    for name in _page_names():
        area = name.split(".", 1)[0]
        marks = [pytest.mark.xfail(strict=False, reason=IN_PROGRESS[area])] if area in IN_PROGRESS else []
        for lang in LANGS:
            out.append(pytest.param(name, lang, marks=marks, id=f"{name}-{lang}"))
    return out


@pytest.fixture(scope="session")
def catalogue(live_server: Any) -> tuple[dict[str, Any], dict[str, str]]:
    pages, left_out = collect_pages(live_server.app)
    return {p.name: p for p in pages}, left_out


@pytest.fixture(scope="session")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def run_axe(axe: Any, page: Any) -> list[dict[str, Any]]:
    """The violations of WCAG 2.0/2.1 A and AA rules on the page."""
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return results.response["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def test_every_route_has_sample_arguments() -> None:
    app = _url_map_app()
    missing = []
    for rule in get_endpoints(app):
        try:
            sample_url(app, rule)
        except KeyError as exc:
            missing.append(f"{rule.endpoint} ({rule.rule}): {exc}")
    assert not missing, "add sample values to tests/browser/pages.py SAMPLE_ARGS: " + "; ".join(missing)


def test_the_walk_finds_the_main_pages(catalogue: Any) -> None:
    pages, left_out = catalogue
    for name in (
        "main.index",
        "directory.index",
        "directory.profile",
        "directory.edit",
        "suggestions.index",
        "suggestions.sheet",
        "desk.index",
        "desk.network",
        "desk.changes",
        "admin.users",
        "admin.create",
        "admin.edit",
        "audit.index",
        "auth.login",
        "brochure.html",
        "main.privacy",
        "main.accessibility",
        "main.imprint",
    ):
        assert name in pages, (name, left_out.get(name))
    assert pages["directory.edit"].role == "representative"
    assert pages["desk.index"].role == "staff"
    assert pages["audit.index"].role == "admin"
    assert pages["directory.profile"].role == "anonymous"


@pytest.mark.parametrize(("name", "lang"), _params())
def test_no_axe_violations(name: str, lang: str, catalogue: Any, visitor: Any, axe: Any) -> None:
    pages, left_out = catalogue
    if name not in pages:
        pytest.skip(f"not an HTML page: {left_out.get(name, 'not part of this build')}")
    page_spec = pages[name]
    if page_spec.problem:
        pytest.fail(f"no role gets this page (add demo data or a sample): {page_spec.problem}")
    path = page_spec.path
    if name in LANG_PARAM:
        path += ("&" if "?" in path else "?") + f"lang={lang}"
    page = visitor.visit(path, page_spec.role, lang, status=page_spec.status)
    html = page.locator("html")
    where = f"{path} as {page_spec.role}"
    expected = OWN_LANG.get(name, lang)
    got = html.get_attribute("lang")
    assert got == expected, f"{where}: page language {got}, not {expected}"
    assert html.get_attribute("dir") == ("rtl" if expected == "ar" else "ltr"), where
    violations = run_axe(axe, page)
    if os.environ.get("REMO_A11Y_REPORT") and violations:
        print(f"\n{name} [{lang}] {path} as {page_spec.role}:\n{describe(violations)}")
    assert not violations, f"{path} as {page_spec.role} in {lang}:\n{describe(violations)}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_axe_violations_in_interaction_states(lang: str, new_page: Any, start_server: Any, axe: Any) -> None:
    """States no GET shows: wrong login, flashes, a form with errors, an edit conflict, answered suggestions."""
    from tests.browser.conftest import ORG, PASSWORD, log_in

    server = start_server()
    page = new_page()
    problems = []

    def check(state: str) -> None:
        assert page.locator("html").get_attribute("lang") == lang, state
        violations = run_axe(axe, page)
        if violations:
            problems.append(f"{state} ({page.url}):\n{describe(violations)}")

    page.goto(f"{server}/lang/{lang}?next=/login")
    page.fill("#username", "rana")
    page.fill("#password", "wrong " + PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#password[aria-invalid=true]").count() == 1
    check("login with a wrong password")

    log_in(page, server, "representative")
    check("welcome flash after login")

    page.goto(f"{server}/org/{ORG}/edit")
    page.fill("#email", "not an address")
    page.fill("#founded", "1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[aria-invalid=true]").count() >= 1
    check("edit form with errors")

    # an edit conflict: somebody else saves while this form is open
    page.goto(f"{server}/org/{ORG}/edit")
    other = new_page()
    log_in(other, server, "staff")
    other.goto(f"{server}/org/{ORG}/edit")
    other.fill("#phone", "02191 999999")
    other.locator("main form button[type=submit]").click()
    other.wait_for_load_state()
    page.fill("#phone", "02191 888888")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#conflict-title").count() == 1
    check("edit conflict")

    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    check("profile after saving (success flash)")

    page.goto(f"{server}/org/{ORG}/suggestions")
    page.locator("ol.cards form button[type=submit]").first.click()
    page.wait_for_load_state()
    check("suggestions after an answer")

    other.goto(f"{server}/lang/{lang}?next=/desk")
    other.locator("#col-accepted form button[type=submit]").first.click()
    other.wait_for_load_state()
    page = other
    check("staff desk after moving an introduction")
    assert not problems, "\n\n".join(problems)


def test_axe_finds_a_planted_violation(visitor: Any, axe: Any) -> None:
    """The harness works: axe runs under the strict CSP and reports contrast and missing names."""
    page = visitor.visit("/imprint", "anonymous")
    page.evaluate("""() => {
      const p = document.createElement('p'); p.textContent = 'pale text'; p.style.color = '#c8c8c8';
      const b = document.createElement('button');
      document.querySelector('main').append(p, b);
    }""")
    found = {v["id"] for v in run_axe(axe, page)}
    assert {"color-contrast", "button-name"} <= found, found
