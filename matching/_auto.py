"""The weights in use: fitted automatically from the data, cached with the data generation.

Nobody runs a learning command, so the engine learns on its own: `auto_weights` fits a
`WeightLearner` (outcomes of introductions, else the network's own history, else the defaults)
the first time a snapshot's suggestions are asked for and keeps the result with the snapshot. A
write makes a new snapshot (a new generation); its weights are refitted lazily before the next
list, unless the change is small (fewer than ``refit_share`` of the organisations, cooperations and
outcomes changed since the last fit), in which case the previous fit is carried over.

The fit is bounded (at most ``max_pairs`` history pairs and ``max_rows`` ranking lists, seeded
samples), so it stays a fraction of an all-organisation run on large networks. Learned weights
that do not beat the default weights on held-out data are not used (`WeightLearner.used_`).

With the weights, the fit chooses the strength of the fair re-ranking (`choose_fairness`, on the
same held-out history: the strongest level of `FAIR_LADDER` that keeps 95 % of the plain lists'
recall@10, ranked with the weights learned on the network before that history); it is cached
and carried over with them (``FittedWeights.fairness``). `fair_choice` is what `MatchingModel`
asks: the fitted choice when its weights are the fitted ones, else a choice made (once per
snapshot) for its weights.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> snap = build_snapshot(parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "education"}, {"id": "b", "name": "B", "kind": "education"}]}))
>>> fitted = auto_weights(snap)
>>> fitted.source, fitted.used, fitted.weights == DEFAULT_WEIGHTS, auto_weights(snap) is fitted
('defaults', False, True, True)
>>> fitted.fairness.level, fitted.fairness.source
(2, 'default')
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from graph import Snapshot

from ._fair_fit import FairChoice
from ._signals import DEFAULT_WEIGHTS, check_weights

__all__ = ["AUTO_LEARNER", "FittedWeights", "auto_weights", "fair_choice", "fit_weights"]

#: Parameters of the automatic fit: bounded samples keep it fast on large networks.
AUTO_LEARNER: dict[str, Any] = {"max_rows": 400, "max_pairs": 5000, "folds": 3, "ascent_steps": (1.0, 0.25)}


@dataclass(frozen=True)
class FittedWeights:
    """Weights in use and where they came from.

    ``source`` is the learner's source (``outcomes``, ``history``, ``defaults``); ``used`` says
    whether the learned weights are in use (False: they did not beat the defaults on held-out data,
    and ``weights`` are the defaults). ``cv_gain`` is the relative gain of the learned weights over
    the defaults on the held-out folds (nDCG@10 of the history lists, AUC of the outcomes);
    ``generation`` is the data generation the fit was made on; ``fairness`` the re-ranking
    strength chosen for these weights (`choose_fairness`).
    """

    weights: dict[str, float]
    source: str
    used: bool
    n_samples: int
    cv_gain: float = 0.0
    cv_score: float = 0.0
    cv_default: float = 0.0
    split: str | None = None
    learned: dict[str, float] = field(default_factory=dict)
    generation: int = 0
    seconds: float = 0.0
    counts: tuple[int, int, int] = (0, 0, 0)
    fairness: FairChoice = field(default_factory=FairChoice)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["counts"] = list(self.counts)
        fair = self.fairness
        out["fairness"].update(
            recall=list(fair.recall), gini=list(fair.gini), gini_target=fair.gini_target, tolerance=fair.tolerance
        )
        return out


def _counts(snapshot: Snapshot) -> tuple[int, int, int]:
    labelled = sum(
        1 for i in snapshot.network.introductions if i.status in {"accepted", "met", "cooperating", "declined"}
    )
    return snapshot.n, len(snapshot.network.cooperations), labelled


def fit_weights(snapshot: Snapshot, **learner: Any) -> FittedWeights:
    """Fit `WeightLearner` (with `AUTO_LEARNER` bounds, overridable) and describe the result."""
    from ._fair_fit import choose_fairness
    from ._learn import WeightLearner  # scikit-learn is imported only when a fit runs

    t0 = time.perf_counter()
    params = {**AUTO_LEARNER, **learner}
    fitted = WeightLearner(**params).fit(snapshot)
    fairness = choose_fairness(snapshot, None, since=fitted.split_, learner=params)
    return FittedWeights(
        weights=dict(fitted.weights_),
        source=fitted.source_,
        used=bool(fitted.used_),
        n_samples=int(fitted.n_samples_),
        cv_gain=float(fitted.cv_gain_),
        cv_score=float(fitted.cv_score_),
        cv_default=float(fitted.cv_default_),
        split=fitted.split_,
        learned=dict(fitted.logistic_weights_ if fitted.source_ != "defaults" else DEFAULT_WEIGHTS)
        if not fitted.used_
        else dict(fitted.weights_),
        generation=int(snapshot.generation),
        seconds=round(time.perf_counter() - t0, 3),
        counts=_counts(snapshot),
        fairness=fairness,
    )


_CACHE: weakref.WeakKeyDictionary[Snapshot, FittedWeights] = weakref.WeakKeyDictionary()


def _small_change(old: tuple[int, int, int], new: tuple[int, int, int], share: float) -> bool:
    """Every count moved by at most ``share`` (and outcomes not at all while there are fewer than 30)."""
    if any(abs(b - a) > share * max(a, 1) for a, b in zip(old, new, strict=True)):
        return False
    return old[2] == new[2] or old[2] >= 30


def auto_weights(
    snapshot: Snapshot, *, previous: FittedWeights | None = None, refit_share: float = 0.02, force: bool = False
) -> FittedWeights:
    """The fitted weights for ``snapshot``, computed once per snapshot (one data generation).

    ``previous``, the fit of an earlier generation of the same data, is carried over (with this
    generation) when the data changed by at most ``refit_share`` of its organisations, cooperations
    and labelled outcomes (outcomes must not change at all while there are fewer than 30, the
    threshold of the outcome source). ``force`` refits regardless.
    """
    found = None if force else _CACHE.get(snapshot)
    if found is not None:
        return found
    if (
        not force
        and previous is not None
        and previous.generation != snapshot.generation
        and _small_change(previous.counts, _counts(snapshot), refit_share)
    ):
        found = replace(previous, generation=int(snapshot.generation))
    else:
        found = fit_weights(snapshot)
    _CACHE[snapshot] = found
    return found


_FAIR: weakref.WeakKeyDictionary[Snapshot, dict[tuple[Any, ...], FairChoice]] = weakref.WeakKeyDictionary()


def fair_choice(snapshot: Snapshot, weights: Mapping[str, float] | None) -> FairChoice:
    """The re-ranking strength for ``snapshot`` ranked with ``weights`` (no weight fit is started).

    The fitted one (`auto_weights`, with its carry-over) when ``snapshot`` has a fit whose weights
    are ``weights``; otherwise `choose_fairness` for ``weights``, once per snapshot.
    """
    from ._fair_fit import choose_fairness

    w = check_weights(weights)
    fitted = _CACHE.get(snapshot)
    if fitted is not None and check_weights(fitted.weights) == w:
        return fitted.fairness
    per = _FAIR.setdefault(snapshot, {})
    key = tuple(sorted(w.items()))
    if key not in per:
        per.clear()
        per[key] = choose_fairness(snapshot, w)
    return per[key]
