"""Helpers the blueprints share: the user's organisations, dates and amounts, the funding partial, audit,
redirects (the form pieces they share are in ``_forms.py``).

Not a blueprint (the name starts with ``_``, so `register_blueprints` skips it); blueprint modules
import these from here, never from each other (``tests/test_service_layer.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from babel.dates import format_skeleton
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from graph import audit
from graph.events import Event

from ..extensions import get_store
from ..projects import funding_warning
from ..templating import current_lang

if TYPE_CHECKING:  # the engine loads when a page uses it
    from matching import FundingResult

__all__ = [
    "format_amount",
    "format_day",
    "funding_view",
    "log_view",
    "safe_next",
    "translated_title",
    "user_org_ids",
    "when_text",
]


# ---------------------------------------------------------------------------
# the user's organisations (projects, workshops)
# ---------------------------------------------------------------------------
def user_org_ids(snap: Any) -> list[str]:
    """The current user's organisations that exist in the network."""
    if not current_user.is_authenticated:
        return []
    return [o for o in current_user.organisations if o in snap.orgs]


# ---------------------------------------------------------------------------
# amounts and dates
# ---------------------------------------------------------------------------
def format_amount(value: float | None) -> str:
    return "" if value is None else format_decimal(value, format="#,##0.##")


def format_day(value: str | None) -> str:
    if not value:
        return ""
    try:
        return format_date(dt.date.fromisoformat(value), format="medium")
    except ValueError:
        return value


def funding_view(res: FundingResult, snap: Any, lang: str) -> dict[str, Any]:
    """What the funding partial shows: matches with readable amounts and dates, and the why-not summary."""
    programmes = {p.id: p for p in snap.network.funding_programmes}
    vocab = snap.vocabulary
    matches = []
    names = {m.programme: m.name for m in res.matches}
    for m in res.matches:
        prog = programmes.get(m.programme)
        matches.append(
            {
                **m.to_dict(),
                "deadline_text": format_day(m.deadline),
                "amount_min_text": format_amount(m.amount_min),
                "amount_max_text": format_amount(m.amount_max),
                "description": prog.description if prog is not None else "",
                "example": bool(prog.example) if prog is not None else False,
                "topic_labels": [vocab.label("topics", t, lang) for t in m.topics],
                "capability_labels": [vocab.label("capabilities", c, lang) for c in m.capabilities],
                "applicant_names": [snap.orgs[o].name if o in snap.orgs else o for o in m.applicants],
                "warning_text": funding_warning(m, names),
            }
        )
    why = {
        "deadline": _("deadline passed"),
        "region": _("other region"),
        "kind": _("not for this kind of organisation"),
        "legal_form": _("legal form not eligible (or not recorded)"),
        "no_match": _("funds other topics or needs"),
    }
    excluded = [{"reason": k, "text": why.get(k, k), "n": n} for k, n in res.excluded.items() if n]
    first = _("Small programmes with little effort first, as suits a first application.") if res.first_applicant else ""
    return {"matches": matches, "total": res.total, "excluded": excluded, "first_applicant_text": first}


def _locale() -> Any:
    return get_locale() or "de"


def when_text(start: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """ "Di., 15:00" within the coming week, else "Di., 15. Dez., 15:00" (in the UI's language, Europe/Berlin)."""
    now = now or dt.datetime.now(get_timezone())
    local = start.astimezone(get_timezone())
    time = format_time(local, "short")
    if dt.timedelta(0) <= local - now < dt.timedelta(days=6):
        return f"{format_datetime(local, 'EEE')}, {time}"
    return f"{format_skeleton('MMMEd', local, locale=_locale())}, {time}"


def translated_title(ev: Event) -> dict[str, str] | None:
    """The title's translation into the UI language, shown next to the title as written (or None)."""
    title, _desc, lang = ev.text(current_lang())
    return {"title": title, "lang": lang} if lang != ev.lang else None


# ---------------------------------------------------------------------------
# audit and redirects
# ---------------------------------------------------------------------------
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


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(c) < 32 for c in target):
        return fallback
    return target
