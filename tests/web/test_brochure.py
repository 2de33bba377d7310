"""The printable brochure: German by default, other languages, public data only (HTML and PDF)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.graph.test_privacy import assert_no_marker, marked_demo
from web.brochure import BrochureError, find_font, render_html, shaping_available


@pytest.fixture
def marked_app(app, demo_doc, tmp_path: Path):
    doc, markers = marked_demo(demo_doc)
    src = tmp_path / "marked.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", str(src)])
    assert result.exit_code == 0, result.output
    return app, markers


def _pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)


def test_html_brochure_is_german_by_default_and_public_only(marked_app, tmp_path: Path):
    app, markers = marked_app
    out = tmp_path / "b.html"
    result = app.test_cli_runner().invoke(args=["brochure", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="de" dir="ltr">' in html
    assert "Remscheider Migrantenorganisationen" in html
    assert "Verzeichnis nach Themen" in html and "Verzeichnis nach Stadtteilen" in html
    assert "<style>" in html  # standalone file: the style sheet is embedded
    assert 'id="org-elternnetzwerk-koepru"' in html
    assert_no_marker(html, markers, "the HTML brochure")


def test_pdf_brochure_is_public_only(marked_app, tmp_path: Path):
    app, markers = marked_app
    out = tmp_path / "b.pdf"
    result = app.test_cli_runner().invoke(args=["brochure", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    if find_font(app.config) is not None:
        assert b"/FontFile2" in data  # a TrueType font is embedded
    text = _pdf_text(out)
    assert "Remscheider Migrantenorganisationen" in text
    assert "Inhalt" in text and "Verzeichnis nach Themen" in text
    assert_no_marker(text, markers, "the PDF brochure")


def test_pdf_layout_text_has_no_internal_value(marked_app):
    """Without a PDF text extractor: check every text the layout put on a page."""
    from web.brochure import brochure_context, build_pdf

    app, markers = marked_app
    with app.app_context():
        from graph.io import store_vocabulary
        from web.extensions import get_store

        store = get_store()
        ctx = brochure_context(store.snapshot().network, store_vocabulary(store), "de")
        pdf = build_pdf(ctx)
    text = "\n".join(pdf.written)
    assert "Ansprechpersonen".upper() in text
    assert_no_marker(text, markers, "the PDF layout")


@pytest.mark.parametrize("lang", ["en", "tr", "ru", "uk"])
def test_brochure_in_other_languages(demo_app, tmp_path: Path, lang: str):
    out = tmp_path / f"b-{lang}.html"
    result = demo_app.test_cli_runner().invoke(args=["brochure", "-o", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert f'<html lang="{lang}" dir="ltr">' in html
    with demo_app.app_context():
        from web.extensions import get_store

        vocab = get_store().snapshot().vocabulary
    assert vocab.label("org_kinds", "migrant_organisation", lang) in html
    pdf = tmp_path / f"b-{lang}.pdf"
    result = demo_app.test_cli_runner().invoke(args=["brochure", "-o", str(pdf), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_arabic_brochure_is_rtl(demo_app, tmp_path: Path):
    out = tmp_path / "ar.html"
    result = demo_app.test_cli_runner().invoke(args=["brochure", "-o", str(out), "--lang", "ar"])
    assert result.exit_code == 0, result.output
    assert '<html lang="ar" dir="rtl">' in out.read_text(encoding="utf-8")
    pdf = tmp_path / "ar.pdf"
    result = demo_app.test_cli_runner().invoke(args=["brochure", "-o", str(pdf), "--lang", "ar"])
    if shaping_available() and find_font(demo_app.config) is not None:
        assert result.exit_code == 0, result.output
        assert pdf.read_bytes().startswith(b"%PDF")
    else:
        assert result.exit_code == 1
        assert "HTML" in result.output


def test_unknown_output_type_and_language(demo_app, tmp_path: Path):
    result = demo_app.test_cli_runner().invoke(args=["brochure", "-o", str(tmp_path / "b.docx")])
    assert result.exit_code != 0 and ".pdf or .html" in result.output
    with demo_app.app_context(), pytest.raises(BrochureError):
        from graph import Network

        render_html(Network(), None, "xx")


def test_font_lookup_prefers_configured_font(tmp_path: Path):
    font = tmp_path / "Custom.ttf"
    font.write_bytes(b"not really a font")
    assert find_font({"REMO_BROCHURE_FONT": str(font)}) == (font, None)
    (tmp_path / "Custom-Bold.ttf").write_bytes(b"x")
    assert find_font({"REMO_BROCHURE_FONT": str(font)}) == (font, tmp_path / "Custom-Bold.ttf")


# ---------------------------------------------------------------------------
# web routes
# ---------------------------------------------------------------------------
def test_brochure_routes_are_public(demo_app):
    client = demo_app.test_client()
    resp = client.get("/brochure")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html
    assert "/static/brochure.css" in html and "<style" not in html and "style=" not in html
    assert "Content-Security-Policy" in resp.headers
    assert '<html lang="ar" dir="rtl">' in client.get("/brochure?lang=ar").get_data(as_text=True)
    assert client.get("/brochure?lang=xx").status_code == 404
    resp = client.get("/brochure.pdf?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    assert client.get("/brochure.pdf?lang=en").data == resp.data  # cached until the data change


def test_public_pages_have_no_internal_value(marked_app, tmp_path: Path):
    app, markers = marked_app
    client = app.test_client()
    pages = ["/", "/directory", "/brochure", "/brochure?lang=en"]
    with app.app_context():
        from web.extensions import get_store

        pages += [f"/org/{o.id}" for o in get_store().snapshot().network.organisations]
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert_no_marker(resp.get_data(as_text=True), markers, url)
    pdf = client.get("/brochure.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "brochure.pdf"
    path.write_bytes(pdf.data)
    assert_no_marker(_pdf_text(path), markers, "/brochure.pdf")


def test_public_api_map_and_funding_have_no_internal_value(marked_app):
    """The other public outputs: the API without a token, the public map (and its exports), the funding list."""
    app, markers = marked_app
    client = app.test_client()
    with app.app_context():
        from web.extensions import get_store

        orgs = [o.id for o in get_store().snapshot().network.organisations]
    urls = [
        "/api/v1/organisations?per_page=100",
        "/api/v1/vocabulary",
        "/api/v1/metrics",
        "/api/v1/cooperations",
        "/api/v1/meetings",
        "/map/public",
        "/map/public.svg",
        "/map/public.graphml",
        "/map/public.gexf",
        "/funding",
    ] + [f"/api/v1/organisations/{o}" for o in orgs]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        assert_no_marker(resp.get_data(as_text=True), markers, url)


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_html_cover_counts_the_organisations_in_words(demo_app, demo_doc, tmp_path: Path, lang: str):
    """The cover says "69 Organisationen" (as the PDF does), not a bare number; Arabic in its plural form."""
    from flask_babel import force_locale, ngettext

    out = tmp_path / f"{lang}.html"
    result = demo_app.test_cli_runner().invoke(args=["brochure", "-o", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    n = len(demo_doc["organisations"])
    with demo_app.test_request_context("/"), force_locale(lang):
        words = ngettext("%(num)d organisation", "%(num)d organisations", n)
    assert words != str(n) and (lang != "de" or words == f"{n} Organisationen")
    assert f"<p>{words} · " in out.read_text(encoding="utf-8")
