"""The user administration's forms: create, edit and invite users, reset a password; the role choices."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from graph.model import EMAIL_RE, MAX_NAME

from ...users import ROLES, USERNAME_RE, password_problems
from .._forms import REQUIRED, MultiCheckboxField, choices

__all__ = ["InviteForm", "PasswordResetForm", "UserCreateForm", "UserEditForm", "role_choices", "role_labels"]


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
