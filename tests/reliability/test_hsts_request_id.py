"""HSTS in production (configurable, off in development) and validated ``X-Request-ID``."""

from __future__ import annotations

import logging
import re

import pytest

from tests.web.conftest import make_web_app


@pytest.fixture
def make_app(template_db, tmp_path):
    apps = []

    def make(**config):
        app = make_web_app(template_db, tmp_path, **config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["remo_store"].close()


def test_hsts_is_off_in_development(web_client):
    assert "Strict-Transport-Security" not in web_client.get("/").headers


def test_hsts_is_on_in_production_with_a_year(make_app):
    app = make_app(REMO_ENV="production", SECRET_KEY="x" * 32)
    for path in ("/", "/healthz", "/gibt-es-nicht"):
        assert app.test_client().get(path).headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_settings(make_app):
    app = make_app(
        REMO_ENV="production",
        SECRET_KEY="x" * 32,
        REMO_HSTS_SECONDS="63072000",
        REMO_HSTS_INCLUDE_SUBDOMAINS=True,
        REMO_HSTS_PRELOAD=True,
    )
    value = app.test_client().get("/").headers["Strict-Transport-Security"]
    assert value == "max-age=63072000; includeSubDomains; preload"
    off = make_app(REMO_ENV="production", SECRET_KEY="x" * 32, REMO_HSTS_SECONDS=False)  # REMO_HSTS_SECONDS=0
    assert "Strict-Transport-Security" not in off.test_client().get("/").headers
    dev = make_app(REMO_HSTS_SECONDS="600")  # may be switched on in development, e.g. for a staging host
    assert dev.test_client().get("/").headers["Strict-Transport-Security"] == "max-age=600"


@pytest.mark.parametrize(
    "bad",
    [
        {"REMO_HSTS_SECONDS": "ein Jahr"},
        {"REMO_HSTS_SECONDS": "-1"},
        {"REMO_HSTS_SECONDS": "600", "REMO_HSTS_PRELOAD": True},
    ],
)
def test_bad_hsts_settings_refuse_to_start(make_app, bad):
    with pytest.raises(RuntimeError, match="REMO_HSTS"):
        make_app(REMO_ENV="production", SECRET_KEY="x" * 32, **bad)


@pytest.mark.parametrize(
    "given", ["0f3a9c2e4b5d6e7f8091a2b3c4d5e6f7", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "req.42:a_b"]
)
def test_a_well_formed_request_id_is_echoed(web_client, given):
    assert web_client.get("/", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given",
    ["", "x" * 129, "abc def", 'abc"def', "abc\\ndef", "<script>", "ümlaut", "-starts-with-dash", "a;b", "a/b"],
)
def test_a_malformed_request_id_is_replaced(web_client, given):
    got = web_client.get("/", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert got != given and re.fullmatch(r"[0-9a-f]{32}", got)


def test_every_response_has_an_id_also_when_access_is_denied(web_client):
    for path in ("/desk", "/api/organisations/gibt-es-nicht", "/admin/users"):
        rid = web_client.get(path).headers.get("X-Request-ID", "")
        assert re.fullmatch(r"[0-9a-f]{32}", rid), path


def test_only_the_validated_id_is_logged(make_app, capsys):
    import json

    app = make_app(REMO_ENV="production", SECRET_KEY="x" * 32, REMO_LOG_FORMAT="json")
    app.testing = False  # configure_logging skips test apps; build one whose request log is on
    from web.production import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("werkzeug").level
    try:
        configure_logging(app)
        forged = 'x", "status": 200, "path": "/admin'
        resp = app.test_client().get("/healthz", headers={"X-Request-ID": forged})
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger("werkzeug").setLevel(saved[2])
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    ids = [entry["request_id"] for entry in lines if entry.get("msg") == "request"]
    assert ids == [resp.headers["X-Request-ID"]] and forged not in ids
