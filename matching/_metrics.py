"""Ranking metrics for the evaluation: recall@k, precision@k, MRR and nDCG@k.

Each takes a ranked list and the set of relevant items; `evaluate_rankings` macro-averages over
the organisations that have at least one relevant item.

Example
-------
>>> recall_at_k(["b", "c", "d"], {"c", "x"}, 2), precision_at_k(["b", "c", "d"], {"c"}, 2)
(0.5, 0.5)
>>> mrr(["b", "c"], {"c"}), round(ndcg_at_k(["b", "c"], {"c"}, 2), 4)
(0.5, 0.6309)
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

__all__ = ["evaluate_rankings", "mrr", "ndcg_at_k", "precision_at_k", "recall_at_k"]


def recall_at_k(ranked: Sequence[Any], relevant: Collection[Any], k: int = 10) -> float:
    """Share of ``relevant`` found in the first ``k`` of ``ranked``."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def precision_at_k(ranked: Sequence[Any], relevant: Collection[Any], k: int = 10) -> float:
    """Share of the ``k`` slots filled with relevant items (empty slots count as misses)."""
    return len(set(ranked[:k]) & set(relevant)) / k if k else 0.0


def mrr(ranked: Sequence[Any], relevant: Collection[Any]) -> float:
    """Reciprocal rank of the first relevant item (0 when none is ranked)."""
    rel = set(relevant)
    for pos, item in enumerate(ranked, start=1):
        if item in rel:
            return 1.0 / pos
    return 0.0


def ndcg_at_k(ranked: Sequence[Any], relevant: Collection[Any], k: int = 10) -> float:
    """Binary-relevance nDCG of the first ``k`` items."""
    rel = set(relevant)
    dcg = sum(1.0 / math.log2(pos + 1) for pos, item in enumerate(ranked[:k], start=1) if item in rel)
    ideal = sum(1.0 / math.log2(pos + 1) for pos in range(1, min(k, len(rel)) + 1))
    return dcg / ideal if ideal else 0.0


def evaluate_rankings(
    rankings: Mapping[Any, Sequence[Any]], relevant: Mapping[Any, Collection[Any]], k: int = 10
) -> dict[str, float]:
    """Macro averages over the keys of ``relevant`` with a non-empty set.

    >>> evaluate_rankings({"a": ["b", "c"], "d": ["e"]}, {"a": {"c"}, "d": set()}, k=2)
    {'recall@2': 1.0, 'precision@2': 0.5, 'mrr': 0.5, 'ndcg@2': 0.6309, 'n': 1}
    """
    keys = [key for key, rel in relevant.items() if rel]
    if not keys:
        return {f"recall@{k}": 0.0, f"precision@{k}": 0.0, "mrr": 0.0, f"ndcg@{k}": 0.0, "n": 0}
    sums = [0.0, 0.0, 0.0, 0.0]
    for key in keys:
        ranked = list(rankings.get(key, []))
        rel = relevant[key]
        sums[0] += recall_at_k(ranked, rel, k)
        sums[1] += precision_at_k(ranked, rel, k)
        sums[2] += mrr(ranked[:k], rel)
        sums[3] += ndcg_at_k(ranked, rel, k)
    m = len(keys)
    return {
        f"recall@{k}": round(sums[0] / m, 4),
        f"precision@{k}": round(sums[1] / m, 4),
        "mrr": round(sums[2] / m, 4),
        f"ndcg@{k}": round(sums[3] / m, 4),
        "n": m,
    }
