"""The privacy commands: subject export, erasure, consent withdrawal, audit, retention, public export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.graph.test_privacy import assert_no_marker, marked_demo


def _run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_person_export_json_and_csv(demo_app, tmp_path: Path):
    out = tmp_path / "p.json"
    result = _run(demo_app, "person", "export", "p-001", "-o", str(out), "--actor", "anna")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["record"]["data"]["name"] == "Elif Karadağ"
    assert any(r["kind"] == "meeting" for r in doc["referenced_by"])
    out_csv = tmp_path / "p.csv"
    result = _run(demo_app, "person", "export", "p-001", "--format", "csv", "-o", str(out_csv))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out_csv.open(encoding="utf-8-sig")))
    assert rows[0] == ["section", "kind", "id", "version", "updated_at", "updated_by", "field", "value"]
    assert ["record", "person", "p-001"] == rows[1][:3]
    # the first export is logged, and shows up in the second one
    assert any(r[:2] == ["audit", "audit"] and r[6] == "actor" and r[7] == "anna" for r in rows)
    result = _run(demo_app, "audit", "--kind", "person", "--id", "p-001")
    assert "anna  export  person:p-001" in result.output


def test_org_export(demo_app, tmp_path: Path):
    out = tmp_path / "o.json"
    result = _run(demo_app, "org", "export", "elternnetzwerk-koepru", "-o", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    kinds = {r["kind"] for r in doc["referenced_by"]}
    assert {"person", "cooperation", "meeting", "project"} <= kinds
    result = _run(demo_app, "org", "export", "no-such-org", "-o", str(out))
    assert result.exit_code == 1 and "no-such-org" in result.output


def test_person_erase_and_withdraw_consent(demo_app):
    result = _run(demo_app, "person", "withdraw-consent", "p-002", "--actor", "anna")
    assert result.exit_code == 0 and "withdrawn" in result.output
    result = _run(demo_app, "person", "withdraw-consent", "p-002")
    assert result.exit_code == 0 and "nothing changed" in result.output
    result = _run(demo_app, "person", "erase", "p-001", "--yes", "--actor", "admin")
    assert result.exit_code == 0, result.output
    assert "Erasure reference" in result.output
    result = _run(demo_app, "person", "erase", "p-001", "--yes")
    assert result.exit_code == 1 and "p-001" in result.output
    result = _run(demo_app, "audit", "--json", "--limit", "5")
    entries = [json.loads(line) for line in result.output.splitlines()]
    erased = [e for e in entries if e["action"] == "erase"]
    assert len(erased) == 1 and erased[0]["id"].startswith("erasure-") and erased[0]["actor"] == "admin"


def test_retention_run(demo_app):
    result = _run(demo_app, "retention", "run", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and "declined_introductions" in result.output
    result = _run(demo_app, "retention", "run", "--json")
    report = json.loads(result.output)
    assert report["dry_run"] is False and set(report["counts"]) >= {"audit", "changes", "unlinked_persons"}


def test_retention_config_errors_are_reported(app):
    app.config["REMO_RETENTION_AUDIT_MONTHS"] = "soon"
    result = _run(app, "retention", "run")
    assert result.exit_code == 2 and "REMO_RETENTION_AUDIT_MONTHS" in result.output


def test_public_csv_and_json_exports_have_no_internal_value(app, demo_doc, tmp_path: Path):
    doc, markers = marked_demo(demo_doc)
    src = tmp_path / "marked.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert _run(app, "import", str(src)).exit_code == 0
    for fmt in ("csv", "json", "xlsx"):
        out = tmp_path / f"public.{fmt}"
        result = _run(app, "export", "--format", fmt, "--public", "-o", str(out))
        assert result.exit_code == 0, result.output
        for f in tmp_path.glob(f"public*.{fmt}"):
            if fmt == "xlsx":
                from openpyxl import load_workbook

                wb = load_workbook(f, read_only=True)
                text = "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row)
            else:
                text = f.read_text(encoding="utf-8-sig")
            assert_no_marker(text, markers, f.name)
    # without --public the markers are there (the test would notice a broken marker set)
    full = tmp_path / "full.json"
    assert _run(app, "export", "--format", "json", "-o", str(full)).exit_code == 0
    assert all(m in full.read_text(encoding="utf-8") for m in markers)


# ---------------------------------------------------------------------------
# the audit page and the view-logging helper for the web layer
# ---------------------------------------------------------------------------
def test_audit_page_is_for_admins_only(web_client, web_store):
    from graph.audit import record_access
    from tests.web.conftest import login

    record_access(web_store, "staff:stefan", "view", "person", "p-001", on_behalf_of="elternnetzwerk-koepru")
    assert web_client.get("/admin/audit").status_code == 302  # anonymous: to the login
    login(web_client, "stefan")
    assert web_client.get("/admin/audit").status_code == 403
    web_client.post("/logout", data={})
    client = web_client.application.test_client()
    login(client, "ada")
    html = client.get("/admin/audit?kind=person&id=p-001").get_data(as_text=True)
    # the actor as people read it (the account's name, not "staff:stefan"); the record's data never shows
    assert ">Stefan<" in html and "staff:stefan" not in html
    assert "Elternnetzwerk Köprü e.V." in html and "Elif" not in html  # on behalf of: the organisation's name
    assert "style=" not in html
    html = client.get("/admin/audit?kind=organisation&limit=200").get_data(as_text=True)
    assert "/org/elternnetzwerk-koepru" in html  # the demo seed created the organisations
    assert client.get("/admin/audit?limit=abc&kind=bogus").status_code == 200


def test_log_view_records_the_user_and_the_organisation(web_app, web_store):
    from flask_login import login_user

    from graph import audit
    from web.users import get_user
    from web.views._shared import log_view

    audit._recent.clear()
    with web_app.test_request_context("/org/elternnetzwerk-koepru"):
        assert log_view("organisation", "elternnetzwerk-koepru") is False  # anonymous: public data only
        login_user(get_user(web_store, "rana"))
        assert log_view("organisation", "elternnetzwerk-koepru") is True
        assert log_view("organisation", "elternnetzwerk-koepru") is False  # coalesced
        login_user(get_user(web_store, "stefan"))
        assert log_view("person", "p-001", on_behalf_of="kulturverein-yesil-vadi") is True
    entries = [
        (e.actor, e.action, e.kind, e.id, e.on_behalf_of) for e in audit.audit_log(web_store, include_changes=False)
    ]
    assert sorted(entries) == [
        ("representative:rana", "view", "organisation", "elternnetzwerk-koepru", "elternnetzwerk-koepru"),
        ("staff:stefan", "view", "person", "p-001", "kulturverein-yesil-vadi"),
    ]
