"""The audit log page (admins only)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from graph import audit

from ...extensions import get_store
from ...security import allow

__all__ = ["bp"]

bp = Blueprint("audit", __name__)

PAGE_LIMITS = (50, 200, 1000)


@bp.route("/admin/audit")
@allow("admin")
def index() -> str:
    kind = request.args.get("kind") or None
    record_id = (request.args.get("id") or "").strip() or None
    actor = (request.args.get("actor") or "").strip() or None
    try:
        limit = int(request.args.get("limit", PAGE_LIMITS[0]))
    except ValueError:
        limit = PAGE_LIMITS[0]
    limit = limit if limit in PAGE_LIMITS else PAGE_LIMITS[0]
    if kind not in (None, "organisation", "person", "user", "store"):
        kind = None
    entries = audit.audit_log(get_store(), kind=kind, id=record_id, actor=actor, limit=limit)
    return render_template(
        "audit/index.html",
        entries=entries,
        kind=kind or "",
        record_id=record_id or "",
        actor=actor or "",
        limit=limit,
        limits=PAGE_LIMITS,
    )
