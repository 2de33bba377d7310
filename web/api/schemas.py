"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the API's requests and responses, defined once.

The request schemas are built from the domain model (`graph.model.ORG_FIELDS` and the limits
the model enforces) with the vocabulary's ids as enums, so that they change when the stored
vocabulary does. The same dicts validate the requests in the views (`validate`) and make up the
OpenAPI document (`web.api.openapi`): there is no second copy that could drift.

Example
-------
>>> from graph import Vocabulary
>>> s = request_schemas(Vocabulary.builtin())["OrganisationCreate"]
>>> s["required"], "migrant_organisation" in s["properties"]["kind"]["enum"]
(['name', 'kind'], True)
>>> [i.field for i in validate({"name": "A", "kind": "nope"}, s)]
['kind']
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from jsonschema import Draft202012Validator

from graph import Issue, Vocabulary
from graph.model import MAX_NAME, MAX_TEXT, ORG_FIELDS, PERSON_FIELDS, RECORD_ID_RE, SLUG_RE
from graph.vocabulary import CATEGORIES, LANGUAGES

__all__ = ["DIALECT", "MAX_VERSION", "request_schemas", "response_schemas", "validate"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_VERSION = 999_999_999  # versions as the query parser reads them (at most nine digits)
SLUG = SLUG_RE.pattern
RECORD_ID = RECORD_ID_RE.pattern
DATE = r"^(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"  # and a real day: "format": "date"
# what the model refuses in every text (graph.text): control characters, U+FFFE, U+FFFF (lone surrogates
# too, which no UTF-8 body can carry; they are left out here as many regex engines cannot name them)
_NOT_TEXT = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff"
TEXT = f"^[^{_NOT_TEXT}]*$"
NAME = f"^[^{_NOT_TEXT}]*[^\\s{_NOT_TEXT}][^{_NOT_TEXT}]*$"  # not only spaces
# the model's URL_RE, EMAIL_RE and PHONE_RE (graph.model), each also empty
WEBSITE = f"^(?:|[hH][tT][tT][pP][sS]?://[^\\s/$.?#{_NOT_TEXT}][^\\s{_NOT_TEXT}]*)$"
EMAIL = f"^(?:|[^@\\s{_NOT_TEXT}]+@[^@\\s{_NOT_TEXT}]+\\.[^@\\s{_NOT_TEXT}]+)$"
PHONE = r"^(?:|\+?[0-9 ()/\-]{5,30})$"
DATE_VALUE = {"type": ["string", "null"], "format": "date", "pattern": DATE, "description": "YYYY-MM-DD"}

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STRS = {"type": "array", "items": STR}


def _enum(vocab: Vocabulary, category: str, *, empty: bool = False) -> dict[str, Any]:
    ids = vocab.ids(category)
    return {"type": "string", "enum": ([""] if empty else []) + list(ids)}


def _terms(vocab: Vocabulary, category: str) -> dict[str, Any]:
    return {"type": "array", "items": _enum(vocab, category), "uniqueItems": True, "maxItems": 200}


def _once_each(ids: list[str]) -> list[dict[str, Any]]:
    """Each capability at most once in a list of offers or needs (JSON Schema 2020-12 ``maxContains``)."""
    return [
        {
            "contains": {"properties": {"capability": {"const": cap}}, "required": ["capability"]},
            "minContains": 0,
            "maxContains": 1,
        }
        for cap in ids
    ]


def _text(max_len: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_len, "pattern": TEXT, **extra}


def organisation_fields(vocab: Vocabulary) -> dict[str, dict[str, Any]]:
    """The schema of every field in `graph.model.ORG_FIELDS`, with the model's limits."""
    cap = _enum(vocab, "capabilities")
    detail = _text(500)
    fields: dict[str, dict[str, Any]] = {
        "name": _text(MAX_NAME, minLength=1, pattern=NAME, description="Name of the organisation (not only spaces)"),
        "kind": {**_enum(vocab, "org_kinds"), "description": "Kind of organisation (vocabulary `org_kinds`)"},
        "description": _text(MAX_TEXT),
        "topics": _terms(vocab, "topics"),
        "offers": {
            "type": "array",
            "maxItems": 100,
            "description": "What the organisation can offer (vocabulary `capabilities`), each at most once",
            "allOf": _once_each(cap["enum"]),
            "items": {
                "type": "object",
                "properties": {"capability": cap, "detail": detail},
                "required": ["capability"],
                "additionalProperties": False,
            },
        },
        "needs": {
            "type": "array",
            "maxItems": 100,
            "description": "What it needs, with urgency 1 (some time) to 3 (urgent), each capability at most once",
            "allOf": _once_each(cap["enum"]),
            "items": {
                "type": "object",
                "properties": {"capability": cap, "detail": detail, "urgency": {"type": "integer", "enum": [1, 2, 3]}},
                "required": ["capability"],
                "additionalProperties": False,
            },
        },
        "districts": _terms(vocab, "districts"),
        "languages": _terms(vocab, "languages"),
        "target_groups": _terms(vocab, "target_groups"),
        "legal_form": _enum(vocab, "legal_forms", empty=True),
        "founded": {"type": ["integer", "null"], "minimum": 1800, "maximum": dt.date.today().year},
        "website": _text(500, pattern=WEBSITE, description="http(s) address, or empty"),
        "email": _text(254, pattern=EMAIL, description="Email address, or empty"),
        "phone": _text(40, pattern=PHONE, description="Phone number (digits, spaces and + ( ) / -), or empty"),
        "address": _text(300),
    }
    assert set(fields) == set(ORG_FIELDS), "every organisation field needs a schema"
    return {name: fields[name] for name in ORG_FIELDS}


def _visibility(fields: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Fields marked 'internal' are hidden from the public (all are public unless marked)",
        "propertyNames": {"enum": list(fields)},
        "additionalProperties": {"type": "string", "enum": ["public", "internal"]},
    }


def request_schemas(vocab: Vocabulary) -> dict[str, dict[str, Any]]:
    """The request body schemas (self-contained: no ``$ref``)."""
    org = organisation_fields(vocab)
    create = {
        "type": "object",
        "description": "A new organisation; `id` is made from the name when left out",
        "properties": {
            "id": {"type": "string", "pattern": SLUG, "maxLength": 80, "description": "URL-safe short name"},
            **org,
            "visibility": _visibility(ORG_FIELDS),
        },
        "required": ["name", "kind"],
        "additionalProperties": False,
    }
    update = copy.deepcopy(create)
    update["description"] = (
        "The whole organisation as it should be from now on (fields left out are emptied), "
        "with the `version` it is based on"
    )
    update["properties"]["version"] = {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_VERSION,
        "description": "The version this change is based on (from GET); a stale version gives 409",
    }
    update["required"] = ["name", "kind", "version"]
    coop = {
        "type": "object",
        "description": (
            "A cooperation between two different organisations (404 when one does not exist); "
            "`until` does not lie before `since`"
        ),
        "properties": {
            "a": {"type": "string", "pattern": SLUG, "maxLength": 128},
            "b": {"type": "string", "pattern": SLUG, "maxLength": 128},
            "kind": _enum(vocab, "cooperation_kinds"),
            "since": DATE_VALUE,
            "until": {**DATE_VALUE, "description": "YYYY-MM-DD, not before `since`"},
            "note": _text(1000, description="Internal note (never public)"),
        },
        "required": ["a", "b"],
        "additionalProperties": False,
    }
    return {"OrganisationCreate": create, "OrganisationUpdate": update, "CooperationCreate": coop}


def _obj(props: dict[str, Any], required: list[str] | None = None, extra: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        out["required"] = required
    return out


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item: str) -> dict[str, Any]:
    return _obj(
        {
            "items": {"type": "array", "items": _ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
        },
        ["items", "total", "page", "per_page", "pages"],
    )


def _issue() -> dict[str, Any]:
    return _obj(
        {"where": STR, "field": STR, "value": {}, "reason": STR, "code": STR, "hint": STRS}, ["field", "reason", "code"]
    )


def _error() -> dict[str, Any]:
    body = _obj(
        {
            "code": {"type": "string", "description": "stable error code, e.g. `conflict`"},
            "message": STR,
            "details": {"type": "array", "description": "validation issues, conflict details, ..."},
            "status": INT,
        },
        ["code", "message", "details"],
        extra=True,
    )
    return _obj({"error": body}, ["error"])


def _org_properties() -> dict[str, Any]:
    """An organisation as the API shows it: `graph.model.ORG_FIELDS` in their order, with id, visibility, version."""
    values: dict[str, Any] = {
        "name": STR,
        "kind": STR,
        "description": STR,
        "topics": STRS,
        "offers": {"type": "array", "items": _obj({"capability": STR, "detail": STR}, ["capability"])},
        "needs": {
            "type": "array",
            "items": _obj({"capability": STR, "detail": STR, "urgency": INT}, ["capability"]),
        },
        "districts": STRS,
        "languages": STRS,
        "target_groups": STRS,
        "legal_form": STR,
        "founded": {"type": ["integer", "null"]},
        "website": STR,
        "email": STR,
        "phone": STR,
        "address": STR,
    }
    assert set(values) == set(ORG_FIELDS), "every organisation field needs a response schema"
    return {
        "id": STR,
        **{name: values[name] for name in ORG_FIELDS},
        "visibility": {"type": "object", "additionalProperties": STR},
        "version": {"type": "integer", "description": "only for token holders who may change it"},
        "internal": {"type": "boolean", "description": "true when internal fields are included"},
    }


def _organisations() -> dict[str, dict[str, Any]]:
    """``Organisation``, ``OrganisationDetail`` (with its ``Person`` list) and ``Person``."""
    props = _org_properties()
    person = _obj(
        {
            "id": STR,
            "organisations": STRS,
            **{f: STR for f in PERSON_FIELDS},
            "consent": {"type": ["object", "null"]},
            "visibility": {"type": "object", "additionalProperties": STR},
        },
        ["id"],
    )
    return {
        "Organisation": _obj(props, ["id", "internal"]),
        "OrganisationDetail": _obj(
            {**props, "persons": {"type": "array", "items": _ref("Person")}}, ["id", "internal", "persons"]
        ),
        "Person": person,
    }


def _vocabulary() -> dict[str, dict[str, Any]]:
    """``Term`` and ``Vocabulary``."""
    term = _obj(
        {
            "id": STR,
            "labels": {"type": "object", "additionalProperties": STR},
            "aliases": STRS,
            "native": NSTR,
            "label": STR,
        },
        ["id", "labels"],
    )
    vocabulary = _obj(
        {
            "languages": {"type": "array", "items": {"type": "string", "enum": list(LANGUAGES)}},
            "categories": _obj({c: {"type": "array", "items": _ref("Term")} for c in CATEGORIES}, extra=True),
        },
        ["languages", "categories"],
    )
    return {"Term": term, "Vocabulary": vocabulary}


def _cooperation() -> dict[str, Any]:
    return _obj(
        {"id": STR, "a": STR, "b": STR, "kind": STR, "since": NSTR, "until": NSTR, "note": STR}, ["id", "a", "b"]
    )


def _suggestions() -> dict[str, Any]:
    reason = _obj({"kind": STR, "text": STR}, ["kind", "text"], extra=True)
    suggestion = _obj(
        {"partner": STR, "score": NUM, "already_met": BOOL, "reasons": {"type": "array", "items": reason}},
        ["partner", "score", "already_met", "reasons"],
    )
    return _obj(
        {"organisation": STR, "suggestions": {"type": "array", "items": suggestion}, "hints": STRS},
        ["organisation", "suggestions", "hints"],
    )


def _meetings() -> dict[str, dict[str, Any]]:
    """``Meeting``, ``MeetingList`` and ``MeetingPlan``."""
    meeting = _obj(
        {
            "id": STR,
            "title": STR,
            "date": NSTR,
            "place": STR,
            "attendance": STRS,
            "persons": STRS,
            "rounds": INT,
            "format": STR,
            "table_size": INT,
            "themes": {"type": "array", "items": {"type": "object"}},
            "must_meet": {"type": "array", "items": STRS},
            "must_not_meet": {"type": "array", "items": STRS},
            "locked": {"type": "array", "items": {"type": "object"}},
            "deadline": NSTR,
            "invited": STRS,
            "declined": STRS,
            "start_time": NSTR,
            "end_time": NSTR,
            "has_plan": {"type": "boolean", "description": "only for staff tokens"},
        },
        ["id", "title"],
    )
    plan = _obj(
        {
            "meeting": STR,
            "format": STR,
            "table_size": INT,
            "rounds": {"type": "array", "items": {"type": "array", "items": STRS}},
            "score": NUM,
        },
        ["meeting", "rounds"],
        extra=True,
    )
    items = _obj({"items": {"type": "array", "items": _ref("Meeting")}}, ["items"])
    return {"Meeting": meeting, "MeetingList": items, "MeetingPlan": plan}


def _metrics() -> dict[str, Any]:
    return _obj(
        {
            "counts": {"type": "object", "additionalProperties": INT},
            "migrant_organisations": INT,
            "current_cooperations": INT,
            "density": NUM,
            "organisations_without_partner": INT,
            "without_partner": STRS,
            "cooperations_per_year": {"type": "object", "additionalProperties": INT},
            "generation": INT,
        },
        [
            "counts",
            "current_cooperations",
            "density",
            "organisations_without_partner",
            "without_partner",
            "cooperations_per_year",
        ],
    )


def _me() -> dict[str, Any]:
    return _obj(
        {
            "user": STR,
            "role": {"type": "string", "enum": ["admin", "staff", "representative"]},
            "organisations": STRS,
            "token": _obj({"id": STR, "name": STR, "expires_at": NSTR}, ["id"]),
        },
        ["user", "role", "organisations", "token"],
    )


def _event_parts() -> dict[str, Any]:
    """An event's nested objects: translations, recurrence, place, cost, registration."""
    return {
        "translations": {"type": "object", "additionalProperties": _obj({"title": STR, "description": STR})},
        "recurrence": {
            "type": ["object", "null"],
            "properties": {
                "rrule": {"type": "string", "description": "RFC 5545 RRULE (UNTIL in local time)"},
                "exdates": STRS,
                "except": {"type": "array", "items": _obj({"from": STR, "until": STR, "label": STR})},
            },
        },
        "place": _obj({"name": STR, "address": STR, "district": STR, "accessible": {"type": ["boolean", "null"]}}),
        "cost": _obj({"free": BOOL, "amount": {"type": ["number", "null"]}, "note": STR}, ["free"]),
        "registration": _obj(
            {"kind": {"type": "string", "enum": ["none", "link", "contact"]}, "url": STR, "contact": STR}, ["kind"]
        ),
    }


def _event() -> dict[str, Any]:
    parts = _event_parts()
    occurrence = _obj({"start": STR, "end": STR}, ["start", "end"])
    own = "only for the organisations' tokens"
    return _obj(
        {
            "id": STR,
            "title": STR,
            "description": STR,
            "lang": STR,
            "translations": parts["translations"],
            "organisations": STRS,
            "start": {"type": "string", "description": "wall-clock time in `timezone`, YYYY-MM-DDTHH:MM"},
            "end": STR,
            "timezone": STR,
            "recurrence": parts["recurrence"],
            "place": parts["place"],
            "languages": STRS,
            "topics": STRS,
            "target_groups": STRS,
            "cost": parts["cost"],
            "registration": parts["registration"],
            "visibility": {"type": "string", "enum": ["public", "internal"]},
            "status": {"type": "string", "enum": ["draft", "submitted", "published", "cancelled"]},
            "review_note": {"type": "string", "description": own},
            "created_by": {"type": "string", "description": own},
            "submitted_at": NSTR,
            "published_at": NSTR,
            "version": {"type": "integer", "description": own},
            "next_occurrence": {"oneOf": [occurrence, {"type": "null"}], "description": "the next date, if any"},
            "url": {"type": "string", "description": "the event's page"},
        },
        ["id", "title", "organisations", "start", "end", "timezone", "status", "next_occurrence", "url"],
    )


def _team_suggestions() -> dict[str, Any]:
    member = _obj(
        {
            "org": STR,
            "roles": STRS,
            "is_mo": BOOL,
            "tie": {"type": ["object", "null"]},
            "topics": STRS,
            "topic_fit": NUM,
        },
        ["org"],
    )
    team = _obj(
        {
            "template": NSTR,
            "score": NUM,
            "affinity": NUM,
            "topic": NUM,
            "mixed": BOOL,
            "shared_roles": STRS,
            "roles": {"type": "object", "additionalProperties": STRS},
            "members": {"type": "array", "items": member},
        },
        ["score", "members"],
        extra=True,
    )
    return _obj({"template": STR, "around": NSTR, "teams": {"type": "array", "items": team}}, ["template", "teams"])


def response_schemas(teams: bool = False) -> dict[str, dict[str, Any]]:
    """The response schemas (they reference each other with ``$ref``)."""
    orgs = _organisations()
    out = {
        "Error": _error(),
        "Issue": _issue(),
        "Organisation": orgs["Organisation"],
        "OrganisationDetail": orgs["OrganisationDetail"],
        "OrganisationList": _page("Organisation"),
        "Person": orgs["Person"],
        **_vocabulary(),
        "Cooperation": _cooperation(),
        "CooperationList": _page("Cooperation"),
        "Suggestions": _suggestions(),
        **_meetings(),
        "Event": _event(),
        "EventList": _page("Event"),
        "Metrics": _metrics(),
        "Me": _me(),
    }
    if teams:
        out["TeamSuggestions"] = _team_suggestions()
    return out


def _field_of(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def validate(data: Any, schema: dict[str, Any], where: str = "body") -> list[Issue]:
    """Every violation of ``schema`` as a `graph.Issue` (field paths like ``offers[0].capability``)."""
    issues = []
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        field = _field_of(err.absolute_path)
        value = err.instance if isinstance(err.instance, (str, int, float, bool, type(None))) else None
        hint: tuple[str, ...] = ()
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = set(err.schema.get("properties", {}))
            extra = sorted(k for k in err.instance if k not in known)
            for key in extra:
                name = f"{field}.{key}" if field != "body" else key
                issues.append(
                    Issue(
                        name,
                        err.instance[key] if _plain(err.instance[key]) else None,
                        "unknown field",
                        where=where,
                        code="unknown_field",
                    )
                )
            continue
        if err.validator == "enum":
            hint = tuple(str(x) for x in err.validator_value[:10])
        issues.append(Issue(field, value, err.message[:300], where=where, code=f"schema_{err.validator}", hint=hint))
    return issues


def _plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))
