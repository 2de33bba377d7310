"""ReMo's matching engine: partner suggestions with reasons (pure, no I/O).

It takes a `graph.Snapshot` and returns plain data: `suggest` for one organisation,
`suggest_all` for everybody (with a fair-exposure re-ranking), `WeightLearner` to learn the
signal weights from outcomes, and ranking metrics for the evaluation.
"""

from ._fairness import exposure_factor, exposure_gini, fairness_metrics, gini, rerank_greedy
from ._learn import WeightLearner
from ._metrics import evaluate_rankings, mrr, ndcg_at_k, precision_at_k, recall_at_k
from ._signals import CONTENT_SIGNALS, DEFAULT_WEIGHTS, SIGNALS, SignalData, check_weights, communities
from ._suggest import (
    HINT_FIELDS,
    MatchingModel,
    Suggestion,
    hints,
    matching_model,
    suggest,
    suggest_all,
    suggestions_json,
)

__all__ = [
    "CONTENT_SIGNALS",
    "DEFAULT_WEIGHTS",
    "HINT_FIELDS",
    "SIGNALS",
    "MatchingModel",
    "SignalData",
    "Suggestion",
    "WeightLearner",
    "check_weights",
    "communities",
    "evaluate_rankings",
    "exposure_factor",
    "exposure_gini",
    "fairness_metrics",
    "gini",
    "hints",
    "matching_model",
    "mrr",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "rerank_greedy",
    "suggest",
    "suggest_all",
    "suggestions_json",
]
