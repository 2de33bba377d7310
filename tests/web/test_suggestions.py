"""Suggestions with reasons, answering them, the staff pipeline and the printable sheet."""

from __future__ import annotations

import re

from tests.web.conftest import ORG, login, post


def partners_on(html: str) -> list[str]:
    return re.findall(r'<li class="card" id="p-([^"]+)">', html)


def test_suggestions_page_shows_ten_with_reasons(web_client):
    login(web_client, "rana")
    html = web_client.get(f"/org/{ORG}/suggestions").get_data(as_text=True)
    partners = partners_on(html)
    assert len(partners) == 10
    assert html.count('<ul class="reasons">') == 10
    assert "%(" not in html


def test_accept_creates_introduction_in_pipeline(web_app, web_store):
    rana = web_app.test_client()
    login(rana, "rana")
    partner = partners_on(rana.get(f"/org/{ORG}/suggestions").get_data(as_text=True))[0]
    resp = post(rana, f"/org/{ORG}/suggestions/{partner}", {"status": "accepted"})
    assert resp.status_code == 302
    recs = [r for r in web_store.list("introduction") if {r.data["a"], r.data["b"]} == {ORG, partner}]
    assert len(recs) == 1
    intro = recs[0]
    assert intro.data["status"] == "accepted" and intro.data["by"] == "representative:rana"
    assert intro.data["reasons"] and all("kind" in r for r in intro.data["reasons"])
    from graph.model import parse_introduction

    assert parse_introduction(intro.data)[0] is not None
    # the staff desk shows it in the "accepted" column
    staff = web_app.test_client()
    login(staff, "stefan")
    html = staff.get("/desk").get_data(as_text=True)
    accepted = html.split('id="col-accepted"')[1].split("</section>")[0]
    assert f"/org/{partner}" in accepted
    # staff moves it to met, then to cooperating: that records a cooperation
    assert (
        post(staff, f"/desk/introductions/{intro.id}", {"status": "met", "version": intro.version}).status_code == 302
    )
    assert web_store.get("introduction", intro.id).data["status"] == "met"
    version = web_store.get("introduction", intro.id).version
    post(staff, f"/desk/introductions/{intro.id}", {"status": "cooperating", "version": version})
    assert web_store.get("introduction", intro.id).data["status"] == "cooperating"
    coops = [c for c in web_store.list("cooperation") if {c.data["a"], c.data["b"]} == {ORG, partner}]
    assert coops
    assert partner in web_store.snapshot().partners(ORG)
    html = staff.get("/desk").get_data(as_text=True)
    assert f"/org/{partner}" in html.split('id="col-cooperating"')[1].split("</section>")[0]
    assert web_store.changes(limit=1, kind="introduction")[0].actor == "staff:stefan"


def test_stale_pipeline_move_is_refused(web_client, web_store):
    login(web_client, "stefan")
    rec = web_store.get("introduction", "intro-001")
    post(web_client, "/desk/introductions/intro-001", {"status": "accepted", "version": rec.version - 1 or 99})
    assert web_store.get("introduction", "intro-001").version == rec.version


def test_decline_and_met_flow(web_client, web_store):
    login(web_client, "rana")
    partners = partners_on(web_client.get(f"/org/{ORG}/suggestions").get_data(as_text=True))
    post(web_client, f"/org/{ORG}/suggestions/{partners[1]}", {"status": "declined"})
    html = web_client.get(f"/org/{ORG}/suggestions").get_data(as_text=True)
    assert partners[1] not in partners_on(html)  # declined partners are not suggested again
    post(web_client, f"/org/{ORG}/suggestions/{partners[2]}", {"status": "met"})
    intro = next(r for r in web_store.list("introduction") if partners[2] in (r.data["a"], r.data["b"]))
    assert intro.data["status"] == "met"
    # a step the flow does not allow changes nothing
    post(web_client, f"/org/{ORG}/suggestions/{partners[2]}", {"status": "accepted"})
    assert web_store.get("introduction", intro.id).data["status"] == "met"
    assert post(web_client, f"/org/{ORG}/suggestions/{partners[2]}", {"status": "bogus"}).status_code == 400


def test_staff_acts_for_organisation(web_client, web_store):
    login(web_client, "stefan")
    resp = web_client.get(f"/desk/act-for?org={ORG}")
    assert resp.headers["Location"] == f"/org/{ORG}/suggestions"
    html = web_client.get(f"/org/{ORG}/suggestions").get_data(as_text=True)
    assert f"staff:stefan for:{ORG}" in html
    partner = partners_on(html)[0]
    post(web_client, f"/org/{ORG}/suggestions/{partner}", {"status": "accepted"})
    assert web_store.changes(limit=1, kind="introduction")[0].actor == f"staff:stefan for:{ORG}"


def test_printable_sheet_in_the_chosen_language(web_client):
    login(web_client, "stefan")
    html = web_client.get(f"/org/{ORG}/suggestions/sheet?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert len(re.findall(r'<ul class="reasons">', html)) == 10
    html_tr = web_client.get(f"/org/{ORG}/suggestions/sheet?lang=tr").get_data(as_text=True)
    assert '<html lang="tr" dir="ltr">' in html_tr
    assert "@media print" in web_client.get("/static/remo.css").get_data(as_text=True)
    # the page language of the rest of the site is unchanged
    assert '<html lang="de"' in web_client.get("/directory").get_data(as_text=True)


def test_hint_to_complete_the_profile(web_client, web_store):
    rec = web_store.get("organisation", ORG)
    web_store.update("organisation", ORG, {**rec.data, "languages": [], "districts": []}, rec.version)
    login(web_client, "rana")
    html = web_client.get(f"/org/{ORG}/suggestions").get_data(as_text=True)
    assert f'href="/org/{ORG}/edit"' in html and 'class="notice"' in html


def test_needs_overview_and_isolated(web_client):
    login(web_client, "stefan")
    html = web_client.get("/desk/network").get_data(as_text=True)
    assert '<th scope="col"' in html and '<th scope="row">' in html
    html = web_client.get("/desk/changes").get_data(as_text=True)
    assert "login_throttle" not in html
