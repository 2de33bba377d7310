"""Helpers the blueprints share: form errors, dates and amounts, the funding partial, audit, redirects.

Not a blueprint (the name starts with ``_``, so `register_blueprints` skips it); blueprint modules
import these from here, never from each other (``tests/test_service_layer.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from babel.dates import format_skeleton
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale, get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from graph import Issue, Vocabulary, audit
from graph.events import Event
from graph.planning import MAX_ROLES

from ..extensions import get_store
from ..forms import choices, forbidden_character_message
from ..projects import funding_warning
from ..templating import current_lang

if TYPE_CHECKING:  # the engine loads when a page uses it
    from matching import FundingResult

__all__ = [
    "add_error",
    "apply_planning_issues",
    "format_amount",
    "format_day",
    "funding_view",
    "log_view",
    "planning_message",
    "safe_next",
    "term_choices",
    "translated_title",
    "user_org_ids",
    "when_text",
]


# ---------------------------------------------------------------------------
# planning forms: choices and errors (projects, funding, workshops)
# ---------------------------------------------------------------------------
def user_org_ids(snap: Any) -> list[str]:
    """The current user's organisations that exist in the network."""
    if not current_user.is_authenticated:
        return []
    return [o for o in current_user.organisations if o in snap.orgs]


def term_choices(vocab: Vocabulary, category: str, lang: str, empty: str | None = None) -> list[Any]:
    items = sorted(((t, vocab.label(category, t, lang)) for t in vocab.ids(category)), key=lambda x: x[1].casefold())
    if empty is not None:
        items.insert(0, ("", empty))
    return choices(items)


def _hint_labels(issue: Issue, vocab: Vocabulary, lang: str) -> str:
    category = issue.code.removeprefix("unknown_")
    out = []
    for h in issue.hint:
        term_id = h.split(" (", 1)[0]
        out.append(vocab.label(category, term_id, lang) if category in vocab.terms else term_id)
    return ", ".join(out)


def planning_message(issue: Issue, vocab: Vocabulary | None = None, lang: str = "de") -> str:
    """A translated message for a validation issue of a planning or funding record."""
    if issue.code.startswith("unknown_") and issue.code not in ("unknown_field", "unknown_role", "unknown_ref"):
        hints = _hint_labels(issue, vocab, lang) if vocab is not None and issue.hint else ""
        if hints:
            return _("Unknown term: %(value)s. Did you mean: %(terms)s?", value=issue.value, terms=hints)
        return _("Unknown term: %(value)s. Please use the names from the list.", value=issue.value)
    messages = {
        "required": _("This field is required."),
        "too_long": _("This text is too long."),
        "bad_id": _("Use lowercase letters, digits, '_' and '-' only."),
        "duplicate": _("This entry is listed twice."),
        "too_many": ngettext(
            "At most %(num)d role: a team has at most %(num)d organisation.",
            "At most %(num)d roles: a team has at most %(num)d organisations.",
            MAX_ROLES,
        ),
        "unknown_role": _("Please choose from the list."),
        "unknown_ref": _("Please choose from the list."),
        "bad_url": _("Enter a web address that starts with https://."),
        "out_of_range": _("The largest amount must not be smaller than the smallest."),
        "bad_number": _("Enter a number."),
        "bad_date": _("Enter a date as DD.MM.YYYY or YYYY-MM-DD."),
        "future_date": _("This date lies in the future."),
        "forbidden_character": forbidden_character_message(),
    }
    if issue.code in messages:
        return messages[issue.code]
    if issue.reason.startswith("is not a date"):
        return messages["bad_date"]
    return _("This value is not valid.")


def add_error(field: Any, message: str) -> None:
    errors = list(field.errors) if field.errors else []
    if message not in errors:
        errors.append(message)
    field.errors = errors


def apply_planning_issues(
    form: Any, issues: Iterable[Issue], mapping: dict[str, str], vocab: Vocabulary | None, lang: str
) -> list[str]:
    """Attach issues to form fields: ``mapping`` maps an issue field (or its first part) to a form field name.

    Returns the messages that fit no field.
    """
    general: list[str] = []
    for issue in issues:
        message = planning_message(issue, vocab, lang)
        name = mapping.get(issue.field) or mapping.get(issue.field.split(".")[0].split("[")[0])
        target = getattr(form, name, None) if name else None
        if target is not None and hasattr(target, "errors"):
            add_error(target, message)
        elif message not in general:
            general.append(message)
    return general


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
