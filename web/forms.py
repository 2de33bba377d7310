"""Flask-WTF forms (CSRF on every one) and the mapping between forms and store records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from graph import Issue, Vocabulary
from graph.model import EMAIL_RE, MAX_NAME, MAX_TEXT, ORG_FIELDS, SLUG_RE

from .users import MIN_PASSWORD_LENGTH, ROLES, USERNAME_RE, password_problems

__all__ = [
    "INTERNAL_CHOICES",
    "AccessRequestForm",
    "ForgotPasswordForm",
    "InviteForm",
    "IntroductionStatusForm",
    "LoginForm",
    "MultiCheckboxField",
    "PasswordResetForm",
    "UserCreateForm",
    "UserEditForm",
    "apply_issues",
    "form_to_org",
    "issue_message",
    "make_org_form",
    "org_to_form_data",
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


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes (works without JavaScript, better on phones than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        known = {str(c[0]) for c in self.iter_choices()}
        for value in self.data or []:
            if str(value) not in known:
                raise ValidationError(_("Please choose from the list."))


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(message=REQUIRED), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=REQUIRED), Length(max=256)])


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
    """The translated label of an organisation field."""
    return _field_labels().get(name, name)


#: fields that can be marked internal (name and kind are always public)
INTERNAL_CHOICES = tuple(f for f in ORG_FIELDS if f not in ("name", "kind"))
URGENCIES = ("1", "2", "3")
#: the organisation fields (`graph.model.ORG_FIELDS`) a form field holds as they are stored; offers and
#: needs are one checkbox (and detail) per capability instead
PLAIN_FIELDS = tuple(f for f in ORG_FIELDS if f not in ("offers", "needs"))


def _terms(vocab: Vocabulary, category: str, lang: str, empty: str | None = None) -> list[Any]:
    items = sorted(((t, vocab.label(category, t, lang)) for t in vocab.ids(category)), key=lambda x: x[1].casefold())
    if empty is not None:
        items.insert(0, ("", empty))
    return choices(items)


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
            choices=_terms(vocab, "org_kinds", lang, empty=_("– please choose –")),
            validators=[DataRequired(message=REQUIRED)],
        )
        description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_TEXT)])
        topics = MultiCheckboxField(_l("Topics"), choices=_terms(vocab, "topics", lang))
        districts = MultiCheckboxField(_l("Districts"), choices=_terms(vocab, "districts", lang))
        languages = MultiCheckboxField(_l("Languages"), choices=_terms(vocab, "languages", lang))
        target_groups = MultiCheckboxField(_l("Target groups"), choices=_terms(vocab, "target_groups", lang))
        legal_form = SelectField(
            _l("Legal form"),
            choices=_terms(vocab, "legal_forms", lang, empty=_("– not given –")),
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


class IntroductionStatusForm(FlaskForm):
    """Move an introduction along the pipeline (staff desk)."""

    status = SelectField(_l("New status"), choices=[])
    version = HiddenField()


def _username_field() -> StringField:
    """The user-name field of the create and invite forms (one rule: `USERNAME_RE`)."""
    return StringField(
        _l("User name"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(min=2, max=40),
            Regexp(USERNAME_RE.pattern, message=_l("Use 2–40 lowercase letters, digits, '.', '_' or '-'.")),
        ],
    )


class UserCreateForm(FlaskForm):
    username = _username_field()
    name = StringField(_l("Name"), validators=[Optional(), Length(max=MAX_NAME)])
    email = StringField(
        _l("Email"),
        validators=[Optional(), Regexp(EMAIL_RE.pattern, message=_l("Enter a valid email address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=[])
    organisations = MultiCheckboxField(_l("Organisations (for representatives)"), choices=[])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=REQUIRED)])
    password2 = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(message=REQUIRED), EqualTo("password", message=_l("The passwords do not match."))],
    )

    def validate_password(self, field: Any) -> None:
        problems = password_problems(field.data or "", (self.username.data or "").strip().lower())
        if problems:
            raise ValidationError(" ".join(problems))


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=MAX_NAME)])
    email = StringField(
        _l("Email"),
        validators=[Optional(), Regexp(EMAIL_RE.pattern, message=_l("Enter a valid email address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=[])
    organisations = MultiCheckboxField(_l("Organisations (for representatives)"), choices=[])
    active = BooleanField(_l("Account is active (can log in)"))
    version = HiddenField()


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(message=REQUIRED)])
    password2 = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(message=REQUIRED), EqualTo("password", message=_l("The passwords do not match."))],
    )

    def __init__(self, *args: Any, username: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._username = username

    def validate_password(self, field: Any) -> None:
        problems = password_problems(field.data or "", self._username)
        if problems:
            raise ValidationError(" ".join(problems))


def role_labels() -> dict[str, str]:
    return {"admin": _("Administrator"), "staff": _("KI staff"), "representative": _("Representative")}


def role_choices() -> list[Any]:
    labels = role_labels()
    return choices([(r, labels[r]) for r in ROLES])


__all__ += ["MIN_PASSWORD_LENGTH", "choices", "field_label", "role_choices", "role_labels"]


class ForgotPasswordForm(FlaskForm):
    """ "Forgot password": the address of the account (the answer never says whether it has one)."""

    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(message=REQUIRED),
            Regexp(EMAIL_RE.pattern, message=_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )


class AccessRequestForm(FlaskForm):
    """A request for access from an organisation not yet in the network (lands on the KI desk)."""

    organisation = StringField(_l("Organisation"), validators=[DataRequired(message=REQUIRED), Length(max=MAX_NAME)])
    name = StringField(_l("Your name"), validators=[DataRequired(message=REQUIRED), Length(max=MAX_NAME)])
    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(message=REQUIRED),
            Regexp(EMAIL_RE.pattern, message=_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    message = TextAreaField(_l("Message to the KI (optional)"), validators=[Optional(), Length(max=2000)])
    consent = BooleanField(
        _l("The KI Remscheid may store these details to answer my request."),
        validators=[DataRequired(message=_l("Please agree, otherwise we cannot answer you."))],
    )
    #: the honeypot: hidden from people (CSS), filled in by spam robots
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])


class InviteForm(FlaskForm):
    """An admin invites a representative by mail: the account is made, the person sets the password."""

    username = _username_field()
    name = StringField(_l("Name"), validators=[Optional(), Length(max=MAX_NAME)])
    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(message=REQUIRED),
            Regexp(EMAIL_RE.pattern, message=_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    organisations = MultiCheckboxField(_l("Organisations"), choices=[])
    lang = SelectField(_l("Language of the invitation"), choices=[])
