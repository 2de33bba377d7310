"""Bad input is refused with a clear error and the store stays unchanged (export compared before and after)."""

from __future__ import annotations

import io
import json
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from graph import ValidationError
from graph.store.base import Op
from tests.web.conftest import ORG
from web.api.tokens import create_token

API = "/api/v1"
FORBIDDEN = ["\ufffe", "\uffff", "\x01", "\x0b", "\x1f", "\x08", "\x0c"]


def dump(store) -> list:
    """The whole store as comparable data (every kind, version and data)."""
    kinds = sorted({r.kind for r in store.export_records()}) if hasattr(store, "export_records") else []
    return [(k, r.id, r.version, r.data) for k in kinds for r in store.list(k) if k != "login_throttle"]


@pytest.mark.parametrize("char", FORBIDDEN)
def test_store_refuses_text_xml_forbids_on_both_stores(store, char):
    store.create("organisation", "a", {"id": "a", "name": "A"})
    for data in ({"id": "b", "name": f"B{char}"}, {"id": "b", "offers": [{"detail": f"x{char}y"}]}, {f"k{char}": 1}):
        with pytest.raises(ValidationError) as info:
            store.apply([Op("organisation", "a", {"id": "a", "name": "A2"}, 1), Op("organisation", "b", data, None)])
        issue = info.value.issues[0]
        assert issue.code == "forbidden_character" and issue.where == "organisation b", issue
        with pytest.raises(ValidationError):
            store.update("organisation", "a", {"id": "a", "name": f"A{char}"}, 1)
    assert [(r.id, r.version, r.data) for r in store.list("organisation")] == [("a", 1, {"id": "a", "name": "A"})]
    # what looks like an escape in JSON but is plain text is fine
    for text in ["back\\slash", "\\u0001 typed", "\\\\b", "Zeile\nzwei\tTab\r", "\u00e4\u0645\U0001f600"]:
        assert store.update("organisation", "a", {"id": "a", "name": text}, store.get("organisation", "a").version)
        assert store.get("organisation", "a").data["name"] == text


def test_api_refuses_forbidden_characters_and_exports_stay_valid(web_client, web_store):
    secret = create_token(web_store, "stefan", name="t")[0]
    h = {"Authorization": f"Bearer {secret}"}
    body = web_client.get(f"{API}/organisations/{ORG}", headers=h).get_json()
    body = {k: v for k, v in body.items() if k not in ("persons", "internal")}
    before = dump(web_store)
    bad = [
        {**body, "description": "Treffen\ufffe am Montag"},
        {**body, "offers": [{"capability": "rooms", "detail": "Saal\x01 frei"}]},
        {**body, "name": "Verein \uffff"},
    ]
    for payload in bad:
        resp = web_client.put(f"{API}/organisations/{ORG}", json=payload, headers=h)
        assert resp.status_code in (400, 422), resp.get_json()
        assert "forbidden_character" in json.dumps(resp.get_json()) or "not allowed" in json.dumps(resp.get_json())
    new = {"name": "Neu\x02verein", "kind": "other"}
    assert web_client.post(f"{API}/organisations", json=new, headers=h).status_code in (400, 422)
    assert dump(web_store) == before
    for fmt in ("svg", "gexf", "graphml"):
        resp = web_client.get(f"/map/public.{fmt}")
        assert resp.status_code == 200
        ET.fromstring(resp.data)  # well-formed XML


def test_exports_survive_old_data_with_forbidden_characters(web_app, web_store, tmp_path):
    """Data written before the rule (straight into the file) must not break any export."""
    with web_app.app_context():
        rec = web_store.get("organisation", ORG)
    data = {**rec.data, "name": "Alt\ufffeverein\x01", "offers": [{"capability": "rooms", "detail": "Saal\x0b"}]}
    db = web_store.path
    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE records SET data = ? WHERE kind = 'organisation' AND id = ?",
        (json.dumps(data, ensure_ascii=False), ORG),
    )
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    conn.commit()
    conn.close()
    client = web_app.test_client()
    for fmt in ("svg", "gexf", "graphml"):
        resp = client.get(f"/map/public.{fmt}")
        assert resp.status_code == 200, fmt
        text = resp.get_data(as_text=True)
        ET.fromstring(resp.data)
        assert "Altverein" in text and "\ufffe" not in text
    runner = web_app.test_cli_runner()
    for fmt in ("xlsx", "graphml", "gexf"):
        out = tmp_path / f"export.{fmt}"
        result = runner.invoke(args=["export", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO((tmp_path / "export.xlsx").read_bytes()))["Organisationen"]
    assert any(c.value == "Altverein" for row in ws.iter_rows() for c in row)


# ---------------------------------------------------------------------------------------------------------------
# deeply nested JSON: refused before parsing (graph.jsontext), in the API, `remo import` and `remo restore`

DEEP = "[" * 50_000


def _token_headers(store) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(store, 'stefan', name='t')[0]}"}


def test_deep_json_is_refused_by_the_api_with_a_clear_400(any_app, any_store):
    client = any_app.test_client()
    h = {**_token_headers(any_store), "Content-Type": "application/json"}
    before = dump(any_store)
    nested_33 = json.dumps({"name": "X", "kind": "other", "description": json.loads("[" * 32 + "]" * 32)})
    for body in (DEEP, '{"name": ' + DEEP, nested_33, '{"a": NaN}'):
        for method, url in (
            ("post", f"{API}/organisations"),
            ("put", f"{API}/organisations/{ORG}"),
            ("post", f"{API}/cooperations"),
        ):
            resp = getattr(client, method)(url, data=body, headers=h)
            assert resp.status_code == 400, (url, resp.status_code, resp.get_data(as_text=True)[:300])
            error = resp.get_json()["error"]
            assert error["code"] == "bad_request" and "JSON" in error["message"], error
    assert "deeper than 32 levels" in client.post(f"{API}/organisations", data=DEEP, headers=h).get_json()[
        "error"
    ]["message"]
    assert dump(any_store) == before


def test_deep_json_is_refused_by_remo_import_and_restore(any_app, any_store, tmp_path):
    runner = any_app.test_cli_runner()
    before = dump(any_store)
    bad = tmp_path / "deep.json"
    bad.write_text('{"format": "remo/1", "organisations": ' + DEEP, encoding="utf-8")
    result = runner.invoke(args=["import", str(bad)])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "deep.json: 1 problem found; nothing was imported." in result.output
    assert "JSON nested deeper than 32 levels" in result.output and "Traceback" not in result.output
    backup = tmp_path / "deep.backup"
    backup.write_text(
        json.dumps({"format": "remo-backup/1", "records": 1}) + "\n"
        + '{"kind": "organisation", "id": "a", "data": ' + DEEP + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "deep.backup line 2" in result.output and "deeper than 32 levels" in result.output
    assert dump(any_store) == before
