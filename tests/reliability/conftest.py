"""The reliability suite uses the web fixtures (demo network, one user per role)."""

from tests.web.conftest import template_db, web_app, web_client, web_store  # noqa: F401
