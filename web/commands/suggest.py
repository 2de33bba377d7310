"""``remo suggest``: partner suggestions with reasons, for one organisation or all."""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext

from graph import NotFoundError

from ..extensions import get_store
from ..i18n import UI_LANGUAGES
from ..reasons import render_many, render_suggestions
from . import store_app
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


_FLUSH_LINES = 2_000  # output lines written (and flushed) at once


@contextmanager
def _progress(total: int, wanted: bool | None) -> Iterator[Callable[[int], None]]:
    """A progress report on stderr: a bar on a terminal, else a line every ~10 % with ``--progress``."""
    show = sys.stderr.isatty() if wanted is None else wanted
    if not show or not total:
        yield lambda n: None
        return
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="Ranking, then reasons", file=sys.stderr) as bar:
            yield bar.update
        return
    done, next_at, t0 = 0, total // 10, time.perf_counter()

    def update(n: int) -> None:
        nonlocal done, next_at
        done += n
        if done >= next_at or done == total:
            click.echo(f"suggest --all: {done * 100 // total} % ({time.perf_counter() - t0:.1f} s)", err=True)
            next_at = done + max(1, total // 10)

    yield update


def output_line(doc: dict[str, Any], names: dict[str, str], encode: Callable[[Any], str] | None) -> str:
    """One organisation's line of ``suggest --all``: its document through ``encode`` (``--json``), else names."""
    if encode is not None:
        return encode(doc)
    return f"{names[doc['organisation']]}: " + ", ".join(names[s["partner"]] for s in doc["suggestions"])


def _suggest_all(
    snap: Any,
    names: dict[str, str],
    weights: dict[str, float],
    k: int,
    lang: str,
    as_json: bool,
    fair: bool,
    progress: bool | None,
    jobs: int = 1,
    dask: str | None = None,
) -> None:
    """Every organisation's list, one line each in row order, written in chunks as it is built.

    The same lines as ``suggest_all`` + `render_suggestions` + ``json.dumps(ensure_ascii=False)``
    per organisation (`render_many`; one encoder for all; no circular-reference check: the
    documents are trees). With ``jobs > 1`` or ``dask``: the same lines from row blocks in other
    processes (`web.commands._suggest_blocks`).
    """
    from matching import matching_model

    if jobs > 1 or dask:
        from ._suggest_blocks import open_runner, suggest_all_blocks

        runner = open_runner(jobs, dask)  # a bad scheduler address fails here, before any output
        with runner, _progress(2 * snap.n, progress) as update:
            model = matching_model(snap, weights=weights)
            suggest_all_blocks(runner, model, names, k, lang, as_json, fair, update)
        return
    model = matching_model(snap, weights=weights)
    encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    out = click.get_text_stream("stdout")
    gc.freeze()  # the snapshot and the model live until the end: keep them out of the collector's walks
    try:
        lines: list[str] = []
        with _progress(2 * snap.n, progress) as update:
            docs = render_many(model.iter_all(k, fair=fair, progress=update), snap.vocabulary, names, lang)
            for doc in docs:
                lines.append(output_line(doc, names, encode if as_json else None))
                if len(lines) >= _FLUSH_LINES:
                    out.write("\n".join(lines) + "\n")
                    out.flush()
                    lines.clear()
        if lines:
            out.write("\n".join(lines) + "\n")
            out.flush()
    finally:
        gc.unfreeze()


@store_app
@click.command("suggest")
@click.argument("org", required=False)
@click.option("--all", "all_orgs", is_flag=True, help="Suggestions for every organisation (JSON lines with --json).")
@click.option("--top", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="How many partners.")
@click.option("--lang", type=click.Choice(UI_LANGUAGES), default="de", show_default=True, help="Language of reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per line with --all).")
@click.option(
    "--fair/--no-fair",
    default=True,
    show_default=True,
    help="Spread the suggestions over more organisations (fair exposure), as the pages do.",
)
@click.option(
    "--progress",
    "progress",
    is_flag=True,
    default=None,
    help="Report progress of --all on stderr (default: only when stderr is a terminal).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="--all in this many local processes (the same output; they share the model).",
)
@click.option(
    "--dask",
    metavar="ADDRESS",
    envvar="REMO_DASK_SCHEDULER",
    help="--all on the workers of this Dask scheduler (tcp://host:8786; needs the dask extra). "
    "Also REMO_DASK_SCHEDULER.",
)
@with_appcontext
@fail_cleanly
def suggest_cmd(
    org: str | None,
    all_orgs: bool,
    k: int,
    lang: str,
    as_json: bool,
    fair: bool,
    progress: bool | None,
    jobs: int,
    dask: str | None,
) -> None:
    """Suggest cooperation partners for ORG, each with the reasons why.

    Existing partners and recently declined introductions are never suggested. The weights are
    the automatically fitted ones (see 'remo weights'); with --all the lists are re-ranked only as
    far as needed to keep the exposure Gini at 0.5, at a bounded cost.
    Unknown organisation: exit code 2.
    """
    if all_orgs == bool(org):
        raise click.UsageError("give an organisation id or --all (not both)")
    from matching import suggest, suggestions_json

    from ..weights import weights_in_use

    if dask and jobs > 1:
        raise click.UsageError("--jobs and --dask exclude each other (the Dask workers set the parallelism)")
    store = get_store()
    snap = store.snapshot()
    weights = weights_in_use(store)
    names = {o.id: o.name for o in snap.network.organisations}
    if all_orgs:
        _suggest_all(snap, names, weights, k, lang, as_json, fair, progress, jobs, dask)
        return
    try:
        suggestions = suggest(snap, org, k, weights=weights, fair=fair)
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


def describe_weights(data: dict) -> list[str]:
    """The lines ``remo weights`` prints for `web.weights.stored_weights` data."""
    state = (
        "learned, in use"
        if data["used"]
        else (
            "defaults (nothing to learn from)"
            if data["source"] == "defaults"
            else "defaults (the learned weights did not beat them on held-out data)"
        )
    )
    lines = [
        f"source: {data['source']} ({data['n_samples']} samples), {state}",
        f"cross-validated gain over the defaults: {data['cv_gain'] * 100:+.1f} % "
        f"({data['cv_score']:.4f} vs {data['cv_default']:.4f} on held-out data)",
        f"fitted on data generation {data['generation']} in {data['seconds']:.2f} s"
        + (f", history from {data['split']}" if data.get("split") else ""),
    ]
    for name, value in data["weights"].items():
        lines.append(f"  {name:18} {value:.3f}")
    fair = data.get("fairness") or {}
    if fair:
        lines.append(
            f"fair re-ranking: level {fair['level']} (Gini target {fair['gini_target']:.2f}, tolerance "
            f"{fair['tolerance']:.2f}), {fair['source']}: {fair['reason']}"
            + (
                f"; held-out recall@10 {fair['recall'][0]:.4f} -> {fair['recall'][fair['level']]:.4f}"
                if fair["recall"]
                else ""
            )
        )
    return lines


@store_app
@click.command("weights")
@click.option("--learn", is_flag=True, help="Refit now instead of waiting for the next data change.")
@click.option("--reset", is_flag=True, help="Remove weights stored by earlier versions (they are not used).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@fail_cleanly
def weights_cmd(learn: bool, reset: bool, as_json: bool) -> None:
    """Show the matching weights in use, where they came from and their cross-validated gain.

    The weights are fitted automatically, once per data change, before the next suggestions: with
    at least 30 labelled introductions (accepted, met, cooperating vs. declined) from their
    outcomes; before that from the network's own history (the newest 20 % of the dated
    cooperations as the outcome of the network before them); without enough of either, the
    defaults. Learned weights that do not beat the defaults on held-out data are not used.
    """
    from ..weights import SETTING_ID, learn_and_store, stored_weights

    store = get_store()
    if learn and reset:
        raise click.UsageError("--learn and --reset exclude each other")
    if reset and store.get("setting", SETTING_ID) is not None:
        store.delete("setting", SETTING_ID, actor="cli")
    data = learn_and_store(store) if learn else stored_weights(store)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for line in describe_weights(data):
        click.echo(line)


COMMANDS = [suggest_cmd, weights_cmd]
