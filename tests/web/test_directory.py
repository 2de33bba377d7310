"""Directory search and filters, pagination, public and internal profiles."""

from __future__ import annotations

import re

from tests.web.conftest import ORG, login


def names_in(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/org/([^"]+)">', html)


def test_rooms_in_lennep_by_filter(web_client, web_store):
    html = web_client.get("/directory?offer=rooms&district=lennep").get_data(as_text=True)
    found = names_in(html)
    expected = sorted(
        r.id
        for r in web_store.list("organisation")
        if "lennep" in r.data["districts"]
        and "rooms" in [o["capability"] for o in r.data["offers"]]
        and r.data.get("visibility", {}).get("offers") != "internal"
        and r.data.get("visibility", {}).get("districts") != "internal"
    )
    assert "kulturverein-yesil-vadi" in found
    assert sorted(found) == expected


def test_rooms_in_lennep_by_words_in_german_and_english(web_client):
    de = names_in(web_client.get("/directory?q=Räume+Lennep").get_data(as_text=True))
    assert "kulturverein-yesil-vadi" in de
    web_client.get("/lang/en")
    en = names_in(web_client.get("/directory?q=rooms+lennep").get_data(as_text=True))
    assert "kulturverein-yesil-vadi" in en


def test_search_by_name_description_and_topic(web_client):
    assert names_in(web_client.get("/directory?q=Köprü").get_data(as_text=True)) == [ORG]
    assert ORG in names_in(web_client.get("/directory?q=elterncafe").get_data(as_text=True))
    assert ORG in names_in(
        web_client.get("/directory?q=hausaufgabenhilfe&district=alt_remscheid").get_data(as_text=True)
    )
    html = web_client.get("/directory?q=gibtesnichtxyz").get_data(as_text=True)
    assert names_in(html) == [] and "0" in html


def test_filters_kind_topic_language(web_client, web_store):
    html = web_client.get("/directory?kind=education&language=tr").get_data(as_text=True)
    for org_id in names_in(html):
        d = web_store.get("organisation", org_id).data
        assert d["kind"] == "education" and "tr" in d["languages"]
    bogus = web_client.get("/directory?kind=<script>&topic=nope")
    assert bogus.status_code == 200  # unknown filter values are ignored


def test_public_search_does_not_reveal_internal_needs(web_client, web_store):
    # the demo marks the needs of this organisation internal
    assert web_store.get("organisation", ORG).data["visibility"]["needs"] == "internal"
    assert ORG not in names_in(web_client.get("/directory?need=rooms").get_data(as_text=True))
    assert ORG not in names_in(web_client.get("/directory?q=ruhiger+raum").get_data(as_text=True))
    login(web_client, "stefan")
    assert ORG in names_in(web_client.get("/directory?need=rooms").get_data(as_text=True))


def test_pagination(web_client, web_store):
    total = web_store.count("organisation")
    first = web_client.get("/directory").get_data(as_text=True)
    assert len(names_in(first)) == 20 and 'rel="next"' in first
    pages = -(-total // 20)
    last = web_client.get(f"/directory?page={pages}").get_data(as_text=True)
    assert len(names_in(last)) == total - 20 * (pages - 1)
    seen = set()
    for page in range(1, pages + 1):
        seen |= set(names_in(web_client.get(f"/directory?page={page}").get_data(as_text=True)))
    assert len(seen) == total
    assert web_client.get("/directory?page=abc").status_code == 200
    assert web_client.get("/directory?page=999").status_code == 200


def test_public_profile_hides_internal_fields_and_unconsented_persons(web_client, web_store):
    data = web_store.get("organisation", ORG).data
    persons = [p.data for p in web_store.list("person") if ORG in p.data["organisations"]]
    consented = [p for p in persons if p.get("consent")]
    html = web_client.get(f"/org/{ORG}").get_data(as_text=True)
    assert data["needs"][0]["detail"] not in html  # needs are internal here
    for p in consented:
        assert p["name"] in html
        if (p.get("visibility") or {}).get("phone") != "public":
            assert p["phone"] not in html  # telephone numbers are internal unless released
    # a contact person without consent is never public
    rec = web_store.get("person", consented[0]["id"])
    web_store.update("person", rec.id, {**rec.data, "consent": None}, rec.version)
    html = web_client.get(f"/org/{ORG}").get_data(as_text=True)
    assert consented[0]["name"] not in html
    assert "internal view" not in html


def test_internal_profile_for_staff_and_own_representative(web_app, web_store):
    data = web_store.get("organisation", ORG).data
    for username in ("stefan", "rana"):
        client = web_app.test_client()
        login(client, username)
        html = client.get(f"/org/{ORG}").get_data(as_text=True).replace("\u00ad", "")  # without soft hyphens
        assert data["needs"][0]["detail"] in html
        assert "Partner" in html
    other = web_app.test_client()
    login(other, "otto")
    html = other.get(f"/org/{ORG}").get_data(as_text=True).replace("\u00ad", "")
    assert data["needs"][0]["detail"] not in html


def test_unknown_profile_is_404(web_client):
    assert web_client.get("/org/gibt-es-nicht").status_code == 404
