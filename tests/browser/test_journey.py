"""The new-user journey of issue 5, in a real browser, on a server of its own (it writes)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ORG, OTHER_ORG, log_in

pytestmark = pytest.mark.browser


def test_new_user_journey(new_page: Any, start_server: Any) -> None:
    server = start_server()
    page = new_page()

    # a visitor: the directory, organisations offering rooms in Lennep
    page.goto(f"{server}/")
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Verzeichnis").click()
    page.select_option("#f-offer", "rooms")
    page.select_option("#f-district", "lennep")
    page.get_by_role("search").get_by_role("button", name="Suchen").click()
    page.wait_for_url("**/directory?*")
    names = [n.replace("\u00ad", "") for n in page.locator(".cards > li h3").all_inner_texts()]  # soft hyphens
    assert "Evangelisches Nachbarschaftswerk Lennep e.V." in names
    assert len(names) >= 3
    for card in page.locator(".cards > li").all():
        assert "Lennep" in card.locator(".kind").inner_text()

    # Arabic and back: same page, same filters
    page.get_by_role("link", name="العربية").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "offer=rooms" in page.url and "district=lennep" in page.url
    assert [n.replace("\u00ad", "") for n in page.locator(".cards > li h3").all_inner_texts()] == names
    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"

    # a representative logs in and lands on the own organisation's suggestions
    page.get_by_role("link", name="Anmelden").click()
    page.fill("#username", "rana")
    page.fill("#password", "Lange Ostertage am Bach 2025")
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**/org/{ORG}/suggestions")

    # edits the own profile
    page.get_by_role("link", name="Unser Profil").click()
    page.get_by_role("link", name="Profil bearbeiten").first.click()
    page.wait_for_url(f"**/org/{ORG}/edit")
    page.fill("#description", "Elterncafé jeden ersten Freitag, Hausaufgabenhilfe dienstags und donnerstags.")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(f"**/org/{ORG}")
    assert page.locator(".flash-success").count() == 1
    assert "Elterncafé jeden ersten Freitag" in page.locator("main").inner_text()

    # accepts a suggestion
    page.goto(f"{server}/org/{ORG}/suggestions")
    card = page.locator("ol.cards > li").filter(has=page.get_by_role("button", name="Ja, bitte vorstellen")).first
    partner = card.locator("h2").inner_text()
    card.get_by_role("button", name="Ja, bitte vorstellen").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    card = page.locator(".cards > li").filter(has_text=partner).first
    assert "angenommen" in card.inner_text()

    # another organisation's edit page is refused
    response = page.goto(f"{server}/org/{OTHER_ORG}/edit")
    assert response is not None and response.status == 403
    assert page.locator("h1").count() == 1

    # staff see the introduction as accepted and move it on to "met"
    staff = new_page()
    log_in(staff, server, "staff")
    staff.goto(f"{server}/desk")
    accepted = staff.locator("#col-accepted .cards > li").filter(has_text=partner)
    assert accepted.count() == 1
    accepted.locator("select[name=status]").select_option("met")
    accepted.get_by_role("button", name="Verschieben").click()
    staff.wait_for_load_state()
    assert staff.locator(".flash-success").count() == 1
    assert staff.locator("#col-accepted .cards > li").filter(has_text=partner).count() == 0
    assert staff.locator("#col-met .cards > li").filter(has_text=partner).count() == 1

    # and the representative sees the new status
    page.goto(f"{server}/org/{ORG}/suggestions")
    assert "getroffen" in page.locator(".cards > li").filter(has_text=partner).first.inner_text()
