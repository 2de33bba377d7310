"""The API accepts exactly what its OpenAPI document describes (schemathesis, every check).

Every operation gets generated requests, schema-valid and schema-invalid, with a staff token and
without one, against the demo network. Every built-in check runs, among them "schema-valid request
rejected" (positive data must not get 400 or 422) and "schema-invalid request accepted" (negative data
must not get 2xx), besides no 5xx, documented status codes and response bodies that match their
schemas. A fixed, small number of examples per operation keeps it CI-sized (``REMO_FUZZ_EXAMPLES``
asks for more).
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", minversion="4")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from tests.web.conftest import make_web_app  # noqa: E402
from tests.web.test_api_fuzz import _known_ids, _operations  # noqa: E402
from web.api.tokens import create_token  # noqa: E402

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("REMO_FUZZ_EXAMPLES", "25"))  # more for a longer run


@pytest.fixture(scope="module")
def fuzz_app(template_db, tmp_path_factory):
    app = make_web_app(template_db, tmp_path_factory.mktemp("schema"), REMO_API_ANON_LIMIT=0)
    with app.app_context():
        app.config["FUZZ_TOKEN"], _token = create_token(app.extensions["remo_store"].store, "stefan", name="fuzz")
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


@pytest.mark.parametrize("token", [True, False], ids=["token", "anonymous"])
@pytest.mark.parametrize(("method", "path"), _operations())
def test_the_server_accepts_exactly_what_the_document_says(fuzz_app, api_schema, method, path, token):
    assert method != "BROKEN", path
    operation = api_schema[path][method.lower()]
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"} if token else {}
    known = _known_ids(fuzz_app)
    try:
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
    except Exception:  # noqa: BLE001 - nothing to make invalid
        strategy = operation.as_strategy(GenerationMode.POSITIVE)

    @given(case=strategy, real=st.booleans(), pick=st.integers(min_value=0, max_value=10_000))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case, real, pick):
        meta = case.meta
        negated = {
            getattr(loc, "value", loc)
            for loc, info in (meta.components if meta else {}).items()
            if info.mode.is_negative
        }
        if headers and "header" in negated:
            return  # our token would replace the broken header: the request would be valid again
        if real and "path" not in negated:  # half of the valid cases address records that exist
            for name in case.path_parameters or {}:
                ids = known[name]
                case.path_parameters[name] = ids[pick % len(ids)]
        case.call_and_validate(headers=headers)

    check()
