"""Views of internal data are in the audit log; staff acting for an organisation are logged as such."""

from graph.audit import audit_log
from tests.web.conftest import ORG, OTHER_ORG, login


def _views(store, org_id):
    return [e for e in audit_log(store, kind="organisation", id=org_id, include_changes=False) if e.action == "view"]


def test_profile_and_edit_views_are_audited(web_app, web_store):
    public = web_app.test_client()
    assert public.get(f"/org/{ORG}").status_code == 200
    assert _views(web_store, ORG) == []  # the public view shows public data only: not logged

    rep = web_app.test_client()
    login(rep, "rana")
    assert rep.get(f"/org/{ORG}/edit").status_code == 200
    (entry,) = _views(web_store, ORG)
    assert "rana" in entry.actor
    assert entry.on_behalf_of == ORG

    staff = web_app.test_client()
    login(staff, "stefan")
    assert staff.get(f"/org/{OTHER_ORG}/suggestions").status_code == 200
    (entry,) = _views(web_store, OTHER_ORG)
    assert "stefan" in entry.actor and entry.on_behalf_of == OTHER_ORG


def _audit_row(html, marker):
    """The table row (its cells' text) of the audit page that contains ``marker``."""
    import re

    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        if marker in row:
            return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row with {marker!r}")


def test_audit_page_names_the_organisation_and_shows_berlin_time(web_app, web_store):
    from graph.audit import KIND
    from graph.store import Op

    # a summer and a winter entry (UTC in the store): 10:00 UTC is 12:00 in Berlin in July, 11:00 in January
    for at, record in (("2026-07-01T10:00:00Z", "p-001"), ("2026-01-15T10:00:00Z", "p-002")):
        data = {"at": at, "actor": "staff:stefan", "action": "view", "kind": "person", "id": record}
        web_store.apply([Op(KIND, f"test-{record}", {**data, "on_behalf_of": OTHER_ORG})], actor="test")
    web_store.apply(
        [Op(KIND, "test-org", {"at": "2026-07-02T08:30:00Z", "actor": "staff:stefan", "action": "export",
                                "kind": "organisation", "id": ORG, "on_behalf_of": ORG})],
        actor="test",
    )  # fmt: skip
    client = web_app.test_client()
    login(client, "ada")
    html = client.get("/admin/audit?actor=staff:stefan&limit=200").get_data(as_text=True)
    when, who, behalf, _action, record = _audit_row(html, "p-001")
    assert (when, who, behalf) == ("01.07.2026, 12:00:00", "Stefan", "Kulturverein Yeşil Vadi Lennep e.V.")
    assert record == "Ansprechperson: p-001"
    assert _audit_row(html, "p-002")[0] == "15.01.2026, 11:00:00"
    when, _who, behalf, _action, record = _audit_row(html, f"/org/{ORG}")
    assert (when, behalf, record) == (
        "02.07.2026, 10:30:00",
        "Elternnetzwerk Köprü e.V.",
        "Organisation: Elternnetzwerk Köprü e.V.",
    )
    assert OTHER_ORG not in html.split("<tbody>")[1]  # no id where a name belongs
    # in the user's locale: English, still Berlin time
    client.get("/lang/en?next=/")
    html = client.get("/admin/audit?actor=staff:stefan&limit=200").get_data(as_text=True)
    when, _who, behalf, _action, _record = _audit_row(html, "p-001")
    assert when == "Jul 1, 2026, 12:00:00\u202fPM" and behalf == "Kulturverein Yeşil Vadi Lennep e.V."
