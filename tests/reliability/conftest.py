"""The reliability suite uses the web fixtures (demo network, one user per role).

``any_app`` is the same demo app on each store: SQLite (a copy of the template database) and Neo4j (the
shared test server, wiped and filled from the template; skipped, or failed under REMO_REQUIRE_NEO4J, when
no server answers).
"""

import pytest

from graph.migrate import migrate
from graph.store import open_store
from tests.conftest import NEO4J_URL, _neo4j_reachable, require_or_skip
from tests.web.conftest import make_web_app, template_db, web_app, web_client, web_store  # noqa: F401


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_app(request, template_db, tmp_path):  # noqa: F811
    """The demo web app on each backend."""
    if request.param == "sqlite":
        app = make_web_app(template_db, tmp_path)
    else:
        require_or_skip(_neo4j_reachable(), "REMO_REQUIRE_NEO4J")
        src, dst = open_store(f"sqlite:///{template_db}"), open_store(NEO4J_URL)
        try:
            dst.wipe()  # type: ignore[attr-defined]
            dst.init()
            migrate(src, dst)
        finally:
            src.close()
            dst.close()
        app = make_web_app(template_db, tmp_path, REMO_STORE=NEO4J_URL)
    yield app
    app.extensions["remo_store"].close()


@pytest.fixture
def any_store(any_app):
    return any_app.extensions["remo_store"].store
