"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid (bounded by ``max_examples``), against the
demo network; operations that need a token get a staff token. Checks: no 5xx answer, the status code is
one the document lists, and the body matches the response schema.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", minversion="4")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import make_web_app  # noqa: E402
from web.api.tokens import create_token  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
MAX_EXAMPLES = 30


@pytest.fixture
def fuzz_app(template_db, tmp_path):
    app = make_web_app(template_db, tmp_path, REMO_API_ANON_LIMIT=0)  # no throttle: fuzzing is one busy client
    with app.app_context():
        app.config["FUZZ_TOKEN"], _token = create_token(app.extensions["remo_store"].store, "stefan", name="fuzz")
    yield app
    app.extensions["remo_store"].close()


def _known_ids(app) -> dict[str, list[str]]:
    store = app.extensions["remo_store"].store
    return {
        "org_id": [r.id for r in store.list("organisation")],
        "meeting_id": [r.id for r in store.list("meeting")],
        "coop_id": [r.id for r in store.list("cooperation")],
        "event_id": [r.id for r in store.list("event")],
    }


def _operations() -> list[tuple[str, str]]:
    """``(method, path)`` of every API operation, from the app's routes (no store needed)."""
    from web import create_app
    from web.api.openapi import operations

    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "collect", "REMO_STORE": "sqlite://"})
        return [(method, path) for method, path, _op, _args in operations(app)]
    except Exception as exc:  # noqa: BLE001 - fail in the test, not the whole collection
        return [("BROKEN", f"the app cannot be built: {exc!r}")]


def _strategy(operation):
    """Valid and invalid requests (operations without anything to make invalid get valid ones only)."""
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    try:
        return positive | operation.as_strategy(GenerationMode.NEGATIVE)
    except Exception:  # noqa: BLE001 - schemathesis refuses negative data where there is nothing to break
        return positive


# schemathesis' own pytest loaders (from_fixture) do not work with pytest 9 yet, so hypothesis is driven here
@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_conforms_to_its_document(fuzz_app, method, path):
    assert method != "BROKEN", path
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
    operation = schema[path][method.lower()]
    secured = all(s for s in operation.definition.raw.get("security", [{}]))
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"} if secured else {}

    known = _known_ids(fuzz_app)

    @given(case=_strategy(operation), real=st.booleans(), pick=st.integers(min_value=0, max_value=10_000))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case, real, pick):
        if real:  # half of the cases address records that exist, so that more than the 404 path is tried
            for name in case.path_parameters or {}:
                ids = known[name]
                case.path_parameters[name] = ids[pick % len(ids)]
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
