"""``remo suggest --all --jobs N`` / ``--dask ADDRESS``: the all-organisation job in row blocks.

The ranking of each row block and, after the global fair-exposure re-ranking, the suggestions,
reasons and output lines of each row block run in ``N`` local processes (forked after the model is
fitted, so they share it) or on the workers of a Dask scheduler (the model is sent to each worker
once). The lines come back in row order and are the same bytes as the serial run's
(`web.commands.suggest._suggest_all`); see `matching._blocks`.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from typing import Any

import click
import numpy as np

from matching._blocks import DaskRunner, ProcessRunner, Runner, RunnerError, prepare, render_blocks

__all__ = ["open_runner", "suggest_all_blocks"]

_RENDER_ROWS_MAX = 20_000  # rows per block of suggestions (= `MatchingModel.iter_all`'s block)
_RENDER_ROWS_MIN = 500


def open_runner(jobs: int, dask: str | None) -> Runner:
    """A runner for ``jobs`` local processes, or for the Dask scheduler at ``dask`` (click errors)."""
    try:
        if dask:
            return DaskRunner(dask)
        return ProcessRunner(jobs)
    except RunnerError as exc:
        raise click.ClickException(str(exc)) from exc


_APP: list[Any] = []  # a Dask worker's own minimal app (translations only), made once per process


def _texts_context() -> Any:
    """An app context for Flask-Babel: the command's own (forked processes) or a minimal one."""
    from contextlib import nullcontext

    from flask import Flask, has_app_context

    if has_app_context():
        return nullcontext()
    if not _APP:
        from .. import i18n

        app = Flask("web")
        i18n.init_app(app)
        _APP.append(app)
    return _APP[0].app_context()


def _lines_task(shared: dict[str, Any], item: tuple[int, np.ndarray, tuple[str, bool]]) -> str:
    """The output lines of one row block (each followed by a newline), as the serial run writes them."""
    from matching._blocks import suggestion_lists

    from ..reasons import render_many
    from .suggest import output_line

    start, picked, (lang, as_json) = item
    names = shared["names"]
    encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    with _texts_context():
        docs = render_many(suggestion_lists(shared["model"], picked, start), shared["vocabulary"], names, lang)
        lines = [output_line(doc, names, encode if as_json else None) for doc in docs]
    return "".join(line + "\n" for line in lines)


def suggest_all_blocks(
    runner: Runner,
    model: Any,
    names: dict[str, str],
    k: int,
    lang: str,
    as_json: bool,
    fair: bool,
    update: Callable[[int], None],
) -> None:
    """Every organisation's line, in row order, computed by ``runner``'s workers (the caller closes it)."""
    out = click.get_text_stream("stdout")
    snap = model.snapshot_
    prepare(model)
    gc.freeze()  # before the fork: the snapshot and the model stay out of the collector's walks
    try:
        try:
            runner.start({"model": model, "names": names, "vocabulary": snap.vocabulary})
        except RunnerError as exc:
            raise click.ClickException(str(exc)) from exc
        picked, _ = model.top_k_all(k, fair=fair, progress=update, runner=runner)
        block = max(_RENDER_ROWS_MIN, min(_RENDER_ROWS_MAX, -(-snap.n // (2 * runner.workers))))
        for text in render_blocks(runner, picked, _lines_task, (lang, as_json), block, update):
            out.write(text)
            out.flush()
    finally:
        gc.unfreeze()
