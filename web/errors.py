"""Error pages: HTML or JSON as the client asks, never a stack trace."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, jsonify, make_response, render_template
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from graph import ConflictError, NotFoundError, StoreUnavailable, ValidationError

from .security import wants_json

__all__ = ["init_app", "render_error"]


def _texts(code: int) -> tuple[str, str]:
    """Title and explanation of an error page, translated."""
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        401: (_("Please log in"), _("This page is for registered users.")),
        403: (_("Access denied"), _("You are not allowed to open this page.")),
        404: (_("Page not found"), _("This page does not exist (any more). Check the address or use the menu.")),
        405: (_("Not allowed"), _("This action is not possible here.")),
        409: (
            _("Changed meanwhile"),
            _("Somebody else changed this data at the same time. Please load the page again and repeat your change."),
        ),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many attempts"), _("Please wait a minute and try again.")),
        500: (
            _("Something went wrong"),
            _("An unexpected error happened on our side. It has been logged; please try again later."),
        ),
        503: (
            _("Temporarily unavailable"),
            _("The database cannot be reached right now. Please try again in a few minutes."),
        ),
    }
    return texts.get(code, (_("Error"), _("Something went wrong.")))


def render_error(code: int, detail: str = "", headers: dict[str, str] | None = None) -> Any:
    title, text = _texts(code)
    if wants_json():
        # the API's stable shape (code, message, details), also for errors outside its views
        from .api.errors import CODES

        error = {"code": CODES.get(code, "error"), "message": detail or text, "details": [], "status": code}
        body: dict[str, Any] = {"error": {**error, "title": title}}
        response = jsonify(body)
        response.status_code = code
    else:
        page = render_template("errors/error.html", code=code, title=title, text=text, detail=detail)
        response = make_response(page, code)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return render_error(400, _("The form has expired or was sent from elsewhere. Please reload it and try again."))

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded) -> Any:
        from .ratelimit import retry_after

        wait = retry_after()
        detail = _(
            "You asked for many maps or brochures in a short time. Please wait %(time)s and try again.",
            time=format_timedelta(dt.timedelta(seconds=wait), threshold=2),
        )
        return render_error(429, detail, {"Retry-After": str(wait)})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        headers = {}
        if code == 405 and exc.get_response().headers.get("Allow"):
            headers["Allow"] = exc.get_response().headers["Allow"]
        if code == 429 and getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)  # type: ignore[attr-defined]
        detail = exc.description if getattr(exc, "remo_detail", False) else ""
        return render_error(code, detail, headers)

    @app.errorhandler(StoreUnavailable)
    def store_down(exc: StoreUnavailable) -> Any:
        app.logger.error("store unavailable: %s", exc)
        return render_error(503, headers={"Retry-After": "60"})

    @app.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError) -> Any:
        return render_error(404)

    @app.errorhandler(ConflictError)
    def conflict(exc: ConflictError) -> Any:
        return render_error(409)

    @app.errorhandler(ValidationError)
    def invalid(exc: ValidationError) -> Any:
        # the stores' last line (see graph.text): a page whose form checks less than the store does
        from .views._forms import issue_message

        detail = " ".join(dict.fromkeys(issue_message(issue) for issue in exc.issues))
        return render_error(400, detail)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        app.logger.exception("unhandled error", exc_info=exc)
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def internal(exc: InternalServerError) -> Any:
        original = getattr(exc, "original_exception", None)
        if original is not None:
            app.logger.error("internal error: %r", original)
        return render_error(500)
