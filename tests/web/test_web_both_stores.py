"""The web flows that touch the store, through the Flask test client, on SQLite and on Neo4j.

One app per store for the whole module (`both_web_app`): the demo network and users, on Neo4j copied by
`graph.migrate.migrate`. The tests write to different records, so their order does not matter.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.web.conftest import ORG, OTHER_ORG, form_data, login
from web.api.tokens import create_token

API = "/api/v1"
NEW = {
    "name": "Nachbarschaftsgarten Vieringhausen",
    "kind": "migrant_organisation",
    "topics": ["environment"],
    "offers": [{"capability": "rooms", "detail": "Gartenhaus"}],
    "districts": ["alt_remscheid"],
}


@pytest.fixture
def app(both_web_app):
    return both_web_app


@pytest.fixture
def store(app):
    return app.extensions["remo_store"].store


def _edit_form(client, org_id: str = ORG):
    resp = client.get(f"/org/{org_id}/edit")
    assert resp.status_code == 200
    return form_data(resp.get_data(as_text=True))


def test_profile_edit_conflict_search_and_change_log(app, store):
    rana, staff = app.test_client(), app.test_client()
    login(rana, "rana")
    login(staff, "stefan")
    mine, theirs = _edit_form(rana), _edit_form(staff)
    theirs["description"] = "Elterncafé mit Quarkbällchenrezepten am Donnerstag."
    assert staff.post(f"/org/{ORG}/edit", data=theirs).status_code == 302
    mine["description"] = "Ranas veralteter Text"
    resp = rana.post(f"/org/{ORG}/edit", data=mine)  # based on the old version: refused
    assert resp.status_code == 409
    assert "Jemand hat dieses Profil geändert, während Sie es bearbeitet haben" in resp.get_data(as_text=True)
    rec = store.get("organisation", ORG)
    assert rec.data["description"] == "Elterncafé mit Quarkbällchenrezepten am Donnerstag."
    assert rec.updated_by == f"staff:stefan for:{ORG}"

    html = app.test_client().get("/directory?q=Quarkbällchenrezepten").get_data(as_text=True)
    assert re.findall(r'<li class="card">\s*<h3><a href="/org/([^"]+)"', html) == [ORG]

    changes = staff.get("/desk/changes")
    assert changes.status_code == 200
    assert "Elternnetzwerk Köprü e.V." in changes.get_data(as_text=True).split("<tbody>")[1]
    assert store.changes(limit=1, kind="organisation", id=ORG)[0].actor == f"staff:stefan for:{ORG}"


def test_api_create_update_delete_with_token(app, store):
    client = app.test_client()
    secret, _token = create_token(store, "stefan", name="test")
    h = {"Authorization": f"Bearer {secret}"}
    resp = client.post(f"{API}/organisations", json=NEW, headers=h)
    assert resp.status_code == 201, resp.get_json()
    org_id, version = resp.get_json()["id"], resp.get_json()["version"]
    assert store.get("organisation", org_id).updated_by.startswith("staff:stefan via:token:")

    body = {**NEW, "description": "Gärtnern und Deutsch lernen", "version": version}
    resp = client.put(f"{API}/organisations/{org_id}", json=body, headers=h)
    assert resp.status_code == 200 and resp.get_json()["version"] == version + 1
    stale = client.put(f"{API}/organisations/{org_id}", json=body, headers=h)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["details"][0]["current_version"] == version + 1
    assert client.get(f"{API}/organisations/{org_id}").get_json()["description"] == "Gärtnern und Deutsch lernen"

    assert client.delete(f"{API}/organisations/{org_id}", headers=h).status_code == 204
    assert store.get("organisation", org_id) is None
    assert client.get(f"{API}/organisations/{org_id}").status_code == 404
    assert client.post(f"{API}/organisations", json=NEW).status_code == 401  # no token, no write


def test_suggestions_page_for_a_representative(app):
    client = app.test_client()
    login(client, "otto")
    resp = client.get(f"/org/{OTHER_ORG}/suggestions")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.count('<ul class="reasons">') == 10 and "%(" not in html
    assert client.get(f"/org/{ORG}/suggestions").status_code == 403


def test_export_round_trip(app, store, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "network.json"
    result = runner.invoke(args=["export", "--format", "json", "-o", str(target)])
    assert result.exit_code == 0, result.output
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert len(doc["organisations"]) == store.count("organisation")
    result = runner.invoke(args=["import", str(target), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["ok"] and report["created"] == 0 and report["updated"] == 0
