"""The forms of the project pages: the team builder's question and the project template editor.

`template_form` builds the template editor (one row per role, criteria per role) and
`template_to_form_data` / `form_to_template` map between a template record and its fields, with the
mapping from a template's issue paths to the field that shows the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from graph import Vocabulary
from graph.model import MAX_NAME
from graph.planning import CRITERIA, MAX_ROLES, ProjectTemplate, Role, builtin_roles
from graph.vocabulary import LANGUAGES

from .._forms import MultiCheckboxField, choices, term_choices

__all__ = [
    "CRITERIA_PER_ROLE",
    "MAX_K",
    "TeamQueryForm",
    "adhoc_roles",
    "form_to_template",
    "split_terms",
    "team_query_form",
    "template_form",
    "template_to_form_data",
]

CRITERIA_PER_ROLE = 2
MAX_K = 10


def split_terms(text: str | None) -> list[str]:
    """Comma- or semicolon-separated terms from a text field."""
    return [p.strip() for p in re.split(r"[,;\n]", text or "") if p.strip()]


def adhoc_roles() -> dict[str, Role]:
    """Shared roles usable without a template (those with their own criteria)."""
    return {rid: r for rid, r in builtin_roles().items() if r.any}


class TeamQueryForm(Form):
    """The team builder's question (a GET form: it changes nothing)."""

    template = SelectField(_l("Project template"), choices=[], validators=[Optional()])
    roles = MultiCheckboxField(_l("Or choose the roles yourself"), choices=[])
    topic = SelectField(
        _l("Topic of the project (adds a role: expertise in this topic)"), choices=[], validators=[Optional()]
    )
    org = SelectField(_l("Build the team around this organisation"), choices=[], validators=[Optional()])
    k = IntegerField(_l("How many teams"), default=5, validators=[Optional(), NumberRange(1, MAX_K)])


def team_query_form(
    snap: Any, templates: dict[str, ProjectTemplate], lang: str, staff: bool, mine: list[str], args: Mapping[str, Any]
) -> TeamQueryForm:
    """The team builder's question, read from the query string ``args``, with the choices this user has."""
    vocab = snap.vocabulary
    form = TeamQueryForm(args)
    tpl_items = sorted(((t.id, t.label(lang)) for t in templates.values()), key=lambda x: x[1].casefold())
    form.template.choices = choices([("", _("– my own list of roles –")), *tpl_items])
    adhoc = sorted(((rid, r.label(lang)) for rid, r in adhoc_roles().items()), key=lambda x: x[1].casefold())
    form.roles.choices = choices(adhoc)
    form.topic.choices = term_choices(vocab, "topics", lang, empty=_("– none –"))
    org_items = sorted(
        ((o.id, o.name) for o in snap.network.organisations if staff or o.id in mine), key=lambda x: x[1].casefold()
    )
    if staff:
        org_items.insert(0, ("", _("– any organisation –")))
    form.org.choices = choices(org_items)
    if not staff and not form.org.data and mine:
        form.org.data = mine[0]
    return form


def template_form(
    vocab: Vocabulary, lang: str, *, create: bool, formdata: Any = None, data: dict[str, Any] | None = None
) -> FlaskForm:
    shared = builtin_roles()
    role_items = sorted(((rid, r.label(lang)) for rid, r in shared.items()), key=lambda x: x[1].casefold())
    role_choices = choices([("", _("– no role –")), ("custom", _("own role (define below)")), *role_items])

    class TemplateForm(FlaskForm):
        version = HiddenField()
        topics = MultiCheckboxField(_l("Topics of the project"), choices=term_choices(vocab, "topics", lang))

    if create:
        TemplateForm.id = StringField(  # type: ignore[attr-defined]
            _l("Short name (id)"), validators=[Length(max=64)]
        )
    names = {
        "de": _("Name in German"),
        "en": _("Name in English"),
        "tr": _("Name in Turkish"),
        "ar": _("Name in Arabic"),
        "ru": _("Name in Russian"),
        "uk": _("Name in Ukrainian"),
    }
    for code in LANGUAGES:
        if code in names:
            setattr(TemplateForm, f"label_{code}", StringField(names[code], validators=[Length(max=MAX_NAME)]))
    crit_labels = {
        "offers": _("offers one of"),
        "topics": _("works on one of these topics"),
        "target_groups": _("reaches one of these target groups"),
        "kinds": _("is one of these kinds of organisation"),
        "legal_forms": _("has one of these legal forms"),
        "languages": _("speaks one of these languages"),
    }
    for i in range(MAX_ROLES):
        setattr(TemplateForm, f"role_{i}_shared", SelectField(_l("Role"), choices=role_choices, default=""))
        setattr(
            TemplateForm, f"role_{i}_id", StringField(_l("Short name of the role (id)"), validators=[Length(max=64)])
        )
        setattr(
            TemplateForm,
            f"role_{i}_label_de",
            StringField(_l("Name of the role in German"), validators=[Length(max=MAX_NAME)]),
        )
        setattr(
            TemplateForm,
            f"role_{i}_label_en",
            StringField(_l("Name of the role in English"), validators=[Length(max=MAX_NAME)]),
        )
        for j in range(CRITERIA_PER_ROLE):
            for crit in CRITERIA:
                setattr(
                    TemplateForm, f"role_{i}_c{j}_{crit}", StringField(crit_labels[crit], validators=[Length(max=1000)])
                )
    form = TemplateForm(formdata=formdata, data=data) if formdata is not None else TemplateForm(data=data)
    form.crit_names = list(CRITERIA)  # type: ignore[attr-defined]
    return form


def template_to_form_data(tpl: dict[str, Any], vocab: Vocabulary, lang: str) -> dict[str, Any]:
    """Form data from template data (``ProjectTemplate.to_dict`` or a stored record)."""
    shared = builtin_roles()
    out: dict[str, Any] = {"id": tpl.get("id", ""), "topics": list(tpl.get("topics", []))}
    for code, text in (tpl.get("labels") or {}).items():
        out[f"label_{code}"] = text
    for i, role in enumerate((tpl.get("roles") or [])[:MAX_ROLES]):
        rid = role.get("role") or role.get("id", "")
        base = shared.get(role.get("role") or role.get("id", ""))
        out[f"role_{i}_shared"] = rid if base is not None else "custom"
        out[f"role_{i}_id"] = role.get("id", "") if base is None or role.get("id", rid) != rid else ""
        labels = role.get("labels") or {}
        if base is None or labels != base.labels:
            out[f"role_{i}_label_de"] = labels.get("de", "")
            out[f"role_{i}_label_en"] = labels.get("en", "")
        crits = role.get("any")
        if crits is None or (base is not None and crits == base.any):
            continue
        for j, crit in enumerate(crits[:CRITERIA_PER_ROLE]):
            for key, terms in crit.items():
                cat = CRITERIA.get(key)
                if cat:
                    out[f"role_{i}_c{j}_{key}"] = ", ".join(vocab.label(cat, t, lang) for t in terms)
    return out


def form_to_template(form: Any, template_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Template data from the form and a mapping from issue fields to form fields."""
    labels = {
        code: (getattr(form, f"label_{code}").data or "").strip()
        for code in LANGUAGES
        if hasattr(form, f"label_{code}")
    }
    mapping = {"id": "id", "labels": "label_de", "topics": "topics", "roles": "role_0_shared"}
    for code in labels:
        mapping[f"labels.{code}"] = f"label_{code}"
    roles: list[dict[str, Any]] = []
    for i in range(MAX_ROLES):
        shared = getattr(form, f"role_{i}_shared").data or ""
        rid = (getattr(form, f"role_{i}_id").data or "").strip()
        rlabels = {c: (getattr(form, f"role_{i}_label_{c}").data or "").strip() for c in ("de", "en")}
        crits = []
        crit_rows = []
        for j in range(CRITERIA_PER_ROLE):
            crit = {key: split_terms(getattr(form, f"role_{i}_c{j}_{key}").data) for key in CRITERIA}
            crit = {k: v for k, v in crit.items() if v}
            if crit:
                crits.append(crit)
                crit_rows.append(j)
        if not shared and not rid and not any(rlabels.values()) and not crits:
            continue
        raw: dict[str, Any] = {}
        if shared and shared != "custom":
            raw["role"] = shared
            if rid and rid != shared:
                raw["id"] = rid
        else:
            raw["id"] = rid
        if any(rlabels.values()):
            raw["labels"] = {c: t for c, t in rlabels.items() if t}
        if crits:
            raw["any"] = crits
        k = len(roles)
        roles.append(raw)
        p = f"roles[{k}]"
        mapping[f"{p}.role"] = f"role_{i}_shared"
        mapping[f"{p}.id"] = f"role_{i}_id" if (rid or shared == "custom" or not shared) else f"role_{i}_shared"
        mapping[f"{p}.labels"] = f"role_{i}_label_de"
        mapping[f"{p}.labels.de"] = f"role_{i}_label_de"
        mapping[f"{p}.labels.en"] = f"role_{i}_label_en"
        mapping[f"{p}.any"] = f"role_{i}_c0_offers"
        for jj, j in enumerate(crit_rows):
            mapping[f"{p}.any[{jj}]"] = f"role_{i}_c{j}_offers"
            for key in CRITERIA:
                mapping[f"{p}.any[{jj}].{key}"] = f"role_{i}_c{j}_{key}"
        mapping[p] = f"role_{i}_shared"
    data = {
        "id": template_id,
        "labels": {c: t for c, t in labels.items() if t},
        "topics": list(form.topics.data or []),
        "roles": roles,
    }
    return data, mapping
