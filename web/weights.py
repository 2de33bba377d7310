"""The matching weights in use: learned and stored, or the engine's defaults."""

from __future__ import annotations

from typing import Any

from matching import DEFAULT_WEIGHTS, check_weights

__all__ = ["SETTING_ID", "learn_and_store", "stored_weights", "weights_in_use"]

SETTING_ID = "matching_weights"


def stored_weights(store: Any) -> dict[str, Any] | None:
    """The stored weights record data ``{"weights", "source", "n_samples", "fitted_at"}`` or None."""
    rec = store.get("setting", SETTING_ID)
    return dict(rec.data) if rec is not None else None


def weights_in_use(store: Any) -> dict[str, float]:
    data = stored_weights(store)
    if data and isinstance(data.get("weights"), dict):
        try:
            return check_weights(data["weights"])
        except (TypeError, ValueError):
            pass
    return dict(DEFAULT_WEIGHTS)


def learn_and_store(store: Any, *, actor: str = "") -> dict[str, Any]:
    """Fit the weights on the store's outcomes (or history) and keep them as the weights in use."""
    import datetime as dt

    from graph.store import ANY, Op
    from matching import WeightLearner

    learner = WeightLearner().fit(store.snapshot())
    data = {
        "weights": dict(learner.weights_),
        "source": learner.source_,
        "n_samples": int(learner.n_samples_),
        "fitted_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    store.apply([Op("setting", SETTING_ID, data, ANY)], actor=actor)
    return data
