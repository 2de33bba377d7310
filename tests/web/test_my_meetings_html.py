"""The representatives' meeting pages in the states the route walk does not reach, through the W3C Nu checker."""

from __future__ import annotations

import pytest

from tests.web.conftest import ORG, login, post
from tests.web.test_html_valid import checker, describe, errors_of, run_vnu  # noqa: F401 - the fixture
from tests.web.test_my_meetings import MEETING, make_meeting


@pytest.mark.slow
def test_meeting_pages_with_answers_and_a_published_plan_are_valid(checker, web_client, web_store, tmp_path):  # noqa: F811
    make_meeting(web_store, invited=(ORG,))
    staff = web_client.application.test_client()
    login(staff, "stefan")
    base = f"/meetings/{MEETING}"
    post(staff, f"{base}/plan", {"rounds": "2", "table_size": "3", "format": "tables"}, token_from=base)
    login(web_client, "rana")
    post(web_client, f"/meine-treffen/{MEETING}/{ORG}/answer", {"answer": "no"}, token_from="/meine-treffen")
    post(web_client, f"/meine-treffen/{MEETING}/{ORG}/answer", {"answer": "yes"}, token_from="/meine-treffen")
    post(staff, f"{base}/plan", {"rounds": "2", "table_size": "3", "format": "tables"}, token_from=base)
    post(staff, f"{base}/publish", token_from=base)
    pages = {
        "my-index": (web_client, "/meine-treffen"),
        "my-agenda": (web_client, f"/meine-treffen/{MEETING}/{ORG}"),
        "staff-detail-published": (staff, base),
        "new-meeting": (staff, "/meetings/new"),
    }
    files, names = [], {}
    for lang in ("de", "ar"):
        for client in (web_client, staff):
            client.get(f"/lang/{lang}")
        for name, (client, url) in pages.items():
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code)
            target = tmp_path / f"{name}-{lang}.html"
            target.write_text(resp.get_data(as_text=True), encoding="utf-8")
            files.append(target)
            names[str(target)] = f"{url} ({lang})"
    errors = errors_of(run_vnu(files))
    assert not errors, describe(errors, names)
