"""The audit log page (admins only) and `log_view`, which views call when they show a record's internal data."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from graph import audit

from ..extensions import get_store
from ..security import allow

__all__ = ["bp", "log_view"]

bp = Blueprint("audit", __name__)

PAGE_LIMITS = (50, 200, 1000)


def log_view(kind: str, record_id: str, on_behalf_of: str | None = None) -> bool:
    """Log that the current user viewed ``kind``/``record_id`` (an organisation or person record).

    Call it from views that show a record's internal data (profile or edit pages for logged-in users);
    anonymous visitors see public data only and are not logged. A representative viewing their own
    organisation is logged as acting for it; staff acting for an organisation pass ``on_behalf_of``.
    Repeated views within five minutes are logged once (`graph.audit.viewed`). Returns True when an
    entry was written.
    """
    if not getattr(current_user, "is_authenticated", False):
        return False
    if on_behalf_of is None and not current_user.is_staff and kind == "organisation":
        if record_id in current_user.organisations:
            on_behalf_of = record_id
    return audit.viewed(get_store(), current_user.actor(), kind, record_id, on_behalf_of)


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
