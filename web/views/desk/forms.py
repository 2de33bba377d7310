"""The staff desk's form: an introduction's next status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

__all__ = ["IntroductionStatusForm"]


class IntroductionStatusForm(FlaskForm):
    """Move an introduction along the pipeline (staff desk)."""

    status = SelectField(_l("New status"), choices=[])
    version = HiddenField()
