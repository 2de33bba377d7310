"""Row blocks of the all-organisation job on several local processes or on a Dask cluster.

`MatchingModel.iter_all` is three steps: (a) every row block's raw ranking (`rank_block`), (b) the
fair-exposure re-ranking, which looks at all lists at once (serial, `MatchingModel._rerank`),
(c) every row block's suggestions with their reasons (`suggestion_lists`), which the caller may
also render. (a) and (c) depend only on the fitted model and their own rows, so a `Runner` maps
them over blocks elsewhere and hands the results back in block order:

* `SerialRunner`: in this process (what ``n_jobs`` threads of `MatchingModel.top_k_all` do today);
* `ProcessRunner`: ``jobs`` local processes started with ``fork`` after the model is fitted, so
  they share its arrays copy-on-write (nothing is pickled but the blocks and their results);
* `DaskRunner`: the workers of a ``dask.distributed`` scheduler; the shared objects (the model)
  are sent to every worker once (``scatter(..., broadcast=True)``), then only blocks travel.

Each block is computed by the same code on the same rows as in the serial run (the blocks of
`MatchingModel._blocks`), so the results are the same numbers, not merely close ones.

A task is a module-level function ``fn(shared, item)`` (``shared``: the dict given to
`Runner.start`), so that it pickles by name; Dask workers need the same code installed.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> from matching import MatchingModel
>>> snap = build_snapshot(parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "education", "topics": ["sport"]},
...     {"id": "b", "name": "B", "kind": "education", "topics": ["sport"]}]}))
>>> model = MatchingModel().fit(snap)
>>> with SerialRunner() as runner:
...     runner.start({"model": model})
...     picked, _ = model.top_k_all(3, runner=runner)
...     [(o, [s.partner for s in lst]) for o, lst in suggestion_lists(model, picked, 0)]
[('a', ['b']), ('b', ['a'])]
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np

__all__ = [
    "DaskRunner",
    "ProcessRunner",
    "Runner",
    "RunnerError",
    "SerialRunner",
    "dask_available",
    "prepare",
    "rank_block",
    "render_blocks",
    "suggestion_lists",
]

Task = Callable[[dict[str, Any], Any], Any]


class RunnerError(RuntimeError):
    """A runner could not start (no ``fork``, Dask missing, scheduler unreachable)."""


def rank_block(shared: dict[str, Any], item: tuple[np.ndarray, int]) -> tuple[np.ndarray, np.ndarray]:
    """Step (a): the best ``m`` columns (``-1`` padded) and raw scores of the rows ``item = (rows, m)``."""
    model = shared["model"]
    rows, m = item
    if model.method_ == "candidates":
        return model._candidate_block(rows, m)
    return model._pool_block(rows, m, None)


def suggestion_lists(model: Any, picked: np.ndarray, start: int) -> list[tuple[str, list[Any]]]:
    """Step (c): ``(org_id, suggestions)`` of the rows ``start, start + 1, …`` whose columns are ``picked``.

    The lists `MatchingModel.iter_all` yields for those rows (the same pairs through `_make_many`).
    """
    ids = model.snapshot_.org_ids
    n_rows, width = picked.shape
    rows = np.repeat(np.arange(start, start + n_rows), width)
    cols = picked.ravel()
    ok = cols >= 0
    made = model._make_many(rows[ok], cols[ok], None)
    counts = ok.reshape(n_rows, width).sum(axis=1).tolist()
    out, pos = [], 0
    for i, cnt in zip(range(start, start + n_rows), counts, strict=True):
        out.append((ids[i], made[pos : pos + cnt]))
        pos += cnt
    return out


def prepare(model: Any) -> None:
    """Build the model's lazily built parts now, before processes fork or the model is sent."""
    if model.method_ == "candidates":
        model._candidate_parts  # noqa: B018
    else:
        model.dense_  # noqa: B018
    model._lists  # noqa: B018


def _lists_task(shared: dict[str, Any], item: tuple[int, np.ndarray]) -> list[tuple[str, list[Any]]]:
    start, picked = item
    return suggestion_lists(shared["model"], picked, start)


def render_blocks(
    runner: Runner,
    picked: np.ndarray,
    task: Task,
    params: Any,
    block: int,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Any]:
    """``task(shared, (start, picked[start:stop], params))`` for row blocks of ``block`` rows, in order."""
    n = len(picked)
    starts = list(range(0, n, block))
    items = [(s, picked[s : s + block], params) for s in starts]
    for s, result in zip(starts, runner.map(task, items), strict=True):
        yield result
        if progress is not None:
            progress(min(n, s + block) - s)


class Runner:
    """Maps a task over items elsewhere; results come back in the items' order.

    `start` hands over the objects every task reads (once, before the first `map`); use it as a
    context manager so that processes and connections end with it.
    """

    workers = 1

    def start(self, shared: dict[str, Any]) -> None:
        self._shared = shared

    def map(self, fn: Task, items: Iterable[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SerialRunner(Runner):
    """Every task in this process, one after the other."""

    def map(self, fn: Task, items: Iterable[Any]) -> Iterator[Any]:
        return (fn(self._shared, item) for item in items)


# the shared objects of the forked processes (set in the parent just before the fork)
_SHARED: dict[str, Any] = {}


def _forked_call(job: tuple[Task, Any]) -> Any:
    fn, item = job
    return fn(_SHARED, item)


class ProcessRunner(Runner):
    """``jobs`` local processes forked in `start`: they read the shared objects copy-on-write.

    A process that dies (killed, out of memory) fails the job with `RunnerError` instead of
    leaving it waiting.
    """

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        if "fork" not in multiprocessing.get_all_start_methods():
            raise RunnerError("local processes need the 'fork' start method (not available on this system)")
        self.workers = jobs
        self._pool: ProcessPoolExecutor | None = None

    def start(self, shared: dict[str, Any]) -> None:
        global _SHARED
        _SHARED = shared
        try:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
            self._pool.submit(_noop).result()  # with fork, all processes start at the first task: now
        finally:
            _SHARED = {}  # the children have their copy; the parent keeps no extra reference

    def map(self, fn: Task, items: Iterable[Any]) -> Iterator[Any]:
        assert self._pool is not None, "call start() first"
        try:
            yield from self._pool.map(_forked_call, [(fn, item) for item in items])
        except BrokenProcessPool as exc:
            raise RunnerError(f"a worker process ended unexpectedly: {exc}") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _noop() -> None:
    pass


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported (the ``dask`` extra)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def _dask_call(item: Any, *, fn: Task, shared: dict[str, Any]) -> Any:
    return fn(shared, item)


class DaskRunner(Runner):
    """The workers of the ``dask.distributed`` scheduler at ``address`` (e.g. ``tcp://host:8786``).

    The shared objects go to every worker once; each block is one task, its result is fetched in
    order as soon as it is ready.
    """

    def __init__(self, address: str, *, timeout: float = 5.0) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise RunnerError("Dask is not installed (pip install 'remo[dask]')") from exc
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise RunnerError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self._shared: Any = None

    def start(self, shared: dict[str, Any]) -> None:
        if not self.client.scheduler_info().get("workers"):
            raise RunnerError("the Dask scheduler has no workers")
        [self._shared] = self.client.scatter([shared], broadcast=True, hash=False)

    def map(self, fn: Task, items: Iterable[Any]) -> Iterator[Any]:
        futures = self.client.map(_dask_call, list(items), fn=fn, shared=self._shared, pure=False)
        try:
            for fut in futures:
                yield fut.result()
                fut.release()
        finally:
            self.client.cancel(futures)

    def close(self) -> None:
        self.client.close()
