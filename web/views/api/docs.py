"""The OpenAPI document (``/api/openapi.json``) and the docs page (``/api/docs``)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from werkzeug.wrappers import Response

from ...api.openapi import build_document
from ...security import allow
from .base import (
    bp,
    current_snapshot,
)
from .resources import HAVE_TEAMS

__all__: list[str] = []

_doc_cache: dict[tuple[int, int], dict[str, Any]] = {}


@bp.get("/api/openapi.json")
@allow("public")
def openapi_json() -> Response:
    snap = current_snapshot()
    key = (id(current_app._get_current_object()), snap.generation)  # type: ignore[attr-defined]
    doc = _doc_cache.get(key)
    if doc is None:
        _doc_cache.clear()
        doc = _doc_cache[key] = build_document(current_app, snap.vocabulary, teams=HAVE_TEAMS)
    return jsonify(doc)


@bp.get("/api/docs")
@allow("public")
def docs() -> str:
    return render_template("api/docs.html")
