"""The API's blueprints, who is asking (`Caller`), and the helpers and parameters every resource uses."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.wrappers import Response

from graph import Snapshot, ValidationError
from graph.jsontext import loads as json_loads
from graph.model import parse_cooperation, parse_organisation, slugify
from graph.privacy import public_document
from graph.vocabulary import LANGUAGES

from ...api.errors import ApiError, register_handlers
from ...api.openapi import PREFIX, Param, query_args
from ...api.schemas import request_schemas, validate
from ...api.throttle import AnonymousLimiter
from ...api.tokens import ApiToken, check_token
from ...auth import client_address
from ...extensions import get_store
from ...security import csrf
from ...users import User

__all__ = [
    "Caller",
    "P_LANG",
    "P_PAGE",
    "P_PER_PAGE",
    "bp",
    "caller",
    "created",
    "current_snapshot",
    "json_body",
    "no_content",
    "paged",
    "public_view",
    "request_args",
    "tokens_bp",
    "v1",
    "vocab_param",
]

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
def current_snapshot() -> Snapshot:
    return get_store().snapshot()


def public_view(snap: Snapshot) -> dict[str, Any]:
    """The public projection of the snapshot's network (computed once per snapshot)."""
    doc = _public_docs.get(snap)
    if doc is None:
        doc = public_document(snap.network)
        doc["_orgs"] = {o["id"]: o for o in doc["organisations"]}
        _public_docs[snap] = doc
    return doc


def request_args() -> dict[str, Any]:
    view = current_app.view_functions[request.endpoint or ""]
    return query_args(view._api_operation, current_snapshot().vocabulary)


def json_body(schema_name: str) -> dict[str, Any]:
    """The JSON body, checked against its schema (415, 400 or 422)."""
    if not request.is_json:
        raise ApiError(415)
    try:
        data = json_loads(request.get_data(cache=True), where="body")
    except ValidationError as exc:
        issue = exc.issues[0]
        raise ApiError(400, f"The body is not valid JSON: {issue.reason}.", details=[issue.to_dict()]) from exc
    schema = request_schemas(current_snapshot().vocabulary)[schema_name]
    issues = validate(data, schema)
    if issues:
        if isinstance(data, dict):  # the model's messages are better (e.g. "did you mean" for vocabulary)
            parse = parse_organisation if schema_name.startswith("Organisation") else parse_cooperation
            body = {k: v for k, v in data.items() if k != "version"}
            if schema_name.startswith("Organisation") and not isinstance(body.get("id"), str):
                body["id"] = slugify(str(body.get("name") or ""))  # the id comes from the name or the address
            _obj, domain = parse(body, current_snapshot().vocabulary, "body")
            fields = {i.field for i in domain}
            issues = domain + [i for i in issues if i.field not in fields]
        raise ApiError.invalid(issues)
    assert isinstance(data, dict)
    return data


def paged(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    total = len(items)
    return {
        "items": items[(page - 1) * per_page : page * per_page],
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, math.ceil(total / per_page)),
    }


def created(body: dict[str, Any], location: str) -> Response:
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def no_content() -> Response:
    return Response(status=204)


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------
def vocab_param(name: str, category: str, what: str) -> Param:
    return Param(name, lambda v: {"type": "string", "enum": v.ids(category)}, description=what)


P_PAGE = Param("page", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}, description="Page number")
P_PER_PAGE = Param(
    "per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, description="Items per page"
)
P_LANG = Param(
    "lang", {"type": "string", "enum": list(LANGUAGES), "default": "de"}, description="Language of labels and texts"
)
