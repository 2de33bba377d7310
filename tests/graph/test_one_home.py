"""Ids, slugs, text folds and field lists have one home in graph/; the web layer uses those objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from wtforms.validators import Regexp

from graph import identity, model, vocabulary
from graph.io import tabular
from web.api import schemas


def _slug_regex(form) -> object:
    (found,) = [v for v in form.id.validators if isinstance(v, Regexp)]
    return found.regex


def test_the_api_schema_the_forms_and_the_model_share_one_slug_pattern(app, vocab):
    from web.views.directory.forms import make_org_form
    from web.views.funding.forms import make_funding_form

    assert schemas.SLUG is model.SLUG_RE.pattern and schemas.RECORD_ID is model.RECORD_ID_RE.pattern
    req = schemas.request_schemas(vocab)
    patterns = {s["properties"][k]["pattern"] for s in req.values() for k in ("id", "a", "b") if k in s["properties"]}
    assert patterns == {model.SLUG_RE.pattern}
    with app.test_request_context():
        assert _slug_regex(make_org_form(vocab, "de", create=True)) is model.SLUG_RE
        assert _slug_regex(make_funding_form(vocab, "de", create=True)) is model.SLUG_RE


def test_the_folds_have_one_home():
    from web import directory
    from web.mail import accounts, compose

    assert vocabulary._fold is identity.fold
    assert tabular._fold is identity.fold_header
    assert directory.fold is identity.fold_search
    assert accounts.fold_email is identity.fold_email and compose.fold_email is identity.fold_email


def test_no_module_writes_its_own_copy_of_an_id_pattern():
    root = Path(__file__).resolve().parents[2]
    homes = {
        model.SLUG_RE.pattern: "graph/model/fields.py",
        model.RECORD_ID_RE.pattern: "graph/model/fields.py",
        model.PROJECT_ROLE_RE.pattern: "graph/model/projects.py",
    }
    copies = [
        f"{rel}: {text}"
        for package in ("graph", "web")
        for path in sorted((root / package).rglob("*.py"))
        for text, home in homes.items()
        if (rel := path.relative_to(root).as_posix()) != home and text in path.read_text(encoding="utf-8")
    ]
    assert not copies, f"import the pattern from graph.model instead: {copies}"


def test_the_project_pages_check_member_roles_with_the_models_pattern():
    from web.views.projects import routes as projects

    assert projects.PROJECT_ROLE_RE is model.PROJECT_ROLE_RE
    assert model.PROJECT_ROLE_RE.match("lead") and not model.PROJECT_ROLE_RE.match("Lead partner")


@pytest.mark.parametrize(
    ("text", "fold", "header", "search"),
    [
        ("  Räume  für_Vereine ", "räume für_vereine", "räume für vereine", "  raume  fur_vereine "),
        ("İZMİR ılık", "izmir ilik", "i̇zmi̇r ılık", "izmir ilik"),
        ("Ｃａｆé", "café", "café", "cafe"),
    ],
)
def test_the_folds_differ_on_purpose(text, fold, header, search):
    assert (identity.fold(text), identity.fold_header(text), identity.fold_search(text)) == (fold, header, search)
    assert identity.fold_header(None) == ""


def test_the_forms_use_the_models_field_list():
    from web.views.directory.forms import INTERNAL_CHOICES, PLAIN_FIELDS

    assert PLAIN_FIELDS == tuple(f for f in model.ORG_FIELDS if f not in ("offers", "needs"))
    assert set(INTERNAL_CHOICES) | {"name", "kind"} == set(model.ORG_FIELDS)


def test_fold_email_drops_the_surrounding_spaces_and_the_case_only():
    assert identity.fold_email("  Ada.Lovelace@Example.ORG ") == "ada.lovelace@example.org"
    assert identity.fold_email("a b@x.org") == "a b@x.org"


def test_the_organisation_term_fields_are_organisation_fields_and_vocabulary_categories():
    from web.views.directory import routes as directory

    assert set(model.ORG_TERM_FIELDS) <= set(model.ORG_FIELDS)
    assert set(model.ORG_TERM_FIELDS) <= set(vocabulary.CATEGORIES)
    assert directory.ORG_TERM_FIELDS is model.ORG_TERM_FIELDS


def test_the_field_by_field_tables_cover_the_models_field_list():
    """Tables keyed by organisation field (schemas, header spellings, export columns) name every field."""
    props = schemas.response_schemas()["Organisation"]["properties"]
    assert list(props) == ["id", *model.ORG_FIELDS, "visibility", "version", "internal"]
    assert set(tabular.COLUMNS["organisations"]) == {"id", *model.ORG_FIELDS, "internal"}
    assert [f for f, _header in tabular._EXPORT_HEADERS["organisations"]] == ["id", *model.ORG_FIELDS, "internal"]
    assert set(tabular.COLUMNS["persons"]) >= {"id", *model.PERSON_FIELDS}


def test_the_forms_label_every_organisation_field(app):
    from web.views._forms import field_label

    with app.test_request_context():
        assert all(field_label(f) != f for f in model.ORG_FIELDS)
