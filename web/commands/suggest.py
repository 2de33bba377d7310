"""``remo suggest``: partner suggestions with reasons, for one organisation or all."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext

from graph import NotFoundError
from matching import suggest, suggest_all, suggestions_json

from ..extensions import get_store
from ..i18n import UI_LANGUAGES
from ..reasons import render_suggestions
from ..weights import weights_in_use
from .data import fail_cleanly

__all__ = ["COMMANDS"]


def hint_text(field: str, lang: str) -> str:
    with force_locale(lang):
        labels = {
            "topics": gettext("topics"),
            "offers": gettext("offers"),
            "needs": gettext("needs"),
            "districts": gettext("districts"),
            "languages": gettext("languages"),
        }
    return labels.get(field, field)


@click.command("suggest")
@click.argument("org", required=False)
@click.option("--all", "all_orgs", is_flag=True, help="Suggestions for every organisation (JSON lines with --json).")
@click.option("--top", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="How many partners.")
@click.option("--lang", type=click.Choice(UI_LANGUAGES), default="de", show_default=True, help="Language of reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per line with --all).")
@with_appcontext
@fail_cleanly
def suggest_cmd(org: str | None, all_orgs: bool, k: int, lang: str, as_json: bool) -> None:
    """Suggest cooperation partners for ORG, each with the reasons why.

    Existing partners and recently declined introductions are never suggested.
    Unknown organisation: exit code 2.
    """
    if all_orgs == bool(org):
        raise click.UsageError("give an organisation id or --all (not both)")
    store = get_store()
    snap = store.snapshot()
    weights = weights_in_use(store)
    names = {o.id: o.name for o in snap.network.organisations}
    if all_orgs:
        results = suggest_all(snap, k, weights=weights)
        for org_id in snap.org_ids:
            doc = {"organisation": org_id, "suggestions": [s.to_dict() for s in results.get(org_id, [])]}
            doc = render_suggestions(doc, snap.vocabulary, names, lang)
            if as_json:
                click.echo(json.dumps(doc, ensure_ascii=False))
            else:
                parts = ", ".join(names[s["partner"]] for s in doc["suggestions"])
                click.echo(f"{names[org_id]}: {parts}")
        return
    try:
        suggestions = suggest(snap, org, k, weights=weights)
    except NotFoundError:
        click.echo(f"Error: unknown organisation {org!r} (see 'remo orgs list')", err=True)
        sys.exit(2)
    doc = render_suggestions(suggestions_json(snap, org, suggestions), snap.vocabulary, names, lang)
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    with force_locale(lang):
        click.echo(gettext("Suggestions for %(name)s", name=names[org]))
        if not doc["suggestions"]:
            click.echo("  " + gettext("No suggestions yet."))
        for n, s in enumerate(doc["suggestions"], start=1):
            met = " (" + gettext("already met") + ")" if s.get("already_met") else ""
            click.echo(f"{n:2}. {names[s['partner']]}  [{s['score']:.2f}]{met}")
            for r in s["reasons"]:
                click.echo(f"      – {r['text']}")
        if doc.get("hints"):
            fields = ", ".join(hint_text(f, lang) for f in doc["hints"])
            click.echo(gettext("Tip: add %(fields)s to the profile to get better suggestions.", fields=fields))


@click.command("weights")
@click.option("--learn", is_flag=True, help="Fit the weights on outcomes (or the network's history) and use them.")
@click.option("--reset", is_flag=True, help="Go back to the documented default weights.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@fail_cleanly
def weights_cmd(learn: bool, reset: bool, as_json: bool) -> None:
    """Show the matching weights in use; --learn fits them from introductions' outcomes.

    With at least 30 labelled introductions (accepted, met, cooperating vs. declined) a logistic
    regression learns the weights; before that the network's own history is used (earlier
    cooperations predicting later ones: a logistic start, then the weights that rank the later
    partners best, checked by cross-validation); without enough history, the defaults.
    """
    from matching import DEFAULT_WEIGHTS

    from ..weights import SETTING_ID, learn_and_store, stored_weights

    store = get_store()
    if learn and reset:
        raise click.UsageError("--learn and --reset exclude each other")
    if learn:
        learn_and_store(store, actor="cli")
    if reset and store.get("setting", SETTING_ID) is not None:
        store.delete("setting", SETTING_ID, actor="cli")
    data = stored_weights(store) or {"weights": dict(DEFAULT_WEIGHTS), "source": "defaults", "n_samples": 0}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    click.echo(f"source: {data['source']} ({data.get('n_samples', 0)} samples) {data.get('fitted_at', '')}".rstrip())
    for name, value in data["weights"].items():
        click.echo(f"  {name:18} {value:.3f}")


COMMANDS = [suggest_cmd, weights_cmd]
