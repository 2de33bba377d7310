"""Every HTML page of the app, found by walking ``app.url_map``, with the role that may see it.

Each GET route gets a sample URL from `SAMPLE_ARGS` (a route with an argument not listed there fails
`tests/browser/test_a11y.py::test_every_route_has_sample_arguments`). The role is the least privileged one for
which the page answers 200 with HTML (anonymous → representative → staff → admin); routes that answer
something else for every role (JSON, PDF, redirects) are left out with the reason. `EXTRA_PAGES` adds states
that no route stands for on its own: the internal profile, a filtered directory, the 403 and 404 pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.routing import BuildError

from tests.web.conftest import ORG, OTHER_ORG, PASSWORD

__all__ = [
    "EXTRA_PAGES",
    "LANG_PARAM",
    "OWN_LANG",
    "IN_PROGRESS",
    "ROLES",
    "SAMPLE_ARGS",
    "Page",
    "collect_pages",
    "get_endpoints",
    "sample_url",
]

ROLES = ("anonymous", "representative", "staff", "admin")
_USERS = {"representative": "rana", "staff": "stefan", "admin": "ada"}

# URL argument -> a value that exists in the demo network (or the test users)
SAMPLE_ARGS: dict[str, str] = {
    "org_id": ORG,
    "partner_id": OTHER_ORG,
    "other_id": OTHER_ORG,
    "username": "rana",
    "code": "ar",
    "lang": "ar",
    "intro_id": "intro-001",
    "meeting_id": "austauschtreffen-2025-1",
    "project_id": "lernbruecke",
    "programme_id": "starke-vereine-nrw",
    "program_id": "starke-vereine-nrw",
    "funding_id": "starke-vereine-nrw",
    "prog_id": "starke-vereine-nrw",
    "template_id": "homework_help",
    "workshop_id": "workshop-1",
    "person_id": "p-001",
    "topic": "homework_help",
    "topic_id": "homework_help",
    "capability": "rooms",
    "capability_id": "rooms",
    "district": "lennep",
    "district_id": "lennep",
    "filename": "remo.css",
    "fmt": "svg",
    "message_id": "message-1",
    "event_id": "hausaufgabenhilfe-koepru",  # joint, weekly, with holidays; ORG is one of its organisers
    "token": "(a signed mail link, made by _sample_token)",
}
#: the introduction with a pending double opt-in that the browser's template database holds (its side "a")
SAMPLE_OPTIN = ("bildungsverein-al-jisr", "thamarai")
# query strings some routes need to do their job
SAMPLE_QUERY: dict[str, str] = {
    "desk.act_for": f"org={ORG}",
}
# pages that pick their language from ``?lang=`` rather than from the session
LANG_PARAM = frozenset({"brochure.html", "suggestions.sheet"})
# pages that show a document in its own language whatever the UI's (the sample outbox message is Arabic)
OWN_LANG: dict[str, str] = {"outbox.html_part": "ar"}

# areas other people are still building: accessibility findings there are reported, not fixed here
IN_PROGRESS: dict[str, str] = {}  # areas whose pages may still fail axe (none now)


@dataclass(frozen=True)
class Page:
    """One page to check: a name for the report, the URL path, who looks at it, the expected status."""

    name: str
    path: str
    role: str
    status: int = 200
    problem: str = ""  # set when no role gets the page: the sample is missing from the demo data or it is broken

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]


EXTRA_PAGES = (
    Page("directory.profile(internal)", f"/org/{ORG}", "representative"),
    Page("directory.index(filtered)", "/directory?q=verein&offer=rooms&district=lennep", "anonymous"),
    Page("directory.index(empty)", "/directory?q=zzzzzz", "anonymous"),
    Page("events.detail(cancelled)", "/events/weihnachtsbasar-kyrill", "anonymous"),
    Page("events.edit(draft)", f"/org/{ORG}/events/lesepaten-infotreffen/edit", "representative"),
    Page("events.index(filtered)", "/events?language=tr&free=1&accessible=1", "anonymous"),
    Page("events.index(week)", "/events?week=this", "anonymous"),
    Page("events.month(full)", "/events/month?month=2026-09", "anonymous"),
    Page("errors.404", "/no-such-page", "anonymous", 404),
    Page("errors.403", f"/org/{OTHER_ORG}/edit", "representative", 403),
)


def get_endpoints(app: Any) -> list[Any]:
    """The GET rules of the app (without static files), sorted by endpoint."""
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    return sorted(rules, key=lambda r: (r.endpoint, r.rule))


def sample_url(app: Any, rule: Any) -> str:
    """The rule's URL with sample arguments (KeyError names a missing sample)."""
    args = {name: SAMPLE_ARGS[name] for name in sorted(rule.arguments)}
    if "token" in args:
        args["token"] = _sample_token(app)
    with app.test_request_context():
        try:
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        except BuildError:  # several rules for one endpoint: build this one directly
            url = rule.build(args)[1]
    query = SAMPLE_QUERY.get(rule.endpoint)
    return f"{url}?{query}" if query else url


def _sample_token(app: Any) -> str:
    """A fresh accept link (signed with ``app``'s secret) for side a of the `SAMPLE_OPTIN` introduction."""
    from web.introductions import introduction_id
    from web.mail.links import make_link

    with app.app_context():
        return make_link("intro_accept", f"{introduction_id(*SAMPLE_OPTIN)}|a", days=1)[0]


def _client(app: Any, role: str) -> Any:
    import re

    client = app.test_client()
    if role == "anonymous":
        return client
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    resp = client.post("/login", data={"username": _USERS[role], "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, f"login as {role} failed"
    return client


def collect_pages(app: Any) -> tuple[list[Page], dict[str, str]]:
    """(HTML pages with their role, {endpoint: why it is left out}) for every GET route of ``app``."""
    clients = {role: _client(app, role) for role in ROLES}
    pages: list[Page] = []
    left_out: dict[str, str] = {}
    for rule in get_endpoints(app):
        try:
            url = sample_url(app, rule)
        except KeyError as exc:
            left_out[rule.endpoint] = f"no sample value for the URL argument {exc} (add it to SAMPLE_ARGS)"
            continue
        seen = []
        broken = False
        for role in ROLES:
            resp = clients[role].get(url, headers={"Accept": "text/html,*/*;q=0.8"})
            kind = resp.mimetype
            seen.append(f"{role}: {resp.status_code} {kind}")
            if resp.status_code == 200 and kind == "text/html":
                pages.append(Page(rule.endpoint, url, role))
                break
            broken = broken or (kind == "text/html" and resp.status_code not in (301, 302, 303, 307, 401, 403))
        else:
            # a page that answers 404/500 for everybody is a broken sample or a broken page: check it anyway
            if broken:
                pages.append(Page(rule.endpoint, url, "admin", problem=f"{url} answers {'; '.join(seen)}"))
            else:
                left_out[rule.endpoint] = f"{url} is no HTML page for any role ({'; '.join(seen)})"
    return pages + list(EXTRA_PAGES), left_out
