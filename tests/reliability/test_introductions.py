"""Moving an introduction to "cooperating" never overwrites a cooperation (both stores).

The cooperation is a checked create in the same transaction as the status change: one that exists
already is kept with its note (and the pages say so), one written by somebody else between reading and
writing makes the move fail as a conflict, with nothing written.
"""

from __future__ import annotations

import datetime as dt

import pytest

from graph import ConflictError
from graph.model import Cooperation
from tests.web.conftest import login, post
from web.introductions import introduction_id, set_status

A, B = "elternnetzwerk-koepru", "kulturverein-yesil-vadi"


def _met(store) -> None:
    """An introduction between A and B at "met", and no cooperation between them."""
    for rec in store.list("cooperation"):
        if {rec.data["a"], rec.data["b"]} == {A, B}:
            store.delete("cooperation", rec.id)
    set_status(store, A, B, "met", actor="test", staff=True)


def _todays_coop(note: str) -> dict:
    return Cooperation(A, B, "other", since=dt.date.today().isoformat(), note=note).to_dict()


def test_an_existing_cooperation_keeps_its_note(any_store):
    _met(any_store)
    mine = _todays_coop("Vertrag unterschrieben, Ansprechpartnerin Frau K.")
    kept = any_store.create("cooperation", mine["id"], mine, actor="staff:ada")
    set_status(any_store, A, B, "cooperating", actor="staff:stefan", staff=True)
    assert any_store.get("introduction", introduction_id(A, B)).data["status"] == "cooperating"
    now = any_store.get("cooperation", mine["id"])
    assert (now.version, now.data) == (kept.version, kept.data)
    assert [r.id for r in any_store.list("cooperation") if {r.data["a"], r.data["b"]} == {A, B}] == [mine["id"]]


def test_a_cooperation_written_meanwhile_makes_the_move_a_conflict(any_store, monkeypatch):
    _met(any_store)
    intro_before = any_store.get("introduction", introduction_id(A, B))
    theirs = _todays_coop("written by a colleague at the same moment")
    real_apply = any_store.apply
    raced = []

    def racing_apply(ops, **kw):
        if not raced and any(op.kind == "cooperation" for op in ops):
            raced.append(real_apply([type(ops[0])("cooperation", theirs["id"], theirs, None)], actor="staff:ada"))
        return real_apply(ops, **kw)

    monkeypatch.setattr(any_store, "apply", racing_apply)
    with pytest.raises(ConflictError):
        set_status(any_store, A, B, "cooperating", actor="staff:stefan", staff=True)
    assert raced, "the move wrote a cooperation"
    monkeypatch.undo()
    intro = any_store.get("introduction", introduction_id(A, B))
    assert (intro.version, intro.data) == (intro_before.version, intro_before.data)  # atomic: status unchanged
    assert any_store.get("cooperation", theirs["id"]).data["note"] == theirs["note"]
    # moving again now keeps the colleague's record
    set_status(any_store, A, B, "cooperating", actor="staff:stefan", staff=True)
    assert any_store.get("cooperation", theirs["id"]).data == theirs


def test_the_desk_says_the_recorded_cooperation_was_kept(web_app, web_store):
    _met(web_store)
    mine = _todays_coop("Vertrag unterschrieben")
    web_store.create("cooperation", mine["id"], mine, actor="staff:ada")
    intro = web_store.get("introduction", introduction_id(A, B))
    staff = web_app.test_client()
    login(staff, "stefan")
    resp = post(staff, f"/desk/introductions/{intro.id}", {"status": "cooperating", "version": intro.version})
    assert resp.status_code == 302
    html = staff.get("/desk").get_data(as_text=True)
    assert "kooperieren bereits; ihre erfasste Kooperation bleibt unverändert" in html
    assert web_store.get("cooperation", mine["id"]).data["note"] == "Vertrag unterschrieben"
