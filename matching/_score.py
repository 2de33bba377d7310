"""The score rule: how the named signals of a pair make its match score (one place for every user).

A pair's score is the weighted sum of its signals (`matching._signals.SIGNALS`), with one gate:

* the **content** signals (`CONTENT_SIGNALS`: topics, complementarity, proximity, district,
  language, activity) count on their own;
* the **extra** signals (`EXTRA_SIGNALS`: bridging) only add to a pair whose content is positive:
  "different part of the network" is no reason to meet on its own. The one exception is the
  single-signal evaluation, where bridging carries all the weight (``weights["bridging"] >= 1``):
  then it counts alone, unless the caller says ``bridging_alone=False``.

Users: `MatchingModel.score_block` (the readable reference), the candidate path
(`matching._candidates`), the meeting planner's score matrix (`meeting_score_matrix`), team
affinity (`TeamBuilder`), the learner's ranking lists (`RankingLists.scores`) and the reasons
(`MatchingModel.reasons`, `matching._batch`) all call `combine`, `gate` or `contributions`. The
fused exact path (`matching._dense`) computes the same rule in few dense passes and is tested to
equal `combine` (``tests/matching/test_score_rule.py``).

Signals are given either as an array whose last axis holds the signals in `SIGNALS` order
(`columns` names them) or as a mapping ``{signal: array}`` (`SignalData.block`). Sums run over the
signals in `SIGNALS` order, skipping zero weights, in the dtype of the signals (float32 for the
engine, float64 where a caller computes in double precision), so every user gets the same numbers.

Example
-------
>>> import numpy as np
>>> w = {"topics": 0.5, "complementarity": 0, "proximity": 0, "bridging": 0.5, "district": 0,
...      "language": 0, "activity": 0}
>>> sig = np.asarray([[0.8, 0, 0, 1.0, 0, 0, 0], [0.0, 0, 0, 1.0, 0, 0, 0]])
>>> combine(sig, w).tolist()  # the second pair shares nothing concrete: bridging alone is no score
[0.9, 0.0]
>>> contributions(sig[1], w)["bridging"], contributions(sig[0], w)["bridging"]
(0.0, 0.5)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._signals import CONTENT_SIGNALS, EXTRA_SIGNALS, SIGNALS

__all__ = [
    "CONTENT_MASK",
    "bridging_counts_alone",
    "column",
    "columns",
    "combine",
    "contribution_rows",
    "contributions",
    "gate",
    "weight_vector",
]

#: ``True`` at the columns (in `SIGNALS` order) of the content signals, ``False`` at the extras.
CONTENT_MASK: np.ndarray = np.asarray([s in CONTENT_SIGNALS for s in SIGNALS])
_COLUMN = {s: x for x, s in enumerate(SIGNALS)}


def column(signal: str) -> int:
    """Column of ``signal`` in every signal matrix (its position in `SIGNALS`)."""
    return _COLUMN[signal]


def columns(sig: np.ndarray) -> dict[str, np.ndarray]:
    """``{signal: sig[..., column]}``: the signals of an array whose last axis is in `SIGNALS` order (views)."""
    if sig.shape[-1] != len(SIGNALS):
        raise ValueError(f"the last axis must hold the {len(SIGNALS)} signals {SIGNALS}, got {sig.shape[-1]}")
    return {s: sig[..., x] for s, x in _COLUMN.items()}


def weight_vector(weights: Mapping[str, float]) -> np.ndarray:
    """The weights as a float64 vector in `SIGNALS` order (missing signals weigh 0)."""
    return np.asarray([float(weights.get(s, 0.0)) for s in SIGNALS], dtype=np.float64)


def bridging_counts_alone(weights: Mapping[str, float]) -> bool:
    """Whether the weights put all weight on an extra signal (the single-signal evaluation of bridging)."""
    return any(weights.get(s, 0.0) >= 1.0 for s in EXTRA_SIGNALS)


def gate(content: np.ndarray, extra: np.ndarray, *, alone: bool = False) -> np.ndarray:
    """The rule's last step: ``content + extra`` where the content is positive, else 0 (``alone``: everywhere).

    For callers that form the weighted content and extra sums themselves (the learner, as one
    matrix product). The result has the dtype of ``content``.
    """
    if alone:
        return content + extra
    return np.where(content > 0, content + extra, 0.0).astype(content.dtype, copy=False)


def _as_mapping(signals: Mapping[str, np.ndarray] | np.ndarray) -> Mapping[str, np.ndarray]:
    if isinstance(signals, np.ndarray):
        return columns(signals)
    return signals


def combine(
    signals: Mapping[str, np.ndarray] | np.ndarray, weights: Mapping[str, float], *, bridging_alone: bool = True
) -> np.ndarray:
    """The match scores of signal values: weighted content signals, plus the extras where the content is positive.

    ``signals``: an array whose last axis holds the signals in `SIGNALS` order, or ``{signal: array}``
    (arrays of one shape, or broadcastable to the first one's). ``weights``: ``{signal: weight}``,
    non-negative (`check_weights`). ``bridging_alone``: whether bridging weighted 1 alone counts on
    its own (`bridging_counts_alone`); ``False`` makes the gate hold for every weighting.
    The result has the dtype of the signals.
    """
    sig = _as_mapping(signals)
    first = sig[SIGNALS[0]]
    dtype = np.result_type(*(sig[s].dtype for s in SIGNALS))
    content = np.zeros(first.shape, dtype=dtype)
    for s in CONTENT_SIGNALS:
        if weights[s] > 0:
            content += weights[s] * sig[s]
    extra = np.zeros_like(content)
    for s in EXTRA_SIGNALS:
        if weights[s] > 0:
            extra += weights[s] * sig[s]
    return gate(content, extra, alone=bridging_alone and bridging_counts_alone(weights))


def contribution_rows(sig: np.ndarray, weights: Mapping[str, float], *, bridging_alone: bool = True) -> np.ndarray:
    """The named contributions of many pairs: ``len(sig) x len(SIGNALS)`` float64, summing to their scores.

    Column ``s`` is ``weights[s] * sig[:, s]`` in double precision; the extras are 0 where no content
    contribution is positive (unless they count alone). The sum of a row equals `combine` of it up to
    the float32 rounding of the engine.
    """
    out = np.asarray(sig, dtype=np.float64) * weight_vector(weights)
    if not (bridging_alone and bridging_counts_alone(weights)):
        content = (out[:, CONTENT_MASK] > 0).any(axis=1)
        out[:, ~CONTENT_MASK] *= content[:, None]
    return out


def contributions(vec: np.ndarray, weights: Mapping[str, float], *, bridging_alone: bool = True) -> dict[str, float]:
    """The named contributions of one pair (signal vector in `SIGNALS` order): ``{signal: weight x value}``.

    The extras are 0 unless some content contribution is positive (or they count alone); the values
    sum to the pair's score (`combine`), up to the float32 rounding of the engine.
    """
    v = dict(zip(SIGNALS, np.asarray(vec).tolist(), strict=True))
    out = {s: weights[s] * v[s] for s in SIGNALS}
    if not (bridging_alone and bridging_counts_alone(weights)) and not any(out[s] > 0 for s in CONTENT_SIGNALS):
        for s in EXTRA_SIGNALS:
            out[s] = 0.0
    return out
