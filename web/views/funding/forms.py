"""The funding programme form (staff editing) and the mapping between it and programme records."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from graph import Vocabulary
from graph.model import MAX_NAME, MAX_TEXT, SLUG_RE

from .._forms import REQUIRED, MultiCheckboxField, term_choices

__all__ = [
    "FIELDS",
    "ISSUE_FIELDS",
    "form_to_programme",
    "make_funding_form",
    "parse_amount",
    "programme_labels",
    "programme_to_form_data",
]

#: form fields of a programme, in the order the conflict table shows them
FIELDS = (
    "name",
    "funder",
    "description",
    "topics",
    "capabilities",
    "eligible_kinds",
    "eligible_legal_forms",
    "amount_min",
    "amount_max",
    "deadline",
    "region",
    "url",
    "example",
)


def parse_amount(text: str | None) -> str:
    """An amount as typed (``1.000``, ``1.500,50 €``, ``2000``) in the plain form the validator reads.

    >>> [parse_amount(x) for x in ("1.000", "1.500,50 €", "2000", "2,5", "", "viel")]
    ['1000', '1500.50', '2000', '2.5', '', 'viel']
    """
    value = (text or "").replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "").strip()
    if "," in value and "." in value:
        value = value.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")
    elif "," in value:
        value = value.replace(",", ".")
    return value


def programme_labels(vocab: Vocabulary, lang: str) -> dict[str, str]:
    return {
        "name": _("Name"),
        "funder": _("Funder"),
        "description": _("Description"),
        "topics": _("Funds these topics"),
        "capabilities": _("Pays for these needs"),
        "eligible_kinds": _("Who may apply (kinds of organisation)"),
        "eligible_legal_forms": _("Required legal forms"),
        "amount_min": _("Smallest amount (euro)"),
        "amount_max": _("Largest amount (euro)"),
        "deadline": _("Deadline"),
        "region": _("Region"),
        "url": _("Web address"),
        "example": _("Example programme (not real)"),
    }


def make_funding_form(
    vocab: Vocabulary, lang: str, *, create: bool, formdata: Any = None, data: dict[str, Any] | None = None
) -> FlaskForm:
    labels = programme_labels(vocab, lang)

    class FundingForm(FlaskForm):
        name = StringField(labels["name"], validators=[DataRequired(message=REQUIRED), Length(max=MAX_NAME)])
        funder = StringField(labels["funder"], validators=[Optional(), Length(max=MAX_NAME)])
        description = TextAreaField(labels["description"], validators=[Optional(), Length(max=MAX_TEXT)])
        topics = MultiCheckboxField(labels["topics"], choices=term_choices(vocab, "topics", lang))
        capabilities = MultiCheckboxField(labels["capabilities"], choices=term_choices(vocab, "capabilities", lang))
        eligible_kinds = MultiCheckboxField(labels["eligible_kinds"], choices=term_choices(vocab, "org_kinds", lang))
        eligible_legal_forms = MultiCheckboxField(
            labels["eligible_legal_forms"], choices=term_choices(vocab, "legal_forms", lang)
        )
        amount_min = StringField(labels["amount_min"], validators=[Optional(), Length(max=30)])
        amount_max = StringField(labels["amount_max"], validators=[Optional(), Length(max=30)])
        deadline = StringField(labels["deadline"], validators=[Optional(), Length(max=20)])
        region = StringField(labels["region"], validators=[Optional(), Length(max=100)])
        url = StringField(labels["url"], validators=[Optional(), Length(max=500)])
        example = BooleanField(labels["example"])
        version = HiddenField()
        original = HiddenField()

    if create:
        FundingForm.id = StringField(  # type: ignore[attr-defined]
            _l("Short name for the address (optional)"),
            validators=[
                Optional(),
                Length(max=80),
                Regexp(SLUG_RE, message=_l("Use lowercase letters, digits and single hyphens.")),
            ],
        )
    # formdata=None explicitly: a form built from ``data`` must not pick up the request's form
    return FundingForm(formdata=formdata, data=data)


def programme_to_form_data(d: dict[str, Any]) -> dict[str, Any]:
    funds = d.get("funds") or {}
    out = {
        k: d.get(k)
        for k in (
            "name",
            "funder",
            "description",
            "eligible_kinds",
            "eligible_legal_forms",
            "deadline",
            "region",
            "url",
            "example",
        )
    }
    out["topics"] = list(funds.get("topics", []))
    out["capabilities"] = list(funds.get("capabilities", []))
    for k in ("amount_min", "amount_max"):
        out[k] = "" if d.get(k) is None else f"{d[k]:g}"
    return out


def form_to_programme(form: Any, prog_id: str) -> dict[str, Any]:
    return {
        "id": prog_id,
        "name": (form.name.data or "").strip(),
        "funder": (form.funder.data or "").strip(),
        "description": (form.description.data or "").strip(),
        "example": bool(form.example.data),
        "funds": {"topics": list(form.topics.data or []), "capabilities": list(form.capabilities.data or [])},
        "eligible_kinds": list(form.eligible_kinds.data or []),
        "eligible_legal_forms": list(form.eligible_legal_forms.data or []),
        "amount_min": parse_amount(form.amount_min.data) or None,
        "amount_max": parse_amount(form.amount_max.data) or None,
        "deadline": (form.deadline.data or "").strip() or None,
        "region": (form.region.data or "").strip(),
        "url": (form.url.data or "").strip(),
    }


ISSUE_FIELDS = {f: f for f in FIELDS} | {
    "funds.topics": "topics",
    "funds.capabilities": "capabilities",
    "funds": "topics",
    "id": "id",
}
