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
