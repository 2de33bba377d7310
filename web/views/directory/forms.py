"""The organisation form (Flask-WTF, CSRF on) and the mapping between it and organisation records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from graph import Issue, Vocabulary
from graph.model import MAX_NAME, MAX_TEXT, ORG_FIELDS, SLUG_RE

from .._forms import REQUIRED, MultiCheckboxField, choices, field_label, issue_message, term_choices

__all__ = [
    "INTERNAL_CHOICES",
    "PLAIN_FIELDS",
    "apply_issues",
    "form_to_org",
    "make_org_form",
    "org_to_form_data",
]

#: fields that can be marked internal (name and kind are always public)
INTERNAL_CHOICES = tuple(f for f in ORG_FIELDS if f not in ("name", "kind"))
URGENCIES = ("1", "2", "3")
#: the organisation fields (`graph.model.ORG_FIELDS`) a form field holds as they are stored; offers and
#: needs are one checkbox (and detail) per capability instead
PLAIN_FIELDS = tuple(f for f in ORG_FIELDS if f not in ("offers", "needs"))


def make_org_form(
    vocab: Vocabulary, lang: str, *, create: bool = False, formdata: Any = None, data: dict[str, Any] | None = None
) -> FlaskForm:
    """An organisation form whose choices come from ``vocab`` labelled in ``lang``."""
    caps = vocab.ids("capabilities")
    this_year = dt.date.today().year

    class OrgForm(FlaskForm):
        name = StringField(_l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=MAX_NAME)])
        kind = SelectField(
            _l("Kind of organisation"),
            # a required <select> starts with an empty option (HTML: otherwise the first kind is chosen unseen)
            choices=term_choices(vocab, "org_kinds", lang, empty=_("– please choose –")),
            validators=[DataRequired(message=REQUIRED)],
        )
        description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_TEXT)])
        topics = MultiCheckboxField(_l("Topics"), choices=term_choices(vocab, "topics", lang))
        districts = MultiCheckboxField(_l("Districts"), choices=term_choices(vocab, "districts", lang))
        languages = MultiCheckboxField(_l("Languages"), choices=term_choices(vocab, "languages", lang))
        target_groups = MultiCheckboxField(_l("Target groups"), choices=term_choices(vocab, "target_groups", lang))
        legal_form = SelectField(
            _l("Legal form"),
            choices=term_choices(vocab, "legal_forms", lang, empty=_("– not given –")),
            validators=[Optional()],
        )
        founded = IntegerField(_l("Founded (year)"), validators=[Optional(), NumberRange(1800, this_year)])
        website = StringField(_l("Website"), validators=[Optional(), Length(max=500)])
        email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
        phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=40)])
        # a textarea: autocomplete="street-address" (the whole address) is only allowed on one
        address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=300)])
        internal = MultiCheckboxField(
            _l("Show only to the KI staff and your organisation"),
            choices=choices([(f, field_label(f)) for f in INTERNAL_CHOICES]),
        )
        version = HiddenField()
        original = HiddenField()

    if create:
        OrgForm.id = StringField(  # type: ignore[attr-defined]
            _l("Short name for the address (optional)"),
            validators=[
                Optional(),
                Length(max=80),
                Regexp(SLUG_RE, message=_l("Use lowercase letters, digits and single hyphens.")),
            ],
        )
    urgency_choices = choices([("1", _("low")), ("2", _("medium")), ("3", _("high"))])
    for cap in caps:
        cap_label = vocab.label("capabilities", cap, lang)
        setattr(OrgForm, f"offer_{cap}", BooleanField(cap_label))
        setattr(OrgForm, f"offer_{cap}_detail", StringField(_l("Details"), validators=[Optional(), Length(max=500)]))
        setattr(OrgForm, f"need_{cap}", BooleanField(cap_label))
        setattr(OrgForm, f"need_{cap}_detail", StringField(_l("Details"), validators=[Optional(), Length(max=500)]))
        setattr(OrgForm, f"need_{cap}_urgency", SelectField(_l("Urgency"), choices=urgency_choices, default="2"))
    # formdata=None explicitly: a form built from ``data`` must not pick up the request's form
    form = OrgForm(formdata=formdata, data=data)
    form.capabilities = [(c, vocab.label("capabilities", c, lang)) for c in caps]  # type: ignore[attr-defined]
    form.capabilities.sort(key=lambda x: x[1].casefold())  # type: ignore[attr-defined]
    return form


def org_to_form_data(d: dict[str, Any]) -> dict[str, Any]:
    """Initial form data from a stored organisation record."""
    out: dict[str, Any] = {k: d.get(k) for k in PLAIN_FIELDS}
    out["internal"] = [f for f, v in (d.get("visibility") or {}).items() if v == "internal"]
    for o in d.get("offers", []):
        out[f"offer_{o['capability']}"] = True
        out[f"offer_{o['capability']}_detail"] = o.get("detail", "")
    for n in d.get("needs", []):
        out[f"need_{n['capability']}"] = True
        out[f"need_{n['capability']}_detail"] = n.get("detail", "")
        out[f"need_{n['capability']}_urgency"] = str(n.get("urgency", 2))
    return out


def form_to_org(form: Any, org_id: str, vocab: Vocabulary) -> dict[str, Any]:
    """The organisation data (``Organisation.to_dict`` shape, not yet validated) from a submitted form."""
    offers, needs = [], []
    for cap in vocab.ids("capabilities"):
        if getattr(form, f"offer_{cap}").data:
            offers.append({"capability": cap, "detail": (getattr(form, f"offer_{cap}_detail").data or "").strip()})
        if getattr(form, f"need_{cap}").data:
            urgency = getattr(form, f"need_{cap}_urgency").data
            needs.append(
                {
                    "capability": cap,
                    "detail": (getattr(form, f"need_{cap}_detail").data or "").strip(),
                    "urgency": int(urgency) if urgency in URGENCIES else 2,
                }
            )
    internal = set(form.internal.data or [])
    return {
        "id": org_id,
        "name": (form.name.data or "").strip(),
        "kind": form.kind.data,
        "description": (form.description.data or "").strip(),
        "topics": list(form.topics.data or []),
        "offers": offers,
        "needs": needs,
        "districts": list(form.districts.data or []),
        "languages": list(form.languages.data or []),
        "target_groups": list(form.target_groups.data or []),
        "legal_form": form.legal_form.data or "",
        "founded": form.founded.data,
        "website": (form.website.data or "").strip(),
        "email": (form.email.data or "").strip(),
        "phone": (form.phone.data or "").strip(),
        # the textarea's lines become one line, as imports and the profile keep an address
        "address": ", ".join(line.strip() for line in (form.address.data or "").splitlines() if line.strip()),
        "visibility": {f: "internal" for f in INTERNAL_CHOICES if f in internal},
    }


def apply_issues(form: Any, issues: list[Issue], org: dict[str, Any] | None = None) -> list[str]:
    """Attach validation issues to the form fields; returns messages that fit no field."""
    general: list[str] = []
    for issue in issues:
        name = issue.field
        target = None
        for section, prefix in (("offers", "offer"), ("needs", "need")):
            if name.startswith(section + "[") and org is not None:
                try:
                    index = int(name[len(section) + 1 : name.index("]")])
                    cap = org[section][index]["capability"]
                except (ValueError, IndexError, KeyError):
                    break
                sub = name[name.index("]") + 2 :] if "]." in name else ""
                target = getattr(
                    form, f"{prefix}_{cap}_{sub}" if sub in ("detail", "urgency") else f"{prefix}_{cap}", None
                )
        if target is None:
            target = getattr(form, name.split(".")[0].split("[")[0], None)
        message = issue_message(issue)
        if target is not None and hasattr(target, "errors"):
            errors = list(target.errors) if not isinstance(target.errors, list) else target.errors
            if message not in errors:
                errors.append(message)
            target.errors = errors
        else:
            general.append(message)
    return general
