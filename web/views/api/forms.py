"""The forms of the token admin page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

__all__ = ["RevokeForm", "TokenForm"]


class TokenForm(FlaskForm):
    user = SelectField(_l("User"), validators=[DataRequired()])
    name = StringField(_l("What is it for?"), validators=[Optional(), Length(max=80)])
    expires = IntegerField(_l("Valid for (days)"), validators=[Optional(), NumberRange(min=1, max=3650)])


class RevokeForm(FlaskForm):
    pass
