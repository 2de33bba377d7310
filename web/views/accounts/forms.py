"""The forms of accounts by mail: "forgot password" and a request for access."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from graph.model import EMAIL_RE, MAX_NAME

from .._forms import REQUIRED

__all__ = ["AccessRequestForm", "ForgotPasswordForm"]


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
