"""The public brochure: ``/brochure`` (print-CSS HTML) and ``/brochure.pdf``; ``?lang=`` picks the language."""

from __future__ import annotations

import threading

from flask import Blueprint, abort, current_app, make_response, request
from werkzeug.wrappers import Response

from graph.io import store_vocabulary

from ..brochure import BrochureError, render_html, render_pdf
from ..extensions import get_store
from ..i18n import UI_LANGUAGES
from ..security import allow

__all__ = ["bp"]

bp = Blueprint("brochure", __name__)

#: rendered PDFs by (store url, generation, language, day): the PDF takes a second or two to lay out
_pdf_cache: dict[tuple[str, int, str, str], bytes] = {}
_pdf_lock = threading.Lock()


def _lang() -> str:
    lang = request.args.get("lang", "de")
    if lang not in UI_LANGUAGES:
        abort(404)
    return lang


@bp.route("/brochure")
@allow("public")
def html() -> Response:
    store = get_store()
    page = render_html(store.snapshot().network, store_vocabulary(store), _lang())
    response = make_response(page)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


@bp.route("/brochure.pdf")
@allow("public")
def pdf() -> Response:
    import datetime as dt

    lang = _lang()
    store = get_store()
    key = (store.url, store.generation(), lang, dt.date.today().isoformat())
    data = _pdf_cache.get(key)
    if data is None:
        try:
            data = render_pdf(store.snapshot().network, store_vocabulary(store), lang, config=current_app.config)
        except BrochureError as exc:
            abort(501, description=str(exc))
        with _pdf_lock:
            _pdf_cache.clear()  # keep one brochure per process: older generations are stale anyway
            _pdf_cache[key] = data
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="remo-broschuere-{lang}.pdf"'
    return response
