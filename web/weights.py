"""The matching weights in use: fitted automatically from the store's data, per data generation.

`weights_in_use` is what suggestions, meetings, teams, the pages, the API and ``remo suggest`` use;
it asks `matching.auto_weights` for the store's current snapshot, which fits the weights lazily once
per generation (outcomes, else the network's history, else the defaults; learned weights that do not
beat the defaults on held-out data are not used) and carries the previous fit over small changes.
"""

from __future__ import annotations

import weakref
from typing import Any

from graph.store import GraphStore
from matching import FittedWeights, auto_weights

__all__ = ["SETTING_ID", "fitted_weights", "learn_and_store", "stored_weights", "weights_in_use"]

#: A record of weights stored by earlier versions (``remo weights --learn``); no longer read.
SETTING_ID = "matching_weights"

_LAST: weakref.WeakKeyDictionary[Any, FittedWeights] = weakref.WeakKeyDictionary()


def fitted_weights(store: GraphStore, *, force: bool = False) -> FittedWeights:
    """The fit for the store's current snapshot (refitted when the data changed enough, or ``force``)."""
    try:
        previous = _LAST.get(store)
    except TypeError:  # a store that cannot be weakly referenced: no carry-over
        previous = None
    fitted = auto_weights(store.snapshot(), previous=previous, force=force)
    try:
        _LAST[store] = fitted
    except TypeError:
        pass
    return fitted


def weights_in_use(store: GraphStore) -> dict[str, float]:
    return dict(fitted_weights(store).weights)


def stored_weights(store: GraphStore) -> dict[str, Any]:
    """What ``remo weights`` and the staff page show: the weights in use, their source, samples and CV gain."""
    return fitted_weights(store).to_dict()


def learn_and_store(store: GraphStore) -> dict[str, Any]:
    """Refit now (the automatic fit, without waiting for a data change) and return `stored_weights`."""
    return fitted_weights(store, force=True).to_dict()
