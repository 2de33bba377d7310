"""Editing profiles: validation next to the fields, optimistic versions and the conflict page."""

from __future__ import annotations

from tests.web.conftest import ORG, OTHER_ORG, form_data, login


def edit_form(client, org_id: str = ORG):
    resp = client.get(f"/org/{org_id}/edit")
    assert resp.status_code == 200
    return form_data(resp.get_data(as_text=True))


def test_representative_edits_own_profile(web_client, web_store):
    login(web_client, "rana")
    data = edit_form(web_client)
    assert data["name"] == web_store.get("organisation", ORG).data["name"]
    data["description"] = "Neue Beschreibung mit Elterncafé."
    data.setlist("topics", [*data.getlist("topics"), "music"])
    data["offer_rooms"] = "y"
    data["offer_rooms_detail"] = "Kleiner Raum, montags"
    resp = web_client.post(f"/org/{ORG}/edit", data=data)
    assert resp.status_code == 302 and resp.headers["Location"] == f"/org/{ORG}"
    rec = web_store.get("organisation", ORG)
    assert rec.data["description"] == "Neue Beschreibung mit Elterncafé."
    assert "music" in rec.data["topics"]
    assert {"capability": "rooms", "detail": "Kleiner Raum, montags"} in rec.data["offers"]
    assert rec.data["visibility"]["needs"] == "internal"  # untouched fields keep their visibility
    change = web_store.changes(limit=1, kind="organisation", id=ORG)[0]
    assert change.actor == "representative:rana"


def test_representative_cannot_edit_another_organisation(web_client):
    login(web_client, "rana")
    assert web_client.get(f"/org/{OTHER_ORG}/edit").status_code == 403
    assert web_client.get(f"/org/{OTHER_ORG}/suggestions").status_code == 403


def test_staff_edit_is_logged_as_acting_for(web_client, web_store):
    login(web_client, "stefan")
    data = edit_form(web_client, OTHER_ORG)
    data["phone"] = "02191 123456"
    assert web_client.post(f"/org/{OTHER_ORG}/edit", data=data).status_code == 302
    assert web_store.changes(limit=1, kind="organisation", id=OTHER_ORG)[0].actor == f"staff:stefan for:{OTHER_ORG}"


def test_validation_messages_next_to_fields(web_client, web_store):
    login(web_client, "rana")
    data = edit_form(web_client)
    data["name"] = ""
    data["email"] = "not-an-email"
    data["website"] = "hello world"
    data["founded"] = "1700"
    before = web_store.get("organisation", ORG).version
    resp = web_client.post(f"/org/{ORG}/edit", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="name-error"' in html and 'aria-describedby="name-error"' in html
    assert 'id="founded-error"' in html
    assert web_store.get("organisation", ORG).version == before
    # the model's checks also land next to their fields (e-mail, web address)
    data["name"], data["founded"] = "Elternnetzwerk Köprü e.V.", "2009"
    resp = web_client.post(f"/org/{ORG}/edit", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="email-error"' in html and 'id="website-error"' in html
    assert 'aria-invalid="true"' in html


def test_validation_messages_are_translated(web_client):
    login(web_client, "rana")
    data = edit_form(web_client)
    data["name"] = ""
    html = web_client.post(f"/org/{ORG}/edit", data=data).get_data(as_text=True)
    assert "Dieses Feld ist erforderlich." in html


def test_stale_edit_shows_conflict_with_the_change(web_app, web_store):
    rana = web_app.test_client()
    login(rana, "rana")
    mine = edit_form(rana)  # rana opens the form ...
    staff = web_app.test_client()
    login(staff, "stefan")
    theirs = edit_form(staff)  # ... staff opens it too and saves first
    theirs["address"] = "Neue Straße 5, 42853 Remscheid"
    assert staff.post(f"/org/{ORG}/edit", data=theirs).status_code == 302
    mine["description"] = "Rana's new text"
    resp = rana.post(f"/org/{ORG}/edit", data=mine)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Neue Straße 5, 42853 Remscheid" in html  # what changed meanwhile
    assert f"staff:stefan for:{ORG}" in html  # and who changed it
    assert web_store.get("organisation", ORG).data["description"] != "Rana's new text"
    # re-apply: the form carries rana's entries and the current version now
    again = form_data(html)
    assert again["description"] == "Rana's new text"
    assert rana.post(f"/org/{ORG}/edit", data=again).status_code == 302
    rec = web_store.get("organisation", ORG)
    assert rec.data["description"] == "Rana's new text"
    # three-way merge: the other editor's address survives rana's second save
    assert rec.data["address"] == "Neue Straße 5, 42853 Remscheid"


def test_tampered_version_is_a_conflict_not_an_error(web_client):
    login(web_client, "rana")
    data = edit_form(web_client)
    data["version"] = "999"
    data["original"] = "garbage"
    assert web_client.post(f"/org/{ORG}/edit", data=data).status_code == 409


def test_staff_creates_organisation(web_client, web_store):
    login(web_client, "stefan")
    data = form_data(web_client.get("/org/new").get_data(as_text=True))
    data["name"] = "Neuer Verein Lennep"
    data.setlist("districts", ["lennep"])
    resp = web_client.post("/org/new", data=data)
    assert resp.status_code == 302
    assert web_store.get("organisation", "neuer-verein-lennep").data["districts"] == ["lennep"]
    # the same name again: the short name is taken
    resp = web_client.post("/org/new", data=data)
    assert resp.status_code == 409 and 'id="id-error"' in resp.get_data(as_text=True)
