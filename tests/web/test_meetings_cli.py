"""``remo plan-meeting`` and ``remo meeting-outcomes``: JSON shape, saved plans, outcomes, bad input."""

from __future__ import annotations

import itertools
import json

from graph.model import parse_introduction
from matching import parse_plan

MEETING = "austauschtreffen-2025-1"


def pairs_of(rounds):
    return [tuple(sorted(p)) for tables in rounds for t in tables for p in itertools.combinations(t, 2)]


def test_plan_meeting_json(runner, demo_app):
    result = runner.invoke(args=["plan-meeting", MEETING, "--rounds", "2", "--table-size", "4", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    store = demo_app.extensions["remo_store"].store
    attendance = sorted(store.get("meeting", MEETING).data["attendance"])
    assert len(doc["rounds"]) == 2
    for tables in doc["rounds"]:
        assert sorted(o for t in tables for o in t) == attendance
        assert all(3 <= len(t) <= 5 for t in tables)
    pairs = pairs_of(doc["rounds"])
    assert len(pairs) == len(set(pairs))
    assert doc["score"] > 0 and doc["upper_bound"] >= doc["score"]
    assert {(p["a"], p["b"]) for p in doc["pairs"]} == set(pairs)
    assert all(r["text"] and "%(" not in r["text"] for p in doc["pairs"] for r in p["reasons"])
    assert store.get("meeting_plan", MEETING) is None  # not saved without --save


def test_plan_meeting_save_text_and_history(runner, demo_app):
    result = runner.invoke(args=["plan-meeting", MEETING, "--rounds", "2", "--save", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Round 2" in result.output and "Table 1" in result.output and "Plan saved." in result.output
    store = demo_app.extensions["remo_store"].store
    plan, issues = parse_plan(store.get("meeting_plan", MEETING).data)
    assert not issues and len(plan.rounds) == 2 and plan.created_by == "cli"


def test_plan_attendees_file(runner, demo_app, tmp_path):
    ids = demo_app.extensions["remo_store"].store.snapshot().org_ids[:22]
    path = tmp_path / "guests.txt"
    path.write_text("# guests\n" + "\n".join(ids) + "\n\n", encoding="utf-8")
    result = runner.invoke(
        args=["plan-meeting", "--attendees", str(path), "--rounds", "3", "--table-size", "5", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert len(doc["rounds"]) == 3 and all(len(t) in (4, 5, 6) for r in doc["rounds"] for t in r)
    result = runner.invoke(
        args=["plan-meeting", "--attendees", str(path), "--format", "pairs", "--rounds", "3", "--json"]
    )
    doc = json.loads(result.output)
    assert all(len(t) == 2 for r in doc["rounds"] for t in r)


def test_bad_input(runner, demo_app, tmp_path):
    path = tmp_path / "guests.txt"
    ids = demo_app.extensions["remo_store"].store.snapshot().org_ids[:8]
    path.write_text("\n".join([*ids, "gibt-es-nicht"]), encoding="utf-8")
    result = runner.invoke(args=["plan-meeting", "--attendees", str(path)])
    assert result.exit_code == 1 and "guests.txt line 9" in result.output and "gibt-es-nicht" in result.output
    path.write_text("\n".join(ids), encoding="utf-8")
    result = runner.invoke(args=["plan-meeting", "--attendees", str(path), "--rounds", "3", "--table-size", "4"])
    assert result.exit_code == 1 and "at most 1 round" in result.output
    result = runner.invoke(args=["plan-meeting", "--attendees", str(path), "--table-size", "12"])
    assert result.exit_code == 1 and "Seats per table" in result.output and "between 2 and 8" in result.output
    result = runner.invoke(args=["plan-meeting", "--attendees", str(path), "--format", "pairs", "--rounds", "8"])
    assert result.exit_code == 1 and "at most 7 rounds" in result.output
    assert runner.invoke(args=["plan-meeting"]).exit_code == 2
    assert runner.invoke(args=["plan-meeting", MEETING, "--attendees", str(path)]).exit_code == 2
    assert runner.invoke(args=["plan-meeting", "--attendees", str(path), "--save"]).exit_code == 2
    missing = runner.invoke(args=["plan-meeting", "kein-treffen"])
    assert missing.exit_code == 1 and "unknown meeting 'kein-treffen'" in missing.output


def test_conflicting_constraints(runner, demo_app):
    store = demo_app.extensions["remo_store"].store
    rec = store.get("meeting", MEETING)
    a, b, c = rec.data["attendance"][:3]
    data = {**rec.data, "format": "pairs", "must_meet": [[a, b], [a, c]]}
    store.update("meeting", MEETING, data, rec.version)
    result = runner.invoke(args=["plan-meeting", MEETING])
    name = store.get("organisation", a).data["name"]
    assert result.exit_code == 1 and f"{name} is to meet more organisations (2)" in result.output
    assert a not in result.output and "must_meet" not in result.output
    result = runner.invoke(args=["plan-meeting", MEETING, "--rounds", "2", "--json"])
    assert result.exit_code == 0, result.output
    seated = set(pairs_of(json.loads(result.output)["rounds"]))
    assert tuple(sorted((a, b))) in seated and tuple(sorted((a, c))) in seated


def test_meeting_outcomes(runner, demo_app):
    store = demo_app.extensions["remo_store"].store
    a, b, c = store.get("meeting", MEETING).data["attendance"][5:8]
    result = runner.invoke(
        args=["meeting-outcomes", MEETING, "--met", f"{a}:{b}", "--agreed", f"{b}:{c}", "--by", "stefan"]
    )
    assert result.exit_code == 0, result.output
    intros = [
        r.data
        for r in store.list("introduction")
        if r.data.get("meeting") == MEETING and {r.data["a"], r.data["b"]} in ({a, b}, {b, c})
    ]
    assert sorted(i["status"] for i in intros) == ["accepted", "met"]
    assert all(i["by"] == "stefan" and parse_introduction(i)[0] is not None for i in intros)
    bad = runner.invoke(args=["meeting-outcomes", MEETING, "--met", f"{a}:gibt-es-nicht", "--by", "stefan"])
    assert bad.exit_code == 1 and "Not registered for this meeting: gibt-es-nicht." in bad.output
    assert runner.invoke(args=["meeting-outcomes", MEETING, "--met", "nur-eins", "--by", "x"]).exit_code == 2


def test_arabic_agenda_pdf_is_shaped_right_to_left(demo_app):
    """With uharfbuzz (a dependency) an Arabic agenda PDF is written in Arabic, not German."""
    import io

    import pypdf

    from graph import Meeting
    from matching import plan_meeting
    from web.extensions import get_store
    from web.meeting_plans import plan_pdf

    with demo_app.app_context():
        snap = get_store().snapshot()
        meeting = Meeting(id="m", title="Treffen", attendance=snap.org_ids[:8])
        plan = plan_meeting(snap, meeting)
        data = plan_pdf(plan, snap, lang="ar", title="Treffen")
    assert data[:4] == b"%PDF"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in text)


def test_impossible_rounds_are_said_in_the_cli_language(runner, demo_app, tmp_path):
    path = tmp_path / "guests.txt"
    path.write_text("\n".join(demo_app.extensions["remo_store"].store.snapshot().org_ids[:15]), encoding="utf-8")
    demo_app.config["REMO_CLI_LANG"] = "de"  # as `remo --lang de` sets it
    result = runner.invoke(args=["plan-meeting", "--attendees", str(path), "--rounds", "8", "--table-size", "3"])
    assert result.exit_code == 1
    assert "Ohne Wiederholungen unmöglich: 15 Organisationen an Tischen zu 3 können höchstens 7 Runden" in result.output
    assert "mindestens 2" in result.output and "too many rounds" not in result.output


def test_repeats_of_the_best_plan_are_shown_and_saved_only_when_accepted(runner, demo_app):
    """32 at tables of 4 for 10 rounds exists (Aguado) but is not found in a second: the best plan is offered."""
    store = demo_app.extensions["remo_store"].store
    rec = store.get("meeting", MEETING)
    orgs = store.snapshot().org_ids[:32]
    store.update("meeting", MEETING, {**rec.data, "attendance": orgs}, rec.version)
    names = {o.id: o.name for o in store.snapshot().network.organisations}
    args = ["plan-meeting", MEETING, "--rounds", "10", "--table-size", "4", "--time-limit", "1"]
    result = runner.invoke(args=[*args, "--save"])
    assert result.exit_code == 1 and "repeated meeting" in result.output and "--accept-repeats" in result.output
    assert store.get("meeting_plan", MEETING) is None
    assert any(names[o] in result.output for o in orgs)
    result = runner.invoke(args=[*args, "--save", "--accept-repeats"])
    assert result.exit_code == 0, result.output
    plan, issues = parse_plan(store.get("meeting_plan", MEETING).data)
    assert not issues and plan.repeats and plan.repeats_accepted_by == "cli"


def test_outcomes_of_a_future_meeting_are_refused(runner, demo_app):
    store = demo_app.extensions["remo_store"].store
    rec = store.get("meeting", MEETING)
    store.update("meeting", MEETING, {**rec.data, "date": "2999-01-01"}, rec.version)
    a, b = rec.data["attendance"][:2]
    result = runner.invoke(args=["meeting-outcomes", MEETING, "--met", f"{a}:{b}", "--by", "stefan"])
    assert result.exit_code == 1 and "once the meeting has taken place" in result.output
    assert not [
        r for r in store.list("introduction") if r.data.get("meeting") == MEETING and r.data.get("at") == "2999-01-01"
    ]
