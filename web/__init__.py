"""ReMo's web layer: the Flask app factory, blueprints, CLI."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from graph.store import DEFAULT_STORE_URL

__all__ = ["create_app"]

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


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the ReMo app: defaults, then ``instance/remo.cfg``, then ``REMO_*`` variables."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        REMO_STORE=DEFAULT_STORE_URL,
        REMO_ENV="development",
        SECRET_KEY=None,
        JSON_SORT_KEYS=False,
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

    from . import i18n
    from .extensions import StoreExtension

    StoreExtension(app)
    i18n.init_app(app)

    from .views import register_blueprints

    register_blueprints(app)

    from .commands import register_commands

    register_commands(app)
    return app
