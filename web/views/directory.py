"""The public directory (a plain page until the full web UI lands)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template_string

from graph.io import store_vocabulary

from ..extensions import get_store

bp = Blueprint("directory", __name__)

_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – ReMo</title></head>
<body><main>
<h1>{{ title }}</h1>
{% if orgs is defined %}
<p>{{ orgs|length }} Organisationen</p>
<ul>{% for o in orgs %}<li><a href="{{ url_for('directory.profile', org_id=o.id) }}">{{ o.name }}</a>
 – {{ vocab.label('org_kinds', o.kind) }}</li>{% endfor %}</ul>
{% else %}
<p>{{ vocab.label('org_kinds', org.kind) }}</p><p>{{ org.description }}</p>
<p><a href="{{ url_for('directory.index') }}">Zurück zum Verzeichnis</a></p>
{% endif %}
</main></body></html>"""


@bp.route("/")
def index():
    store = get_store()
    snap = store.snapshot()
    orgs = sorted(snap.network.organisations, key=lambda o: o.name.casefold())
    return render_template_string(_PAGE, title="ReMo-Verzeichnis", orgs=orgs, vocab=snap.vocabulary)


@bp.route("/org/<org_id>")
def profile(org_id: str):
    store = get_store()
    snap = store.snapshot()
    org = snap.orgs.get(org_id)
    if org is None:
        abort(404)
    return render_template_string(_PAGE, title=org.name, org=org, vocab=store_vocabulary(store))
