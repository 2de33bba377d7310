"""JSON errors of the API: one stable shape for every failure.

``{"error": {"code": "conflict", "message": "...", "details": [...], "status": 409}}``

``code`` is a stable slug clients may branch on, ``message`` is English text for people,
``details`` lists structured items (validation issues as `graph.Issue.to_dict`, the current
version of a record on a conflict, ...). ``status`` repeats the HTTP status code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from graph import ConflictError, Issue, NotFoundError, StoreUnavailable, ValidationError

__all__ = ["CODES", "ApiError", "error_response", "register_handlers"]

#: the error code of every status the API answers with
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "store_unavailable",
}
MESSAGES: dict[int, str] = {
    400: "The request could not be understood.",
    401: "A valid API token is needed: send 'Authorization: Bearer remo_...'.",
    403: "Your token is not allowed to do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    406: "Only JSON is offered here.",
    409: "The data was changed meanwhile or exists already.",
    413: "The request body is too large.",
    415: "Send the body as JSON (Content-Type: application/json).",
    422: "The data is not valid.",
    429: "Too many requests; please wait a little.",
    500: "An unexpected error happened; it has been logged.",
    503: "The database cannot be reached right now; please try again in a few minutes.",
}


class ApiError(Exception):
    """An API failure with its status, code, message and details."""

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        code: str | None = None,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message or MESSAGES.get(status, "Error.")
        self.details = list(details or [])
        self.headers = dict(headers or {})
        super().__init__(self.message)

    @classmethod
    def invalid(cls, issues: list[Issue], message: str = "") -> ApiError:
        n = len(issues)
        text = message or f"{n} problem{'s' if n != 1 else ''} found; nothing was written."
        return cls(422, text, details=[i.to_dict() for i in issues])


def error_response(
    status: int,
    message: str = "",
    *,
    code: str | None = None,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return _respond(ApiError(status, message, code=code, details=details, headers=headers))


def _respond(exc: ApiError) -> Response:
    body = {"error": {"code": exc.code, "message": exc.message, "details": exc.details, "status": exc.status}}
    response = jsonify(body)
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="remo"'
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


def conflict_details(exc: ConflictError) -> list[dict[str, Any]]:
    current = exc.current
    return [
        {
            "kind": exc.kind,
            "id": exc.id,
            "your_version": exc.expected,
            "current_version": getattr(current, "version", None),
            "updated_at": getattr(current, "updated_at", None),
            "updated_by": getattr(current, "updated_by", None),
            "deleted": exc.expected is not None and current is None,
        }
    ]


def register_handlers(bp: Blueprint) -> None:
    """JSON error handlers for every failure inside ``bp``."""

    @bp.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return _respond(exc)

    @bp.errorhandler(ValidationError)
    def invalid(exc: ValidationError) -> Response:
        return _respond(ApiError.invalid(exc.issues))

    @bp.errorhandler(ConflictError)
    def conflict(exc: ConflictError) -> Response:
        return _respond(ApiError(409, str(exc), details=conflict_details(exc)))

    @bp.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError) -> Response:
        return _respond(ApiError(404, str(exc)))

    @bp.errorhandler(StoreUnavailable)
    def store_down(exc: StoreUnavailable) -> Response:
        current_app.logger.error("store unavailable: %s", exc)
        return _respond(ApiError(503, headers={"Retry-After": "60"}))

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        headers: dict[str, str] = {}
        if status == 405:
            allow = exc.get_response().headers.get("Allow")
            if allow:
                headers["Allow"] = allow
        if status >= 500:
            original = getattr(exc, "original_exception", None)
            if original is not None:
                current_app.logger.error("internal error: %r", original)
        return _respond(ApiError(status, headers=headers))

    @bp.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        current_app.logger.exception("unhandled API error", exc_info=exc)
        return _respond(ApiError(500))
