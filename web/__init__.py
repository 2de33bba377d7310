"""ReMo's web layer: the Flask app factory, blueprints, CLI."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from flask import Flask

from graph.store import DEFAULT_STORE_URL

__all__ = ["configure", "create_app"]

_BOOL = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _env_config() -> dict[str, Any]:
    """``REMO_*`` environment variables (``REMO_SECRET_KEY`` -> ``SECRET_KEY``)."""
    out: dict[str, Any] = {}
    for key, value in os.environ.items():
        if not key.startswith("REMO_"):
            continue
        name = key[5:]
        if name in {"SECRET_KEY", "SESSION_COOKIE_SECURE", "PREFERRED_URL_SCHEME", "SERVER_NAME"}:
            out[name] = _BOOL.get(value.lower(), value) if name == "SESSION_COOKIE_SECURE" else value
        else:
            out[key] = _BOOL.get(value.lower(), value)
    return out


def configure(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """The app's configuration: defaults, then ``instance/remo.cfg``, then ``REMO_*`` variables (or ``test_config``).

    The one place that decides the settings, the store URL (``REMO_STORE``) among them, for the web app and
    for every ``remo`` command.
    """
    app.config.from_mapping(
        REMO_STORE=DEFAULT_STORE_URL,
        REMO_ENV="development",
        SECRET_KEY=None,
        JSON_SORT_KEYS=False,
        # sessions: HttpOnly, SameSite=Lax, Secure outside development, 8 hours
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="remo_session",
        SESSION_COOKIE_SECURE=None,  # None: Secure unless REMO_ENV=development
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        # the 8 hours count from the login; responses do not renew the cookie, so a late response
        # (a stylesheet, say) can never bring back a session after logout
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # CSRF tokens live as long as the session (a volunteer may fill a form slowly)
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # login throttling, failed logins only: this many per account from one address, and per address
        # (many people behind one venue Wi-Fi) within the window in seconds
        REMO_LOGIN_ATTEMPTS=5,
        REMO_LOGIN_ADDRESS_ATTEMPTS=20,
        REMO_LOGIN_WINDOW=60,
        # trust this many proxies in X-Forwarded-For (set to 1 behind one reverse proxy)
        REMO_PROXIES=0,
        REMO_PAGE_SIZE=20,
        # the language organisations write their names and texts in (marked with lang= on every page)
        REMO_CONTENT_LANG="de",
        # Strict-Transport-Security: max-age in seconds (None: one year in production, off in development)
        REMO_HSTS_SECONDS=None,
        REMO_HSTS_INCLUDE_SUBDOMAINS=False,
        REMO_HSTS_PRELOAD=False,
        # remo serve --production: build the snapshot and the matching model once, before the fork
        REMO_PRELOAD=True,
    )
    if test_config is None:
        app.config.from_pyfile("remo.cfg", silent=True)
        app.config.update(_env_config())
    else:
        app.config.update(test_config)
    if app.config["REMO_ENV"] == "development" and not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = "dev-only-not-secret"
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("REMO_SECRET_KEY must be set outside development (REMO_ENV=production)")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMO_ENV"] != "development"
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


def create_app(test_config: dict[str, Any] | None = None, *, pages: bool = True) -> Flask:
    """Create the ReMo app: defaults, then ``instance/remo.cfg``, then ``REMO_*`` variables (`configure`).

    With ``pages=False`` only what the store-only ``remo`` commands use (`web.commands.store_app`): the
    configuration, the store, the translations and the logging, without the pages, the API and their
    imports.
    """
    app = Flask(__name__, instance_relative_config=True)
    configure(app, test_config)
    from . import i18n
    from .extensions import StoreExtension

    StoreExtension(app)
    i18n.init_app(app)
    if not pages:
        from .production import configure_logging

        configure_logging(app)
        return app

    proxies = int(app.config.get("REMO_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    from . import auth, errors, security, templating
    from .production import init_request_ids

    security.init_app(app)
    init_request_ids(app)
    auth.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    from .production import configure_logging, freeze_snapshots

    configure_logging(app)
    gc_freeze = app.config.get("REMO_GC_FREEZE")
    if gc_freeze if gc_freeze is not None else app.config["REMO_ENV"] == "production":
        freeze_snapshots(app)

    from .views import register_blueprints

    register_blueprints(app)

    from . import ratelimit, render_cache

    render_cache.init_app(app)
    ratelimit.init_app(app)  # after the blueprints: it limits the views marked expensive

    from .commands import register_commands

    register_commands(app)
    security.check_access_rules(app)
    return app
