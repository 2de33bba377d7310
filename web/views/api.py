"""The JSON API under ``/api/v1``, its OpenAPI document and docs page, and the token admin page.

Blueprints: ``api`` (``/api/openapi.json``, ``/api/docs``) with two children, ``api.v1`` (the
JSON API, CSRF-exempt because it authenticates by bearer token, never by the session cookie)
and ``api.tokens`` (``/admin/tokens``, admins only, an ordinary form page with CSRF).

Access: the frame sees every API view as ``public`` (`web.security.allow`); the API decides
by token itself (`_authenticate`): a view whose `Operation` says ``auth="token"`` answers 401
without a valid token; without a token a reader gets the public projection of
`graph.privacy.public_document` (public fields, consented persons, no notes). A token acts
with its owner's role: staff and admins may read and write everything; a representative sees
and writes only their own organisation(s) (403 otherwise). Session cookies are ignored here, so
a browser's login can never be used cross-site against the API.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from graph import Issue, NotFoundError, Snapshot, ValidationError
from graph.identity import store_clashes
from graph.jsontext import loads as json_loads
from graph.model import parse_cooperation, parse_organisation, slugify
from graph.privacy import public_document, references
from graph.store.base import ANY, Op
from graph.vocabulary import CATEGORIES, LANGUAGES

from ..api.errors import ApiError, register_handlers
from ..api.openapi import PREFIX, Param, build_document, operation, query_args
from ..api.schemas import DATE, MAX_VERSION, request_schemas, validate
from ..api.throttle import AnonymousLimiter
from ..api.tokens import ApiToken, check_token, create_token, list_tokens, revoke_token
from ..auth import client_address
from ..extensions import get_store
from ..forms import choices
from ..security import allow, csrf
from ..suggestion_cache import suggestion_document
from ..users import User, list_users
from ..weights import weights_in_use
from .directory import FILTERS, RESERVED_IDS, search_orgs

try:  # team suggestions (matching's team builder and the project templates) if this build has them
    from graph.planning import builtin_templates
    from matching import suggest_teams as _suggest_teams

    HAVE_TEAMS = True
except ImportError:  # pragma: no cover - depends on the build
    HAVE_TEAMS = False

__all__ = ["bp"]

bp = Blueprint("api", __name__)
v1 = Blueprint("v1", __name__, url_prefix=PREFIX)
tokens_bp = Blueprint("tokens", __name__, url_prefix="/admin/tokens")
csrf.exempt(v1)
register_handlers(v1)

_public_docs: weakref.WeakKeyDictionary[Snapshot, dict[str, Any]] = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------------------
# who is asking
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """The token's owner (or nobody) and what they may see and change."""

    user: User | None = None
    token: ApiToken | None = None

    @property
    def is_staff(self) -> bool:
        return self.user is not None and self.user.is_staff

    def owns(self, org_id: str) -> bool:
        return self.user is not None and (self.user.is_staff or org_id in self.user.organisations)

    def actor(self, org_id: str | None = None) -> str:
        assert self.user is not None and self.token is not None
        return f"{self.user.actor(org_id)} via:token:{self.token.id}"

    def require(self, org_ids: list[str] | None = None) -> None:
        """403 unless staff, or (with ``org_ids``) a representative of one of them."""
        if self.user is None:
            raise ApiError(401)
        if self.is_staff:
            return
        if org_ids is None:
            raise ApiError(403, "Only staff and administrators may do this.")
        if not any(o in self.user.organisations for o in org_ids):
            raise ApiError(403, "Your token may change only your own organisation(s).")


def caller() -> Caller:
    return g.get("api_caller") or Caller()


@v1.before_request
def _authenticate() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    op = getattr(view, "_api_operation", None)
    header = request.headers.get("Authorization", "")
    g.api_caller = Caller()
    if header:
        scheme, _sep, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "Send the token as 'Authorization: Bearer remo_...'.")
        found = check_token(get_store(), secret.strip())
        if found is None:
            raise ApiError(401, "The token is unknown, revoked or expired, or its owner is disabled.")
        g.api_caller = Caller(*found)
        return
    if op is not None and op.auth == "token":
        raise ApiError(401)
    limiter = current_app.extensions.setdefault("remo_api_limiter", AnonymousLimiter())
    wait = limiter.hit(client_address())
    if wait:
        raise ApiError(429, headers={"Retry-After": str(wait)})


@v1.after_request
def _no_store(response: Response) -> Response:
    if caller().user is not None:
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    return response


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _snapshot() -> Snapshot:
    return get_store().snapshot()


def _public(snap: Snapshot) -> dict[str, Any]:
    """The public projection of the snapshot's network (computed once per snapshot)."""
    doc = _public_docs.get(snap)
    if doc is None:
        doc = public_document(snap.network)
        doc["_orgs"] = {o["id"]: o for o in doc["organisations"]}
        _public_docs[snap] = doc
    return doc


def _args() -> dict[str, Any]:
    view = current_app.view_functions[request.endpoint or ""]
    return query_args(view._api_operation, _snapshot().vocabulary)


def _org_out(snap: Snapshot, org_id: str, who: Caller) -> dict[str, Any]:
    if who.owns(org_id):
        return {**snap.orgs[org_id].to_dict(), "internal": True}
    return {**_public(snap)["_orgs"][org_id], "internal": False}


def _detail(org_id: str, who: Caller) -> dict[str, Any]:
    snap = _snapshot()
    if who.owns(org_id):
        rec = get_store().get("organisation", org_id)
        if rec is None:
            raise ApiError(404, f"organisation {org_id!r} does not exist")
        persons = [p.to_dict() for p in snap.network.persons if org_id in p.organisations]
        return {**rec.data, "version": rec.version, "internal": True, "persons": persons}
    pub = _public(snap)
    org = pub["_orgs"].get(org_id)
    if org is None:
        raise ApiError(404, f"organisation {org_id!r} does not exist")
    persons = [p for p in pub["persons"] if org_id in p.get("organisations", [])]
    return {**org, "internal": False, "persons": persons}


def _body(schema_name: str) -> dict[str, Any]:
    """The JSON body, checked against its schema (415, 400 or 422)."""
    if not request.is_json:
        raise ApiError(415)
    try:
        data = json_loads(request.get_data(cache=True), where="body")
    except ValidationError as exc:
        issue = exc.issues[0]
        raise ApiError(400, f"The body is not valid JSON: {issue.reason}.", details=[issue.to_dict()]) from exc
    schema = request_schemas(_snapshot().vocabulary)[schema_name]
    issues = validate(data, schema)
    if issues:
        if isinstance(data, dict):  # the model's messages are better (e.g. "did you mean" for vocabulary)
            parse = parse_organisation if schema_name.startswith("Organisation") else parse_cooperation
            body = {k: v for k, v in data.items() if k != "version"}
            if schema_name.startswith("Organisation") and not isinstance(body.get("id"), str):
                body["id"] = slugify(str(body.get("name") or ""))  # the id comes from the name or the address
            _obj, domain = parse(body, _snapshot().vocabulary, "body")
            fields = {i.field for i in domain}
            issues = domain + [i for i in issues if i.field not in fields]
        raise ApiError.invalid(issues)
    assert isinstance(data, dict)
    return data


def _no_clash(org_id: str, data: dict[str, Any]) -> None:
    """409 when another organisation has the same name (compared as `graph.identity` does)."""
    clashes = store_clashes(get_store(), [("organisation", org_id, data)])
    if clashes:
        raise ApiError(409, clashes[0].reason, details=[i.to_dict() for i in clashes])


def _page(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    total = len(items)
    return {
        "items": items[(page - 1) * per_page : page * per_page],
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, math.ceil(total / per_page)),
    }


def _created(body: dict[str, Any], location: str) -> Response:
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def _no_content() -> Response:
    return Response(status=204)


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------
def _vocab_param(name: str, category: str, what: str) -> Param:
    return Param(name, lambda v: {"type": "string", "enum": v.ids(category)}, description=what)


P_PAGE = Param("page", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}, description="Page number")
P_PER_PAGE = Param(
    "per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, description="Items per page"
)
P_LANG = Param(
    "lang", {"type": "string", "enum": list(LANGUAGES), "default": "de"}, description="Language of labels and texts"
)
P_ORG = Param("org_id", {"type": "string", "maxLength": 128}, where="path", description="Organisation id")
P_VERSION = Param(
    "version",
    {"type": "integer", "minimum": 0, "maximum": MAX_VERSION},
    description="Delete only if the stored version is still this one",
)
ORG_FILTERS = [
    Param("q", {"type": "string", "maxLength": 200}, description="Words that must all occur (name, topics, ...)"),
    _vocab_param("kind", "org_kinds", "Kind of organisation"),
    _vocab_param("topic", "topics", "Works on this topic"),
    _vocab_param("offer", "capabilities", "Offers this capability"),
    _vocab_param("need", "capabilities", "Needs this capability"),
    _vocab_param("district", "districts", "Active in this district"),
    _vocab_param("language", "languages", "Speaks this language"),
]
assert [p.name for p in ORG_FILTERS[1:]] == list(FILTERS), "the API offers the directory's filters"


# ---------------------------------------------------------------------------
# organisations
# ---------------------------------------------------------------------------
@v1.get("/organisations")
@allow("public")
@operation(
    "listOrganisations",
    "List and search organisations",
    tag="organisations",
    params=[*ORG_FILTERS, P_LANG, P_PAGE, P_PER_PAGE],
    responses={200: ("OrganisationList", "One page of organisations, sorted by name")},
    description="The directory's search and filters. Without a token only public fields are searched and shown.",
)
def list_organisations() -> Response:
    args = _args()
    snap = _snapshot()
    who = caller()
    filters = {name: args[name] or "" for name in FILTERS}
    found = search_orgs(
        snap.network.organisations, snap.vocabulary, args["lang"], args["q"] or "", filters, who.is_staff, snapshot=snap
    )
    page = _page([o.id for o in found], args["page"], args["per_page"])
    page["items"] = [_org_out(snap, oid, who) for oid in page["items"]]
    return jsonify(page)


@v1.get("/organisations/<org_id>")
@allow("public")
@operation(
    "getOrganisation",
    "One organisation with its contact persons",
    tag="organisations",
    params=[P_ORG],
    responses={200: ("OrganisationDetail", "The organisation; `version` and internal fields for those who may edit")},
)
def get_organisation(org_id: str) -> Response:
    return jsonify(_detail(org_id, caller()))


@v1.post("/organisations")
@allow("public")
@operation(
    "createOrganisation",
    "Create an organisation (staff)",
    tag="organisations",
    auth="token",
    body="OrganisationCreate",
    responses={201: ("OrganisationDetail", "Created")},
    errors=(409,),
    description="409 when the id is taken. Vocabulary fields take ids (see `/api/v1/vocabulary`).",
)
def create_organisation() -> Response:
    who = caller()
    who.require()
    data = _body("OrganisationCreate")
    org_id = data.get("id") or slugify(data["name"])
    if org_id in RESERVED_IDS:
        org_id = f"{org_id}-org"
    org, issues = parse_organisation({**data, "id": org_id}, _snapshot().vocabulary, "body")
    if org is None:
        raise ApiError.invalid(issues)
    if get_store().get("organisation", org_id) is None:  # else the create answers 409: the id is taken
        _no_clash(org_id, org.to_dict())
    get_store().create("organisation", org_id, org.to_dict(), actor=who.actor())
    return _created(_detail(org_id, who), url_for("api.v1.get_organisation", org_id=org_id))


@v1.put("/organisations/<org_id>")
@allow("public")
@operation(
    "updateOrganisation",
    "Change an organisation (staff, or its representatives)",
    tag="organisations",
    auth="token",
    params=[P_ORG],
    body="OrganisationUpdate",
    responses={200: ("OrganisationDetail", "Saved; the answer carries the new version")},
    errors=(409,),
    description=(
        "Send the whole organisation with the `version` you read. When somebody changed it meanwhile the "
        "answer is 409 and `error.details[0].current_version` names the version now stored: read it again, "
        "merge, and send again."
    ),
)
def update_organisation(org_id: str) -> Response:
    who = caller()
    who.require([org_id])
    store = get_store()
    if store.get("organisation", org_id) is None:
        raise ApiError(404, f"organisation {org_id!r} does not exist")
    data = _body("OrganisationUpdate")
    version = data.pop("version")
    if data.get("id", org_id) != org_id:  # the body names another record than the address: a conflict (409)
        issue = Issue("id", data["id"], f"differs from the address ({org_id})", "body", "id_mismatch")
        message = f"The body's id {data['id']!r} differs from the address ({org_id})."
        raise ApiError(409, message, details=[issue.to_dict()])
    org, issues = parse_organisation({**data, "id": org_id}, _snapshot().vocabulary, "body")
    if org is None:
        raise ApiError.invalid(issues)
    _no_clash(org_id, org.to_dict())
    store.update("organisation", org_id, org.to_dict(), version, actor=who.actor(org_id))
    return jsonify(_detail(org_id, who))


#: records that still name an organisation block its deletion (cooperations and introductions go with it)
_REFERRING_KINDS = ("person", "meeting", "project", "user", "meeting_plan", "workshop")


@v1.delete("/organisations/<org_id>")
@allow("public")
@operation(
    "deleteOrganisation",
    "Delete an organisation with its cooperations and introductions (staff)",
    tag="organisations",
    auth="token",
    params=[P_ORG, P_VERSION],
    responses={204: (None, "Deleted")},
    errors=(409,),
    description=(
        "409 when `version` is stale, or while persons, meetings, projects or user accounts still name the "
        "organisation (`details` lists them)."
    ),
)
def delete_organisation(org_id: str) -> Response:
    who = caller()
    who.require()
    args = _args()
    store = get_store()
    rec = store.get("organisation", org_id)
    if rec is None:
        raise ApiError(404, f"organisation {org_id!r} does not exist")
    records = [r for kind in _REFERRING_KINDS for r in store.list(kind)]
    refs = references(records, "organisation", org_id)
    if refs:
        details = [{"kind": r.kind, "id": r.id} for r in refs]
        raise ApiError(409, "Other records still name this organisation; change them first.", details=details)
    ops = [Op("organisation", org_id, None, rec.version if args["version"] is None else args["version"])]
    for kind in ("cooperation", "introduction"):
        ops += [Op(kind, r.id, None, ANY) for r in store.list(kind) if org_id in (r.data.get("a"), r.data.get("b"))]
    store.apply(ops, actor=who.actor())
    return _no_content()


@v1.get("/organisations/<org_id>/suggestions")
@allow("public")
@operation(
    "getSuggestions",
    "Partner suggestions with reasons (staff, or the organisation's representatives)",
    tag="matching",
    auth="token",
    params=[
        P_ORG,
        P_LANG,
        Param("top", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}, description="How many partners"),
    ],
    responses={200: ("Suggestions", "The same JSON as `remo suggest ORG --json`")},
)
def get_suggestions(org_id: str) -> Response:
    who = caller()
    who.require([org_id])
    args = _args()
    store = get_store()
    snap = store.snapshot()
    if org_id not in snap.index:
        raise ApiError(404, f"organisation {org_id!r} does not exist")
    doc = suggestion_document(snap, org_id, args["top"], args["lang"], weights_in_use(store))
    return jsonify(doc)


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
    args = _args()
    vocab = _snapshot().vocabulary
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
    args = _args()
    snap = _snapshot()
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
    return jsonify(_page(items, args["page"], args["per_page"]))


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
    data = _body("CooperationCreate")
    who.require([data["a"], data["b"]])
    snap = _snapshot()
    for name in ("a", "b"):  # a record named in the body that does not exist: 404, as on every route
        if data[name] not in snap.index:
            issue = Issue(name, data[name], "unknown organisation", "body", "unknown_ref")
            raise ApiError(404, f"organisation {data[name]!r} does not exist", details=[issue.to_dict()])
    coop, issues = parse_cooperation(data, snap.vocabulary, "body")
    issues = list(issues)
    if coop is None or issues:
        raise ApiError.invalid(issues)
    rec = get_store().create("cooperation", coop.id, coop.to_dict(), actor=who.actor())
    return _created(dict(rec.data), url_for("api.v1.list_cooperations", org=coop.a))


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
    return _no_content()


# ---------------------------------------------------------------------------
# meetings
# ---------------------------------------------------------------------------
P_MEETING = Param("meeting_id", {"type": "string", "maxLength": 128}, where="path", description="Meeting id")


def _meetings(who: Caller) -> list[dict[str, Any]]:
    snap = _snapshot()
    if who.is_staff:
        plans = {r.id for r in get_store().list("meeting_plan")}
        return [{**m.to_dict(), "has_plan": m.id in plans} for m in sorted(snap.network.meetings, key=lambda m: m.id)]
    return list(_public(snap)["meetings"])


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
# events
# ---------------------------------------------------------------------------
P_EVENT = Param("event_id", {"type": "string", "maxLength": 128}, where="path", description="Event id")
DATE_SCHEMA = {"type": "string", "format": "date", "pattern": DATE, "maxLength": 10}  # a real day, as the server checks
EVENT_FILTERS = [
    _vocab_param("district", "districts", "Takes place in this district"),
    _vocab_param("language", "languages", "This language is spoken"),
    _vocab_param("topic", "topics", "On this topic"),
    _vocab_param("target_group", "target_groups", "For this target group"),
    Param("free", {"type": "boolean"}, description="Only events free of charge"),
    Param("accessible", {"type": "boolean"}, description="Only places with step-free access"),
    Param("org", {"type": "string", "maxLength": 128}, description="Only events (co-)hosted by this organisation"),
    Param("from", DATE_SCHEMA, description="Only events with a date on or after this day (YYYY-MM-DD)"),
    Param("to", DATE_SCHEMA, description="Only events with a date on or before this day (YYYY-MM-DD)"),
]


def _event_out(ev: Any, who: Caller, version: int | None = None) -> dict[str, Any]:
    from graph.events import next_occurrence

    nxt = next_occurrence(ev) if ev.status == "published" else None
    out = ev.to_dict() if any(who.owns(o) for o in ev.organisations) else ev.public_dict()
    if version is not None and any(who.owns(o) for o in ev.organisations):
        out["version"] = version
    out["next_occurrence"] = {"start": nxt.start.isoformat(), "end": nxt.end.isoformat()} if nxt else None
    out["url"] = url_for("events.detail", event_id=ev.id, _external=True)
    return out


def _events_for(who: Caller) -> list[Any]:
    """The public events, and for a token's owner also their own organisations' other events."""
    snap = _snapshot()
    return [e for e in snap.network.events if e.is_public or any(who.owns(o) for o in e.organisations)]


def _day_arg(args: dict[str, Any], name: str) -> Any:
    import datetime as dt

    if not args[name]:
        return None
    try:
        return dt.date.fromisoformat(args[name])
    except ValueError as exc:
        raise ApiError(
            400,
            "Some query parameters are not valid.",
            details=[
                Issue(name, args[name], "is not a date (YYYY-MM-DD)", where="query", code="bad_parameter").to_dict()
            ],
        ) from exc


@v1.get("/events")
@allow("public")
@operation(
    "listEvents",
    "List events (the public calendar)",
    tag="events",
    params=[*EVENT_FILTERS, P_PAGE, P_PER_PAGE],
    responses={200: ("EventList", "One page of events, by their first date")},
    errors=(404,),
    description="The calendar's filters. Without a token only public events (published or cancelled) are listed; "
    "a token also lists its organisations' drafts, submitted and internal events. With `from`/`to` only events "
    "with a date in that period.",
)
def list_events() -> Response:
    import datetime as dt

    from ..events import EventFilter

    args = _args()
    who = caller()
    snap = _snapshot()
    flt = EventFilter.from_args(
        {
            k: ("1" if args[k] else "") if k in ("free", "accessible") else (args[k] or "")
            for k in ("district", "language", "topic", "target_group", "free", "accessible", "org")
        },
        snap.vocabulary,
        snap.orgs,
    )
    if args["org"] and args["org"] not in snap.orgs:
        raise ApiError(404, f"organisation {args['org']!r} does not exist")
    found = [e for e in _events_for(who) if flt.matches(e)]
    since, until = _day_arg(args, "from"), _day_arg(args, "to")
    if since or until:
        from graph.events import occurrences

        last = dt.date(9998, 12, 31)  # no calendar reaches further; beyond it day arithmetic overflows
        lo = min(since or dt.date(1900, 1, 1), last)
        hi = min(until or lo + dt.timedelta(days=min(3660, (last - lo).days)), last)
        # a range that ends before it starts holds no day: an empty page, as each bound documents
        found = [e for e in found if hi >= lo and occurrences(e, lo, hi)]
    found.sort(key=lambda e: (e.start, e.id))
    page = _page(found, args["page"], args["per_page"])
    page["items"] = [_event_out(e, who) for e in page["items"]]
    return jsonify(page)


@v1.get("/events/<event_id>")
@allow("public")
@operation(
    "getEvent",
    "One event",
    tag="events",
    params=[P_EVENT],
    responses={200: ("Event", "The event; `version`, review note and author for its organisations' tokens")},
)
def get_event(event_id: str) -> Response:
    who = caller()
    rec = get_store().get("event", event_id)
    if rec is not None:
        from graph.events import event_from_stored

        ev = event_from_stored(rec.data)
        if ev.is_public or any(who.owns(o) for o in ev.organisations):
            return jsonify(_event_out(ev, who, rec.version))
    raise ApiError(404, f"event {event_id!r} does not exist")


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
    snap = _snapshot()
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
        args = _args()
        around = args["around"]
        who.require([around] if around else None)
        snap = _snapshot()
        if around is not None and around not in snap.index:
            raise ApiError(404, f"organisation {around!r} does not exist")
        template = next(t for t in builtin_templates(snap.vocabulary) if t.id == args["template"])
        teams = _suggest_teams(snap, template, around=around, k=args["k"], weights=weights_in_use(get_store()))
        return jsonify({"template": template.id, "around": around, "teams": [t.to_dict() for t in teams]})


# ---------------------------------------------------------------------------
# the OpenAPI document and the docs page
# ---------------------------------------------------------------------------
_doc_cache: dict[tuple[int, int], dict[str, Any]] = {}


@bp.get("/api/openapi.json")
@allow("public")
def openapi_json() -> Response:
    snap = _snapshot()
    key = (id(current_app._get_current_object()), snap.generation)  # type: ignore[attr-defined]
    doc = _doc_cache.get(key)
    if doc is None:
        _doc_cache.clear()
        doc = _doc_cache[key] = build_document(current_app, snap.vocabulary, teams=HAVE_TEAMS)
    return jsonify(doc)


@bp.get("/api/docs")
@allow("public")
def docs() -> str:
    return render_template("api/docs.html")


# ---------------------------------------------------------------------------
# token administration (admins, in the browser)
# ---------------------------------------------------------------------------
class TokenForm(FlaskForm):
    user = SelectField(_l("User"), validators=[DataRequired()])
    name = StringField(_l("What is it for?"), validators=[Optional(), Length(max=80)])
    expires = IntegerField(_l("Valid for (days)"), validators=[Optional(), NumberRange(min=1, max=3650)])


class RevokeForm(FlaskForm):
    pass


def _token_form() -> TokenForm:
    form = TokenForm()
    users = sorted((u for u in list_users(get_store()) if u.active), key=lambda u: u.id)
    form.user.choices = choices([("", _("– please choose –"))] + [(u.id, f"{u.id} ({u.role})") for u in users])
    return form


def _tokens_page(form: TokenForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template("api/tokens.html", form=form, tokens=list_tokens(get_store()), secret=secret)
    return page, status


@tokens_bp.route("", methods=["GET", "POST"])
@allow("admin")
def index() -> tuple[str, int]:
    form = _token_form()
    if request.method == "GET":
        return _tokens_page(form)
    if not form.validate_on_submit():
        return _tokens_page(form, status=422)
    try:
        secret, token = create_token(
            get_store(),
            form.user.data,
            name=form.name.data or "",
            expires_days=form.expires.data,
            actor=current_user.actor(),
        )
    except ValidationError as exc:
        form.user.errors = [*form.user.errors, *(i.reason for i in exc.issues)]
        return _tokens_page(form, status=422)
    flash(_("Token %(id)s was created for %(user)s.", id=token.id, user=token.user), "success")
    return _tokens_page(_token_form(), secret=secret)


@tokens_bp.post("/<token_id>/revoke")
@allow("admin")
def revoke(token_id: str) -> Response:
    if not RevokeForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("api.tokens.index"))
    try:
        done = revoke_token(get_store(), token_id, actor=current_user.actor())
    except NotFoundError:
        flash(_("There is no such token."), "error")
        return redirect(url_for("api.tokens.index"))
    if done:
        flash(_("Token %(id)s was revoked.", id=token_id), "success")
    return redirect(url_for("api.tokens.index"))


bp.register_blueprint(v1)
bp.register_blueprint(tokens_bp)
