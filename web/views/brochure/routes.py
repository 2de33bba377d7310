"""The public brochure: ``/brochure`` (print-CSS HTML) and ``/brochure.pdf``; ``?lang=`` picks the language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, make_response, request
from werkzeug.wrappers import Response

from graph.io import store_vocabulary

from ...brochure import BrochureError, render_html, render_pdf
from ...extensions import get_store
from ...i18n import UI_LANGUAGES
from ...ratelimit import expensive
from ...render_cache import cached
from ...security import allow

__all__ = ["bp"]

bp = Blueprint("brochure", __name__)


def _lang() -> str:
    lang = request.args.get("lang", "de")
    if lang not in UI_LANGUAGES:
        abort(404)
    return lang


def _cached(fmt: str, lang: str, render: Callable[[Any, Any], bytes]) -> tuple[bytes, str]:
    """The brochure from the shared render cache, by data generation, language and day (it prints the date)."""
    store = get_store()
    snap = store.snapshot()
    parts = {"generation": snap.generation, "lang": lang, "day": dt.date.today().isoformat(), "fmt": fmt}
    return cached("brochure", parts, lambda: render(snap.network, store_vocabulary(store)))


def _respond(data: bytes, etag: str, content_type: str) -> Response:
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.set_etag(etag)
    response.make_conditional(request)
    return response


@bp.route("/brochure")
@allow("public")
@expensive
def html() -> Response:
    lang = _lang()
    data, etag = _cached("html", lang, lambda network, vocab: render_html(network, vocab, lang).encode("utf-8"))
    return _respond(data, etag, "text/html; charset=utf-8")


@bp.route("/brochure.pdf")
@allow("public")
@expensive
def pdf() -> Response:
    lang = _lang()

    def render(network: Any, vocab: Any) -> bytes:
        try:
            return render_pdf(network, vocab, lang, config=current_app.config)
        except BrochureError as exc:
            abort(501, description=str(exc))

    data, etag = _cached("pdf", lang, render)
    response = _respond(data, etag, "application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="remo-broschuere-{lang}.pdf"'
    return response
