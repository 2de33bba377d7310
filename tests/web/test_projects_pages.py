"""Pages of joint projects, funding referral and workshop planning: roles, forms, CSRF, escaping."""

from __future__ import annotations

import re

from tests.web.conftest import ORG, OTHER_ORG, form_data, login, post


def _fill(data, values: dict):
    """Set form fields like a browser would (replacing, not adding values)."""
    for key, value in values.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def _client(web_app, user: str | None):
    client = web_app.test_client()
    if user:
        login(client, user)
    return client


# ---------------------------------------------------------------------------
# project ideas and the team builder
# ---------------------------------------------------------------------------
def test_project_ideas_for_staff_show_team_ties_and_funding(web_app):
    staff = _client(web_app, "stefan")
    resp = staff.get("/projects", headers={"Accept-Language": "en"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html.count('id="idea-') >= 3
    assert "strongest tie:" in html
    assert "Funding" in html and "%(" not in html


def test_project_ideas_for_representative_only_involve_their_organisation(web_app, web_store):
    rep = _client(web_app, "rana")
    html = rep.get("/projects").get_data(as_text=True)
    ideas = re.findall(r'<li class="card" id="idea-\d+">(.*?)</details>', html, re.S)
    assert ideas
    assert all(f'/org/{ORG}"' in i for i in ideas)


def test_team_builder_suggests_teams_and_validates(web_app):
    staff = _client(web_app, "stefan")
    html = staff.get("/projects/teams?template=language_cafe&k=3", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert len(re.findall(r'<li class="card" id="team-\d+">', html)) == 3
    assert "strongest tie:" in html
    # ad-hoc roles with a topic
    resp = staff.get("/projects/teams?template=&roles=room_provider&roles=volunteers&topic=sport&k=2")
    assert resp.status_code == 200 and 'id="team-1"' in resp.get_data(as_text=True)
    # nothing chosen: a message next to the roles, 422
    resp = staff.get("/projects/teams?template=&k=2", headers={"Accept-Language": "en"})
    assert resp.status_code == 422
    assert "Choose a template or at least one role." in resp.get_data(as_text=True)
    assert staff.get("/projects/teams?template=nope").status_code == 422


def test_team_builder_for_representative_is_around_their_organisation(web_app):
    rep = _client(web_app, "rana")
    html = rep.get("/projects/teams").get_data(as_text=True)
    assert f'value="{ORG}"' in html and f'value="{OTHER_ORG}"' not in html
    html = rep.get(f"/projects/teams?template=homework_help&org={ORG}&k=2").get_data(as_text=True)
    assert re.findall(r'<li class="card" id="team-\d+">', html)
    assert f'name="around" value="{ORG}"' in html
    assert rep.get(f"/projects/teams?template=homework_help&org={OTHER_ORG}").status_code == 403


def test_creating_a_project_from_a_team(web_app, web_store):
    from graph.model import parse_project

    staff = _client(web_app, "stefan")
    url = "/projects/teams?template=language_cafe&k=1"
    html = staff.get(url).get_data(as_text=True)
    form = html.split('action="/projects/teams/project"')[1].split("</form>")[0]
    members = re.findall(r'name="member" value="([^"]+)"', form)
    assert 3 <= len(members) <= 6
    data = {"member": members, "template": "language_cafe", "title": "Sprachcafé <Nord>", "next": url}
    resp = post(staff, "/projects/teams/project", data, token_from=url)
    assert resp.status_code == 302
    rec = web_store.get("project", "sprachcafe-nord")
    assert rec is not None and parse_project(rec.data, None)[0] is not None
    assert [m["org"] for m in rec.data["members"]] == [m.split(":")[0] for m in members]
    assert rec.data["template"] == "language_cafe" and rec.data["topics"]
    page = staff.get("/projects").get_data(as_text=True)
    assert "Sprachcafé &lt;Nord&gt;" in page and "<Nord>" not in page
    # without CSRF token: refused
    resp = staff.post("/projects/teams/project", data=data)
    assert resp.status_code == 400
    # a representative may only record a team around their own organisation
    rep = _client(web_app, "otto")
    resp = post(rep, "/projects/teams/project", data, token_from="/projects")
    assert resp.status_code == 403


def test_team_to_introductions(web_app, web_store):
    rep = _client(web_app, "rana")
    url = f"/projects/teams?template=homework_help&org={ORG}&k=1"
    html = rep.get(url).get_data(as_text=True)
    form = html.split('action="/projects/teams/introductions"')[1].split("</form>")[0]
    members = re.findall(r'name="member" value="([^"]+)"', form)
    before = len(web_store.list("introduction"))
    resp = post(rep, "/projects/teams/introductions", {"member": members, "around": ORG, "next": url}, token_from=url)
    assert resp.status_code == 302
    intros = web_store.list("introduction")
    assert len(intros) > before
    new = [r for r in intros if r.data["by"] == "representative:rana"]
    assert new and all(ORG in (r.data["a"], r.data["b"]) and r.data["status"] == "accepted" for r in new)


# ---------------------------------------------------------------------------
# project templates
# ---------------------------------------------------------------------------
def test_templates_list_create_edit_delete(web_app, web_store):
    staff = _client(web_app, "stefan")
    html = staff.get("/projects/templates", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="tpl-language_cafe"' in html
    data = form_data(staff.get("/projects/templates/new").get_data(as_text=True))
    _fill(
        data,
        {
            "id": "reading_club",
            "label_de": "Lesekreis <b>",
            "topics": "culture",
            "role_0_shared": "room_provider",
            "role_1_shared": "custom",
            "role_1_id": "readers",
            "role_1_label_de": "Vorlesende",
            "role_1_c0_languages": "Türkisch, Arabisch",
        },
    )
    resp = staff.post("/projects/templates/new", data=data)
    assert resp.status_code == 302, re.findall(r"error-text[^<]*<|<li>[^<]*</li>", resp.get_data(as_text=True))
    rec = web_store.get("project_template", "reading_club")
    assert rec.data["roles"][1] == {
        "id": "readers",
        "labels": {"de": "Vorlesende"},
        "any": [{"languages": ["tr", "ar"]}],
    }
    html = staff.get("/projects/templates").get_data(as_text=True)
    assert "Lesekreis &lt;b&gt;" in html
    # the team builder offers it
    assert 'value="reading_club"' in staff.get("/projects/teams").get_data(as_text=True)
    # edit: an unknown term is reported next to its field with the closest terms
    data = form_data(staff.get("/projects/templates/reading_club/edit").get_data(as_text=True))
    assert data["role_1_c0_languages"]
    data["role_1_c0_languages"] = "Türkish"
    resp = staff.post("/projects/templates/reading_club/edit", data=data, headers={"Accept-Language": "en"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    field = html.split('id="role_1_c0_languages-error"')[1].split("</p>")[0]
    assert "Türkish" in field and "Turkish" in field
    data["role_1_c0_languages"] = "tr"
    assert staff.post("/projects/templates/reading_club/edit", data=data).status_code == 302
    # no roles at all: refused
    data = form_data(staff.get("/projects/templates/new").get_data(as_text=True))
    _fill(data, {"id": "empty", "label_en": "Empty"})
    resp = staff.post("/projects/templates/new", data=data)
    assert resp.status_code == 422 and web_store.get("project_template", "empty") is None
    # delete (CSRF required)
    assert staff.post("/projects/templates/reading_club/delete").status_code == 400
    assert post(staff, "/projects/templates/reading_club/delete", token_from="/projects/templates").status_code == 302
    assert web_store.get("project_template", "reading_club") is None


def test_adapting_a_builtin_template_and_undoing_it(web_app, web_store):
    staff = _client(web_app, "stefan")
    page = staff.get("/projects/templates/language_cafe/edit").get_data(as_text=True)
    data = form_data(page)
    data["label_de"] = "Sprachtreff"
    resp = staff.post("/projects/templates/language_cafe/edit", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    rec = web_store.get("project_template", "language_cafe")
    from graph.planning import builtin_templates

    original = next(t for t in builtin_templates() if t.id == "language_cafe").to_dict()
    assert rec.data["roles"] == original["roles"] and rec.data["labels"]["de"] == "Sprachtreff"
    assert post(staff, "/projects/templates/language_cafe/delete", token_from="/projects/templates").status_code == 302
    assert web_store.get("project_template", "language_cafe") is None


# ---------------------------------------------------------------------------
# funding
# ---------------------------------------------------------------------------
EXPIRED = ("raeume-fuer-begegnung", "mehrsprachig-lernen")  # deadlines 2025-11-30 and 2026-06-30 in the demo


def _expire(web_store, prog_id: str = "zukunft-jugend") -> None:
    """Make sure one programme's deadline has passed, whatever today is."""
    rec = web_store.get("funding_programme", prog_id)
    web_store.update("funding_programme", prog_id, {**rec.data, "deadline": "2020-01-31"}, rec.version, actor="test")


def test_public_catalogue_shows_only_open_programmes(web_app, web_store):
    _expire(web_store)
    anon = _client(web_app, None)
    html = anon.get("/funding").get_data(as_text=True)
    assert 'id="prog-integrationsfonds-remscheid"' in html
    assert 'id="prog-zukunft-jugend"' not in html
    for prog in EXPIRED:
        rec = web_store.get("funding_programme", prog)
        if rec.data.get("deadline") and rec.data["deadline"] < __import__("datetime").date.today().isoformat():
            assert f'id="prog-{prog}"' not in html
    # filters
    html = anon.get("/funding?topic=sport").get_data(as_text=True)
    assert 'id="prog-sport-und-ankommen"' in html and 'id="prog-frauen-staerken"' not in html
    html = anon.get("/funding?region=Bund&kind=nonsense").get_data(as_text=True)
    assert 'id="prog-digital-dabei"' in html and 'id="prog-integrationsfonds-remscheid"' not in html
    # staff see the expired one only on the manage page, marked
    staff = _client(web_app, "stefan")
    assert 'id="prog-zukunft-jugend"' not in staff.get("/funding").get_data(as_text=True)
    html = staff.get("/funding/manage", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="prog-zukunft-jugend"' in html and "Deadline passed" in html


def test_funding_for_org_with_reasons_and_why_not(web_app, web_store):
    rep = _client(web_app, "rana")
    html = rep.get(f"/org/{ORG}/funding", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="prog-zukunft-jugend"' in html and "funds your topics:" in html
    _expire(web_store)
    html = rep.get(f"/org/{ORG}/funding", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="prog-zukunft-jugend"' not in html
    staff = _client(web_app, "stefan")
    html = staff.get("/org/fachdienst-jugendfoerderung/funding", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "No open funding programme fits right now." in html
    assert "not for this kind of organisation: " in html and "Programmes checked: 11" in html
    assert rep.get(f"/org/{OTHER_ORG}/funding").status_code == 403
    assert staff.get("/org/nope/funding").status_code == 404


def test_staff_create_edit_conflict_and_delete_programme(web_app, web_store):
    staff = _client(web_app, "stefan")
    data = form_data(staff.get("/funding/new").get_data(as_text=True))
    _fill(
        data,
        {
            "name": "Kleiner Fonds <script>",
            "amount_min": "1.000",
            "amount_max": "500",
            "deadline": "2099-12-31",
            "topics": ["sport"],
            "url": "ftp:nope",
        },
    )
    resp = staff.post("/funding/new", data=data, headers={"Accept-Language": "en"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="amount_max-error"' in html and 'id="url-error"' in html
    _fill(data, {"amount_max": "5.000,50", "url": "https://fonds.example"})
    assert staff.post("/funding/new", data=data).status_code == 302
    rec = web_store.get("funding_programme", "kleiner-fonds-script")
    assert rec.data["amount_min"] == 1000 and rec.data["amount_max"] == 5000.5
    assert rec.data["funds"]["topics"] == ["sport"]
    html = _client(web_app, None).get("/funding").get_data(as_text=True)
    assert "Kleiner Fonds &lt;script&gt;" in html and "<script>" not in html.split("<main")[1]
    # edit with a stale version: 409 with the fields changed meanwhile
    edit_url = "/funding/kleiner-fonds-script/edit"
    data = form_data(staff.get(edit_url).get_data(as_text=True))
    web_store.update("funding_programme", rec.id, {**rec.data, "funder": "Jemand"}, rec.version, actor="other")
    data["region"] = "Remscheid"
    resp = staff.post(edit_url, data=data, headers={"Accept-Language": "en"})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Somebody changed this programme" in html and "Jemand" in html
    resend = form_data(html)
    assert staff.post(edit_url, data=resend).status_code == 302
    assert web_store.get("funding_programme", rec.id).data["region"] == "Remscheid"
    # delete needs CSRF
    assert staff.post("/funding/kleiner-fonds-script/delete").status_code == 400
    assert post(staff, "/funding/kleiner-fonds-script/delete", token_from="/funding/manage").status_code == 302
    assert web_store.get("funding_programme", rec.id) is None


# ---------------------------------------------------------------------------
# workshops and proposals
# ---------------------------------------------------------------------------
def test_workshop_planning_and_recording(web_app, web_store):
    staff = _client(web_app, "stefan")
    html = staff.get("/workshops", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="theme-1"' in html and "Languages" in html and "migrant organisations" in html
    page = staff.get("/workshops/new?theme=funding_application_help").get_data(as_text=True)
    data = form_data(page)
    assert data["capability"] == "funding_application_help"
    _fill(data, {"date": "99.99.2020", "attendance": [ORG]})
    resp = staff.post("/workshops/new", data=data, headers={"Accept-Language": "en"})
    assert resp.status_code == 422 and 'id="date-error"' in resp.get_data(as_text=True)
    _fill(data, {"date": "01.03.2025", "title": "Anträge <schreiben>"})
    assert staff.post("/workshops/new", data=data).status_code == 302
    [rec] = web_store.list("workshop")
    assert rec.data["date"] == "2025-03-01" and rec.data["attendance"] == [ORG]
    html = staff.get("/workshops").get_data(as_text=True)
    assert "Anträge &lt;schreiben&gt;" in html
    theme = html.split("/workshops/new?theme=funding_application_help")[0].rsplit('<li class="card"', 1)[1]
    assert f"/org/{ORG}" not in theme  # attended: not invited again
    assert staff.post("/workshops/new", data={"title": "x"}).status_code == 400  # no CSRF token


def test_proposal_support_is_counted_once(web_app, web_store):
    rana = _client(web_app, "rana")
    html = rana.get("/proposals").get_data(as_text=True)
    data = form_data(html)
    _fill(data, {"title": "Vereinsfinanzen <verstehen>", "capability": "funding_application_help"})
    assert rana.post("/proposals/new", data=data).status_code == 302
    [rec] = web_store.list("proposal")
    assert rec.data["by"] == ORG and rec.data["supporters"] == [] and rec.data["status"] == "open"
    pid = rec.id
    # the proposer cannot support its own proposal a second time
    post(rana, f"/proposals/{pid}/support", {"org": ORG}, token_from="/proposals")
    assert web_store.get("proposal", pid).data["supporters"] == []
    otto = _client(web_app, "otto")
    for _ in range(2):
        assert post(otto, f"/proposals/{pid}/support", {"org": OTHER_ORG}, token_from="/proposals").status_code == 302
    assert web_store.get("proposal", pid).data["supporters"] == [OTHER_ORG]
    html = otto.get("/proposals", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2 organisations support it" in html and "Vereinsfinanzen &lt;verstehen&gt;" in html
    # only for one's own organisations, and only with a CSRF token
    assert post(otto, f"/proposals/{pid}/support", {"org": ORG}, token_from="/proposals").status_code == 403
    assert otto.post(f"/proposals/{pid}/support", data={"org": OTHER_ORG}).status_code == 400
    # staff see it ranked beside the needs-based themes and can change its status
    staff = _client(web_app, "stefan")
    html = staff.get("/workshops").get_data(as_text=True)
    assert f"#prop-{pid}" in html
    assert post(staff, f"/proposals/{pid}/status", {"status": "planned"}, token_from="/proposals").status_code == 302
    assert web_store.get("proposal", pid).data["status"] == "planned"
    assert post(otto, f"/proposals/{pid}/status", {"status": "done"}, token_from="/proposals").status_code == 403
    # withdrawing support
    post(otto, f"/proposals/{pid}/support", {"org": OTHER_ORG, "action": "withdraw"}, token_from="/proposals")
    assert web_store.get("proposal", pid).data["supporters"] == []


def test_proposal_form_validates(web_app, web_store):
    rana = _client(web_app, "rana")
    data = form_data(rana.get("/proposals").get_data(as_text=True))
    resp = rana.post("/proposals/new", data=data)
    assert resp.status_code == 422 and 'id="title-error"' in resp.get_data(as_text=True)
    assert web_store.list("proposal") == []
    # a user without organisation may read, not propose
    staff = _client(web_app, "stefan")
    assert staff.get("/proposals").status_code == 200
    assert post(staff, "/proposals/new", {"title": "x"}, token_from="/proposals").status_code == 403


def test_team_builder_homework_help_on_the_demo_network(web_app):
    """The homework-help organisations lead, teams differ, and the role all fill is said once."""
    staff = _client(web_app, "stefan")
    html = staff.get("/projects/teams?template=homework_help&k=5").get_data(as_text=True)
    cards = re.findall(r'<li class="card" id="team-\d+">(.*?)</details>', html, re.S)
    assert len(cards) == 5
    members = [set(re.findall(r'name="member" value="([^":]+):', c)) for c in cards]
    assert {"elternnetzwerk-koepru", "bildungsverein-al-jisr"} <= members[0]
    for i, later in enumerate(members):
        assert all(len(later & earlier) <= 1 for earlier in members[:i])
    label = "Förderfähiger Träger"
    for card, team in zip(cards, members, strict=True):
        shared = re.search(r"Alle Mitglieder erfüllen: ([^<]*)", card)
        if shared and label in shared.group(1):
            assert card.count(label) == 1  # said once, not for each member
        else:
            assert card.count(label) < len(team)
    assert "Alle Mitglieder erfüllen:" in cards[0] and label in cards[0]
    assert "arbeitet zu Hausaufgabenhilfe" in cards[0]


def test_funding_for_a_first_application_warns_about_a_large_programme(web_app):
    rep = _client(web_app, "rana")
    html = rep.get(f"/org/{ORG}/funding").get_data(as_text=True)
    cards = re.findall(r'<li class="card" id="prog-([^"]+)">(.*?)</li>\s*(?=<li class="card"|</ul>)', html, re.S)
    order = [c[0] for c in cards]
    assert order[0] == "zukunft-jugend" and order[-1] == "bruecken-in-beschaeftigung"
    assert "Kleine Programme mit wenig Aufwand zuerst" in html
    esf = dict(cards)["bruecken-in-beschaeftigung"]
    assert "großes Programm mit hohem Aufwand; für einen ersten Antrag eignet sich eher Zukunft Jugend" in esf
    assert "großes Programm" not in dict(cards)["zukunft-jugend"]
    # an organisation that does not ask for application help sees no warning
    staff = _client(web_app, "stefan")
    other = staff.get("/org/bildungsverein-al-jisr/funding").get_data(as_text=True)
    assert "bruecken-in-beschaeftigung" in other and "für einen ersten Antrag" not in other
    catalogue = staff.get("/funding").get_data(as_text=True)
    card = catalogue.split('id="prog-bruecken-in-beschaeftigung"')[1].split("</li>")[0]
    assert "großes Programm mit hohem Aufwand" in card


def test_team_builder_own_roles_use_the_chosen_topic(web_app):
    staff = _client(web_app, "stefan")
    html = staff.get("/projects/teams?template=&roles=room_provider&roles=volunteers&topic=homework_help&k=1").get_data(
        as_text=True
    )
    card = html.split('id="team-1"')[1]
    assert "arbeitet zu Hausaufgabenhilfe" in card
