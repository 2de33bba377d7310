"""The staff page on the matching weights: source, samples, cross-validated gain, refit."""

from __future__ import annotations

import re

from tests.web.conftest import login, post


def test_staff_see_where_the_weights_come_from(web_client, web_store):
    from web.weights import stored_weights

    data = stored_weights(web_store)
    login(web_client, "stefan")
    html = web_client.get("/desk/weights").get_data(as_text=True)
    assert "Matching-Gewichte" in html
    # the demo network has dated cooperations: the weights come from its history, with samples and gain
    assert data["source"] == "history"
    assert "Geschichte des Netzwerks" in html
    assert f"{data['n_samples']} Beispiel" in html
    assert "Gewinn gegenüber den Standardgewichten" in html
    # numbers and dates through Babel: German percent and a long date, no raw floats or ISO dates
    assert re.search(r"\d+,\d\s?%", html)
    assert not re.search(r"\b0\.\d{2,}\b", html)
    assert data["split"] and data["split"] not in html
    assert "Gemeinsame Themen" in html  # signal names in words, not "topics"
    assert ">topics<" not in html


def test_refit_button_and_access(web_client):
    assert web_client.get("/desk/weights").status_code in (302, 401, 403)
    login(web_client, "rana")
    assert web_client.get("/desk/weights").status_code == 403
    web_client.post("/logout", data={})
    web_client.delete_cookie("session")
    client = web_client.application.test_client()
    login(client, "stefan")
    resp = post(client, "/desk/weights/refit", token_from="/desk/weights", follow_redirects=True)
    assert resp.status_code == 200
    assert "wurden neu berechnet" in resp.get_data(as_text=True)
