"""API tokens: the `remo token` commands and the admin page /admin/tokens."""

from __future__ import annotations

import json
import re

from tests.web.conftest import csrf_token, login, post


def test_cli_create_list_revoke(web_app, web_client):
    runner = web_app.test_cli_runner()
    result = runner.invoke(args=["token", "create", "stefan", "--name", "Statistik", "--expires", "30"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("remo_") and len(secret) == 48
    me = web_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["user"] == "stefan" and me["token"]["name"] == "Statistik" and me["token"]["expires_at"]

    listed = json.loads(runner.invoke(args=["token", "list", "--json"]).output)
    assert [t["user"] for t in listed] == ["stefan"] and listed[0]["status"] == "active"
    assert secret not in runner.invoke(args=["token", "list"]).output

    result = runner.invoke(args=["token", "revoke", listed[0]["id"]])
    assert result.exit_code == 0 and "revoked" in result.output
    assert web_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "already" in runner.invoke(args=["token", "revoke", listed[0]["id"]]).output
    assert runner.invoke(args=["token", "revoke", "nope"]).exit_code == 2


def test_cli_refuses_unknown_users_and_bad_lifetimes(web_app):
    runner = web_app.test_cli_runner()
    result = runner.invoke(args=["token", "create", "nobody"])
    assert result.exit_code == 1 and "unknown user" in result.output
    assert runner.invoke(args=["token", "create", "ada", "--expires", "0"]).exit_code == 2


def test_admin_page_creates_shows_once_and_revokes(web_client, web_store):
    login(web_client, "ada")
    page = web_client.get("/admin/tokens")
    assert page.status_code == 200
    resp = post(
        web_client, "/admin/tokens", {"user": "rana", "name": "Vereinsseite", "expires": ""}, token_from="/admin/tokens"
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[:500]
    secret = re.search(r"remo_[A-Za-z0-9_-]{43}", html).group(0)
    assert web_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    again = web_client.get("/admin/tokens").get_data(as_text=True)
    assert secret not in again and "Vereinsseite" in again  # shown once only
    token_id = web_store.list("api_token")[0].id
    resp = web_client.post(
        f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(web_client, "/admin/tokens")}
    )
    assert resp.status_code == 302
    assert web_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_admin_page_needs_csrf_and_valid_input(web_client, web_store):
    login(web_client, "ada")
    resp = web_client.post("/admin/tokens", data={"user": "rana"})
    assert resp.status_code == 400  # no CSRF token
    resp = post(web_client, "/admin/tokens", {"user": "nobody"}, token_from="/admin/tokens")
    assert resp.status_code == 422 and web_store.count("api_token") == 0
    resp = post(web_client, "/admin/tokens", {"user": "rana", "expires": "99999"}, token_from="/admin/tokens")
    assert resp.status_code == 422 and web_store.count("api_token") == 0
