"""The W3C Nu Html Checker over every HTML page of the app, in German and Arabic, for every role: 0 errors.

The pages come from the route walker of the browser tests (`tests.browser.pages`), fetched with the Flask
test client, written to files and checked in one JVM call (``tools/vnu/vnu.sh check``). The checker's jars
come from Maven Central (``tools/vnu/vnu.sh fetch``). Without Java or the fetched jars the test is skipped
with the reason, unless ``REMO_REQUIRE_VNU`` is set (CI sets it): then it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import LANG_PARAM, ROLES, _client, collect_pages
from tests.web.conftest import make_web_app

ROOT = Path(__file__).resolve().parents[2]
VNU = ROOT / "tools" / "vnu" / "vnu.sh"
LANGS = ("de", "ar")


# Signed mail-link pages need a token signed for an introduction the browser suite seeds; the axe walk
# covers them there, this walk does not (its store has no such introduction or message yet).
MAIL_LINK_PAGES = {"links.confirm", "outbox.detail", "outbox.html_part"}


def vnu_missing() -> str | None:
    """None when the checker can run, else the reason."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java (apt-get install default-jre-headless)"
    if not (VNU.parent / "lib" / ".fetch-complete").is_file():
        if shutil.which(os.environ.get("MVN", "mvn")) is None:
            return "the Nu Html Checker is not fetched and there is no Maven to fetch it (apt-get install maven)"
        fetch = subprocess.run([str(VNU), "fetch"], capture_output=True, text=True)
        if fetch.returncode != 0:
            return f"tools/vnu/vnu.sh fetch failed: {fetch.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="module")
def checker() -> Path:
    reason = vnu_missing()
    if reason:
        if os.environ.get("REMO_REQUIRE_VNU"):
            pytest.fail(f"REMO_REQUIRE_VNU is set but: {reason}")
        pytest.skip(reason)
    return VNU


def run_vnu(files: list[Path]) -> list[dict[str, Any]]:
    """The checker's messages (errors and warnings) for ``files``, in one JVM."""
    proc = subprocess.run([str(VNU), "check", *map(str, files)], capture_output=True, text=True, timeout=600)
    out = proc.stderr.strip() or proc.stdout.strip()
    try:
        return json.loads(out)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the checker did not answer JSON (exit {proc.returncode}): {out[-2000:]}")


def errors_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def describe(messages: list[dict[str, Any]], names: dict[str, str]) -> str:
    lines = []
    for m in messages:
        where = names.get(m.get("url", "").removeprefix("file:"), m.get("url", ""))
        lines.append(f"{where}:{m.get('lastLine', '?')}: {m.get('message')}  [{m.get('extract', '').strip()[:120]}]")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def app(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo app with a stored meeting plan and a workshop, so that their pages exist too."""
    app = make_web_app(template_db, tmp_path_factory.mktemp("vnu"), REMO_LOGIN_ATTEMPTS=10_000)
    plan = app.test_cli_runner().invoke(args=["plan-meeting", "austauschtreffen-2025-1", "--save", "--json"])
    assert plan.exit_code == 0, plan.output
    app.extensions["remo_store"].store.create(
        "workshop",
        "workshop-1",
        {
            "id": "workshop-1",
            "title": "Förderanträge schreiben",
            "capability": "funding_application_help",
            "date": "2026-03-12",
            "place": "KI Remscheid",
            "attendance": [],
            "note": "",
        },
        actor="test",
    )
    yield app
    app.extensions["remo_store"].close()


@pytest.mark.slow
def test_every_page_is_valid_html(checker: Path, app: Any, tmp_path: Path) -> None:
    pages, _left_out = collect_pages(app)
    files: list[Path] = []
    names: dict[str, str] = {}
    for lang in LANGS:
        clients = {}
        for role in ROLES:
            clients[role] = _client(app, role)
            clients[role].get(f"/lang/{lang}")
        for page in pages:
            path = page.path
            if page.name in MAIL_LINK_PAGES:
                continue
            if page.name in LANG_PARAM:
                path += ("&" if "?" in path else "?") + f"lang={lang}"
            # the page as every role that gets it (a profile shows staff more than the public)
            roles = ROLES[ROLES.index(page.role) :] if page.status == 200 else (page.role,)
            for role in roles:
                resp = clients[role].get(path, headers={"Accept": "text/html"})
                if role != page.role and (resp.status_code != 200 or resp.mimetype != "text/html"):
                    continue
                assert resp.status_code == page.status, f"{path} as {role}: {resp.status_code} {page.problem}"
                html = resp.get_data(as_text=True)
                assert re.search(rf'<html[^>]*lang="{lang}"', html), f"{path} as {role} is not in {lang}"
                slug = re.sub(r"[^A-Za-z0-9]+", "_", page.name)
                target = tmp_path / f"{len(files):03d}-{slug}-{role}-{lang}.html"
                target.write_text(html, encoding="utf-8")
                files.append(target)
                names[str(target)] = f"{path} ({role}, {lang})"
    assert len(files) > 2 * 100, "the walk found too few pages"
    errors = errors_of(run_vnu(files))
    assert not errors, f"{len(errors)} HTML errors:\n" + describe(errors, names)


def test_the_checker_finds_a_planted_error(checker: Path, tmp_path: Path) -> None:
    """The harness works: a required <select> without an empty first option is an error."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="de"><head><title>x</title></head><body>'
        '<select name="k" required><option value="a">A</option></select>'
        '<input name="s" autocomplete="street-address"></body></html>',
        encoding="utf-8",
    )
    errors = errors_of(run_vnu([bad]))
    assert len(errors) >= 2, errors


@pytest.mark.slow
def test_account_and_mail_pages_are_valid_html(checker: Path, template_db: Path, tmp_path: Path) -> None:
    """The pages behind mail links and account forms (the walk above cannot reach them), and every mail's
    HTML part, in German and Arabic."""
    from tests.web.test_mail_readable import queue_every_kind
    from web.mail.links import make_link
    from web.mail.outbox import KIND

    app = make_web_app(
        template_db,
        tmp_path,
        REMO_BASE_URL="http://remo.example",
        REMO_MAIL_KI="ki@ki.example",
        REMO_ACCESS_REQUEST_LIMIT=1,
    )
    try:
        queue_every_kind(app)  # an invitation, a reset, a request for access, a digest subscription, …
        store = app.extensions["remo_store"].store
        with app.test_request_context("/"):
            rana = store.get("user", "rana").data
            from web.mail.accounts import _fingerprint

            tokens = {
                "reset": make_link("password_reset", f"rana|{_fingerprint(rana['password_hash'])}", days=1)[0],
                "invite": make_link("account_setup", f"leyla|{_fingerprint('')}", days=1)[0],
                "unsubscribe": make_link("digest_unsubscribe", "elternnetzwerk-koepru.rana", days=1)[0],
                "expired": make_link("digest_unsubscribe", "elternnetzwerk-koepru.rana", days=-1)[0],
            }
        files: list[Path] = []
        names: dict[str, str] = {}

        def keep(label: str, html: str) -> None:
            target = tmp_path / f"mail-{len(files):03d}.html"
            target.write_text(html, encoding="utf-8")
            files.append(target)
            names[str(target)] = label

        for lang in LANGS:
            client = app.test_client()
            client.get(f"/lang/{lang}")
            for name, token in tokens.items():
                keep(f"/m/<{name}> ({lang})", client.get(f"/m/{token}").get_data(as_text=True))
            bad = client.post(
                f"/m/{tokens['reset']}",
                data={"password": "kurz", "password2": "anders", "csrf_token": _token(client, f"/m/{tokens['reset']}")},
            )
            keep(f"/m/<reset> with errors ({lang})", bad.get_data(as_text=True))
            keep(
                f"forgot, sent ({lang})",
                client.post(
                    "/login/forgot", data={"email": "x@example.org", "csrf_token": _token(client, "/login/forgot")}
                ).get_data(as_text=True),
            )
            keep(
                f"forgot, error ({lang})",
                client.post(
                    "/login/forgot", data={"email": "x", "csrf_token": _token(client, "/login/forgot")}
                ).get_data(as_text=True),
            )
            keep(
                f"access, error ({lang})",
                client.post("/access", data={"email": "x", "csrf_token": _token(client, "/access")}).get_data(
                    as_text=True
                ),
            )
            keep(
                f"access, limit ({lang})",
                client.post(
                    "/access",
                    data={
                        "organisation": "V",
                        "name": "A",
                        "email": "a@example.org",
                        "consent": "y",
                        "csrf_token": _token(client, "/access"),
                    },
                ).get_data(as_text=True),
            )
        for rec in store.list(KIND):
            keep(f"mail {rec.data['purpose']} ({rec.data['lang']})", rec.data["html"])
        errors = errors_of(run_vnu(files))
        assert not errors, f"{len(errors)} HTML errors:\n" + describe(errors, names)
    finally:
        app.extensions["remo_store"].close()


def _token(client: Any, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
