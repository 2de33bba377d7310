"""Security plumbing: CSRF, response headers and deny-by-default access rules.

Every endpoint must declare who may use it with `allow` (or be the static
endpoint); an endpoint without a rule answers 403 for everybody, and
`check_access_rules` refuses to start an app that has one. Levels:

``public``  anybody, also without login
``user``    any logged-in user
``org``     staff and admins, and representatives of the organisation named by
            the ``org_id`` URL argument
``staff``   KI staff and admins
``admin``   admins only
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

__all__ = ["LEVELS", "allow", "can_edit_org", "check_access_rules", "csrf", "hsts_header", "init_app", "wants_json"]

LEVELS = ("public", "user", "org", "staff", "admin")
F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()

CSP = "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


#: HSTS max-age in production when ``REMO_HSTS_SECONDS`` is not set: one year
HSTS_DEFAULT_SECONDS = 365 * 24 * 3600


def hsts_header(config: Any) -> str | None:
    """The ``Strict-Transport-Security`` value of this configuration, or None when it is off.

    ``REMO_HSTS_SECONDS`` (default: a year in production, 0 = off in development),
    ``REMO_HSTS_INCLUDE_SUBDOMAINS`` and ``REMO_HSTS_PRELOAD`` (preload lists require
    includeSubDomains and at least a year, so preload adds includeSubDomains).
    """
    raw = config.get("REMO_HSTS_SECONDS")
    if raw is None or raw == "":
        seconds = HSTS_DEFAULT_SECONDS if config.get("REMO_ENV") == "production" else 0
    else:
        try:
            seconds = int(raw)
        except (TypeError, ValueError):
            raise RuntimeError(f"REMO_HSTS_SECONDS must be a whole number of seconds, not {raw!r}") from None
        if seconds < 0:
            raise RuntimeError(f"REMO_HSTS_SECONDS must not be negative, not {raw!r}")
    if seconds == 0:
        return None
    value = f"max-age={seconds}"
    preload = config.get("REMO_HSTS_PRELOAD") is True
    if config.get("REMO_HSTS_INCLUDE_SUBDOMAINS") is True or preload:
        value += "; includeSubDomains"
    if preload:
        if seconds < HSTS_DEFAULT_SECONDS:
            raise RuntimeError("REMO_HSTS_PRELOAD needs REMO_HSTS_SECONDS of at least 31536000 (one year)")
        value += "; preload"
    return value


def allow(level: str) -> Callable[[F], F]:
    """Declare the access level of a view (see the module docstring)."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}; use one of {LEVELS}")

    def deco(fn: F) -> F:
        fn._remo_access = level  # type: ignore[attr-defined]
        return fn

    return deco


def wants_json() -> bool:
    """True for API paths and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def can_edit_org(org_id: str) -> bool:
    """Staff, admins and the organisation's own representatives."""
    if not current_user.is_authenticated:
        return False
    return current_user.is_staff or org_id in current_user.organisations


def _level_of(endpoint: str | None) -> str | None:
    if endpoint is None:
        return "public"  # no route matched: let the 404/405 handler answer
    if endpoint == "static":
        return "public"
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_remo_access", None)


def _enforce() -> Any:
    level = _level_of(request.endpoint)
    if level is None:
        current_app.logger.error("endpoint %s has no access rule; denied", request.endpoint)
        abort(403)
    if level == "public":
        return None
    if not current_user.is_authenticated:
        if wants_json() or request.method not in ("GET", "HEAD"):
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if level == "user":
        return None
    if level == "org":
        org_id = (request.view_args or {}).get("org_id")
        if org_id is None or not can_edit_org(org_id):
            abort(403)
        return None
    if level == "staff" and current_user.is_staff:
        return None
    if level == "admin" and current_user.is_admin:
        return None
    abort(403)


def _headers(response: Any) -> Any:
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    hsts = current_app.extensions.get("remo_hsts")
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", hsts)
    if current_user and getattr(current_user, "is_authenticated", False):
        # pages for logged-in users may carry internal data: keep them out of shared caches
        response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Cookie")
    return response


def check_access_rules(app: Flask) -> None:
    """Refuse to run with an endpoint that has no access rule (deny by default, loudly)."""
    missing = sorted(
        ep for ep, fn in app.view_functions.items() if ep != "static" and getattr(fn, "_remo_access", None) is None
    )
    if missing:
        raise RuntimeError("endpoints without an access rule (use web.security.allow): " + ", ".join(missing))


def init_app(app: Flask) -> None:
    app.extensions["remo_hsts"] = hsts_header(app.config)
    csrf.init_app(app)
    app.before_request(_enforce)
    app.after_request(_headers)
