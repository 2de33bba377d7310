"""The meeting planner pages: staff only, plan, lock, move and re-plan, print, PDF, CSV, outcomes."""

from __future__ import annotations

from matching import parse_plan
from tests.web.conftest import login, post

MEETING = "austauschtreffen-2025-2"
BASE = f"/meetings/{MEETING}"


def stored(store):
    plan, issues = parse_plan(store.get("meeting_plan", MEETING).data)
    assert not issues
    return plan


def test_only_staff(web_client):
    assert web_client.get("/meetings").status_code == 302
    login(web_client, "rana")
    assert web_client.get("/meetings").status_code == 403
    assert web_client.get(BASE).status_code == 403


def test_plan_lock_move_print_and_outcomes(web_client, web_store):
    login(web_client, "stefan")
    page = web_client.get("/meetings").get_data(as_text=True)
    assert MEETING in page
    resp = post(web_client, f"{BASE}/plan", {"rounds": "2", "table_size": "4", "format": "tables"}, token_from=BASE)
    assert resp.status_code == 302
    plan = stored(web_store)
    assert len(plan.rounds) == 2 and plan.created_by.endswith("stefan")
    html = web_client.get(BASE).get_data(as_text=True)
    assert "Tisch 1" in html or "Table 1" in html
    # lock table 2 of round 1, then move an organisation in round 2: locked tables survive the re-plan
    kept = plan.rounds[0][1]
    assert post(web_client, f"{BASE}/lock", {"round": "1", "table": "2"}, token_from=BASE).status_code == 302
    assert stored(web_store).is_locked(1, 2)
    org = plan.rounds[1][0][0]
    assert (
        post(web_client, f"{BASE}/move", {"round": "2", "table": "3", "org": org}, token_from=BASE).status_code == 302
    )
    after = stored(web_store)
    assert after.rounds[0][1] == kept and org in after.rounds[1][2]
    assert after.is_locked(2, 3) and after.is_locked(1, 2)
    pairs = [p for p in after.pair_set()]
    assert len(pairs) == sum(len(t) * (len(t) - 1) // 2 for r in after.rounds for t in r)
    # printing
    printed = web_client.get(f"{BASE}/print?lang=en").get_data(as_text=True)
    assert "Agenda for" in printed and "meetings-print.css" in printed and 'style="' not in printed
    pdf = web_client.get(f"{BASE}/plan.pdf")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF" and len(pdf.data) > 5000
    csv = web_client.get(f"{BASE}/plan.csv").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff") == "round;table;theme;organisation;name;with"
    # outcomes
    p = after.pairs[0]
    resp = post(web_client, f"{BASE}/outcomes", {"met": f"{p['a']}:{p['b']}"}, token_from=BASE)
    assert resp.status_code == 302
    intros = [r.data for r in web_store.list("introduction") if r.data.get("meeting") == MEETING]
    assert any({i["a"], i["b"]} == {p["a"], p["b"]} and i["status"] in ("met", "cooperating") for i in intros)


def test_bad_settings_are_explained(web_client, web_store):
    login(web_client, "stefan")
    resp = post(web_client, f"{BASE}/plan", {"rounds": "40"}, token_from=BASE, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "rounds" in html and web_store.get("meeting_plan", MEETING) is None


def test_staff_register_the_next_meeting_and_plan_it(web_client, web_store):
    """The issue's case: the next meeting, 40 organisations, 4 rounds, tables of 4, planned in the UI."""
    from itertools import combinations

    login(web_client, "stefan")
    assert "/meetings/new" in web_client.get("/meetings").get_data(as_text=True)
    orgs = [r.id for r in web_store.list("organisation")][:40]
    form = {
        "title": "ReMo-Austauschtreffen Frühjahr 2027",
        "date": "2027-03-18",
        "place": "Rathaus Remscheid",
        "rounds": "4",
        "format": "tables",
        "table_size": "4",
        "attendance": orgs,
    }
    resp = post(web_client, "/meetings/new", form, token_from="/meetings/new")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    meeting_id = resp.headers["Location"].rsplit("/", 1)[-1]
    stored_meeting = web_store.get("meeting", meeting_id).data
    assert sorted(stored_meeting["attendance"]) == sorted(orgs) and stored_meeting["rounds"] == 4
    plan_url = f"/meetings/{meeting_id}/plan"
    assert post(web_client, plan_url, {}, token_from=f"/meetings/{meeting_id}").status_code == 302
    plan, issues = parse_plan(web_store.get("meeting_plan", meeting_id).data)
    assert not issues and len(plan.rounds) == 4
    pairs = []
    for tables in plan.rounds:
        seated = [o for t in tables for o in t]
        assert sorted(seated) == sorted(orgs)  # everybody seated exactly once per round
        assert all(3 <= len(t) <= 5 for t in tables)
        pairs += [tuple(sorted(p)) for t in tables for p in combinations(t, 2)]
    assert len(pairs) == len(set(pairs))  # no pair meets twice
    # the same title and date again is refused; bad input names the field
    again = post(web_client, "/meetings/new", form, token_from="/meetings/new")
    assert again.status_code == 422 and 'id="m-title-error"' in again.get_data(as_text=True)
    bad = post(
        web_client,
        "/meetings/new",
        {**form, "title": "X", "table_size": "9", "attendance": orgs[:1]},
        token_from="/meetings/new",
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="m-table_size-error"' in html and 'id="m-attendance-error"' in html


def _flashes(html):
    import re

    return re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S)


def test_impossible_rounds_in_german_with_the_reason(web_client, web_store):
    from matching import rounds_bound

    login(web_client, "stefan")
    n = len(web_store.get("meeting", MEETING).data["attendance"])
    most, _why = rounds_bound(n, 4)
    resp = post(
        web_client,
        f"{BASE}/plan",
        {"rounds": str(most + 1), "table_size": "4", "format": "tables"},
        token_from=BASE,
        follow_redirects=True,
    )
    text = " ".join(_flashes(resp.get_data(as_text=True)))
    assert f"Ohne Wiederholungen unmöglich: {n} Organisationen an Tischen zu 4 können höchstens {most}" in text
    assert "too many rounds" not in text and "rounds:" not in text
    assert web_store.get("meeting_plan", MEETING) is None


def test_conflicts_name_the_organisations_in_german(web_client, web_store):
    login(web_client, "stefan")
    rec = web_store.get("meeting", MEETING)
    a, b, c = rec.data["attendance"][:3]
    web_store.update(
        "meeting", MEETING, {**rec.data, "format": "pairs", "rounds": 1, "must_meet": [[a, b], [a, c]]}, rec.version
    )
    resp = post(web_client, f"{BASE}/plan", {}, token_from=BASE, follow_redirects=True)
    text = " ".join(_flashes(resp.get_data(as_text=True)))
    name = web_store.get("organisation", a).data["name"]
    assert f"{name} soll mehr Organisationen treffen (2), als die Runden dieses Treffens erlauben (1)." in text
    assert a not in text and "must_meet" not in text


def test_creating_an_impossible_meeting_warns(web_client, web_store):
    login(web_client, "stefan")
    orgs = [r.id for r in web_store.list("organisation")][:8]
    form = {
        "title": "Kleines Treffen",
        "date": "2027-05-06",
        "place": "Remscheid",
        "rounds": "3",
        "format": "tables",
        "table_size": "4",
        "attendance": orgs,
    }
    resp = post(web_client, "/meetings/new", form, token_from="/meetings/new")
    assert resp.status_code == 302
    page = web_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Ohne Wiederholungen unmöglich: 8 Organisationen an Tischen zu 4 können höchstens 1 Runde haben" in page
    assert "Ab der zweiten Runde" in page  # the reason: only two tables


def test_best_plan_with_repeats_is_explained_and_can_be_accepted(web_client, web_store):
    login(web_client, "stefan")
    rec = web_store.get("meeting", MEETING)
    orgs = [r.id for r in web_store.list("organisation")][:32]
    web_store.update("meeting", MEETING, {**rec.data, "attendance": orgs}, rec.version)
    resp = post(
        web_client,
        f"{BASE}/plan",
        {"rounds": "10", "table_size": "4", "time_limit": "1"},
        token_from=BASE,
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    text = " ".join(_flashes(html))
    assert "In der Suchzeit (1 s) wurde kein Plan ohne wiederholte Paare gefunden" in text
    assert "länger suchen lassen, weniger Runden planen oder die Wiederholungen akzeptieren" in text
    plan = stored(web_store)
    first = plan.repeats[0]["orgs"][0]
    assert web_store.get("organisation", first).data["name"] in text and "Wiederholungen akzeptieren" in html
    assert post(web_client, f"{BASE}/accept-repeats", {}, token_from=BASE).status_code == 302
    assert stored(web_store).repeats_accepted_by.endswith("stefan")
    assert "Die Wiederholungen wurden akzeptiert." in web_client.get(BASE).get_data(as_text=True)


def test_outcomes_of_a_future_meeting_are_refused_on_the_page(web_client, web_store):
    login(web_client, "stefan")
    assert post(web_client, f"{BASE}/plan", {"rounds": "1"}, token_from=BASE).status_code == 302
    rec = web_store.get("meeting", MEETING)
    web_store.update("meeting", MEETING, {**rec.data, "date": "2999-03-01"}, rec.version)
    page = web_client.get(BASE).get_data(as_text=True)
    assert "Ergebnisse können erst erfasst werden, wenn das Treffen stattgefunden hat (am 1. März 2999)." in page
    p = stored(web_store).pairs[0]
    before = len(web_store.list("introduction"))
    resp = post(web_client, f"{BASE}/outcomes", {"met": f"{p['a']}:{p['b']}"}, token_from=BASE, follow_redirects=True)
    assert "Ergebnisse können erst erfasst werden" in " ".join(_flashes(resp.get_data(as_text=True)))
    assert len(web_store.list("introduction")) == before
