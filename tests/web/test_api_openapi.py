"""The OpenAPI document: valid OpenAPI 3.1, complete, generated from the schemas the views validate with."""

from __future__ import annotations

import pytest

from web.api.openapi import PREFIX, operations
from web.api.schemas import request_schemas


@pytest.fixture
def doc(web_client):
    resp = web_client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.get_json()


def test_document_is_openapi_3_1(doc, web_app):
    assert doc["openapi"].startswith("3.1")
    schemathesis = pytest.importorskip("schemathesis", minversion="4")
    loaded = schemathesis.openapi.from_dict(doc)
    assert len(list(loaded.get_all_operations())) == sum(len(p) for p in doc["paths"].values())
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)


def test_every_api_route_is_in_the_document(doc, web_app):
    seen = 0
    for rule in web_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], (method, path)
            seen += 1
    assert seen == sum(len(p) for p in doc["paths"].values()) >= 15


def test_a_route_without_description_fails_the_build(web_app):
    from web.security import allow

    @allow("public")
    def sneaky():
        return "x"

    web_app.add_url_rule(f"{PREFIX}/sneaky", "sneaky", sneaky)
    with pytest.raises(RuntimeError, match="sneaky"):
        operations(web_app)


def test_request_schemas_are_the_validators(doc, web_app):
    with web_app.app_context():
        vocab = web_app.extensions["remo_store"].store.snapshot().vocabulary
    for name, schema in request_schemas(vocab).items():
        assert doc["components"]["schemas"][name] == schema
    create = doc["components"]["schemas"]["OrganisationCreate"]
    assert create["properties"]["offers"]["items"]["properties"]["capability"]["enum"] == vocab.ids("capabilities")


def test_stored_vocabulary_terms_appear_in_the_enums(web_client, web_store):
    web_store.create(
        "term",
        "topics:beekeeping",
        {"category": "topics", "id": "beekeeping", "labels": {"de": "Imkerei", "en": "Beekeeping"}},
    )
    doc = web_client.get("/api/openapi.json").get_json()
    assert "beekeeping" in doc["components"]["schemas"]["OrganisationCreate"]["properties"]["topics"]["items"]["enum"]


def test_every_operation_documents_its_errors(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert {"401", "429", "503"} <= set(op["responses"]), (method, path)
            if op.get("requestBody"):
                assert {"400", "415", "422"} <= set(op["responses"]), (method, path)
            if "{" in path:
                assert "404" in op["responses"], (method, path)
            assert op["x-curl"].startswith("curl")


def test_docs_page_is_served_from_the_app(web_client):
    resp = web_client.get("/api/docs")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "/static/api-docs.js" in html and "/static/api-docs.css" in html and "/api/openapi.json" in html
    assert "<script>" not in html and "style=" not in html  # the CSP forbids inline code and styles
    assert (
        "script-src" not in resp.headers["Content-Security-Policy"]
        or "unsafe-inline" not in resp.headers["Content-Security-Policy"]
    )
    assert web_client.get("/static/api-docs.js").status_code == 200
