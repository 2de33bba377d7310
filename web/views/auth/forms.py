"""The login form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .._forms import REQUIRED

__all__ = ["LoginForm"]


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(message=REQUIRED), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=REQUIRED), Length(max=256)])
