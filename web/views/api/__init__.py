"""The JSON API under ``/api/v1``, its OpenAPI document and docs page, and the token admin page.

Blueprints: ``api`` (``/api/openapi.json``, ``/api/docs``) with two children, ``api.v1`` (the
JSON API, CSRF-exempt because it authenticates by bearer token, never by the session cookie)
and ``api.tokens`` (``/admin/tokens``, admins only, an ordinary form page with CSRF).

Access: the frame sees every API view as ``public`` (`web.security.allow`); the API decides
by token itself (`base.Caller`): a view whose `Operation` says ``auth="token"`` answers 401
without a valid token; without a token a reader gets the public projection of
`graph.privacy.public_document` (public fields, consented persons, no notes). A token acts
with its owner's role: staff and admins may read and write everything; a representative sees
and writes only their own organisation(s) (403 otherwise). Session cookies are ignored here, so
a browser's login can never be used cross-site against the API.

Modules: ``base`` (the blueprints, `Caller`, the helpers and shared parameters),
``organisations``, ``resources`` (vocabulary, cooperations, meetings, figures, the token's
owner, teams), ``events``, ``docs`` (OpenAPI document and docs page), ``forms`` and
``token_page`` (the token admin page).
"""

from __future__ import annotations

from . import docs, events, organisations, resources, token_page
from .base import bp, tokens_bp, v1

__all__ = ["bp", "docs", "events", "organisations", "resources", "token_page"]

bp.register_blueprint(v1)
bp.register_blueprint(tokens_bp)
