"""The form pieces several areas share: choices, the checkbox list, labels and the messages for issues.

Each area's own forms are in its package (``web/views/<area>/forms.py``); what more than one area
uses is here. Not a blueprint (the name starts with ``_``, so `register_blueprints` skips it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from graph import Issue, Vocabulary
from graph.planning import MAX_ROLES

__all__ = [
    "REQUIRED",
    "MultiCheckboxField",
    "add_error",
    "apply_planning_issues",
    "choices",
    "field_label",
    "forbidden_character_message",
    "issue_message",
    "planning_message",
    "term_choices",
]

REQUIRED = _l("This field is required.")

try:  # WTForms >= 3.3 wants choice objects instead of tuples
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms
    _Choice = None


def choices(items: list[tuple[str, str]]) -> list[Any]:
    """``(value, label)`` pairs as choices for this WTForms version."""
    if _Choice is None:  # pragma: no cover
        return list(items)
    return [_Choice(value, label) for value, label in items]


def term_choices(vocab: Vocabulary, category: str, lang: str, empty: str | None = None) -> list[Any]:
    """The terms of a vocabulary category as choices, sorted by label (``empty``: a first, empty choice)."""
    items = sorted(((t, vocab.label(category, t, lang)) for t in vocab.ids(category)), key=lambda x: x[1].casefold())
    if empty is not None:
        items.insert(0, ("", empty))
    return choices(items)


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes (works without JavaScript, better on phones than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        known = {str(c[0]) for c in self.iter_choices()}
        for value in self.data or []:
            if str(value) not in known:
                raise ValidationError(_("Please choose from the list."))


def _field_labels() -> dict[str, str]:
    return {
        "name": _("Name"),
        "kind": _("Kind of organisation"),
        "description": _("Description"),
        "topics": _("Topics"),
        "offers": _("Offers"),
        "needs": _("Needs"),
        "districts": _("Districts"),
        "languages": _("Languages"),
        "target_groups": _("Target groups"),
        "legal_form": _("Legal form"),
        "founded": _("Founded (year)"),
        "website": _("Website"),
        "email": _("Email"),
        "phone": _("Telephone"),
        "address": _("Address"),
    }


def field_label(name: str) -> str:
    """The translated label of an organisation field (the directory's form, the suggestions' reasons)."""
    return _field_labels().get(name, name)


# ---------------------------------------------------------------------------
# messages for validation issues
# ---------------------------------------------------------------------------
def forbidden_character_message() -> str:
    """The message for text with a control character (or U+FFFE, U+FFFF) that cannot be stored."""
    return _("This text contains an invisible control character that cannot be saved. Please retype the text.")


def issue_message(issue: Issue) -> str:
    """A translated, friendly message for a validation issue (by its stable code)."""
    messages = {
        "required": _("This field is required."),
        "too_long": _("This text is too long."),
        "bad_url": _("Enter a web address that starts with https://."),
        "bad_email": _("Enter a valid email address, e.g. name@example.org."),
        "bad_phone": _("Enter a telephone number (digits, spaces and + ( ) / - only)."),
        "bad_number": _("Enter a whole number."),
        "out_of_range": _("This number is outside the allowed range."),
        "bad_id": _("Use lowercase letters, digits and single hyphens."),
        "duplicate": _("This entry is listed twice."),
        "forbidden_character": forbidden_character_message(),
    }
    if issue.code in messages:
        return messages[issue.code]
    if issue.code.startswith("unknown_"):
        return _("Please choose from the list.")
    return _("This value is not valid.")


# ---------------------------------------------------------------------------
# planning forms' errors (projects, funding, workshops)
# ---------------------------------------------------------------------------
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
