"""Privacy by design: no internal value in public output, consent, subject access, erasure, minimisation."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from graph import ConflictError, NotFoundError, Person, ValidationError, parse_network
from graph.audit import audit_log, record_access
from graph.io import export_network, import_document
from graph.migrate import read_records
from graph.model import parse_person
from graph.privacy import (
    SPECIAL_CATEGORIES,
    brochure_data,
    erase_person,
    public_document,
    public_network,
    subject_csv,
    subject_data,
    withdraw_consent,
)


def marked_demo(demo_doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of the demo network where every internal value is a unique marker string.

    Internal are: organisation fields marked internal (varied per organisation), persons'
    internal fields (phone by default, email for some), everything about persons without
    consent, cooperation and introduction notes. Returns the document and the markers.
    """
    doc = copy.deepcopy(demo_doc)
    markers: list[str] = []

    def mark(kind: str) -> str:
        n = len(markers)
        value = {
            "text": f"MKR{n:04d}XQ",
            "email": f"mkr{n:04d}xq@marker.example",
            "phone": f"0999 77{n:04d}",
            "url": f"https://mkr{n:04d}xq.example",
        }[kind]
        markers.append(value)
        return value

    for i, org in enumerate(doc["organisations"]):
        internal = ["phone", "address"]
        if i % 2 == 0:
            internal += ["description", "email", "website", "offers"]
        else:
            internal += ["needs"]
        if i == 3:
            internal.append("name")
        org["visibility"] = {f: "internal" for f in internal}
        org["phone"] = mark("phone")
        org["address"] = mark("text")
        if "description" in internal:
            org["description"] = mark("text")
            org["email"] = mark("email")
            org["website"] = mark("url")
            org["offers"] = [{**o, "detail": mark("text")} for o in org.get("offers", [])]
        if "needs" in internal:
            org["needs"] = [{**n, "detail": mark("text")} for n in org.get("needs", [])]
        if "name" in internal:
            org["name"] = mark("text")
    for i, p in enumerate(doc["persons"]):
        p.pop("visibility", None)
        p["phone"] = mark("phone")
        if not p.get("consent"):
            p["name"] = mark("text")
            p["role"] = mark("text")
            p["email"] = mark("email")
        elif i % 3 == 0:
            p["visibility"] = {"email": "internal"}
            p["email"] = mark("email")
    for c in doc["cooperations"]:
        c["note"] = mark("text")
    for x in doc["introductions"]:
        x["note"] = mark("text")
    return doc, markers


def assert_no_marker(text: str, markers: list[str], where: str) -> None:
    found = [m for m in markers if m in text]
    assert not found, f"internal values in {where}: {found[:5]}"


@pytest.fixture(scope="module")
def marked(demo_doc):
    return marked_demo(demo_doc)


@pytest.fixture(scope="module")
def marked_net(marked, vocab):
    return parse_network(marked[0], vocab)


def test_marked_demo_is_valid_and_markers_are_in_the_full_export(marked, marked_net):
    doc, markers = marked
    full = json.dumps(marked_net.to_dict(), ensure_ascii=False)
    assert len(markers) > 150
    assert all(m in full for m in markers)


def test_public_document_has_no_internal_value(marked, marked_net):
    doc = public_document(marked_net)
    text = json.dumps(doc, ensure_ascii=False)
    assert_no_marker(text, marked[1], "the public document")
    assert doc["introductions"] == []
    assert all("note" not in c for c in doc["cooperations"])
    assert all(set(m) <= {"id", "title", "date", "place", "attendance"} for m in doc["meetings"])
    # public values are still there
    consented = [p for p in marked[0]["persons"] if p.get("consent")]
    assert consented[1]["name"] in text
    assert len(doc["persons"]) == len(consented) == 36


def test_persons_without_consent_leave_no_trace(marked, marked_net):
    text = json.dumps(public_document(marked_net), ensure_ascii=False)
    for p in marked[0]["persons"]:
        if not p.get("consent"):
            assert f'"{p["id"]}"' not in text


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "graphml", "gexf"])
def test_public_file_exports_have_no_internal_value(marked, marked_net, tmp_path: Path, fmt: str):
    files = export_network(marked_net, fmt, tmp_path / f"public.{fmt}", public_only=True)
    for f in files:
        if fmt == "xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(f, read_only=True)
            text = "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row)
        else:
            text = f.read_text(encoding="utf-8-sig")
        assert_no_marker(text, marked[1], f.name)


def test_public_network_and_brochure_data_have_no_internal_value(marked, marked_net, vocab):
    pub = public_network(marked_net)
    assert_no_marker(json.dumps(pub.to_dict(), ensure_ascii=False), marked[1], "public_network")
    for lang in ("de", "ar"):
        data = brochure_data(marked_net, vocab, lang)
        assert_no_marker(json.dumps(data, ensure_ascii=False), marked[1], f"brochure data ({lang})")
    data = brochure_data(marked_net, vocab)
    assert data["counts"]["organisations"] == len(marked_net.organisations)
    # a consented person with a public phone keeps it in the public projection
    visible = [p for p in pub.persons if p.phone]
    assert visible == [] or all(p.visibility.get("phone") == "public" for p in visible)


def test_public_network_keeps_publicly_marked_phone(vocab):
    net = parse_network(
        {
            "organisations": [{"id": "a", "name": "A", "kind": "education"}],
            "persons": [
                {
                    "id": "p1",
                    "name": "Ada",
                    "phone": "0219 12345",
                    "organisations": ["a"],
                    "consent": {"date": "2025-01-01", "version": "1.0"},
                    "visibility": {"phone": "public"},
                },
                {
                    "id": "p2",
                    "name": "Bo",
                    "phone": "0219 54321",
                    "organisations": ["a"],
                    "consent": {"date": "2025-01-01", "version": "1.0"},
                },
            ],
        },
        vocab,
    )
    contacts = brochure_data(net, vocab)["entries"][0]["contacts"]
    assert [(c["name"], c["phone"]) for c in contacts] == [("Ada", "0219 12345"), ("Bo", "")]


def _seed(store, doc: dict[str, Any]) -> None:
    store.init()
    import_document(store, doc)


def test_withdraw_consent_removes_the_person_from_all_public_output(store, demo_doc, vocab):
    _seed(store, demo_doc)
    person = next(p for p in demo_doc["persons"] if p.get("consent"))
    before = json.dumps(public_document(store.snapshot().network), ensure_ascii=False)
    assert person["name"] in before
    assert withdraw_consent(store, person["id"], "anna") is True
    net = store.snapshot().network
    after = json.dumps(public_document(net), ensure_ascii=False)
    assert person["name"] not in after and f'"{person["id"]}"' not in after
    assert person["name"] not in json.dumps(brochure_data(net, vocab), ensure_ascii=False)
    assert withdraw_consent(store, person["id"], "anna") is False
    entries = audit_log(store, kind="person", id=person["id"], include_changes=False)
    assert [(e.actor, e.action, e.detail) for e in entries] == [("anna", "change", {"consent": "withdrawn"})]
    with pytest.raises(NotFoundError):
        withdraw_consent(store, "nobody", "anna")


def test_subject_data_of_a_person_and_an_organisation(store, demo_doc):
    _seed(store, demo_doc)
    meeting = demo_doc["meetings"][0]
    pid = meeting["persons"][0]
    record_access(store, "anna", "view", "person", pid)
    doc = subject_data(store, "person", pid)
    assert doc["record"]["data"]["id"] == pid
    kinds = {(r["kind"], r["id"]) for r in doc["referenced_by"]}
    assert ("meeting", meeting["id"]) in kinds
    assert [a["data"]["actor"] for a in doc["audit"]] == ["anna"]
    assert doc["changes"] and doc["changes"][0]["action"] == "create"
    csv_text = subject_csv(doc)
    assert csv_text.startswith("section,kind,id,version,updated_at,updated_by,field,value\n")
    assert f"record,person,{pid}," in csv_text

    org = demo_doc["organisations"][0]["id"]
    odoc = subject_data(store, "organisation", org)
    okinds = {r["kind"] for r in odoc["referenced_by"]}
    assert {"person", "cooperation", "meeting"} <= okinds
    with pytest.raises(NotFoundError):
        subject_data(store, "person", "nobody")


def _all_json(store) -> str:
    return "\n".join(json.dumps(r.data, ensure_ascii=False) + r.id for r in read_records(store))


def test_erase_person_leaves_only_an_anonymous_audit_entry(store, demo_doc):
    _seed(store, demo_doc)
    person = next(p for p in demo_doc["persons"] if any(p["id"] in m["persons"] for m in demo_doc["meetings"]))
    pid = person["id"]
    record_access(store, "anna", "view", "person", pid, on_behalf_of=person["organisations"][0])
    before = _all_json(store)
    assert f'"{pid}"' in before and person["name"] in before

    report = erase_person(store, pid, "admin")

    after = _all_json(store)
    for value in (pid, person["name"], person["email"], person["phone"]):
        assert value and value not in after, value
    assert store.get("person", pid) is None
    for m in store.list("meeting"):
        assert pid not in m.data.get("persons", [])
    erased = [r.data for r in store.list("audit") if r.data["action"] == "erase"]
    assert erased == [
        {
            "at": erased[0]["at"],
            "actor": "admin",
            "action": "erase",
            "kind": "person",
            "id": report.reference,
            "on_behalf_of": None,
            "detail": {"updated": len(report.updated), "anonymised_audit": 1},
        }
    ]
    assert ("meeting", demo_doc["meetings"][0]["id"]) in report.updated or report.updated
    # the rest of the network is intact and still loads
    assert len(store.snapshot().network.persons) == len(demo_doc["persons"]) - 1
    with pytest.raises(NotFoundError):
        erase_person(store, pid, "admin")


def test_erase_person_retries_when_another_writer_came_first(sqlite_store, demo_doc, monkeypatch):
    _seed(sqlite_store, demo_doc)
    real = sqlite_store.apply
    calls = {"n": 0}

    def flaky(ops, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConflictError("person", "p-001", 1, None)
        return real(ops, **kw)

    monkeypatch.setattr(sqlite_store, "apply", flaky)
    erase_person(sqlite_store, "p-001", "admin")
    assert calls["n"] == 2
    assert sqlite_store.get("person", "p-001") is None


# ---------------------------------------------------------------------------
# minimisation
# ---------------------------------------------------------------------------
def test_person_has_no_special_category_fields():
    names = {f.name for f in dataclasses.fields(Person)}
    assert not names & set(SPECIAL_CATEGORIES)
    assert names == {
        "id",
        "name",
        "organisations",
        "role",
        "email",
        "phone",
        "consent_date",
        "consent_version",
        "visibility",
    }


@pytest.mark.parametrize("field", ["ethnicity", "religion", "nationality", "health"])
def test_special_category_fields_are_rejected_on_import(field: str, vocab):
    person, issues = parse_person({"id": "p1", "name": "Ada", field: "x"}, vocab)
    assert person is None
    assert [(i.field, i.code) for i in issues] == [(field, "unknown_field")]
    with pytest.raises(ValidationError) as exc:
        parse_network({"persons": [{"id": "p1", "name": "Ada", field: "x"}]}, vocab)
    assert any(i.field == field and i.code == "unknown_field" for i in exc.value.issues)
