"""The vocabulary, cooperations, meetings, network figures, the token's owner and team suggestions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import jsonify, url_for
from werkzeug.wrappers import Response

from graph import Issue
from graph.model import parse_cooperation
from graph.store.base import Op
from graph.vocabulary import CATEGORIES, LANGUAGES

from ...api.errors import ApiError
from ...api.openapi import Param, operation
from ...extensions import get_store
from ...security import allow
from ...weights import weights_in_use
from .base import (
    P_PAGE,
    P_PER_PAGE,
    Caller,
    caller,
    created,
    current_snapshot,
    json_body,
    no_content,
    paged,
    public_view,
    request_args,
    v1,
)

try:  # team suggestions (matching's team builder and the project templates) if this build has them
    from graph.planning import builtin_templates
    from matching import suggest_teams as _suggest_teams

    HAVE_TEAMS = True
except ImportError:  # pragma: no cover - depends on the build
    HAVE_TEAMS = False

__all__: list[str] = []


# ---------------------------------------------------------------------------
# vocabulary
# ---------------------------------------------------------------------------
@v1.get("/vocabulary")
@allow("public")
@operation(
    "getVocabulary",
    "All vocabulary categories with their terms and labels",
    tag="vocabulary",
    params=[Param("lang", {"type": "string", "enum": list(LANGUAGES)}, description="Add `label` in this language")],
    responses={200: ("Vocabulary", "Terms per category, with labels in every language")},
)
def get_vocabulary() -> Response:
    args = request_args()
    vocab = current_snapshot().vocabulary
    cats = vocab.to_dict([c for c in CATEGORIES if c in vocab.terms])
    if args["lang"]:
        for cat, terms in cats.items():
            for term in terms:
                term["label"] = vocab.label(cat, term["id"], args["lang"])
    return jsonify({"languages": list(LANGUAGES), "categories": cats})


# ---------------------------------------------------------------------------
# cooperations
# ---------------------------------------------------------------------------
P_COOP = Param("coop_id", {"type": "string", "maxLength": 300}, where="path", description="Cooperation id")


@v1.get("/cooperations")
@allow("public")
@operation(
    "listCooperations",
    "List cooperations",
    tag="cooperations",
    params=[
        Param("org", {"type": "string", "maxLength": 128}, description="Only those of this organisation"),
        P_PAGE,
        P_PER_PAGE,
    ],
    responses={200: ("CooperationList", "One page of cooperations, sorted by id")},
    errors=(404,),
    description="Staff notes (`note`) only for token holders of a party.",
)
def list_cooperations() -> Response:
    args = request_args()
    snap = current_snapshot()
    who = caller()
    org = args["org"]
    if org is not None and org not in snap.index:
        raise ApiError(404, f"organisation {org!r} does not exist")
    coops = sorted(snap.network.cooperations, key=lambda c: c.id)
    if org is not None:
        coops = [c for c in coops if org in (c.a, c.b)]
    items = [{**c.to_dict()} for c in coops]
    for item in items:
        if not (who.owns(item["a"]) or who.owns(item["b"])):
            item.pop("note", None)
    return jsonify(paged(items, args["page"], args["per_page"]))


@v1.post("/cooperations")
@allow("public")
@operation(
    "createCooperation",
    "Record a cooperation (staff, or a representative of one of the two)",
    tag="cooperations",
    auth="token",
    body="CooperationCreate",
    responses={201: ("Cooperation", "Created")},
    errors=(404, 409),
)
def create_cooperation() -> Response:
    who = caller()
    data = json_body("CooperationCreate")
    who.require([data["a"], data["b"]])
    snap = current_snapshot()
    for name in ("a", "b"):  # a record named in the body that does not exist: 404, as on every route
        if data[name] not in snap.index:
            issue = Issue(name, data[name], "unknown organisation", "body", "unknown_ref")
            raise ApiError(404, f"organisation {data[name]!r} does not exist", details=[issue.to_dict()])
    coop, issues = parse_cooperation(data, snap.vocabulary, "body")
    issues = list(issues)
    if coop is None or issues:
        raise ApiError.invalid(issues)
    rec = get_store().create("cooperation", coop.id, coop.to_dict(), actor=who.actor())
    return created(dict(rec.data), url_for("api.v1.list_cooperations", org=coop.a))


@v1.delete("/cooperations/<coop_id>")
@allow("public")
@operation(
    "deleteCooperation",
    "Delete a cooperation (staff, or a representative of one of the two)",
    tag="cooperations",
    auth="token",
    params=[P_COOP],
    responses={204: (None, "Deleted")},
)
def delete_cooperation(coop_id: str) -> Response:
    who = caller()
    store = get_store()
    rec = store.get("cooperation", coop_id)
    if rec is None:
        if who.user is None:
            raise ApiError(401)
        raise ApiError(404, f"cooperation {coop_id!r} does not exist")
    who.require([rec.data.get("a", ""), rec.data.get("b", "")])
    store.apply([Op("cooperation", coop_id, None, rec.version)], actor=who.actor())
    return no_content()


# ---------------------------------------------------------------------------
# meetings
# ---------------------------------------------------------------------------
P_MEETING = Param("meeting_id", {"type": "string", "maxLength": 128}, where="path", description="Meeting id")


def _meetings(who: Caller) -> list[dict[str, Any]]:
    snap = current_snapshot()
    if who.is_staff:
        plans = {r.id for r in get_store().list("meeting_plan")}
        return [{**m.to_dict(), "has_plan": m.id in plans} for m in sorted(snap.network.meetings, key=lambda m: m.id)]
    return list(public_view(snap)["meetings"])


@v1.get("/meetings")
@allow("public")
@operation(
    "listMeetings",
    "Exchange meetings",
    tag="meetings",
    responses={200: ("MeetingList", "All meetings; planning settings and persons for staff tokens only")},
)
def list_meetings() -> Response:
    return jsonify({"items": _meetings(caller())})


@v1.get("/meetings/<meeting_id>")
@allow("public")
@operation(
    "getMeeting",
    "One exchange meeting",
    tag="meetings",
    params=[P_MEETING],
    responses={200: ("Meeting", "The meeting")},
)
def get_meeting(meeting_id: str) -> Response:
    for m in _meetings(caller()):
        if m["id"] == meeting_id:
            return jsonify(m)
    raise ApiError(404, f"meeting {meeting_id!r} does not exist")


@v1.get("/meetings/<meeting_id>/plan")
@allow("public")
@operation(
    "getMeetingPlan",
    "The seating plan of a meeting (staff)",
    tag="meetings",
    auth="token",
    params=[P_MEETING],
    responses={200: ("MeetingPlan", "Who sits with whom in which round, with the reasons")},
    description="404 when the meeting has no plan yet.",
)
def get_meeting_plan(meeting_id: str) -> Response:
    caller().require()
    rec = get_store().get("meeting_plan", meeting_id)
    if rec is None:
        raise ApiError(404, f"meeting {meeting_id!r} has no plan")
    return jsonify({**rec.data, "meeting": rec.data.get("meeting", meeting_id)})


# ---------------------------------------------------------------------------
# network figures, the token's owner
# ---------------------------------------------------------------------------
@v1.get("/metrics")
@allow("public")
@operation(
    "getMetrics",
    "Network figures",
    tag="network",
    responses={200: ("Metrics", "Counts, density, organisations without partners, cooperations per start year")},
)
def get_metrics() -> Response:
    snap = current_snapshot()
    graph = snap.graph
    n = graph.number_of_nodes()
    edges = graph.number_of_edges()
    counts = snap.network.counts()
    if not caller().is_staff:
        counts = {k: v for k, v in counts.items() if k not in ("introductions", "persons")}
    per_year = Counter((c.since or "")[:4] or "unknown" for c in snap.network.cooperations)
    return jsonify(
        {
            "counts": counts,
            "migrant_organisations": int(snap.is_mo.sum()),
            "current_cooperations": edges,
            "density": round(2 * edges / (n * (n - 1)), 4) if n > 1 else 0.0,
            "organisations_without_partner": sum(1 for v in graph.nodes if graph.degree(v) == 0),
            "without_partner": sorted(v for v in graph.nodes if graph.degree(v) == 0),
            "cooperations_per_year": dict(sorted(per_year.items())),
            "generation": snap.generation,
        }
    )


@v1.get("/me")
@allow("public")
@operation(
    "getMe",
    "The token's owner and what it may do",
    tag="tokens",
    auth="token",
    responses={200: ("Me", "User, role, organisations and the token")},
)
def get_me() -> Response:
    who = caller()
    if who.user is None or who.token is None:
        raise ApiError(401)
    return jsonify(
        {
            "user": who.user.id,
            "role": who.user.role,
            "organisations": list(who.user.organisations),
            "token": {"id": who.token.id, "name": who.token.name, "expires_at": who.token.expires_at},
        }
    )


if HAVE_TEAMS:

    @v1.get("/teams")
    @allow("public")
    @operation(
        "suggestTeams",
        "Team suggestions for a joint project (staff, or representatives around their organisation)",
        tag="matching",
        auth="token",
        params=[
            Param(
                "template",
                lambda v: {"type": "string", "enum": [t.id for t in builtin_templates(v)]},
                required=True,
                description="Project template id",
            ),
            Param(
                "around",
                {"type": "string", "maxLength": 128},
                description="Organisation every team contains (required for representatives)",
            ),
            Param("k", {"type": "integer", "minimum": 1, "maximum": 10, "default": 3}, description="How many teams"),
        ],
        responses={200: ("TeamSuggestions", "Teams that fill the template's roles, best first")},
        errors=(404,),
    )
    def suggest_teams() -> Response:
        who = caller()
        args = request_args()
        around = args["around"]
        who.require([around] if around else None)
        snap = current_snapshot()
        if around is not None and around not in snap.index:
            raise ApiError(404, f"organisation {around!r} does not exist")
        template = next(t for t in builtin_templates(snap.vocabulary) if t.id == args["template"])
        teams = _suggest_teams(snap, template, around=around, k=args["k"], weights=weights_in_use(get_store()))
        return jsonify({"template": template.id, "around": around, "teams": [t.to_dict() for t in teams]})
