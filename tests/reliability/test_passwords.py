"""Weak passwords are refused by a strength estimator (OWASP ASVS 2.1.7), with a message saying why."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, csrf_token, form_data, login
from web.users import check_password, password_problems

WEAK = {
    "123412341234": "repeats",
    "password12345": "commonly used",
    "qwertyuiopas": "commonly used",
}


@pytest.mark.parametrize("password", sorted(WEAK))
def test_estimator_refuses_long_but_guessable_passwords(web_app, password):
    with web_app.test_request_context(headers={"Accept-Language": "en"}):
        problems = password_problems(password, "dora")
    assert problems and WEAK[password] in " ".join(problems), problems
    with web_app.test_request_context():  # German by default
        assert "zu leicht zu erraten" in " ".join(password_problems(password, "dora"))


def test_good_passwords_pass(web_app):
    with web_app.test_request_context():
        assert password_problems(PASSWORD, "dora") == []
        assert password_problems("Kastanie Wupper Lötkolben 7", "dora") == []


@pytest.mark.parametrize("password", sorted(WEAK))
def test_cli_create_refuses_weak_password_in_english(web_app, web_store, password):
    runner = web_app.test_cli_runner()
    args = ["user", "create", "dora", "--role", "staff", "--password-stdin"]
    result = runner.invoke(args=args, input=password + "\n")
    assert result.exit_code == 1 and web_store.get("user", "dora") is None
    assert "too easy to guess" in result.output and WEAK[password] in result.output, result.output


def test_cli_password_change(web_app, web_store):
    runner = web_app.test_cli_runner()
    weak = runner.invoke(args=["user", "password", "stefan", "--password-stdin"], input="password12345\n")
    assert weak.exit_code == 1 and "commonly used" in weak.output, weak.output
    good = "Kastanie Wupper Lötkolben 7"
    done = runner.invoke(args=["user", "password", "stefan", "--password-stdin"], input=good + "\n")
    assert done.exit_code == 0, done.output
    assert check_password(web_store.get("user", "stefan").data["password_hash"], good)
    assert runner.invoke(args=["user", "password", "nobody", "--password-stdin"], input=good + "\n").exit_code == 2


def test_web_forms_show_why_in_german(web_app, web_store):
    client = web_app.test_client()
    login(client, "ada")
    data = form_data(client.get("/admin/users/new").get_data(as_text=True))
    data.update({"username": "fatma", "name": "Fatma", "role": "staff"})
    data["password"] = data["password2"] = "qwertyuiopas"
    resp = client.post("/admin/users/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "häufig benutztes Passwort" in page
    assert web_store.get("user", "fatma") is None
    token = csrf_token(client, "/admin/users/stefan")
    resp = client.post(
        "/admin/users/stefan/password",
        data={"pw-password": "123412341234", "pw-password2": "123412341234", "csrf_token": token},
    )
    assert resp.status_code == 422 and "wiederholt Zeichen" in resp.get_data(as_text=True)
    assert check_password(web_store.get("user", "stefan").data["password_hash"], PASSWORD)
