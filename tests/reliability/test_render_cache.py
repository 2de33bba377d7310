"""Public renderings are cached per (data generation, language, parameters), shared by workers, and rate-limited."""

from __future__ import annotations

import pytest

from tests.web.conftest import login, make_web_app


class Counter:
    """Wraps a render function and counts its calls."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *a, **k):
        self.calls += 1
        return self.fn(*a, **k)


@pytest.fixture
def count_png(monkeypatch):
    import web.views.map.routes as views

    counter = Counter(views.render_png)
    monkeypatch.setattr(views, "render_png", counter)
    return counter


@pytest.fixture
def count_brochure(monkeypatch):
    import web.views.brochure.routes as views

    pdf, html = Counter(views.render_pdf), Counter(views.render_html)
    monkeypatch.setattr(views, "render_pdf", pdf)
    monkeypatch.setattr(views, "render_html", html)
    return pdf, html


def _rename_first_org(store, name="Neu benannt e.V."):
    org = sorted(store.list("organisation"), key=lambda r: r.id)[0]
    store.update("organisation", org.id, {**org.data, "name": name}, org.version)


@pytest.mark.slow
def test_map_png_is_rendered_once_per_generation(web_app, web_store, count_png):
    client = web_app.test_client()
    first = client.get("/map/public.png")
    assert first.status_code == 200 and first.data.startswith(b"\x89PNG")
    second = client.get("/map/public.png")
    assert second.data == first.data and count_png.calls == 1
    assert client.get("/map/public.png", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    other = client.get("/map/public.png?kind=migrant_organisation")  # other parameters: another rendering
    assert other.status_code == 200 and count_png.calls == 2
    _rename_first_org(web_store)  # a write moves the generation
    assert client.get("/map/public.png").status_code == 200 and count_png.calls == 3
    assert client.get("/map/public.png").status_code == 200 and count_png.calls == 3


def test_map_exports_per_language_and_layout(web_app, web_store, monkeypatch):
    import web.views.map.routes as views

    svg = Counter(views.render_svg)
    monkeypatch.setattr(views, "render_svg", svg)
    client = web_app.test_client()
    de = client.get("/map/public.svg", headers={"Accept-Language": "de"})
    en = client.get("/map/public.svg", headers={"Accept-Language": "en"})
    assert de.status_code == en.status_code == 200 and svg.calls == 2 and de.data != en.data
    client.get("/map/public.svg", headers={"Accept-Language": "de"})
    client.get("/map/public.svg", headers={"Accept-Language": "en"})
    assert svg.calls == 2
    from web.map.store import relayout

    relayout(web_store, web_store.snapshot().network, actor="test")  # positions change, generation does not
    assert client.get("/map/public.svg", headers={"Accept-Language": "de"}).data != de.data and svg.calls == 3
    for fmt in ("gexf", "graphml"):
        a, b = client.get(f"/map/public.{fmt}"), client.get(f"/map/public.{fmt}")
        assert a.status_code == 200 and a.data == b.data and a.headers["ETag"] == b.headers["ETag"]


@pytest.mark.slow
def test_brochure_pdf_per_language_shared_by_workers(web_app, web_store, count_brochure, template_db, tmp_path):
    pdf, _html = count_brochure
    client = web_app.test_client()
    de = client.get("/brochure.pdf?lang=de")
    ar = client.get("/brochure.pdf?lang=ar")
    assert de.status_code == ar.status_code == 200 and de.data != ar.data and pdf.calls == 2
    for _ in range(2):  # alternating languages used to re-render every time (one PDF kept per worker)
        assert client.get("/brochure.pdf?lang=de").data == de.data
        assert client.get("/brochure.pdf?lang=ar").data == ar.data
    assert pdf.calls == 2
    # a second worker: same store, same cache folder -> serves the first worker's files
    (tmp_path / "w2").mkdir()
    second = make_web_app(
        template_db,
        tmp_path / "w2",
        REMO_STORE=web_app.config["REMO_STORE"],
        REMO_RENDER_CACHE_DIR=web_app.config["REMO_RENDER_CACHE_DIR"],
    )
    try:
        assert second.test_client().get("/brochure.pdf?lang=ar").data == ar.data and pdf.calls == 2
    finally:
        second.extensions["remo_store"].close()


def test_brochure_cache_follows_the_data_on_both_stores(store_url, tmp_path, count_brochure):
    from web import create_app

    _pdf, html = count_brochure
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "REMO_STORE": store_url, "REMO_RENDER_CACHE_DIR": str(tmp_path / "cache")}
    )
    try:
        assert app.test_cli_runner().invoke(args=["seed", "--demo"]).exit_code == 0
        client = app.test_client()
        first = client.get("/brochure?lang=de").get_data(as_text=True)
        assert client.get("/brochure?lang=de").get_data(as_text=True) == first and html.calls == 1
        assert client.get("/brochure?lang=tr").status_code == 200 and html.calls == 2
        _rename_first_org(app.extensions["remo_store"].store, "Umbenannt im Test e.V.")
        after = client.get("/brochure?lang=de").get_data(as_text=True)
        assert html.calls == 3 and "Umbenannt im Test e.V." in after and "Umbenannt im Test e.V." not in first
    finally:
        app.extensions["remo_store"].close()


def test_the_cache_folder_is_bounded(web_app, monkeypatch):
    from web import render_cache

    folder = web_app.config["REMO_RENDER_CACHE_DIR"]
    web_app.config["REMO_RENDER_CACHE_MB"] = 0.0001  # about 100 bytes: only the newest file stays
    with web_app.test_request_context():
        for i in range(5):
            data, _ = render_cache.cached("test", {"i": i}, lambda i=i: bytes([i]) * 60)
            assert data == bytes([i]) * 60
    import os

    names = os.listdir(folder)
    assert len([n for n in names if n.startswith("test-")]) == 1 and not [n for n in names if n.endswith(".lock")]
    assert all(os.stat(os.path.join(folder, n)).st_mode & 0o777 == 0o600 for n in names)


# ---------------------------------------------------------------------------
# rate limit
# ---------------------------------------------------------------------------
def _limited_app(template_db, folder, **config):
    folder.mkdir(exist_ok=True)
    return make_web_app(template_db, folder, REMO_RATELIMIT_RENDERS="3 per minute", **config)


def test_anonymous_renders_are_limited_with_a_german_429(template_db, tmp_path):
    app = _limited_app(template_db, tmp_path)
    try:
        client = app.test_client()
        for lang in ("de", "en"):  # two renderings
            assert client.get(f"/brochure?lang={lang}").status_code == 200
        for _ in range(5):  # cached: not counted
            assert client.get("/brochure?lang=de").status_code == 200
        assert client.get("/brochure?lang=tr").status_code == 200  # the third rendering
        refused = client.get("/brochure?lang=ar")
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        assert 1 <= wait <= 60
        page = refused.get_data(as_text=True)
        assert "Zu viele Versuche" in page and "Karten oder Broschüren" in page and "Sekunde" in page
        assert client.get("/brochure?lang=de").status_code == 429  # spent: also cached ones wait
        assert client.get("/").status_code == 200  # the directory is not limited
        other = app.test_client()
        assert other.get("/brochure?lang=ar", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    finally:
        app.extensions["remo_store"].close()


def test_logged_in_users_are_not_limited(template_db, tmp_path):
    app = _limited_app(template_db, tmp_path)
    try:
        client = app.test_client()
        login(client, "stefan")
        for lang in ("de", "en", "tr", "ar", "ru", "uk"):
            assert client.get(f"/brochure?lang={lang}").status_code == 200
    finally:
        app.extensions["remo_store"].close()


def test_the_sqlite_limit_storage_is_shared_by_workers(template_db, tmp_path):
    storage = f"sqlite:///{tmp_path}/limits/ratelimit.db"
    one = _limited_app(template_db, tmp_path / "a", REMO_RATELIMIT_STORAGE=storage)
    two = _limited_app(template_db, tmp_path / "b", REMO_RATELIMIT_STORAGE=storage)
    try:
        assert one.test_client().get("/brochure?lang=de").status_code == 200
        assert two.test_client().get("/brochure?lang=en").status_code == 200
        assert one.test_client().get("/brochure?lang=tr").status_code == 200
        assert two.test_client().get("/brochure?lang=ar").status_code == 429  # the 4th rendering of this address
        assert (tmp_path / "limits" / "ratelimit.db").stat().st_mode & 0o777 == 0o600
    finally:
        one.extensions["remo_store"].close()
        two.extensions["remo_store"].close()


def test_sqlite_limit_storage_counts_and_expires(tmp_path, monkeypatch):
    import time

    from web.ratelimit import SQLiteLimitStorage

    s = SQLiteLimitStorage(f"sqlite:///{tmp_path}/r.db")
    assert s.check() and s.get("k") == 0
    assert [s.incr("k", 10) for _ in range(3)] == [1, 2, 3] and s.get("k") == 3
    assert time.time() < s.get_expiry("k") <= time.time() + 10
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 11)
    assert s.get("k") == 0 and s.incr("k", 10) == 1
    s.clear("k")
    assert s.get("k") == 0


def test_public_map_page_body_is_cached(web_app, web_store, monkeypatch):
    import web.views.map.routes as views

    build = Counter(views.build_map)
    monkeypatch.setattr(views, "build_map", build)
    client = web_app.test_client()
    first = client.get("/map/public").get_data(as_text=True)
    again = client.get("/map/public").get_data(as_text=True)
    assert build.calls == 1
    assert first == again and "<svg" in first and "csrf_token" not in first
    english = client.get("/map/public", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert build.calls == 2 and english != first
    login(client, "stefan")  # the header changes with the user, the cached body does not
    staff = client.get("/map/public").get_data(as_text=True)
    assert build.calls == 2 and "Abmelden" in staff and "Abmelden" not in first
    assert client.get("/map").status_code == 200 and build.calls == 3  # the internal map is never cached
    _rename_first_org(web_store)
    assert client.get("/map/public").status_code == 200 and build.calls == 4


def test_an_unusable_cache_folder_or_limit_store_does_not_break_the_pages(template_db, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    (tmp_path / "w").mkdir()
    app = make_web_app(
        template_db,
        tmp_path / "w",
        REMO_RENDER_CACHE_DIR=str(blocker / "cache"),
        REMO_RATELIMIT_STORAGE=f"sqlite:///{blocker}/limits.db",
    )
    try:
        client = app.test_client()
        assert client.get("/brochure?lang=de").status_code == 200
        assert client.get("/map/public.svg").status_code == 200
    finally:
        app.extensions["remo_store"].close()
