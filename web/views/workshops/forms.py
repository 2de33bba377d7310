"""The workshop planning's forms: a workshop (staff) and a proposal (representatives)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from graph import Vocabulary
from graph.model import MAX_NAME, MAX_TEXT

from .._forms import REQUIRED, MultiCheckboxField, choices, term_choices

__all__ = ["proposal_form", "workshop_form"]


def workshop_form(snap: Any, lang: str, formdata: Any = None, data: dict[str, Any] | None = None) -> FlaskForm:
    """A workshop (staff): title, theme, date, place, who came, note."""
    vocab: Vocabulary = snap.vocabulary
    orgs = sorted(((o.id, o.name) for o in snap.network.organisations), key=lambda x: x[1].casefold())

    class WorkshopForm(FlaskForm):
        title = StringField(_l("Title"), validators=[DataRequired(message=REQUIRED), Length(max=MAX_NAME)])
        capability = SelectField(
            _l("Theme"),
            choices=term_choices(vocab, "capabilities", lang, empty=_("– please choose –")),
            validators=[DataRequired(message=REQUIRED)],
        )
        date = StringField(_l("Date"), validators=[DataRequired(message=REQUIRED), Length(max=20)])
        place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
        attendance = MultiCheckboxField(_l("Who came (organisations)"), choices=choices(orgs))
        note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_TEXT)])
        version = HiddenField()

    return WorkshopForm(formdata=formdata, data=data) if formdata is not None else WorkshopForm(data=data)


def proposal_form(snap: Any, lang: str, mine: list[str], formdata: Any = None) -> FlaskForm:
    """A representative's proposal for a topic, made for one of ``mine`` (their organisations)."""
    vocab: Vocabulary = snap.vocabulary

    class ProposalForm(FlaskForm):
        title = StringField(_l("Your topic"), validators=[DataRequired(message=REQUIRED), Length(max=MAX_NAME)])
        capability = SelectField(
            _l("It is about (optional)"),
            choices=term_choices(vocab, "capabilities", lang, empty=_("– something else –")),
            validators=[Optional()],
        )
        description = TextAreaField(
            _l("What should it be about? (optional)"), validators=[Optional(), Length(max=2000)]
        )
        org = SelectField(_l("Proposed by"), choices=choices([(o, snap.orgs[o].name) for o in mine]))

    return ProposalForm(formdata=formdata) if formdata is not None else ProposalForm()
