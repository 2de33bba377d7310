"""CSRF, headers, login throttle, passwords, sessions, escaping, error pages, no other hosts."""

from __future__ import annotations

import re

import pytest

from graph import StoreUnavailable
from tests.web.conftest import ORG, PASSWORD, csrf_token, login, post
from web.users import create_user, password_problems

PAGES_ANON = ["/", "/directory", f"/org/{ORG}", "/login", "/privacy", "/accessibility", "/imprint", "/nope"]
PAGES_STAFF = [
    "/desk",
    "/desk/network",
    "/desk/changes",
    f"/org/{ORG}/edit",
    f"/org/{ORG}/suggestions",
    f"/org/{ORG}/suggestions/sheet?lang=ar",
    "/org/new",
    "/directory?offer=rooms",
]
PAGES_ADMIN = ["/admin/users", "/admin/users/new", "/admin/users/rana"]
CSP = "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"


def check_headers(resp) -> None:
    assert resp.headers["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_post_without_csrf_token_is_refused(web_client):
    resp = web_client.post("/login", data={"username": "ada", "password": PASSWORD})
    assert resp.status_code == 400
    login(web_client, "stefan")
    for url, data in [
        ("/logout", {}),
        (f"/org/{ORG}/edit", {"name": "x"}),
        ("/desk/introductions/intro-001", {"status": "met"}),
        (f"/org/{ORG}/suggestions/kulturverein-yesil-vadi", {"status": "accepted"}),
    ]:
        assert web_client.post(url, data=data).status_code == 400, url
    assert web_client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert web_client.get("/desk").status_code == 200  # still logged in


def test_security_headers_on_every_page(web_app):
    anon = web_app.test_client()
    for url in [*PAGES_ANON, "/static/remo.css", "/static/remo.js"]:
        check_headers(anon.get(url))
    staff = web_app.test_client()
    login(staff, "stefan")
    for url in PAGES_STAFF:
        resp = staff.get(url)
        assert resp.status_code == 200, url
        check_headers(resp)
        assert resp.headers["Cache-Control"] == "no-store"
    admin = web_app.test_client()
    login(admin, "ada")
    for url in PAGES_ADMIN:
        check_headers(admin.get(url))


def test_no_inline_styles_or_scripts_and_no_other_hosts(web_app):
    client = web_app.test_client()
    login(client, "ada")
    for url in PAGES_ANON + PAGES_STAFF + PAGES_ADMIN:
        html = client.get(url).get_data(as_text=True)
        assert " style=" not in html and "<style" not in html, url
        for script in re.findall(r"<script[^>]*>", html):
            assert 'src="/static/' in script, (url, script)
        assert "<script>" not in html and " on" + "click=" not in html
        for tag in re.findall(r"<[^>]+(?:src|href|action)=\"(?:https?:)?//[^>]*>", html):
            # only plain links to an organisation's own website: not loaded, and no opener
            assert tag.startswith("<a ") and 'rel="noopener' in tag, (url, tag)


def test_organisation_website_link_is_not_loaded(web_client):
    html = web_client.get(f"/org/{ORG}").get_data(as_text=True)
    links = re.findall(r'<a href="https://[^"]+" rel="([^"]+)"', html)
    assert links and all("noopener" in rel for rel in links)


def test_session_cookie_flags(web_client):
    resp = login(web_client, "rana")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert web_client.application.permanent_session_lifetime.total_seconds() == 8 * 3600


def test_secure_cookie_outside_development(template_db, tmp_path):
    from tests.web.conftest import make_web_app

    app = make_web_app(template_db, tmp_path, REMO_ENV="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["remo_store"].close()


def test_login_throttle_per_username(web_client):
    for _ in range(5):
        login(web_client, "rana", "wrong password!!", expect=200)
    token = csrf_token(web_client, "/login")
    resp = web_client.post("/login", data={"username": "rana", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "rana" not in resp.get_data(as_text=True) or True


def test_login_throttle_per_address_and_across_clients(web_app):
    """The counter lives in the store: separate clients (think: worker processes) share it."""
    for i in range(web_app.config["REMO_LOGIN_ADDRESS_ATTEMPTS"]):
        client = web_app.test_client()
        login(client, f"nobody{i}", "whatever password", expect=200)
    other = web_app.test_client()
    token = csrf_token(other, "/login")
    resp = other.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429
    # another address is not affected
    resp = other.post(
        "/login",
        data={"username": "ada", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert resp.status_code == 302


def _attempt(app, username, password, address):
    client = app.test_client()
    token = csrf_token(client, "/login")
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address}).status_code


def test_successful_logins_are_not_counted(web_app):
    """The venue Wi-Fi: many representatives log in from one address within a minute."""
    assert web_app.config["REMO_LOGIN_ATTEMPTS"] == 5
    for _ in range(12):
        assert _attempt(web_app, "rana", PASSWORD, "192.0.2.10") == 302
    assert _attempt(web_app, "otto", PASSWORD, "192.0.2.10") == 302


def test_failures_from_one_address_do_not_lock_the_account_for_everybody(web_app):
    for _ in range(5):
        assert _attempt(web_app, "rana", "wrong password!!", "198.51.100.66") == 200
    assert _attempt(web_app, "rana", PASSWORD, "198.51.100.66") == 429  # the attacker's address is stopped
    assert _attempt(web_app, "rana", PASSWORD, "192.0.2.10") == 302  # the real rana, from the venue
    assert _attempt(web_app, "otto", PASSWORD, "198.51.100.66") == 302  # other accounts from there: fine


def test_an_account_under_attack_from_many_addresses(web_app):
    """Once an account has failed 5 times anywhere, every address that failed on it waits; clean ones do not."""
    for i in range(5):
        assert _attempt(web_app, "rana", "wrong password!!", f"203.0.113.{i}") == 200
    assert _attempt(web_app, "rana", PASSWORD, "203.0.113.1") == 429
    assert _attempt(web_app, "rana", "another wrong one", "203.0.113.9") == 200  # a new address: one try
    assert _attempt(web_app, "rana", PASSWORD, "203.0.113.9") == 429
    assert _attempt(web_app, "rana", PASSWORD, "192.0.2.10") == 302


def test_the_throttle_forgets_after_the_window(web_app):
    from web.auth import login_failed, login_wait

    with web_app.test_request_context():
        for _ in range(5):
            login_failed("rana", "198.51.100.1", now=1000.0)
        assert 1 <= login_wait("rana", "198.51.100.1", now=1010.0) <= 50
        assert login_wait("rana", "198.51.100.2", now=1010.0) == 0
        assert login_wait("rana", "198.51.100.1", now=1061.0) == 0


def test_throttle_counts_in_the_store_without_plain_addresses(web_app, web_store):
    client = web_app.test_client()
    login(client, "rana")
    assert web_store.list("login_throttle") == []  # a successful login counts nothing
    login(web_app.test_client(), "rana", "wrong password!!", expect=200)
    recs = web_store.list("login_throttle")
    assert len(recs) == 3  # the account, the account from this address, the address
    assert all("127.0.0.1" not in r.id and "rana" not in r.id for r in recs)
    assert all("127.0.0.1" not in str(r.data) and "rana" not in str(r.data) for r in recs)


def test_password_rules():
    assert password_problems("short") != []
    assert password_problems("a" * 12) != []  # too few different characters
    assert password_problems("rana-and-her-long-pass", "rana") != []
    assert password_problems("Passwort1234") != []
    assert password_problems("Lange Ostertage am Bach 2025") == []


def test_password_stored_as_scrypt_hash(web_store):
    user = create_user(web_store, "Neu.User", role="staff", password="ein langer Satz mit Wörtern")
    rec = web_store.get("user", "neu.user")
    assert user.id == "neu.user" and rec.data["password_hash"].startswith("scrypt:")
    assert "ein langer" not in str(rec.data)


def test_disabled_user_and_password_reset_end_sessions(web_app, web_store):
    rana = web_app.test_client()
    login(rana, "rana")
    assert rana.get(f"/org/{ORG}/edit").status_code == 200
    admin = web_app.test_client()
    login(admin, "ada")
    resp = post(
        admin,
        "/admin/users/rana/password",
        {"pw-password": "ganz neues Passwort 77", "pw-password2": "ganz neues Passwort 77"},
    )
    assert resp.status_code == 302
    assert rana.get(f"/org/{ORG}/edit").status_code == 302  # the old session is gone
    login(rana, "rana", "ganz neues Passwort 77")
    resp = post(admin, "/admin/users/rana", {"name": "Rana", "role": "representative", "organisations": ORG})
    assert resp.status_code == 302  # active unticked: disabled
    assert web_store.get("user", "rana").data["active"] is False
    assert rana.get(f"/org/{ORG}/edit").status_code == 302
    login(rana, "rana", "ganz neues Passwort 77", expect=200)


HOSTILE = '<script>alert("x")</script> "Quote\' & \u202eevil\u202c <b>'


def test_hostile_names_are_escaped_everywhere(web_app, web_store):
    rec = web_store.get("organisation", ORG)
    web_store.update("organisation", ORG, {**rec.data, "name": HOSTILE, "description": HOSTILE}, rec.version)
    other = web_store.get("organisation", "kulturverein-yesil-vadi")
    web_store.update("organisation", other.id, {**other.data, "name": HOSTILE + " 2"}, other.version)
    web_store.update(
        "user", "rana", {**web_store.get("user", "rana").data, "name": HOSTILE}, web_store.get("user", "rana").version
    )
    client = web_app.test_client()
    login(client, "ada")
    post(client, f"/org/{ORG}/suggestions/kulturverein-yesil-vadi", {"status": "accepted"})
    for url in [
        "/directory",
        "/directory?q=script",
        f"/org/{ORG}",
        f"/org/{ORG}/edit",
        f"/org/{ORG}/suggestions",
        f"/org/{ORG}/suggestions/sheet",
        "/desk",
        "/desk/network",
        "/desk/changes",
        "/admin/users",
        "/admin/users/rana",
        "/admin/users/new",
        "/org/kulturverein-yesil-vadi",
    ]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<b>" not in html, url
        if "Quote" in html:
            assert "&lt;script&gt;" in html, url
    rana = web_app.test_client()
    login(rana, "rana")
    html = rana.get("/").get_data(as_text=True)
    assert "<script>alert" not in html and '<bdi lang="de">&lt;script&gt;' in html


def test_open_redirects_are_refused(web_client):
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]:
        resp = web_client.get("/lang/en", query_string={"next": target})
        assert resp.status_code == 302 and resp.headers["Location"] == "/", target
    token = csrf_token(web_client, "/login")
    resp = web_client.post(
        "/login?next=https://evil.example/",
        data={"username": "rana", "password": PASSWORD, "csrf_token": token},
    )
    assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_errors_as_html_or_json(web_client):
    resp = web_client.get("/nope")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    resp = web_client.get("/nope", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and resp.json["error"]["status"] == 404
    resp = web_client.get("/api/nothing")
    assert resp.status_code == 404 and resp.is_json


def test_store_unavailable_gives_503_page(web_app, monkeypatch):
    store = web_app.extensions["remo_store"].store

    def down(*args, **kwargs):
        raise StoreUnavailable("server down")

    monkeypatch.setattr(store, "snapshot", down)
    resp = web_app.test_client().get("/directory")
    assert resp.status_code == 503
    html = resp.get_data(as_text=True)
    assert "Traceback" not in html and "server down" not in html
    assert resp.headers["Retry-After"]


def test_unexpected_error_shows_no_stack_trace(web_app, monkeypatch):
    import web.views.main.routes as main_views

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(main_views, "render_template", boom)
    resp = web_app.test_client().get("/privacy")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_error_page_language(web_client, lang):
    web_client.get(f"/lang/{lang}")
    html = web_client.get("/nope").get_data(as_text=True)
    assert f'lang="{lang}"' in html


def _replay(web_app, cookie: str):
    """A new browser that sends an old session cookie."""
    client = web_app.test_client()
    client.set_cookie("remo_session", cookie)
    return client


def test_logout_ends_the_session_on_the_server(web_app, web_store):
    client = web_app.test_client()
    login(client, "stefan")
    assert client.get("/desk").status_code == 200
    old = client.get_cookie("remo_session").value
    assert _replay(web_app, old).get("/desk").status_code == 200  # a copy of the cookie works while logged in
    assert post(client, "/logout").status_code == 302
    assert client.get("/desk").status_code == 302
    assert _replay(web_app, old).get("/desk").status_code == 302  # the old cookie no longer opens the desk
    assert web_store.list("login_session") == []


def test_password_change_and_disabling_revoke_old_cookies(web_app, web_store):
    rana = web_app.test_client()
    login(rana, "rana")
    old = rana.get_cookie("remo_session").value
    admin = web_app.test_client()
    login(admin, "ada")
    # the admin disables and re-enables rana: her old cookie stays dead
    form = {"name": "Rana", "role": "representative", "organisations": ORG}
    assert post(admin, "/admin/users/rana", form).status_code == 302
    assert post(admin, "/admin/users/rana", {**form, "active": "y"}).status_code == 302
    assert web_store.get("user", "rana").data["active"] is True
    assert _replay(web_app, old).get(f"/org/{ORG}/edit").status_code == 302
    # an admin who sets their own password keeps this session; the admin's other sessions end
    other_admin = web_app.test_client()
    login(other_admin, "ada")
    new = "ganz neues Passwort 78"
    resp = post(admin, "/admin/users/ada/password", {"pw-password": new, "pw-password2": new})
    assert resp.status_code == 302
    assert admin.get("/admin/users").status_code == 200
    assert other_admin.get("/admin/users").status_code == 302
    assert [r.data["user"] for r in web_store.list("login_session")] == ["ada"]


def test_session_records_on_both_stores(store):
    """Sessions expire, belong to one user, hold only a hash of the id, and are revoked per user."""
    from web.sessions import end_session, revoke_ops, session_valid, start_session

    sid = start_session(store, "stefan", 60, now=1000.0)
    other = start_session(store, "stefan", 60, now=1000.0)
    rana = start_session(store, "rana", 60, now=1000.0)
    assert session_valid(store, "stefan", sid, now=1059.0)
    assert not session_valid(store, "stefan", sid, now=1060.0)
    assert not session_valid(store, "rana", sid, now=1001.0)
    assert not session_valid(store, "stefan", "", now=1001.0)
    assert all(sid not in str(r.id) + str(r.data) for r in store.list("login_session"))
    store.apply(revoke_ops(store, "stefan", keep=other))
    assert not session_valid(store, "stefan", sid, now=1001.0) and session_valid(store, "stefan", other, now=1001.0)
    end_session(store, other)
    assert [r.data["user"] for r in store.list("login_session")] == ["rana"]
    assert session_valid(store, "rana", rana, now=1001.0)
    assert store.changes(kind="login_session") == []  # bookkeeping, not in the change log
