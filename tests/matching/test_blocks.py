"""Row blocks in other processes (`matching._blocks`) give the serial results exactly."""

from __future__ import annotations

import numpy as np
import pytest

from graph import build_snapshot, parse_network
from graph.generate import generate_realistic
from matching import MatchingModel
from matching._blocks import ProcessRunner, SerialRunner, prepare, suggestion_lists


@pytest.fixture(scope="module")
def snapshot():
    return build_snapshot(parse_network(generate_realistic(600, seed=5)), today="2026-11-01")


def _lists(model, picked, start=0):
    return [(o, [s.to_dict() for s in lst]) for o, lst in suggestion_lists(model, picked, start)]


@pytest.mark.parametrize("method", ["exact", "candidates"])
def test_processes_rank_and_build_the_serial_lists(snapshot, method):
    model = MatchingModel(method=method, block_size=97 if method == "candidates" else None).fit(snapshot)
    want_idx, want_raw = model.top_k_all(10)
    want = [(o, [s.to_dict() for s in lst]) for o, lst in model.iter_all(10)]
    prepare(model)
    with ProcessRunner(2) as runner:
        runner.start({"model": model})
        idx, raw = model.top_k_all(10, runner=runner)
        assert np.array_equal(idx, want_idx) and np.array_equal(raw, want_raw)
        got = []
        for part in runner.map(_lists_task, [(s, idx[s : s + 250]) for s in range(0, snapshot.n, 250)]):
            got.extend(part)
    assert got == want
    with SerialRunner() as serial:
        serial.start({"model": model})
        assert np.array_equal(model.top_k_all(10, fair=False, runner=serial)[0], model.top_k_all(10, fair=False)[0])


def _lists_task(shared, item):
    start, picked = item
    return _lists(shared["model"], picked, start)


def test_bad_jobs():
    with pytest.raises(ValueError):
        ProcessRunner(0)
