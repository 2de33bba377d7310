"""Organisations under ``/api/v1/organisations``: list and search, read, create, change, delete, suggestions."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from werkzeug.wrappers import Response

from graph import Issue, Snapshot
from graph.identity import store_clashes
from graph.model import parse_organisation, slugify
from graph.privacy import references
from graph.store.base import ANY, Op

from ...api.errors import ApiError
from ...api.openapi import Param, operation
from ...api.schemas import MAX_VERSION
from ...directory import FILTERS, RESERVED_IDS, search_orgs
from ...extensions import get_store
from ...security import allow
from ...suggestion_cache import suggestion_document
from ...weights import weights_in_use
from .base import (
    P_LANG,
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
    vocab_param,
)

__all__: list[str] = []

P_ORG = Param("org_id", {"type": "string", "maxLength": 128}, where="path", description="Organisation id")
P_VERSION = Param(
    "version",
    {"type": "integer", "minimum": 0, "maximum": MAX_VERSION},
    description="Delete only if the stored version is still this one",
)
ORG_FILTERS = [
    Param("q", {"type": "string", "maxLength": 200}, description="Words that must all occur (name, topics, ...)"),
    vocab_param("kind", "org_kinds", "Kind of organisation"),
    vocab_param("topic", "topics", "Works on this topic"),
    vocab_param("offer", "capabilities", "Offers this capability"),
    vocab_param("need", "capabilities", "Needs this capability"),
    vocab_param("district", "districts", "Active in this district"),
    vocab_param("language", "languages", "Speaks this language"),
]
assert [p.name for p in ORG_FILTERS[1:]] == list(FILTERS), "the API offers the directory's filters"


def _org_out(snap: Snapshot, org_id: str, who: Caller) -> dict[str, Any]:
    if who.owns(org_id):
        return {**snap.orgs[org_id].to_dict(), "internal": True}
    return {**public_view(snap)["_orgs"][org_id], "internal": False}


def _detail(org_id: str, who: Caller) -> dict[str, Any]:
    snap = current_snapshot()
    if who.owns(org_id):
        rec = get_store().get("organisation", org_id)
        if rec is None:
            raise ApiError(404, f"organisation {org_id!r} does not exist")
        persons = [p.to_dict() for p in snap.network.persons if org_id in p.organisations]
        return {**rec.data, "version": rec.version, "internal": True, "persons": persons}
    pub = public_view(snap)
    org = pub["_orgs"].get(org_id)
    if org is None:
        raise ApiError(404, f"organisation {org_id!r} does not exist")
    persons = [p for p in pub["persons"] if org_id in p.get("organisations", [])]
    return {**org, "internal": False, "persons": persons}


def _no_clash(org_id: str, data: dict[str, Any]) -> None:
    """409 when another organisation has the same name (compared as `graph.identity` does)."""
    clashes = store_clashes(get_store(), [("organisation", org_id, data)])
    if clashes:
        raise ApiError(409, clashes[0].reason, details=[i.to_dict() for i in clashes])


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
    args = request_args()
    snap = current_snapshot()
    who = caller()
    filters = {name: args[name] or "" for name in FILTERS}
    found = search_orgs(
        snap.network.organisations, snap.vocabulary, args["lang"], args["q"] or "", filters, who.is_staff, snapshot=snap
    )
    page = paged([o.id for o in found], args["page"], args["per_page"])
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
    data = json_body("OrganisationCreate")
    org_id = data.get("id") or slugify(data["name"])
    if org_id in RESERVED_IDS:
        org_id = f"{org_id}-org"
    org, issues = parse_organisation({**data, "id": org_id}, current_snapshot().vocabulary, "body")
    if org is None:
        raise ApiError.invalid(issues)
    if get_store().get("organisation", org_id) is None:  # else the create answers 409: the id is taken
        _no_clash(org_id, org.to_dict())
    get_store().create("organisation", org_id, org.to_dict(), actor=who.actor())
    return created(_detail(org_id, who), url_for("api.v1.get_organisation", org_id=org_id))


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
    data = json_body("OrganisationUpdate")
    version = data.pop("version")
    if data.get("id", org_id) != org_id:  # the body names another record than the address: a conflict (409)
        issue = Issue("id", data["id"], f"differs from the address ({org_id})", "body", "id_mismatch")
        message = f"The body's id {data['id']!r} differs from the address ({org_id})."
        raise ApiError(409, message, details=[issue.to_dict()])
    org, issues = parse_organisation({**data, "id": org_id}, current_snapshot().vocabulary, "body")
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
    args = request_args()
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
    return no_content()


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
    args = request_args()
    store = get_store()
    snap = store.snapshot()
    if org_id not in snap.index:
        raise ApiError(404, f"organisation {org_id!r} does not exist")
    doc = suggestion_document(snap, org_id, args["top"], args["lang"], weights_in_use(store))
    return jsonify(doc)
