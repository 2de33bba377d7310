"""The JSON API: public projection, tokens and roles, writes with versions, errors, pagination, suggestions."""

from __future__ import annotations

import json

import pytest

from tests.web.conftest import ORG, OTHER_ORG
from web.api.tokens import create_token, revoke_token

API = "/api/v1"


@pytest.fixture
def tokens(web_store):
    """A token for each demo user: ada (admin), stefan (staff), rana (rep of ORG), otto (rep of OTHER_ORG)."""
    return {name: create_token(web_store, name, name="test")[0] for name in ("ada", "stefan", "rana", "otto")}


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def error_of(resp) -> dict:
    body = resp.get_json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err["code"], str) and isinstance(err["message"], str) and isinstance(err["details"], list)
    return err


def org_body(web_client, org_id: str, secret: str) -> dict:
    resp = web_client.get(f"{API}/organisations/{org_id}", headers=auth(secret))
    assert resp.status_code == 200
    data = resp.get_json()
    return {k: v for k, v in data.items() if k not in ("persons", "internal")}


# ---------------------------------------------------------------------------
# public reads
# ---------------------------------------------------------------------------
def test_public_list_and_detail_hide_internal_fields(web_client):
    resp = web_client.get(f"{API}/organisations?per_page=100")
    assert resp.status_code == 200
    items = {o["id"]: o for o in resp.get_json()["items"]}
    assert "needs" not in items[ORG] and "phone" not in items[OTHER_ORG]
    assert all(o["internal"] is False and "visibility" not in o and "version" not in o for o in items.values())
    detail = web_client.get(f"{API}/organisations/{ORG}").get_json()
    assert "needs" not in detail and "version" not in detail and detail["internal"] is False


def test_public_reads_show_consented_persons_only(web_client):
    text = web_client.get(f"{API}/organisations/frauengruppe-shabnam").get_data(as_text=True)
    assert "Mahbooba" not in text  # no consent recorded
    persons = web_client.get(f"{API}/organisations/{ORG}").get_json()["persons"]
    assert [p["id"] for p in persons] == ["p-001", "p-040"]
    assert all("consent" not in p for p in persons)
    by_id = {p["id"]: p for p in persons}
    assert "phone" not in by_id["p-001"] and "phone" in by_id["p-040"]  # the phone is internal unless marked public


def test_token_holders_see_what_they_may_edit(web_client, tokens):
    rana = web_client.get(f"{API}/organisations/{ORG}", headers=auth(tokens["rana"])).get_json()
    assert rana["internal"] is True and "needs" in rana and isinstance(rana["version"], int)
    other = web_client.get(f"{API}/organisations/{OTHER_ORG}", headers=auth(tokens["rana"])).get_json()
    assert other["internal"] is False and "phone" not in other
    staff = web_client.get(f"{API}/organisations/frauengruppe-shabnam", headers=auth(tokens["stefan"])).get_json()
    assert "Mahbooba Karimi" in [p["name"] for p in staff["persons"]]


def test_public_cooperations_and_meetings_leave_out_notes_and_planning(web_client, tokens):
    public = web_client.get(f"{API}/cooperations?per_page=100").get_json()
    assert public["total"] > 0 and all("note" not in c for c in public["items"])
    staff = web_client.get(f"{API}/cooperations?per_page=100", headers=auth(tokens["stefan"])).get_json()
    assert any(c.get("note") for c in staff["items"])
    meetings = web_client.get(f"{API}/meetings").get_json()["items"]
    assert meetings and all("persons" not in m and "has_plan" not in m for m in meetings)
    staff_meetings = web_client.get(f"{API}/meetings", headers=auth(tokens["stefan"])).get_json()["items"]
    assert all("persons" in m and "has_plan" in m for m in staff_meetings)
    one = web_client.get(f"{API}/meetings/{meetings[0]['id']}")
    assert one.status_code == 200 and one.get_json() == meetings[0]


def test_vocabulary_and_metrics(web_client):
    vocab = web_client.get(f"{API}/vocabulary?lang=tr").get_json()
    kinds = {t["id"]: t for t in vocab["categories"]["org_kinds"]}
    assert kinds["migrant_organisation"]["label"] == kinds["migrant_organisation"]["labels"]["tr"]
    assert set(vocab["languages"]) >= {"de", "en", "tr", "ar", "ru", "uk"}
    metrics = web_client.get(f"{API}/metrics").get_json()
    assert metrics["counts"]["organisations"] > 0 and 0 < metrics["density"] < 1
    assert metrics["organisations_without_partner"] == len(metrics["without_partner"])
    assert sum(metrics["cooperations_per_year"].values()) == metrics["counts"]["cooperations"]
    assert "persons" not in metrics["counts"] and "introductions" not in metrics["counts"]


# ---------------------------------------------------------------------------
# pagination and filters
# ---------------------------------------------------------------------------
def test_pagination(web_client):
    first = web_client.get(f"{API}/organisations?per_page=5").get_json()
    second = web_client.get(f"{API}/organisations?per_page=5&page=2").get_json()
    assert len(first["items"]) == 5 and first["page"] == 1 and first["pages"] == -(-first["total"] // 5)
    assert not {o["id"] for o in first["items"]} & {o["id"] for o in second["items"]}
    beyond = web_client.get(f"{API}/organisations?per_page=5&page=999").get_json()
    assert beyond["items"] == [] and beyond["total"] == first["total"]


def test_filters_are_the_directorys(web_client, web_app):
    from web.directory import search_orgs

    resp = web_client.get(f"{API}/organisations?kind=migrant_organisation&offer=rooms&q=verein&per_page=100")
    ids = [o["id"] for o in resp.get_json()["items"]]
    with web_app.app_context():
        snap = web_app.extensions["remo_store"].store.snapshot()
        filters = {
            "kind": "migrant_organisation",
            "topic": "",
            "offer": "rooms",
            "need": "",
            "district": "",
            "language": "",
        }
        expected = [
            o.id for o in search_orgs(snap.network.organisations, snap.vocabulary, "de", "verein", filters, False)
        ]
    assert ids == expected and ids
    for o in resp.get_json()["items"]:
        assert o["kind"] == "migrant_organisation" and "rooms" in [x["capability"] for x in o["offers"]]


@pytest.mark.parametrize(
    "query",
    ["kind=nonsense", "page=0", "page=abc", "per_page=1000", "lang=xx", "topic=Musik", "page=1&page=2"],
)
def test_bad_parameters_give_400(web_client, query):
    resp = web_client.get(f"{API}/organisations?{query}")
    assert resp.status_code == 400
    err = error_of(resp)
    assert err["code"] == "bad_request" and err["details"][0]["where"] == "query"


# ---------------------------------------------------------------------------
# tokens
# ---------------------------------------------------------------------------
def test_writes_need_a_valid_token(web_client, web_store, tokens):
    resp = web_client.post(f"{API}/organisations", json={"name": "X", "kind": "other"})
    assert resp.status_code == 401 and error_of(resp)["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer remo_wrong", "Basic abc", "Bearer", tokens["stefan"]):
        resp = web_client.get(f"{API}/organisations", headers={"Authorization": header})
        assert resp.status_code == 401, header  # a wrong token is refused even where none is needed
    token_id = next(t.id for t in __import__("web.api.tokens", fromlist=["x"]).list_tokens(web_store, "stefan"))
    revoke_token(web_store, token_id)
    resp = web_client.get(f"{API}/me", headers=auth(tokens["stefan"]))
    assert resp.status_code == 401


def test_expired_token_and_disabled_owner_are_refused(web_client, web_store, tokens):
    from web.users import get_user, update_user

    secret, token = create_token(web_store, "ada", expires_days=1)
    assert web_client.get(f"{API}/me", headers=auth(secret)).status_code == 200
    rec = web_store.get("api_token", token.id)
    web_store.update("api_token", token.id, {**rec.data, "expires_at": "2000-01-01T00:00:00+00:00"}, rec.version)
    assert web_client.get(f"{API}/me", headers=auth(secret)).status_code == 401
    update_user(web_store, get_user(web_store, "otto"), active=False)
    assert web_client.get(f"{API}/me", headers=auth(tokens["otto"])).status_code == 401


def test_tokens_are_stored_hashed(web_store, tokens):
    stored = json.dumps([r.data for r in web_store.list("api_token")])
    assert not any(secret in stored or secret[5:] in stored for secret in tokens.values())
    assert web_store.generation() == web_store.snapshot().generation  # token writes keep the snapshot


def test_me(web_client, tokens):
    me = web_client.get(f"{API}/me", headers=auth(tokens["rana"])).get_json()
    assert me["user"] == "rana" and me["role"] == "representative" and me["organisations"] == [ORG]


# ---------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------
NEW = {
    "name": "Interkultureller Gartenverein Hasten",
    "kind": "migrant_organisation",
    "topics": ["environment"],
    "offers": [{"capability": "rooms", "detail": "Gartenhaus"}],
    "needs": [{"capability": "volunteers", "urgency": 3}],
    "districts": ["alt_remscheid"],
    "phone": "02191 12345",
    "visibility": {"phone": "internal"},
}


def test_create_update_delete_with_token(web_client, web_store, tokens):
    h = auth(tokens["stefan"])
    resp = web_client.post(f"{API}/organisations", json=NEW, headers=h)
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    org_id = created["id"]
    assert org_id == "interkultureller-gartenverein-hasten" and created["version"] == 1
    assert resp.headers["Location"].endswith(f"{API}/organisations/{org_id}")
    assert web_store.get("organisation", org_id).updated_by.startswith("staff:stefan via:token:")
    public = web_client.get(f"{API}/organisations/{org_id}").get_json()
    assert "phone" not in public and public["offers"][0]["capability"] == "rooms"

    body = {**NEW, "description": "Gärtnern und Deutsch lernen", "version": created["version"]}
    resp = web_client.put(f"{API}/organisations/{org_id}", json=body, headers=h)
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    assert web_store.get("organisation", org_id).data["description"] == "Gärtnern und Deutsch lernen"

    again = web_client.post(f"{API}/organisations", json=NEW, headers=h)
    assert again.status_code == 409 and error_of(again)["details"][0]["current_version"] == 2

    resp = web_client.delete(f"{API}/organisations/{org_id}?version=1", headers=h)
    assert resp.status_code == 409 and error_of(resp)["details"][0]["current_version"] == 2
    resp = web_client.delete(f"{API}/organisations/{org_id}", headers=h)
    assert resp.status_code == 204 and web_store.get("organisation", org_id) is None
    assert web_client.get(f"{API}/organisations/{org_id}").status_code == 404


def test_stale_update_gives_409_with_the_current_version(web_client, tokens):
    h = auth(tokens["rana"])
    body = org_body(web_client, ORG, tokens["rana"])
    first = web_client.put(f"{API}/organisations/{ORG}", json={**body, "description": "Neu 1"}, headers=h)
    assert first.status_code == 200
    stale = web_client.put(f"{API}/organisations/{ORG}", json={**body, "description": "Neu 2"}, headers=h)
    assert stale.status_code == 409
    err = error_of(stale)
    assert err["code"] == "conflict"
    assert err["details"][0]["current_version"] == first.get_json()["version"] == body["version"] + 1
    assert err["details"][0]["your_version"] == body["version"]
    assert err["details"][0]["updated_by"].startswith("representative:rana")


def test_representative_may_change_only_their_own(web_client, tokens):
    h = auth(tokens["rana"])
    other = org_body(web_client, OTHER_ORG, tokens["otto"])
    resp = web_client.put(f"{API}/organisations/{OTHER_ORG}", json=other, headers=h)
    assert resp.status_code == 403 and error_of(resp)["code"] == "forbidden"
    assert web_client.post(f"{API}/organisations", json=NEW, headers=h).status_code == 403
    assert web_client.delete(f"{API}/organisations/{ORG}", headers=h).status_code == 403
    coop = {"a": OTHER_ORG, "b": "ki-remscheid", "kind": "event"}
    assert web_client.post(f"{API}/cooperations", json=coop, headers=h).status_code == 403
    sugg = web_client.get(f"{API}/organisations/{OTHER_ORG}/suggestions", headers=h)
    assert sugg.status_code == 403
    plan = web_client.get(f"{API}/meetings/austauschtreffen-2025-1/plan", headers=h)
    assert plan.status_code == 403


def test_invalid_vocabulary_gives_422_with_issues(web_client, tokens):
    h = auth(tokens["stefan"])
    resp = web_client.post(f"{API}/organisations", json={**NEW, "offers": [{"capability": "raeume"}]}, headers=h)
    assert resp.status_code == 422
    err = error_of(resp)
    assert err["code"] == "validation_failed"
    issue = err["details"][0]
    assert set(issue) == {"where", "field", "value", "reason", "code", "hint"}
    assert issue["field"] == "offers[0]" and issue["value"] == "raeume" and issue["code"] == "unknown_capabilities"
    assert any(h.startswith("rooms") for h in issue["hint"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "other"}, "name"),
        ({"name": "A", "kind": "other", "colour": "red"}, "colour"),
        ({"name": "A", "kind": "other", "founded": 1700}, "founded"),
        ({"name": "A", "kind": "other", "email": "nope"}, "email"),
        ({"name": "   ", "kind": "other"}, "name"),
        ({"name": "A", "kind": "other", "needs": [{"capability": "rooms", "urgency": 7}]}, "needs[0].urgency"),
    ],
)
def test_validation_errors_name_the_field(web_client, tokens, body, field):
    resp = web_client.post(f"{API}/organisations", json=body, headers=auth(tokens["stefan"]))
    assert resp.status_code == 422
    assert field in [i["field"] for i in error_of(resp)["details"]]


def test_malformed_bodies(web_client, tokens):
    h = auth(tokens["stefan"])
    resp = web_client.post(f"{API}/organisations", data="{nope", headers={**h, "Content-Type": "application/json"})
    assert resp.status_code == 400 and error_of(resp)["code"] == "bad_request"
    resp = web_client.post(f"{API}/organisations", data="name=x", headers=h)
    assert resp.status_code == 415 and error_of(resp)["code"] == "unsupported_media_type"
    resp = web_client.post(f"{API}/organisations", json=[1, 2], headers=h)
    assert resp.status_code == 422


def test_update_unknown_and_mismatched_ids(web_client, tokens):
    h = auth(tokens["stefan"])
    body = org_body(web_client, ORG, tokens["stefan"])
    assert web_client.put(f"{API}/organisations/nope", json=body, headers=h).status_code == 404
    resp = web_client.put(f"{API}/organisations/{ORG}", json={**body, "id": OTHER_ORG}, headers=h)
    assert resp.status_code == 409 and error_of(resp)["details"][0]["code"] == "id_mismatch"


def test_delete_refused_while_referenced(web_client, tokens):
    resp = web_client.delete(f"{API}/organisations/{ORG}", headers=auth(tokens["stefan"]))
    assert resp.status_code == 409
    kinds = {d["kind"] for d in error_of(resp)["details"]}
    assert "person" in kinds and "user" in kinds


def test_cooperations_create_and_delete(web_client, web_store, tokens):
    h = auth(tokens["rana"])
    coop = {"a": ORG, "b": "schachklub-ladja", "kind": "event", "since": "2025-05-01", "note": "Schachnachmittag"}
    resp = web_client.post(f"{API}/cooperations", json=coop, headers=h)
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert created["a"] == ORG and created["note"] == "Schachnachmittag"
    assert web_client.post(f"{API}/cooperations", json=coop, headers=h).status_code == 409
    listed = web_client.get(f"{API}/cooperations?org=schachklub-ladja").get_json()["items"]
    assert created["id"] in [c["id"] for c in listed] and all("note" not in c for c in listed)
    bad = web_client.post(f"{API}/cooperations", json={"a": ORG, "b": "no-such-org"}, headers=h)
    assert bad.status_code == 404 and error_of(bad)["details"][0]["code"] == "unknown_ref"
    otto = web_client.delete(f"{API}/cooperations/{created['id']}", headers=auth(tokens["otto"]))
    assert otto.status_code == 403
    assert web_client.delete(f"{API}/cooperations/{created['id']}", headers=h).status_code == 204
    assert web_store.get("cooperation", created["id"]) is None
    assert web_client.delete(f"{API}/cooperations/{created['id']}", headers=h).status_code == 404
    assert web_client.get(f"{API}/cooperations?org=nope").status_code == 404


# ---------------------------------------------------------------------------
# suggestions, teams, plans
# ---------------------------------------------------------------------------
def test_suggestions_equal_the_cli(web_app, web_client, tokens):
    resp = web_client.get(f"{API}/organisations/{ORG}/suggestions?lang=en&top=5", headers=auth(tokens["rana"]))
    assert resp.status_code == 200
    api = resp.get_json()
    result = web_app.test_cli_runner().invoke(args=["suggest", ORG, "--json", "--lang", "en", "--top", "5"])
    assert result.exit_code == 0, result.output
    assert api == json.loads(result.output)
    assert api["suggestions"] and all(r["text"] for s in api["suggestions"] for r in s["reasons"])
    missing = web_client.get(f"{API}/organisations/nope/suggestions", headers=auth(tokens["stefan"]))
    assert missing.status_code == 404


def test_teams_when_available(web_app, web_client, tokens):
    if "api.v1.suggest_teams" not in web_app.view_functions:
        pytest.skip("this build has no team suggestions")
    doc = web_client.get("/api/openapi.json").get_json()
    template = doc["paths"][f"{API}/teams"]["get"]["parameters"][0]["schema"]["enum"][0]
    resp = web_client.get(f"{API}/teams?template={template}&k=2", headers=auth(tokens["stefan"]))
    assert resp.status_code == 200 and resp.get_json()["template"] == template
    rep = web_client.get(f"{API}/teams?template={template}", headers=auth(tokens["rana"]))
    assert rep.status_code == 403
    rep = web_client.get(f"{API}/teams?template={template}&around={ORG}", headers=auth(tokens["rana"]))
    assert rep.status_code == 200
    assert all(ORG in [m["org"] for m in t["members"]] for t in rep.get_json()["teams"])


def test_meeting_plan(web_client, web_store, tokens):
    h = auth(tokens["stefan"])
    assert web_client.get(f"{API}/meetings/austauschtreffen-2025-1/plan", headers=h).status_code == 404
    plan = {
        "meeting": "austauschtreffen-2025-1",
        "format": "pairs",
        "table_size": 2,
        "rounds": [[[ORG, OTHER_ORG]]],
        "score": 0.5,
    }
    web_store.create("meeting_plan", "austauschtreffen-2025-1", plan)
    resp = web_client.get(f"{API}/meetings/austauschtreffen-2025-1/plan", headers=h)
    assert resp.status_code == 200 and resp.get_json()["rounds"] == [[[ORG, OTHER_ORG]]]
    meetings = web_client.get(f"{API}/meetings", headers=h).get_json()["items"]
    assert {m["id"]: m["has_plan"] for m in meetings}["austauschtreffen-2025-1"] is True


# ---------------------------------------------------------------------------
# errors, throttle, headers
# ---------------------------------------------------------------------------
def test_unknown_paths_and_methods_answer_json(web_client):
    resp = web_client.get(f"{API}/nothing")
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"
    resp = web_client.patch(f"{API}/organisations/{ORG}", json={})
    assert resp.status_code == 405 and error_of(resp)["code"] == "method_not_allowed"


def test_anonymous_requests_are_throttled(template_db, tmp_path):
    from tests.web.conftest import make_web_app

    app = make_web_app(template_db, tmp_path, REMO_API_ANON_LIMIT=3)
    client = app.test_client()
    assert [client.get(f"{API}/metrics").status_code for _ in range(3)] == [200] * 3
    resp = client.get(f"{API}/metrics")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert error_of(resp)["code"] == "too_many_requests"
    with app.app_context():
        secret, _token = create_token(app.extensions["remo_store"].store, "ada")
    assert client.get(f"{API}/metrics", headers=auth(secret)).status_code == 200  # tokens are not limited
    app.extensions["remo_store"].close()


def test_store_unavailable_gives_503(web_app, web_client, monkeypatch):
    from graph import StoreUnavailable

    store = web_app.extensions["remo_store"].store

    def down(*args, **kwargs):
        raise StoreUnavailable("server down")

    monkeypatch.setattr(store, "snapshot", down)
    resp = web_client.get(f"{API}/organisations")
    assert resp.status_code == 503 and error_of(resp)["code"] == "store_unavailable"


def test_sessions_are_ignored_and_csrf_is_not_needed(web_client, tokens):
    from tests.web.conftest import login

    login(web_client, "ada")
    resp = web_client.post(f"{API}/organisations", json=NEW)
    assert resp.status_code == 401  # a browser session never authorises the API
    resp = web_client.post(f"{API}/organisations", json=NEW, headers=auth(tokens["ada"]))
    assert resp.status_code == 201  # no CSRF token needed with a bearer token
    assert resp.headers["Cache-Control"] == "no-store"
