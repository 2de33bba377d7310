"""The staff desk: next step first in the move choice, one state text, follow-up fields, sort and filter."""

from __future__ import annotations

import re

from tests.web.conftest import ORG, login, post
from tests.web.test_suggestions import partners_on


def _column(html: str, status: str) -> str:
    return html.split(f'id="col-{status}"')[1].split("</section>")[0]


def _first_options(html: str) -> list[tuple[str, str]]:
    """(card id, the option a browser submits) for every card's move choice."""
    out = []
    for card_id, select in re.findall(r'<select id="move-([^"]+)" name="status">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected>', select)
        chosen = chosen or re.search(r'<option value="([^"]+)"', select)
        out.append((card_id, chosen.group(1)))
    return out


def test_move_choice_offers_the_next_step_first(web_client, web_store):
    login(web_client, "stefan")
    rec = web_store.get("introduction", "intro-004")  # met
    data = {**rec.data, "status": "accepted"}
    web_store.update("introduction", "intro-004", data, rec.version)
    rec5 = web_store.get("introduction", "intro-005")
    web_store.update("introduction", "intro-005", {**rec5.data, "status": "proposed"}, rec5.version)
    html = web_client.get("/desk").get_data(as_text=True)
    expected = {"proposed": "accepted", "accepted": "met", "met": "cooperating"}
    seen = set()
    for status, nxt in expected.items():
        chosen = dict(_first_options(_column(html, status)))
        assert chosen, status
        assert set(chosen.values()) == {nxt}, (status, chosen)
        seen.add(status)
    assert seen == set(expected)
    # never "proposed" pre-selected outside the proposed column
    assert all(v != "proposed" for _k, v in _first_options(html))


def test_accepted_card_has_one_state_text(web_client, web_store):
    login(web_client, "rana")
    html = web_client.get(f"/org/{ORG}/suggestions").get_data(as_text=True)
    for partner in partners_on(html):
        post(web_client, f"/org/{ORG}/suggestions/{partner}", {"status": "accepted"})
    html = web_client.get(f"/org/{ORG}/suggestions").get_data(as_text=True)
    cards = html.split('<li class="card" id="p-')[1:]
    assert cards
    both = [c for c in cards if "bereits getroffen" in c and "angenommen" in c]
    assert not both
    for c in cards:
        assert c.count('class="state"') <= 1
    # the pairs that sat in one exchange meeting say so in the one status line
    assert any("beim selben Austauschtreffen" in c for c in cards)


def test_follow_up_is_stored_version_checked_and_logged(web_client, web_store):
    login(web_client, "stefan")
    rec = web_store.get("introduction", "intro-004")
    form = {
        "note": "Ruft Montag an",
        "next_step": "Termin vereinbaren",
        "due": "2030-01-15",
        "owner": "stefan",
        "version": rec.version,
    }
    resp = post(web_client, "/desk/introductions/intro-004/follow-up", form, token_from="/desk")
    assert resp.status_code == 302
    now = web_store.get("introduction", "intro-004")
    assert now.data["note"] == "Ruft Montag an"
    assert (now.data["next_step"], now.data["due"], now.data["owner"]) == ("Termin vereinbaren", "2030-01-15", "stefan")
    change = web_store.changes(limit=1, kind="introduction")[0]
    assert change.actor == "staff:stefan" and change.id == "intro-004"
    # a stale version changes nothing
    post(web_client, "/desk/introductions/intro-004/follow-up", {**form, "note": "alt"}, token_from="/desk")
    assert web_store.get("introduction", "intro-004").data["note"] == "Ruft Montag an"
    # a bad date is refused
    post(
        web_client,
        "/desk/introductions/intro-004/follow-up",
        {**form, "version": now.version, "due": "morgen"},
        token_from="/desk",
    )
    assert web_store.get("introduction", "intro-004").version == now.version
    # an owner who is not staff is refused
    resp = post(
        web_client,
        "/desk/introductions/intro-004/follow-up",
        {**form, "version": now.version, "owner": "rana"},
        token_from="/desk",
    )
    assert resp.status_code == 400
    # moving the status keeps the follow-up
    post(
        web_client,
        "/desk/introductions/intro-004",
        {"status": "cooperating", "version": now.version},
        token_from="/desk",
    )
    moved = web_store.get("introduction", "intro-004").data
    assert moved["status"] == "cooperating" and moved["next_step"] == "Termin vereinbaren"
    html = web_client.get("/desk").get_data(as_text=True)
    card = html.split('id="intro-intro-004"')[1].split("</li>")[0]
    assert "Termin vereinbaren" in card and "15.01.2030" in card and "Stefan" in card


def test_desk_sorts_and_filters(web_client, web_store):
    login(web_client, "stefan")
    for rid, due, owner in (("intro-004", "2020-01-01", "stefan"), ("intro-005", "2030-06-01", "ada")):
        rec = web_store.get("introduction", rid)
        web_store.update("introduction", rid, {**rec.data, "due": due, "owner": owner}, rec.version)

    def cards(query: str) -> list[str]:
        html = web_client.get("/desk" + query).get_data(as_text=True)
        return re.findall(r'<li class="card" id="intro-([^"]+)">', html)

    everything = cards("")
    assert {"intro-004", "intro-005"} <= set(everything)
    assert cards("?owner=stefan") == ["intro-004"]
    assert cards("?owner=ada") == ["intro-005"]
    assert "intro-004" not in cards("?owner=-") and len(cards("?owner=-")) == len(everything) - 2
    assert cards("?due=overdue") == ["intro-004"]
    assert "intro-004" not in cards("?due=none")
    status = web_store.get("introduction", "intro-001").data["status"]
    assert all(web_store.get("introduction", c).data["status"] == status for c in cards(f"?status={status}"))
    a = web_store.get("introduction", "intro-004").data["a"]
    assert all(
        a in (web_store.get("introduction", c).data["a"], web_store.get("introduction", c).data["b"])
        for c in cards(f"?org={a}")
    )
    assert "intro-004" in cards(f"?org={a}")
    # by due date: dated ones first, earliest first (within each column)
    dated = [c for c in cards("?sort=due") if c in ("intro-004", "intro-005")]
    assert (
        dated == ["intro-004", "intro-005"]
        or web_store.get("introduction", "intro-004").data["status"]
        != web_store.get("introduction", "intro-005").data["status"]
    )
    # unknown values mean "all"
    assert cards("?status=bogus&owner=nobody&sort=x") == everything


def test_follow_up_fields_on_every_store(store):
    """The follow-up lives on the introduction record: both stores keep it, check its version, log it."""
    import pytest

    from graph import ConflictError
    from web.introductions import set_follow_up, set_status

    for oid in ("verein-a", "verein-b"):
        store.create("organisation", oid, {"id": oid, "name": oid, "kind": "other"})
    rec = set_status(store, "verein-a", "verein-b", "accepted", actor="staff:stefan", staff=True)
    done = set_follow_up(
        store,
        rec.id,
        note="Notiz",
        next_step="Anrufen",
        due="2031-02-03",
        owner="stefan",
        actor="staff:stefan",
        expected_version=rec.version,
    )
    got = store.get("introduction", rec.id)
    assert got.version == done.version == rec.version + 1
    assert (got.data["next_step"], got.data["due"], got.data["owner"], got.data["note"]) == (
        "Anrufen",
        "2031-02-03",
        "stefan",
        "Notiz",
    )
    intro = next(i for i in store.snapshot().network.introductions if i.id == rec.id)
    assert (intro.next_step, intro.due, intro.owner) == ("Anrufen", "2031-02-03", "stefan")
    assert store.changes(limit=1, kind="introduction", id=rec.id)[0].actor == "staff:stefan"
    with pytest.raises(ConflictError):
        set_follow_up(
            store, rec.id, note="", next_step="", due=None, owner="", actor="staff:x", expected_version=rec.version
        )
    # clearing removes the fields
    set_follow_up(
        store, rec.id, note="", next_step="", due=None, owner="", actor="staff:stefan", expected_version=done.version
    )
    assert "next_step" not in store.get("introduction", rec.id).data


def test_arabic_lists_use_the_arabic_comma(web_client):
    web_client.get("/lang/ar?next=/directory")
    html = web_client.get("/directory").get_data(as_text=True)
    offers = re.findall(r"<p><strong>[^<]+:</strong> ([^<]+)</p>", html)
    assert offers and any("، " in o for o in offers) and not any(", " in o for o in offers)
    web_client.get("/lang/de?next=/directory")
    html = web_client.get("/directory").get_data(as_text=True)
    offers = re.findall(r"<p><strong>[^<]+:</strong> ([^<]+)</p>", html)
    assert any(", " in o for o in offers) and "، " not in html


def test_join_filter_escapes_plain_items_and_keeps_markup(web_app):
    from markupsafe import Markup

    from web.templating import join_markup

    with web_app.test_request_context("/", headers={"Accept-Language": "ar"}):
        assert join_markup(["a<b", Markup("<bdi>c</bdi>")]) == "a&lt;b، <bdi>c</bdi>"
    with web_app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert join_markup(["x", "y"]) == "x, y"


def test_join_filter_in_text_templates_stays_plain(web_app):
    with web_app.test_request_context("/", headers={"Accept-Language": "ar"}):
        assert (
            web_app.jinja_env.from_string("{% autoescape false %}{{ n|join_list }}{% endautoescape %}").render(
                n=["A & B", "C"]
            )
            == "A & B، C"
        )
        assert (
            web_app.jinja_env.from_string("{% autoescape true %}{{ n|join_list }}{% endautoescape %}").render(
                n=["A & B", "C"]
            )
            == "A &amp; B، C"
        )
