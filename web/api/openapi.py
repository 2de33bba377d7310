"""Operations of the API and the OpenAPI 3.1 document generated from them.

Every view of the API carries an `Operation` (set with the `operation` decorator): its id,
summary, parameters (with JSON Schemas), request body schema, responses and whether it needs a
token. The views read and check their parameters with `query_args` from the same `Param`
objects, and validate bodies with the schemas of `web.api.schemas`; `build_document` walks the
app's URL map and writes the same data as OpenAPI. A route under ``/api/v1`` without an
`Operation` makes `build_document` fail, so the document cannot miss a route.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, request

from graph import Issue, Vocabulary

from .errors import CODES, MESSAGES, ApiError
from .schemas import DIALECT, request_schemas, response_schemas

__all__ = ["PREFIX", "Operation", "Param", "build_document", "operation", "query_args"]

PREFIX = "/api/v1"
API_VERSION = "1.0.0"
F = TypeVar("F", bound=Callable[..., Any])
_RULE_ARG = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


@dataclass(frozen=True)
class Param:
    """A path or query parameter; ``schema`` may be a callable of the vocabulary (for enums)."""

    name: str
    schema: dict[str, Any] | Callable[[Vocabulary], dict[str, Any]]
    where: str = "query"
    required: bool = False
    description: str = ""

    def schema_for(self, vocab: Vocabulary) -> dict[str, Any]:
        return self.schema(vocab) if callable(self.schema) else self.schema

    def to_openapi(self, vocab: Vocabulary) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "in": self.where,
            "required": self.required or self.where == "path",
            "schema": self.schema_for(vocab),
        }
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class Operation:
    op_id: str
    summary: str
    tag: str
    auth: str = "public"  # "public": no token needed (a token may show more); "token": a token is needed
    params: tuple[Param, ...] = ()
    body: str | None = None  # name of a request schema
    responses: dict[int, tuple[str | None, str]] = field(default_factory=dict)  # status -> (schema, description)
    errors: tuple[int, ...] = ()
    description: str = ""


def operation(
    op_id: str,
    summary: str,
    *,
    tag: str,
    auth: str = "public",
    params: Sequence[Param] = (),
    body: str | None = None,
    responses: dict[int, tuple[str | None, str]] | None = None,
    errors: Iterable[int] = (),
    description: str = "",
) -> Callable[[F], F]:
    """Describe an API view (read by `build_document` and by the request checks)."""
    if auth not in ("public", "token"):
        raise ValueError(f"auth must be 'public' or 'token', not {auth!r}")
    op = Operation(
        op_id,
        summary,
        tag,
        auth,
        tuple(params),
        body,
        dict(responses or {200: (None, "OK")}),
        tuple(errors),
        description,
    )

    def deco(fn: F) -> F:
        fn._api_operation = op  # type: ignore[attr-defined]
        return fn

    return deco


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "integer" in types:
        if not re.fullmatch(r"[+-]?[0-9]{1,9}", raw.strip()):
            raise ValueError("must be a whole number")
        return int(raw)
    if "boolean" in types:
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise ValueError("must be true or false")
    return raw


def query_args(op: Operation, vocab: Vocabulary) -> dict[str, Any]:
    """The operation's query parameters, converted and checked (400 with issues when wrong).

    Parameters not sent are ``None`` unless their schema has a ``default``.
    """
    out: dict[str, Any] = {}
    issues: list[Issue] = []
    for p in op.params:
        if p.where != "query":
            continue
        schema = p.schema_for(vocab)
        values = request.args.getlist(p.name)
        if not values:
            if p.required:
                issues.append(Issue(p.name, None, "is required", where="query", code="required"))
            out[p.name] = schema.get("default")
            continue
        if len(values) > 1:
            issues.append(Issue(p.name, values[0], "is given more than once", where="query", code="duplicate"))
            continue
        try:
            value = _coerce(values[0], schema)
        except ValueError as exc:
            issues.append(Issue(p.name, values[0][:100], str(exc), where="query", code="bad_parameter"))
            continue
        from jsonschema import Draft202012Validator  # 0.2 s: imported by the first API request, not every command

        errors = list(Draft202012Validator(schema).iter_errors(value))
        if errors:
            hint = tuple(str(x) for x in schema.get("enum", [])[:10])
            issues.append(
                Issue(p.name, values[0][:100], errors[0].message[:200], where="query", code="bad_parameter", hint=hint)
            )
            continue
        out[p.name] = value
    if issues:
        raise ApiError(400, "Some query parameters are not valid.", details=[i.to_dict() for i in issues])
    return out


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": f"{CODES[status]}: {MESSAGES[status]}",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _statuses(op: Operation, path_params: bool) -> list[int]:
    out = {401, 429, 503}
    if any(p.where == "query" for p in op.params) or op.body:
        out.add(400)
    if op.auth == "token":
        out.add(403)
    if path_params:
        out.add(404)
    if op.body:
        out |= {413, 415, 422}
    out |= set(op.errors)
    return sorted(out)


def _openapi_path(rule: str) -> str:
    return _RULE_ARG.sub(r"{\1}", rule)


def _curl(method: str, path: str, op: Operation) -> str:
    parts = ["curl"]
    if method != "GET":
        parts += ["-X", method]
    if op.auth == "token" or method != "GET":
        parts += ["-H", "'Authorization: Bearer $REMO_TOKEN'"]
    if op.body:
        parts += ["-H", "'Content-Type: application/json'", "-d", "@body.json"]
    parts.append(f"'https://remo.example{path}'")
    return " ".join(parts)


def operations(app: Flask) -> list[tuple[str, str, Operation, list[str]]]:
    """``(method, openapi path, operation, path args)`` of every ``/api/v1`` route; fails on a route without one."""
    out = []
    missing = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "_api_operation", None)
        if op is None:
            missing.append(rule.endpoint)
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, _openapi_path(rule.rule), op, list(rule.arguments)))
    if missing:
        raise RuntimeError("API routes without an operation description: " + ", ".join(sorted(missing)))
    return out


def build_document(app: Flask, vocab: Vocabulary, *, teams: bool = False) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the app's ``/api/v1`` routes."""
    requests_ = request_schemas(vocab)
    paths: dict[str, dict[str, Any]] = {}
    tags: dict[str, None] = {}
    for method, path, op, args in operations(app):
        tags[op.tag] = None
        declared = {p.name for p in op.params if p.where == "path"}
        params = [p.to_openapi(vocab) for p in op.params]
        for arg in args:
            if arg not in declared:
                params.insert(0, {"name": arg, "in": "path", "required": True, "schema": {"type": "string"}})
        responses: dict[str, Any] = {}
        for status, (schema, description) in sorted(op.responses.items()):
            resp: dict[str, Any] = {"description": description}
            if schema is not None:
                resp["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
            responses[str(status)] = resp
        for status in _statuses(op, bool(args)):
            responses.setdefault(str(status), _error_response(status))
        entry: dict[str, Any] = {
            "operationId": op.op_id,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
            "security": [{"bearerAuth": []}] if op.auth == "token" else [{}, {"bearerAuth": []}],
            "x-curl": _curl(method, path, op),
        }
        if op.description:
            entry["description"] = op.description
        if op.body:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.body}"}}},
            }
        paths.setdefault(path, {})[method.lower()] = entry
    schemas = {**response_schemas(teams=teams), **requests_}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "ReMo API",
            "version": API_VERSION,
            "summary": "The network of migrant organisations as data",
            "description": (
                "Read the public directory without a token; everything else needs a personal API token "
                "(`Authorization: Bearer remo_...`) that administrators create. Errors always have the shape "
                '`{"error": {"code", "message", "details"}}`. Human-readable documentation: `/api/docs`.'
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "remo_<43 characters>",
                    "description": "A personal API token, created by an administrator (`remo token create`).",
                }
            },
        },
    }
