"""The map's GEXF and GraphML downloads validate against the official XSDs (as `remo export` does)."""

from __future__ import annotations

import pytest

from tests.graph.test_export_schemas import schema_errors
from tests.web.conftest import login


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_map_downloads_are_valid(web_client, fmt):
    public = web_client.get(f"/map/public.{fmt}")
    assert public.status_code == 200
    assert not schema_errors(public.data, fmt)
    login(web_client, "stefan")
    staff = web_client.get(f"/map.{fmt}?kind=migrant_organisation")
    assert staff.status_code == 200
    assert b"<edge " in staff.data
    assert not schema_errors(staff.data, fmt)
