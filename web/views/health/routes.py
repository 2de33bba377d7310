"""Health check for load balancers and monitoring: ``GET /healthz``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from graph import StoreError

from ...extensions import get_store
from ...security import allow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@allow("public")
def healthz() -> Any:
    """200 with the store's generation when the store answers, else 503."""
    try:
        generation = get_store().generation()
    except StoreError as exc:
        response = jsonify({"status": "unavailable", "store": "unavailable", "message": str(exc)})
        response.status_code = 503
    else:
        response = jsonify({"status": "ok", "store": "ok", "generation": generation})
    response.headers["Cache-Control"] = "no-store"
    return response
