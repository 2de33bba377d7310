"""The CLI for joint projects, funding referral and workshop planning, on the demo network."""

from __future__ import annotations

import json

from graph.planning import builtin_templates


def invoke(runner, *args):
    result = runner.invoke(args=list(args))
    return result


def test_project_ideas_json(runner, demo_app):
    result = invoke(runner, "projects", "--top", "3", "--json", "--today", "2026-08-01")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert 1 <= len(doc["ideas"]) <= 3
    for idea in doc["ideas"]:
        assert idea["template"] in {t.id for t in builtin_templates()}
        assert idea["team"]["members"] and idea["shared_topics"]
        assert all(m["role_labels"] and m["name"] for m in idea["team"]["members"])
        assert all(m["deadline"] is None or m["deadline"] >= "2026-08-01" for m in idea["funding"]["matches"])


def test_teams_for_a_template_around_an_org(runner, demo_app):
    result = invoke(
        runner,
        "projects",
        "--template",
        "homework_help",
        "--org",
        "elternnetzwerk-koepru",
        "--top",
        "3",
        "--json",
        "--lang",
        "en",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["template"] == "homework_help" and len(doc["teams"]) == 3
    roles = {r.id for r in builtin_templates()[0].roles}
    for team in doc["teams"]:
        assert team["members"][0]["org"] == "elternnetzwerk-koepru"
        assert set(team["roles"]) == roles and all(team["roles"].values())
        for m in team["members"]:
            assert m["tie"] and m["tie"]["partner"] and m["tie"]["kind"] and m["tie"]["text"]
    assert doc["teams"][0]["template_label"] == "Homework help"


def test_text_output_uses_vocabulary_labels(runner, demo_app):
    result = invoke(runner, "projects", "--template", "women_breakfast", "--lang", "tr", "--top", "1")
    assert result.exit_code == 0, result.output
    assert "Kadınlar kahvaltısı" in result.output and "Mekân sağlar" in result.output
    result = invoke(runner, "projects", "--org", "elternnetzwerk-koepru", "--top", "2", "--lang", "ar")
    assert result.exit_code == 0 and "1. " in result.output and "2. " in result.output
    ideas = invoke(runner, "projects", "--top", "1", "--lang", "uk")
    assert ideas.exit_code == 0 and "1. " in ideas.output


def test_unknown_template_and_org(runner, demo_app):
    bad = invoke(runner, "projects", "--template", "zauberschule")
    assert bad.exit_code == 2 and "unknown template 'zauberschule'" in bad.output and "homework_help" in bad.output
    bad = invoke(runner, "projects", "--org", "gibt-es-nicht")
    assert bad.exit_code == 2 and "unknown organisation" in bad.output
    bad = invoke(runner, "funding", "gibt-es-nicht")
    assert bad.exit_code == 2


def test_stored_template_is_used(runner, demo_app):
    store = demo_app.extensions["remo_store"].store
    store.create(
        "project_template",
        "reading_club",
        {
            "id": "reading_club",
            "labels": {"de": "Lesekreis", "en": "Reading club"},
            "topics": ["culture"],
            "roles": [
                {"id": "room_provider", "labels": {"de": "Raum"}, "any": [{"offers": ["rooms"]}]},
                {"id": "readers", "labels": {"de": "Vorlesende"}, "any": [{"languages": ["tr"]}]},
            ],
        },
    )
    result = invoke(runner, "projects", "--template", "reading_club", "--json", "--top", "2")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["teams"][0]["template_label"] == "Lesekreis"


def test_funding_json_and_why_not(runner, demo_app):
    result = invoke(runner, "funding", "kulturverein-yesil-vadi", "--json", "--today", "2026-08-01")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["organisation"] == "kulturverein-yesil-vadi" and doc["matches"]
    assert doc["matches"][0]["programme"] == "integrationsfonds-remscheid"
    assert all(m["programme"] not in ("mehrsprachig-lernen", "raeume-fuer-begegnung") for m in doc["matches"])
    assert doc["excluded"]["deadline"] == 2
    none = invoke(runner, "funding", "fachdienst-jugendfoerderung", "--lang", "en", "--today", "2026-08-01")
    assert none.exit_code == 0
    assert "No open funding programme fits right now." in none.output
    assert "not for this kind of organisation: 9" in none.output
    text = invoke(runner, "funding", "kulturverein-yesil-vadi", "--lang", "en", "--today", "2026-08-01")
    assert "Integrationsfonds Remscheid" in text.output and "Intercultural" in text.output


def test_workshops_drop_attendees(runner, demo_app):
    before = json.loads(invoke(runner, "workshops", "--json", "--today", "2026-08-01").output)["proposals"]
    top = before[0]
    assert top["theme"] == "funding_application_help" and top["invitees"] and top["languages"]
    came = [x["org"] for x in top["invitees"][:3]]
    store = demo_app.extensions["remo_store"].store
    store.create(
        "workshop",
        "w1",
        {
            "id": "w1",
            "title": "Anträge",
            "capability": "funding_application_help",
            "date": "2026-05-01",
            "place": "",
            "attendance": came,
            "note": "",
        },
    )
    store.create(
        "proposal",
        "p1",
        {
            "id": "p1",
            "title": "Satzung und Vorstand",
            "capability": "association_management",
            "by": came[0],
            "supporters": came[1:],
            "created_at": "2026-05-02",
            "description": "",
            "status": "open",
        },
    )
    after = json.loads(invoke(runner, "workshops", "--json", "--today", "2026-08-01").output)["proposals"]
    theme = next(p for p in after if p["theme"] == "funding_application_help")
    assert not set(came) & {x["org"] for x in theme["invitees"]}
    assert theme["attended_before"] == sorted(came)
    club = next(p for p in after if p["theme"] == "association_management")
    assert club["proposals"] == ["p1"] and club["label"] == "Satzung und Vorstand"
    text = invoke(runner, "workshops", "--lang", "en", "--top", "3", "--today", "2026-08-01")
    assert text.exit_code == 0 and " 1. " in text.output and "invite:" in text.output


def test_team_text_says_a_shared_role_once(runner, demo_app):
    result = invoke(runner, "projects", "--template", "homework_help", "--lang", "en", "--top", "3")
    assert result.exit_code == 0, result.output
    blocks = result.output.split("Homework help  [")[1:]
    assert len(blocks) == 3
    for block in blocks:
        assert block.count("Legal entity eligible for funding") == 1
        assert "every member: " in block
    assert "Elternnetzwerk Köprü" in blocks[0] and "works on Homework help" in blocks[0]
    doc = json.loads(invoke(runner, "projects", "--template", "homework_help", "--json", "--top", "3").output)
    top = doc["teams"][0]
    assert "legal_entity" in top["shared_roles"]
    assert abs(top["score"] - top["affinity"] - top["topic"] - (0.1 if top["mixed"] else 0)) < 1e-3


def test_funding_text_for_a_first_application(runner, demo_app):
    result = invoke(runner, "funding", "elternnetzwerk-koepru", "--lang", "en", "--today", "2026-08-01")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Small programmes with little effort first" in out
    assert out.index("Zukunft Jugend") < out.index("Brücken in Beschäftigung")
    assert "large programme with a high effort; for a first application Zukunft Jugend" in out
    doc = json.loads(invoke(runner, "funding", "elternnetzwerk-koepru", "--json", "--today", "2026-08-01").output)
    assert doc["first_applicant"] == ["application_help"]
    assert doc["matches"][-1]["programme"] == "bruecken-in-beschaeftigung"
    assert doc["matches"][-1]["warning"] == "large_for_first_application"


def test_idea_text_says_a_shared_role_once(runner, demo_app):
    result = invoke(runner, "projects", "--top", "3", "--lang", "en", "--today", "2026-08-01")
    assert result.exit_code == 0, result.output
    for block in result.output.split("\n    team:")[1:]:
        team = block.split("funding:")[0]
        if "every member: " in team.splitlines()[0]:
            assert team.count("Legal entity eligible for funding") <= 1
    assert "every member: " in result.output
