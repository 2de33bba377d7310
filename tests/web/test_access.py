"""Every route × every role, with the expected status (deny by default).

The matrix must name every endpoint of the app: a new route without an entry here fails
`test_matrix_covers_every_route`.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import ORG, OTHER_ORG, csrf_token, login, make_web_app

ROLES = ("anonymous", "rep", "rep_other", "staff", "admin")
ROLE_USERS = {"rep": "rana", "rep_other": "otto", "staff": "stefan", "admin": "ada"}

# endpoint: (method, url, form data, {role: status})
ALL_200 = dict.fromkeys(ROLES, 200)
ORG_GET = {"anonymous": 302, "rep": 200, "rep_other": 403, "staff": 200, "admin": 200}
STAFF_GET = {"anonymous": 302, "rep": 403, "rep_other": 403, "staff": 200, "admin": 200}
ADMIN_GET = {"anonymous": 302, "rep": 403, "rep_other": 403, "staff": 403, "admin": 200}
STAFF_POST_302 = {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 302, "admin": 302}
STAFF_POST_404 = {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 404, "admin": 404}
MATRIX: dict[str, tuple[str, str, dict, dict[str, int]]] = {
    "main.index": ("GET", "/", {}, ALL_200),
    "main.set_language": ("GET", "/lang/en?next=/directory", {}, dict.fromkeys(ROLES, 302)),
    "main.mine": ("GET", "/my", {}, {"anonymous": 302, "rep": 302, "rep_other": 302, "staff": 200, "admin": 200}),
    "main.privacy": ("GET", "/privacy", {}, ALL_200),
    "main.accessibility": ("GET", "/accessibility", {}, ALL_200),
    "main.imprint": ("GET", "/imprint", {}, ALL_200),
    "auth.login": ("GET", "/login", {}, {"anonymous": 200, "rep": 302, "rep_other": 302, "staff": 302, "admin": 302}),
    "auth.logout": ("POST", "/logout", {}, dict.fromkeys(ROLES, 302)),
    "directory.index": ("GET", "/directory?q=verein", {}, ALL_200),
    "directory.profile": ("GET", f"/org/{ORG}", {}, ALL_200),
    "directory.edit": ("GET", f"/org/{ORG}/edit", {}, ORG_GET),
    "directory.create": ("GET", "/org/new", {}, STAFF_GET),
    "suggestions.index": ("GET", f"/org/{ORG}/suggestions", {}, ORG_GET),
    "suggestions.sheet": ("GET", f"/org/{ORG}/suggestions/sheet?lang=tr", {}, ORG_GET),
    "suggestions.respond": (
        "POST",
        f"/org/{ORG}/suggestions/{OTHER_ORG}",
        {"status": "accepted"},
        {"anonymous": 401, "rep": 302, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    "desk.index": ("GET", "/desk", {}, STAFF_GET),
    "desk.network": ("GET", "/desk/network", {}, STAFF_GET),
    "desk.changes": ("GET", "/desk/changes", {}, STAFF_GET),
    "weights.index": ("GET", "/desk/weights", {}, STAFF_GET),
    "weights.refit": ("POST", "/desk/weights/refit", {}, STAFF_POST_302),
    "desk.act_for": (
        "GET",
        f"/desk/act-for?org={ORG}",
        {},
        {"anonymous": 302, "rep": 403, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    "desk.move": (
        "POST",
        "/desk/introductions/intro-001",
        {"status": "met"},
        {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    "desk.follow_up": (
        "POST",
        "/desk/introductions/intro-001/follow-up",
        {"note": "call", "version": "1"},
        {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    # events (tests/web/test_events.py); the POSTs name a stale version, so they change nothing
    "events.index": ("GET", "/events?language=tr", {}, ALL_200),
    "events.month": ("GET", "/events/month?month=2026-09", {}, ALL_200),
    "events.detail": ("GET", "/events/hausaufgabenhilfe-koepru", {}, ALL_200),
    "events.atom": ("GET", "/events/feed.atom", {}, ALL_200),
    "events.ics": ("GET", "/events.ics", {}, ALL_200),
    "events.org_ics": ("GET", f"/org/{ORG}/events.ics", {}, ALL_200),
    "events.manage": ("GET", f"/org/{ORG}/events", {}, ORG_GET),
    "events.new": ("GET", f"/org/{ORG}/events/new", {}, ORG_GET),
    "events.edit": ("GET", f"/org/{ORG}/events/hausaufgabenhilfe-koepru/edit", {}, ORG_GET),
    "events.cancel": (
        "POST",
        f"/org/{ORG}/events/hausaufgabenhilfe-koepru/cancel",
        {"version": "0"},
        {"anonymous": 401, "rep": 302, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    "events.review": ("GET", "/desk/events", {}, STAFF_GET),
    "events.decide": (
        "POST",
        "/desk/events/chorprobe-beresta/review",
        {"action": "publish", "version": "0"},
        STAFF_POST_302,
    ),
    "events.trust": ("POST", f"/desk/events/trust/{ORG}", {"trusted": "1", "version": "999"}, STAFF_POST_302),
    "api.v1.list_events": ("GET", "/api/v1/events", {}, ALL_200),
    "api.v1.get_event": ("GET", "/api/v1/events/hausaufgabenhilfe-koepru", {}, ALL_200),
    "admin.users": ("GET", "/admin/users", {}, ADMIN_GET),
    # the outbox (tests/web/test_mail_outbox.py); "nope" is no message
    "links.confirm": ("GET", "/m/not-a-signed-link", {}, dict.fromkeys(ROLES, 400)),
    "outbox.index": ("GET", "/desk/outbox?status=failed", {}, STAFF_GET),
    "outbox.detail": ("GET", "/desk/outbox/nope", {}, {**STAFF_GET, "staff": 404, "admin": 404}),
    "outbox.html_part": ("GET", "/desk/outbox/nope/html", {}, {**STAFF_GET, "staff": 404, "admin": 404}),
    # accounts by mail and the digest (tests/web/test_mail_accounts.py, test_mail_digest.py)
    "account.forgot": ("GET", "/login/forgot", {}, ALL_200),
    "account.request_form": ("GET", "/access", {}, ALL_200),
    "account.requests": ("GET", "/desk/requests", {}, STAFF_GET),
    "account.request_status": ("POST", "/desk/requests/nope", {"status": "done"}, STAFF_POST_404),
    "account.digest": (
        "POST",
        f"/org/{ORG}/digest",
        {"digest": "off"},
        {"anonymous": 401, "rep": 302, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    "admin.invite": ("GET", "/admin/users/invite", {}, ADMIN_GET),
    # areas of other modules (audit log, printable brochure)
    "audit.index": ("GET", "/admin/audit", {}, ADMIN_GET),
    "brochure.html": ("GET", "/brochure", {}, ALL_200),
    "health.healthz": ("GET", "/healthz", {}, ALL_200),
    "brochure.pdf": ("GET", "/brochure.pdf", {}, ALL_200),
    "admin.create": ("GET", "/admin/users/new", {}, ADMIN_GET),
    "admin.edit": ("GET", "/admin/users/rana", {}, ADMIN_GET),
    "admin.reset_password": (
        "POST",
        "/admin/users/rana/password",
        {"pw-password": "short", "pw-password2": "short"},
        {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 403, "admin": 422},
    ),
    # the JSON API decides by bearer token and ignores sessions: every role gets the public answers, and 401
    # where a token is needed (tests/web/test_api*.py cover the token roles)
    "api.openapi_json": ("GET", "/api/openapi.json", {}, ALL_200),
    "api.docs": ("GET", "/api/docs", {}, ALL_200),
    "api.tokens.index": ("GET", "/admin/tokens", {}, ADMIN_GET),
    "api.tokens.revoke": (
        "POST",
        "/admin/tokens/0000000000000000/revoke",
        {},
        {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 403, "admin": 302},
    ),
    "api.v1.list_organisations": ("GET", "/api/v1/organisations?q=verein", {}, ALL_200),
    "api.v1.get_organisation": ("GET", f"/api/v1/organisations/{ORG}", {}, ALL_200),
    "api.v1.create_organisation": ("POST", "/api/v1/organisations", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.update_organisation": ("PUT", f"/api/v1/organisations/{ORG}", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.delete_organisation": ("DELETE", f"/api/v1/organisations/{ORG}", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.get_suggestions": ("GET", f"/api/v1/organisations/{ORG}/suggestions", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.get_vocabulary": ("GET", "/api/v1/vocabulary", {}, ALL_200),
    "api.v1.list_cooperations": ("GET", f"/api/v1/cooperations?org={ORG}", {}, ALL_200),
    "api.v1.create_cooperation": ("POST", "/api/v1/cooperations", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.delete_cooperation": ("DELETE", "/api/v1/cooperations/x", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.list_meetings": ("GET", "/api/v1/meetings", {}, ALL_200),
    "api.v1.get_meeting": ("GET", "/api/v1/meetings/nope", {}, dict.fromkeys(ROLES, 404)),
    "api.v1.get_meeting_plan": ("GET", "/api/v1/meetings/nope/plan", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.get_metrics": ("GET", "/api/v1/metrics", {}, ALL_200),
    "api.v1.get_me": ("GET", "/api/v1/me", {}, dict.fromkeys(ROLES, 401)),
    "api.v1.suggest_teams": ("GET", "/api/v1/teams?template=x", {}, dict.fromkeys(ROLES, 401)),
    # network map and dashboard (tests/web/test_map.py, tests/web/test_dashboard.py)
    "map.index": ("GET", "/map", {}, STAFF_GET),
    "map.public": ("GET", "/map/public", {}, ALL_200),
    "map.export": ("GET", "/map.svg", {}, STAFF_GET),
    "map.public_export": ("GET", "/map/public.svg", {}, ALL_200),
    "map.present": ("GET", "/map/present?step=2", {}, STAFF_GET),
    "map.pin": ("POST", "/map/pin", {"org": ORG, "pinned": "1"}, STAFF_POST_302),
    "map.relayout_view": ("POST", "/map/relayout", {}, STAFF_POST_302),
    "dashboard.index": ("GET", "/dashboard", {}, STAFF_GET),
    "dashboard.report": ("GET", "/dashboard/report.pdf", {}, STAFF_GET),
    # exchange meeting planner (tests/web/test_meetings_pages.py); "nope" does not exist, and the demo
    # meetings have no stored plan yet, so staff get 404 where a plan or a meeting is needed
    "meetings.index": ("GET", "/meetings", {}, STAFF_GET),
    "meetings.create": ("GET", "/meetings/new", {}, STAFF_GET),
    "meetings.detail": ("GET", "/meetings/austauschtreffen-2025-2", {}, STAFF_GET),
    "meetings.printable": (
        "GET",
        "/meetings/austauschtreffen-2025-2/print",
        {},
        {**STAFF_GET, "staff": 404, "admin": 404},
    ),
    "meetings.pdf": (
        "GET",
        "/meetings/austauschtreffen-2025-2/plan.pdf",
        {},
        {**STAFF_GET, "staff": 404, "admin": 404},
    ),
    "meetings.csv_export": (
        "GET",
        "/meetings/austauschtreffen-2025-2/plan.csv",
        {},
        {**STAFF_GET, "staff": 404, "admin": 404},
    ),
    **{
        f"meetings.{name}": ("POST", f"/meetings/nope/{path}", {}, STAFF_POST_404)
        for name, path in (
            ("make_plan", "plan"),
            ("lock", "lock"),
            ("move", "move"),
            ("do_replan", "replan"),
            ("outcomes", "outcomes"),
            ("staff_answer", "answer"),
            ("invite", "invite"),
            ("publish", "publish"),
            ("accept_repeats", "accept-repeats"),
        )
    },
    # "Meine Treffen" (tests/web/test_my_meetings.py): rana's organisation attended the demo meeting,
    # whose deadline has passed (an answer is refused with a message, staff may still change it)
    "my_meetings.index": ("GET", "/meine-treffen", {}, {**ALL_200, "anonymous": 302}),
    "my_meetings.agenda": ("GET", f"/meine-treffen/austauschtreffen-2025-2/{ORG}", {}, ORG_GET),
    "my_meetings.calendar": ("GET", f"/meine-treffen/austauschtreffen-2025-2/{ORG}.ics", {}, ORG_GET),
    "my_meetings.answer": (
        "POST",
        f"/meine-treffen/austauschtreffen-2025-2/{ORG}/answer",
        {"answer": "yes"},
        {"anonymous": 401, "rep": 302, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    # joint projects, funding referral, workshop planning (tests/web/test_projects_pages.py)
    "projects.ideas": ("GET", "/projects", {}, {**ALL_200, "anonymous": 302}),
    "projects.teams": ("GET", f"/projects/teams?template=homework_help&org={ORG}&k=1", {}, ORG_GET),
    "projects.create_project": (
        "POST",
        "/projects/teams/project",
        {"member": [ORG, OTHER_ORG], "around": ORG, "title": ""},
        {"anonymous": 401, "rep": 302, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    "projects.introduce": (
        "POST",
        "/projects/teams/introductions",
        {"member": [ORG, "bildungsverein-al-jisr"], "around": ORG},
        {"anonymous": 401, "rep": 302, "rep_other": 403, "staff": 302, "admin": 302},
    ),
    "projects.templates": ("GET", "/projects/templates", {}, STAFF_GET),
    "projects.template_new": ("GET", "/projects/templates/new?copy=language_cafe", {}, STAFF_GET),
    "projects.template_edit": ("GET", "/projects/templates/language_cafe/edit", {}, STAFF_GET),
    "projects.template_delete": (
        "POST",
        "/projects/templates/nope/delete",
        {},
        {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 404, "admin": 404},
    ),
    "funding.index": ("GET", "/funding?topic=sport", {}, ALL_200),
    "funding.for_org": ("GET", f"/org/{ORG}/funding", {}, ORG_GET),
    "funding.manage": ("GET", "/funding/manage", {}, STAFF_GET),
    "funding.create": ("GET", "/funding/new", {}, STAFF_GET),
    "funding.edit": ("GET", "/funding/zukunft-jugend/edit", {}, STAFF_GET),
    "funding.delete": (
        "POST",
        "/funding/nope/delete",
        {},
        {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 404, "admin": 404},
    ),
    "workshops.index": ("GET", "/workshops", {}, STAFF_GET),
    "workshops.create": ("GET", "/workshops/new?theme=volunteers", {}, STAFF_GET),
    "workshops.edit": (
        "GET",
        "/workshops/nope/edit",
        {},
        {"anonymous": 302, "rep": 403, "rep_other": 403, "staff": 404, "admin": 404},
    ),
    "workshops.proposals": ("GET", "/proposals", {}, {**ALL_200, "anonymous": 302}),
    "workshops.propose": (
        "POST",
        "/proposals/new",
        {"title": ""},
        {"anonymous": 401, "rep": 422, "rep_other": 422, "staff": 403, "admin": 403},
    ),
    "workshops.support": (
        "POST",
        "/proposals/nope/support",
        {"org": ORG},
        {"anonymous": 401, "rep": 404, "rep_other": 403, "staff": 403, "admin": 403},
    ),
    "workshops.set_status": (
        "POST",
        "/proposals/nope/status",
        {"status": "planned"},
        {"anonymous": 401, "rep": 403, "rep_other": 403, "staff": 404, "admin": 404},
    ),
}


@pytest.fixture(scope="module")
def matrix_app(template_db, tmp_path_factory):
    app = make_web_app(template_db, tmp_path_factory.mktemp("matrix"), REMO_LOGIN_ATTEMPTS=1000)
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture(scope="module")
def clients(matrix_app):
    out = {"anonymous": matrix_app.test_client()}
    for role, name in ROLE_USERS.items():
        out[role] = matrix_app.test_client()
        login(out[role], name)
    return out


def test_matrix_covers_every_route(matrix_app):
    endpoints = {r.endpoint for r in matrix_app.url_map.iter_rules() if r.endpoint != "static"}
    assert endpoints - set(MATRIX) == set(), "routes missing from the access matrix"
    for rule in matrix_app.url_map.iter_rules():
        if rule.endpoint in MATRIX:
            assert MATRIX[rule.endpoint][0] in rule.methods, rule


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_role_matrix(endpoint, clients, matrix_app):
    if endpoint not in matrix_app.view_functions:
        pytest.skip(f"{endpoint} is not part of this build")
    method, url, data, expected = MATRIX[endpoint]
    for role in ROLES:
        client = clients[role]
        if endpoint == "auth.logout":  # logging out would spoil the shared clients
            client = matrix_app.test_client()
            if role != "anonymous":
                login(client, ROLE_USERS[role])
        if method == "GET":
            resp = client.get(url)
        else:
            resp = client.open(url, method=method, data={**data, "csrf_token": csrf_token(client)})
        assert resp.status_code == expected[role], (endpoint, role, resp.status_code)
        if (
            resp.status_code == 302
            and role == "anonymous"
            and expected[role] == 302
            and endpoint
            not in (
                "main.set_language",
                "auth.logout",
            )
        ):
            assert resp.headers["Location"].startswith("/login?next=")


def test_endpoint_without_rule_is_refused(template_db, tmp_path):
    from flask import Blueprint

    from web.security import check_access_rules

    app = make_web_app(template_db, tmp_path)
    bp = Blueprint("sneaky", __name__)
    bp.add_url_rule("/sneaky", "open", lambda: "secret")
    app.register_blueprint(bp)
    with pytest.raises(RuntimeError, match="sneaky.open"):
        check_access_rules(app)
    assert app.test_client().get("/sneaky").status_code == 403
    app.extensions["remo_store"].close()
