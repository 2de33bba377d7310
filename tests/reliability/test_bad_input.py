"""Bad input is refused with a clear error and the store stays unchanged (export compared before and after)."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from graph import ValidationError
from graph.store.base import Op
from tests.web.conftest import ORG, form_data, login
from web.api.tokens import create_token

API = "/api/v1"
FORBIDDEN = ["\ufffe", "\uffff", "\x01", "\x0b", "\x1f", "\x08", "\x0c"]


def dump(store) -> list:
    """The whole store as comparable data (every kind, version and data)."""
    kinds = sorted({r.kind for r in store.export_records()})
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
    assert (
        "deeper than 32 levels"
        in client.post(f"{API}/organisations", data=DEEP, headers=h).get_json()["error"]["message"]
    )
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
        json.dumps({"format": "remo-backup/1", "records": 1})
        + "\n"
        + '{"kind": "organisation", "id": "a", "data": '
        + DEEP
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "deep.backup line 2" in result.output and "deeper than 32 levels" in result.output
    assert dump(any_store) == before


# ---------------------------------------------------------------------------------------------------------------
# XLSX limits (graph.io._xlsx_limits): checked on the zip archive before openpyxl reads anything


def _workbook(rows=(("Name", "Art"), ("Verein A", "Sonstige")), far: str | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Organisationen"
    for row in rows:
        ws.append(list(row))
    if far:
        ws[far] = "x"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rezip(data: bytes, change=None, add: dict | None = None) -> bytes:
    """The workbook ``data`` with part texts changed by ``change(name, bytes)`` and parts added."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(info.filename, body) if change else body)
        for name, writer in (add or {}).items():
            with dst.open(name, "w", force_zip64=True) as fh:
                writer(fh)
    return out.getvalue()


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the unpacked size of part ``name`` declared as ``size`` (local and central header)."""
    import struct
    import zipfile

    raw = bytearray(data)
    offset = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset
    struct.pack_into("<I", raw, offset + 22, size)
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:
        n = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46 : pos + 46 + n] == name.encode():
            struct.pack_into("<I", raw, pos + 24, size)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    return bytes(raw)


def _xlsx_issue(data: bytes, tmp_path, name="net.xlsx"):
    from graph.io.tabular import read_xlsx

    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValidationError) as info:
        read_xlsx(path)
    return info.value.issues[0]


def _zeros(megabytes: int):
    def write(fh):
        block = b"\0" * 2**20
        for _ in range(megabytes):
            fh.write(block)

    return write


def test_xlsx_one_far_away_cell_is_refused_at_once_on_both_stores(any_app, any_store, tmp_path):
    import time

    data = _workbook(far="XFD1048576")
    assert len(data) < 6000
    path = tmp_path / "far.xlsx"
    path.write_bytes(data)
    before = dump(any_store)
    start = time.monotonic()
    result = any_app.test_cli_runner().invoke(args=["import", str(path)])
    assert time.monotonic() - start < 20  # openpyxl alone would take minutes
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "far.xlsx: 1 problem found; nothing was imported." in result.output
    assert "16,384 columns; at most 1,000 are read" in result.output
    assert dump(any_store) == before


def test_xlsx_sheet_extent_is_bounded(tmp_path):
    # a <dimension> that claims a huge sheet (openpyxl pads every row to it)
    lying = _rezip(
        _workbook(),
        lambda n, b: b.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:Z1048576"') if "sheet" in n else b,
    )
    issue = _xlsx_issue(lying, tmp_path)
    assert issue.code == "too_large" and "1,048,576 rows x 26 columns; at most 5,000,000 cells" in issue.reason
    # no <dimension> at all, but a cell far down
    far = _rezip(_workbook(far="Z900000"), lambda n, b: re.sub(rb"<dimension [^>]*/>", b"", b) if "sheet" in n else b)
    issue = _xlsx_issue(far, tmp_path)
    assert "900,000 rows x 26 columns" in issue.reason


def test_xlsx_zip_bombs_are_refused_before_unpacking(tmp_path):
    import time

    # highly compressible: 40 MiB of zeros in a 40 KiB part
    bomb = _rezip(_workbook(), add={"xl/media/image1.bin": _zeros(40)})
    assert len(bomb) < 200_000
    start = time.monotonic()
    issue = _xlsx_issue(bomb, tmp_path)
    assert "times larger than it is packed; at most 200 times" in issue.reason
    # a part that declares 1.5 GB
    issue = _xlsx_issue(_declare_size(_workbook(), "xl/styles.xml", 1_500_000_000), tmp_path)
    assert "unpacks to 1,50" in issue.reason and "at most 268,435,456 are read" in issue.reason
    # a part that declares less than it holds: unpacking stops at the declared size and refuses it
    small = _rezip(_workbook(), add={"xl/media/image1.bin": lambda fh: fh.write(bytes(range(256)) * 4000)})
    issue = _xlsx_issue(_declare_size(small, "xl/media/image1.bin", 1000), tmp_path)
    assert issue.code == "binary_file" and "xl/media/image1.bin is damaged" in issue.reason
    assert time.monotonic() - start < 20  # openpyxl alone would take minutes


def test_xlsx_reading_time_is_bounded(tmp_path, monkeypatch):
    from graph.io import _xlsx_limits

    data = _workbook(rows=[("Name", "Art")] + [(f"Verein {i}", "Sonstige") for i in range(3000)])
    monkeypatch.setattr(_xlsx_limits, "MAX_SECONDS", 0.0)
    issue = _xlsx_issue(data, tmp_path)
    assert issue.code == "too_slow" and "took longer than 0 seconds" in issue.reason
    monkeypatch.undo()
    from graph.io.tabular import read_xlsx

    path = tmp_path / "ok.xlsx"
    path.write_bytes(data)
    assert len(read_xlsx(path)[0].rows) == 3000


# ---------------------------------------------------------------------------------------------------------------
# encodings, ids that differ only in case, names that differ only in Unicode normalisation (graph.identity)

NFC_NAME = "Elternnetzwerk Köprü e.V."  # the demo organisation ORG
NFD_NAME = unicodedata.normalize("NFD", NFC_NAME)


def test_a_shift_jis_csv_is_refused_with_the_line_on_both_stores(any_app, any_store, tmp_path):
    runner = any_app.test_cli_runner()
    before = dump(any_store)
    for n, name in enumerate(("日本語の会", "横浜文化", "カタカナ協会", "さくら")):
        path = tmp_path / f"sjis{n}.csv"
        path.write_bytes(f"Name;Art\nVerein Lennep;Sonstige\n{name};Sonstige\n".encode("shift_jis"))
        result = runner.invoke(args=["import", str(path)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert f"sjis{n}.csv line 3" in result.output, result.output
        assert "line 3 is neither UTF-8 nor Windows-1252 text" in result.output and 'save the file as "CSV UTF-8"' in (
            result.output
        )
    for enc, text in (("cp1251", "Общество культуры"), ("cp1254", "Kültür Derneği Şişli")):
        path = tmp_path / f"{enc}.csv"
        path.write_bytes(f"Name;Art\n{text};Sonstige\n".encode(enc))
        result = runner.invoke(args=["import", str(path)])
        assert result.exit_code == 1 and "line 2 is neither UTF-8 nor Windows-1252" in result.output, result.output
    assert dump(any_store) == before
    # German Excel's Windows-1252 stays welcome
    path = tmp_path / "de.csv"
    german = "Name;Art;Beschreibung\nMüßiggang „Öz“ e.V.;Sonstige;30 m², 5 €, 20 °C, § 3, ½ Tag\n"
    path.write_bytes(german.encode("cp1252"))
    result = runner.invoke(args=["import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output


def test_ids_that_differ_only_in_case_are_one_record_on_import(any_app, any_store, tmp_path):
    runner = any_app.test_cli_runner()

    def person(pid):
        return {"id": pid, "name": "Eine Person", "organisations": [ORG]}

    before = dump(any_store)
    both = tmp_path / "both.json"
    both.write_text(json.dumps({"format": "remo/1", "persons": [person("p-ABC"), person("p-abc")]}), encoding="utf-8")
    result = runner.invoke(args=["import", str(both)])
    assert result.exit_code == 1, result.output
    assert "differs only in case from the person id 'p-abc'" in result.output
    assert dump(any_store) == before
    # against the store: p-001 is stored
    upper = tmp_path / "upper.json"
    upper.write_text(json.dumps({"format": "remo/1", "persons": [person("P-001")]}), encoding="utf-8")
    result = runner.invoke(args=["import", str(upper)])
    assert result.exit_code == 1 and "differs only in case from the person id 'p-001'" in result.output
    assert dump(any_store) == before


def test_names_that_differ_only_in_normalisation_are_one_name(any_app, any_store, tmp_path):
    runner = any_app.test_cli_runner()
    before = dump(any_store)
    doc = {"format": "remo/1", "organisations": [{"id": "koepru-zwei", "name": NFD_NAME, "kind": "other"}]}
    path = tmp_path / "nfd.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1, result.output
    assert f"organisation '{ORG}' has the same name" in result.output
    within = {
        "format": "remo/1",
        "organisations": [
            {"id": "cafe-eins", "name": "Café Lennep", "kind": "other"},
            {"id": "cafe-zwei", "name": unicodedata.normalize("NFD", "café  LENNEP"), "kind": "other"},
        ],
    }
    path.write_text(json.dumps(within, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "has the same name" in result.output, result.output
    # the API and the pages refuse it too
    client = any_app.test_client()
    h = _token_headers(any_store)
    login(client, "stefan")
    before = dump(any_store)
    resp = client.post(f"{API}/organisations", json={"id": "koepru-zwei", "name": NFD_NAME, "kind": "other"}, headers=h)
    assert resp.status_code == 409 and resp.get_json()["error"]["details"][0]["code"] == "duplicate_name"
    other = client.get(f"{API}/organisations/kulturverein-yesil-vadi", headers=h).get_json()
    other = {k: v for k, v in other.items() if k not in ("persons", "internal")}
    resp = client.put(f"{API}/organisations/kulturverein-yesil-vadi", json={**other, "name": NFD_NAME}, headers=h)
    assert resp.status_code == 409, resp.get_json()
    data = form_data(client.get("/org/new").get_data(as_text=True))
    data["name"], data["id"] = NFD_NAME, "koepru-zwei"
    resp = client.post("/org/new", data=data)
    assert resp.status_code == 409 and "Eine andere Organisation hat schon diesen Namen." in resp.get_data(as_text=True)
    assert dump(any_store) == before
    # a new name arrives in NFD and is stored in NFC
    resp = client.post(
        f"{API}/organisations",
        json={"name": unicodedata.normalize("NFD", "Çocuk Kulübü Hasten"), "kind": "other"},
        headers=h,
    )
    assert resp.status_code == 201, resp.get_json()
    rec = any_store.get("organisation", resp.get_json()["id"])
    assert rec.id == "cocuk-kuluebue-hasten" and rec.data["name"] == "Çocuk Kulübü Hasten"


# ---------------------------------------------------------------------------------------------------------------
# the OpenAPI document says exactly what the server accepts (the fuzzing is tests/reliability/test_api_schema.py)


def _document_rejects(client, schema_name: str, body) -> bool:
    from jsonschema import Draft202012Validator

    doc = client.get("/api/openapi.json").get_json()
    schema = {**doc["components"]["schemas"][schema_name], "components": doc["components"]}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return not validator.is_valid(body)


def test_what_the_document_refuses_the_server_refuses(web_app, web_store):
    client = web_app.test_client()
    h = _token_headers(web_store)
    before = dump(web_store)
    a, b = ORG, "kulturverein-yesil-vadi"
    for since in ("0000-00-00", "2025-02-30", "2025-13-01", "2025-1-5", "01.05.2025"):
        body = {"a": a, "b": b, "kind": "event", "since": since}
        assert _document_rejects(client, "CooperationCreate", body), since
        resp = client.post(f"{API}/cooperations", json=body, headers=h)
        assert resp.status_code == 422 and resp.get_json()["error"]["details"][0]["field"] == "since", since
    good = client.get(f"{API}/organisations/{ORG}", headers=h).get_json()
    good = {k: v for k, v in good.items() if k not in ("persons", "internal")}
    for field, value in (
        ("website", "ftp://verein.example"),
        ("website", "verein example"),
        ("email", "info(at)verein.example"),
        ("phone", "ruf mich an"),
        ("name", "   "),
        ("description", "Saal\x01frei"),
        ("offers", [{"capability": "rooms"}, {"capability": "rooms", "detail": "zweimal"}]),
        ("version", 10**12),
    ):
        body = {**good, field: value}
        assert _document_rejects(client, "OrganisationUpdate", body), field
        resp = client.put(f"{API}/organisations/{ORG}", json=body, headers=h)
        assert resp.status_code == 422, (field, resp.get_json())
    # a body id that differs from the address: the document says 409, and so does the server
    resp = client.put(f"{API}/organisations/{ORG}", json={**good, "id": b}, headers=h)
    assert resp.status_code == 409 and resp.get_json()["error"]["details"][0]["code"] == "id_mismatch"
    doc = client.get("/api/openapi.json").get_json()
    assert "409" in doc["paths"]["/api/v1/organisations/{org_id}"]["put"]["responses"]
    # a huge ?version=: the document's maximum and the server's
    params = doc["paths"]["/api/v1/organisations/{org_id}"]["delete"]["parameters"]
    version = next(p for p in params if p["name"] == "version")
    assert version["schema"]["maximum"] == 999_999_999
    for huge in ("1000000000", "9" * 400):
        resp = client.delete(f"{API}/organisations/{ORG}?version={huge}", headers=h)
        assert resp.status_code == 400 and resp.get_json()["error"]["details"][0]["field"] == "version"
    # unknown organisations in a cooperation: 404, documented
    resp = client.post(f"{API}/cooperations", json={"a": a, "b": "gibt-es-nicht"}, headers=h)
    assert resp.status_code == 404
    assert "404" in doc["paths"]["/api/v1/cooperations"]["post"]["responses"]
    assert dump(web_store) == before
    # and what the document accepts, the server accepts
    resp = client.post(f"{API}/cooperations", json={"a": a, "b": b, "kind": "event", "since": "2024-02-29"}, headers=h)
    assert resp.status_code == 201, resp.get_json()
    body = {**good, "website": "HTTPS://verein.example/ä", "email": "", "phone": "+49 (2191) 12-34/5"}
    assert not _document_rejects(client, "OrganisationUpdate", body)
    assert client.put(f"{API}/organisations/{ORG}", json=body, headers=h).status_code == 200
