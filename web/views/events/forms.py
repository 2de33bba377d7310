"""The event form (Flask-WTF) and the mapping between it and event records, with German-first messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from graph import Issue, Vocabulary
from graph.model import MAX_NAME, MAX_TEXT

from ...i18n import LANGUAGE_NAMES
from .._forms import REQUIRED, MultiCheckboxField, choices, issue_message, term_choices

__all__ = ["REPEATS", "apply_event_issues", "event_to_form_data", "form_to_event", "make_event_form"]

#: the repeat menu: value -> RRULE (``{day}``: the start's weekday); "custom" takes the rule field
REPEATS = {
    "": "",
    "weekly": "FREQ=WEEKLY;BYDAY={day}",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
    "monthly": "FREQ=MONTHLY;BYDAY={nth}{day}",
    "custom": "",
}
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _repeat_choices() -> list[Any]:
    return choices(
        [
            ("", _("Once (no repetition)")),
            ("weekly", _("Every week on the same weekday")),
            ("biweekly", _("Every two weeks on the same weekday")),
            ("monthly", _("Every month on the same weekday (e.g. every 2nd Tuesday)")),
            ("custom", _("Own rule (RFC 5545 RRULE, for experts)")),
        ]
    )


def _add_translation_fields(form_class: type[FlaskForm]) -> None:
    """A title and a description field per UI language (``title_<code>``, ``description_<code>``)."""
    for code, name in LANGUAGE_NAMES.items():
        setattr(
            form_class,
            f"title_{code}",
            StringField(_l("Title in %(language)s", language=name), validators=[Optional(), Length(max=MAX_NAME)]),
        )
        setattr(
            form_class,
            f"description_{code}",
            TextAreaField(
                _l("Description in %(language)s", language=name), validators=[Optional(), Length(max=MAX_TEXT)]
            ),
        )


def make_event_form(
    vocab: Vocabulary,
    lang: str,
    partner_orgs: list[tuple[str, str]],
    *,
    formdata: Any = None,
    data: dict[str, Any] | None = None,
) -> FlaskForm:
    """The event editor's form; ``partner_orgs``: ``(id, name)`` of the organisations that may co-host."""

    class EventForm(FlaskForm):
        title = StringField(_l("Title"), validators=[DataRequired(message=REQUIRED), Length(max=MAX_NAME)])
        description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_TEXT)])
        lang = SelectField(
            _l("Language of title and description"), choices=choices(list(LANGUAGE_NAMES.items())), default="de"
        )
        start = StringField(
            _l("Begins"), validators=[DataRequired(message=REQUIRED)], render_kw={"type": "datetime-local"}
        )
        end = StringField(_l("Ends"), validators=[DataRequired(message=REQUIRED)], render_kw={"type": "datetime-local"})
        repeat = SelectField(_l("Repetition"), choices=_repeat_choices(), default="")
        rrule = StringField(
            _l("Own rule"), validators=[Optional(), Length(max=300)], render_kw={"spellcheck": "false", "dir": "ltr"}
        )
        repeat_until = StringField(_l("Repeat until (optional)"), render_kw={"type": "date"})
        exdates = StringField(
            _l("Dates on which it does not take place (YYYY-MM-DD, separated by commas)"),
            validators=[Optional(), Length(max=2000)],
            render_kw={"dir": "ltr"},
        )
        partners = SelectMultipleField(_l("Joint event with (other organisations)"), choices=choices(partner_orgs))
        place_name = StringField(_l("Place"), validators=[Optional(), Length(max=MAX_NAME)])
        address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
        district = SelectField(_l("District"), choices=term_choices(vocab, "districts", lang, empty=_("– not given –")))
        accessible = SelectField(
            _l("Step-free access"),
            choices=choices([("", _("not known")), ("yes", _("yes")), ("no", _("no"))]),
            default="",
        )
        languages = MultiCheckboxField(_l("Languages spoken"), choices=term_choices(vocab, "languages", lang))
        topics = MultiCheckboxField(_l("Topics"), choices=term_choices(vocab, "topics", lang))
        target_groups = MultiCheckboxField(_l("Target groups"), choices=term_choices(vocab, "target_groups", lang))
        free = BooleanField(_l("Free of charge"), default=True)
        amount = StringField(
            _l("Cost in euros"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "decimal"}
        )
        cost_note = StringField(_l("Note on the cost"), validators=[Optional(), Length(max=200)])
        registration = SelectField(
            _l("Registration"),
            choices=choices(
                [("none", _("not needed")), ("link", _("by web address")), ("contact", _("by email or telephone"))]
            ),
            default="none",
        )
        registration_url = StringField(_l("Web address for registration"), validators=[Optional(), Length(max=500)])
        registration_contact = StringField(
            _l("Email or telephone for registration"), validators=[Optional(), Length(max=200)]
        )
        visibility = SelectField(
            _l("Who sees it"),
            choices=choices(
                [("public", _("Everybody (public calendar)")), ("internal", _("Only the network (internal)"))]
            ),
            default="public",
        )
        version = HiddenField()

    _add_translation_fields(EventForm)
    form = EventForm(formdata=formdata, data=data)
    form.translation_langs = list(LANGUAGE_NAMES)  # type: ignore[attr-defined]
    return form


def _weekday_rule(repeat: str, start: str) -> str:
    try:
        day = dt.datetime.fromisoformat(start)
    except ValueError:
        return ""
    nth = (day.day - 1) // 7 + 1
    return REPEATS[repeat].format(day=_DAYS[day.weekday()], nth=nth if nth < 5 else -1)


def form_to_event(form: Any, old: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event data (``Event.to_dict`` shape, not yet validated) from a submitted form."""
    old = old or {}
    start = (form.start.data or "").strip()
    repeat = form.repeat.data or ""
    if repeat == "custom":
        rule = (form.rrule.data or "").strip()
    elif repeat in REPEATS and repeat:
        rule = _weekday_rule(repeat, start)
    else:
        rule = ""
    until = (form.repeat_until.data or "").strip()
    if rule and until and "UNTIL=" not in rule.upper() and "COUNT=" not in rule.upper():
        rule += ";UNTIL=" + until.replace("-", "") + "T235900"
    exdates = [d.strip() for d in (form.exdates.data or "").replace(";", ",").split(",") if d.strip()]
    old_rec = old.get("recurrence") or {}
    recurrence = {"rrule": rule, "exdates": exdates, "except": old_rec.get("except", [])} if rule else None
    own = form.lang.data or "de"
    translations = {}
    for code in form.translation_langs:
        if code == own:
            continue
        title = (getattr(form, f"title_{code}").data or "").strip()
        desc = (getattr(form, f"description_{code}").data or "").strip()
        if title or desc:
            translations[code] = {"title": title, "description": desc}
    amount_text = (form.amount.data or "").strip().replace(",", ".")
    free = bool(form.free.data)
    cost: Any = {"free": True}
    if not free or amount_text:
        try:
            amount: Any = float(amount_text) if amount_text else None
        except ValueError:
            amount = amount_text  # the model reports it as "not a number"
        cost = {"free": free and not amount, "amount": amount}
    if (form.cost_note.data or "").strip():
        cost["note"] = form.cost_note.data.strip()
    reg_kind = form.registration.data or "none"
    registration: dict[str, Any] = {"kind": reg_kind}
    if reg_kind == "link":
        registration["url"] = (form.registration_url.data or "").strip()
    elif reg_kind == "contact":
        registration["contact"] = (form.registration_contact.data or "").strip()
    accessible = {"yes": True, "no": False}.get(form.accessible.data or "")
    return {
        "title": (form.title.data or "").strip(),
        "description": (form.description.data or "").strip(),
        "lang": own,
        "translations": translations,
        "organisations": [*old.get("organisations", [])[:1], *(form.partners.data or [])],
        "start": start,
        "end": (form.end.data or "").strip(),
        "timezone": old.get("timezone", "Europe/Berlin"),
        "recurrence": recurrence,
        "place": {
            "name": (form.place_name.data or "").strip(),
            "address": (form.address.data or "").strip(),
            "district": form.district.data or "",
            "accessible": accessible,
        },
        "languages": list(form.languages.data or []),
        "topics": list(form.topics.data or []),
        "target_groups": list(form.target_groups.data or []),
        "cost": cost,
        "registration": registration,
        "visibility": form.visibility.data or "public",
    }


def event_to_form_data(d: dict[str, Any], own_org: str) -> dict[str, Any]:
    """Initial form data from a stored event record."""
    rec = d.get("recurrence") or {}
    rule = rec.get("rrule", "")
    repeat = "custom" if rule else ""
    for name in ("weekly", "biweekly", "monthly"):
        if rule and rule == _weekday_rule(name, d.get("start", "")):
            repeat = name
    place = d.get("place") or {}
    cost = d.get("cost") or {"free": True}
    reg = d.get("registration") or {"kind": "none"}
    out: dict[str, Any] = {
        "title": d.get("title", ""),
        "description": d.get("description", ""),
        "lang": d.get("lang", "de"),
        "start": d.get("start", ""),
        "end": d.get("end", ""),
        "repeat": repeat,
        "rrule": rule if repeat == "custom" else "",
        "exdates": ", ".join(rec.get("exdates", [])),
        "partners": [o for o in d.get("organisations", []) if o != own_org],
        "place_name": place.get("name", ""),
        "address": place.get("address", ""),
        "district": place.get("district", ""),
        "accessible": {True: "yes", False: "no"}.get(place.get("accessible"), ""),
        "languages": d.get("languages", []),
        "topics": d.get("topics", []),
        "target_groups": d.get("target_groups", []),
        "free": bool(cost.get("free", True)),
        "amount": "" if cost.get("amount") is None else f"{cost['amount']:g}",
        "cost_note": cost.get("note", ""),
        "registration": reg.get("kind", "none"),
        "registration_url": reg.get("url", ""),
        "registration_contact": reg.get("contact", ""),
        "visibility": d.get("visibility", "public"),
    }
    for code, tr in (d.get("translations") or {}).items():
        out[f"title_{code}"] = tr.get("title", "")
        out[f"description_{code}"] = tr.get("description", "")
    return out


def event_issue_message(issue: Issue) -> str:
    """A translated message for a validation issue of an event (specific where the field says more)."""
    field, code = issue.field, issue.code
    if field == "end" and code == "bad_period":
        return _("The end must lie after the start.")
    if field == "end" and code == "out_of_range":
        return _("An event lasts at most 14 days; for regular dates choose a repetition.")
    if field.startswith("recurrence.rrule"):
        return _("This repetition rule is not valid. Example: FREQ=WEEKLY;BYDAY=TU (every Tuesday).")
    if field.startswith("recurrence.exdates"):
        return _("Write the dates as YYYY-MM-DD, separated by commas, e.g. 2026-12-22, 2026-12-29.")
    if code == "bad_date":
        return _("Enter a date and time, e.g. 2026-09-01 15:00.")
    if field.startswith("cost"):
        return _("Enter the cost as a number of euros, e.g. 5 or 2.50, or mark the event as free of charge.")
    if field == "registration.url":
        return _("Enter the web address for registration; it starts with https://.")
    if field == "registration.contact":
        return _("Enter an email address or telephone number for registration.")
    if field == "organisations":
        return _("Please choose from the list.")
    return issue_message(issue)


#: model field (before the first dot or bracket, or the whole path) -> form field
_FIELD_MAP = {
    "recurrence.rrule": "rrule",
    "recurrence.exdates": "exdates",
    "recurrence": "rrule",
    "place.name": "place_name",
    "place.address": "address",
    "place.district": "district",
    "place.accessible": "accessible",
    "cost": "amount",
    "registration.url": "registration_url",
    "registration.contact": "registration_contact",
    "registration.kind": "registration",
    "organisations": "partners",
}


def apply_event_issues(form: Any, issues: list[Issue]) -> list[str]:
    """Attach issues to the form fields; returns the messages that fit no field."""
    general: list[str] = []
    for issue in issues:
        path = issue.field.split("[")[0]
        name = _FIELD_MAP.get(path) or _FIELD_MAP.get(path.split(".")[0]) or path.split(".")[0]
        if name.startswith("translations"):
            parts = issue.field.split(".")
            name = f"{parts[2] if len(parts) > 2 else 'title'}_{parts[1]}" if len(parts) > 1 else "title"
        if name == "rrule" and form.repeat.data != "custom":
            name = "repeat"
        target = getattr(form, name, None)
        message = event_issue_message(issue)
        if target is not None and hasattr(target, "errors"):
            errors = list(target.errors)
            if message not in errors:
                errors.append(message)
            target.errors = errors
        else:
            general.append(message)
    return general
