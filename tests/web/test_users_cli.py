"""``remo user create|list|disable`` and the admin pages for users."""

from __future__ import annotations

from tests.web.conftest import ORG, PASSWORD, form_data, login


def test_user_create_list_disable(web_app, web_store):
    runner = web_app.test_cli_runner()
    result = runner.invoke(
        args=["user", "create", "Carla", "--role", "representative", "--org", ORG, "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    rec = web_store.get("user", "carla")
    assert rec.data["role"] == "representative" and rec.data["organisations"] == [ORG]
    assert rec.data["password_hash"].startswith("scrypt:") and rec.data["active"] is True
    listing = runner.invoke(args=["user", "list"])
    assert "carla" in listing.output and "representative" in listing.output
    client = web_app.test_client()
    login(client, "carla")
    assert runner.invoke(args=["user", "disable", "carla"]).exit_code == 0
    assert web_store.get("user", "carla").data["active"] is False
    assert client.get(f"/org/{ORG}/edit").status_code == 302  # the session ended
    assert runner.invoke(args=["user", "disable", "nobody"]).exit_code == 2


def test_user_create_refuses_weak_passwords_and_bad_input(web_app, web_store):
    runner = web_app.test_cli_runner()
    weak = runner.invoke(args=["user", "create", "dora", "--role", "staff", "--password-stdin"], input="kurz\n")
    assert weak.exit_code == 1 and web_store.get("user", "dora") is None
    no_org = runner.invoke(
        args=["user", "create", "dora", "--role", "representative", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert no_org.exit_code == 1 and "organisation" in no_org.output
    bad_org = runner.invoke(
        args=["user", "create", "dora", "--role", "representative", "--org", "gibt-es-nicht", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert bad_org.exit_code == 1
    taken = runner.invoke(args=["user", "create", "ada", "--role", "staff", "--password-stdin"], input=PASSWORD + "\n")
    assert taken.exit_code == 1 and "exists" in taken.output


def test_user_create_prompts_twice(web_app, web_store):
    runner = web_app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "emil", "--role", "staff"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert web_store.get("user", "emil") is not None


def test_no_default_account(app):
    assert app.extensions["remo_store"].store.list("user") == []


def test_admin_creates_user_in_the_browser(web_app, web_store):
    client = web_app.test_client()
    login(client, "ada")
    data = form_data(client.get("/admin/users/new").get_data(as_text=True))
    for key, value in {
        "username": "fatma",
        "name": "Fatma",
        "role": "representative",
        "password": "zu kurz",
        "password2": "zu kurz",
    }.items():
        data[key] = value
    data.setlist("organisations", [ORG])
    resp = client.post("/admin/users/new", data=data)
    assert resp.status_code == 422 and 'id="password-error"' in resp.get_data(as_text=True)
    data["password"] = data["password2"] = PASSWORD
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert web_store.get("user", "fatma").data["organisations"] == [ORG]
    fatma = web_app.test_client()
    login(fatma, "fatma")
    assert fatma.get(f"/org/{ORG}/edit").status_code == 200


def test_admin_cannot_lock_themselves_out(web_client, web_store):
    login(web_client, "ada")
    data = form_data(web_client.get("/admin/users/ada").get_data(as_text=True))
    data.pop("active", None)
    resp = web_client.post("/admin/users/ada", data=data)
    assert resp.status_code == 422
    assert web_store.get("user", "ada").data["active"] is True


def test_demo_makes_one_login_per_role_and_prints_it_once(web_app, web_store):
    import re

    runner = web_app.test_cli_runner()
    result = runner.invoke(args=["demo-accounts"])
    assert result.exit_code == 0, result.output
    logins = dict(re.findall(r"username (\S+)\s+password (\S+)", result.output))
    assert set(logins) == {"demo-admin", "demo-staff", "demo-rep"}
    roles = {u: web_store.get("user", u).data["role"] for u in logins}
    assert roles == {"demo-admin": "admin", "demo-staff": "staff", "demo-rep": "representative"}
    for username, password in logins.items():
        login(web_app.test_client(), username, password)
    # a new start makes new passwords: the old printout no longer opens the account
    again = dict(re.findall(r"username (\S+)\s+password (\S+)", runner.invoke(args=["demo-accounts"]).output))
    assert again["demo-staff"] != logins["demo-staff"]
    login(web_app.test_client(), "demo-staff", logins["demo-staff"], expect=200)
    login(web_app.test_client(), "demo-staff", again["demo-staff"])


def test_no_demo_accounts_in_production(template_db, tmp_path):
    from tests.web.conftest import make_web_app

    app = make_web_app(template_db, tmp_path, REMO_ENV="production", SECRET_KEY="x" * 32)
    try:
        result = app.test_cli_runner().invoke(args=["demo-accounts"])
        assert result.exit_code == 0 and "password" not in result.output
        assert app.extensions["remo_store"].store.get("user", "demo-admin") is None
    finally:
        app.extensions["remo_store"].close()


def test_the_command_line_speaks_english_unless_told(web_app, web_store):
    runner = web_app.test_cli_runner()
    weak = runner.invoke(args=["user", "create", "dora", "--role", "staff", "--password-stdin"], input="kurz\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output.lower(), weak.output
    web_app.config["REMO_CLI_LANG"] = "de"
    weak = runner.invoke(args=["user", "create", "dora", "--role", "staff", "--password-stdin"], input="kurz\n")
    assert "mindestens 12 Zeichen" in weak.output, weak.output


def test_remo_lang_option_sets_the_cli_language(monkeypatch):
    from click.testing import CliRunner

    from web.cli import cli

    monkeypatch.setenv("REMO_CLI_LANG", "en")  # restored after the test
    result = CliRunner().invoke(cli, ["--lang", "de", "--help"])
    assert result.exit_code == 0 and "--lang" in result.output
    import os

    assert os.environ.get("REMO_CLI_LANG") == "de"
