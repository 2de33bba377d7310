"""Ids, slugs, text folds and field lists have one home in graph/; the web layer uses those objects."""

from __future__ import annotations

import pytest
from wtforms.validators import Regexp

from graph import identity, model, vocabulary
from graph.io import tabular
from web.api import schemas


def _slug_regex(form) -> object:
    (found,) = [v for v in form.id.validators if isinstance(v, Regexp)]
    return found.regex


def test_the_api_schema_the_forms_and_the_model_share_one_slug_pattern(app, vocab):
    from web.forms import make_org_form
    from web.views.funding import make_funding_form

    assert schemas.SLUG is model.SLUG_RE.pattern and schemas.RECORD_ID is model.RECORD_ID_RE.pattern
    req = schemas.request_schemas(vocab)
    patterns = {s["properties"][k]["pattern"] for s in req.values() for k in ("id", "a", "b") if k in s["properties"]}
    assert patterns == {model.SLUG_RE.pattern}
    with app.test_request_context():
        assert _slug_regex(make_org_form(vocab, "de", create=True)) is model.SLUG_RE
        assert _slug_regex(make_funding_form(vocab, "de", create=True)) is model.SLUG_RE


def test_the_folds_have_one_home():
    from web.views import directory

    assert vocabulary._fold is identity.fold
    assert tabular._fold is identity.fold_header
    assert directory.fold is identity.fold_search


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
    from web.forms import INTERNAL_CHOICES, PLAIN_FIELDS

    assert PLAIN_FIELDS == tuple(f for f in model.ORG_FIELDS if f not in ("offers", "needs"))
    assert set(INTERNAL_CHOICES) | {"name", "kind"} == set(model.ORG_FIELDS)
