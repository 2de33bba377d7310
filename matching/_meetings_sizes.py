"""Exchange meetings: table sizes and the bounds of a plan (how many rounds, how much score).

`table_sizes` seats ``n`` organisations at tables of about ``table_size``; `max_rounds` and
`rounds_bound` say how many rounds can exist without a pair meeting twice (a proof, see
`matching._golfers.round_bound`); `score_upper_bound` bounds the total pair score of a plan.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._golfers import round_bound

__all__ = ["max_rounds", "rounds_bound", "score_upper_bound", "table_sizes"]


def _balanced(n: int, tables: int) -> list[int]:
    q, r = divmod(n, tables)
    return [q + 1] * r + [q] * (tables - r)


def table_sizes(n: int, table_size: int) -> list[int]:
    """Sizes of the tables (largest first) for ``n`` organisations at tables of about ``table_size``.

    Sizes differ by at most one and lie within ``table_size - 1 .. table_size + 1`` whenever possible;
    no table seats fewer than two.

    >>> table_sizes(10, 4), table_sizes(9, 4), table_sizes(5, 4), table_sizes(7, 2), table_sizes(11, 8)
    ([4, 3, 3], [3, 3, 3], [5], [3, 2, 2], [6, 5])
    """
    if n < 2:
        raise ValueError("at least 2 organisations are needed")
    if table_size < 2:
        raise ValueError("tables seat at least 2")
    if n <= table_size + 1:
        return [n]
    ceil = _balanced(n, -(-n // table_size))
    if min(ceil) >= max(2, table_size - 1):
        return ceil
    floor = _balanced(n, max(1, n // table_size))
    if max(floor) <= table_size + 1:
        return floor
    return ceil


def max_rounds(n: int, table_size: int) -> int:
    """Most rounds possible without any pair meeting twice (a necessary bound).

    Each round seats ``sum(s * (s - 1) / 2)`` pairs out of ``n * (n - 1) / 2``, and every organisation
    meets at least ``min(s) - 1`` new ones per round. From the second round on, the members of a
    table must come from different tables of the first round, so no table may seat more than there
    are tables.

    >>> max_rounds(10, 2), max_rounds(9, 2), max_rounds(16, 4), max_rounds(4, 4), max_rounds(8, 4), max_rounds(20, 4)
    (9, 6, 5, 1, 1, 5)
    """
    return round_bound(table_sizes(n, table_size))[0]


def rounds_bound(n: int, table_size: int) -> tuple[int, str]:
    """`max_rounds` and why: ``"partners"``, ``"pairs"``, ``"tables"`` or ``"known"`` (see `round_bound`).

    Above this many rounds a plan without a pair meeting twice is impossible (a proof, not a
    failed search): ``"partners"``: everybody meets at least ``min(sizes) - 1`` new people per
    round and there are ``n - 1`` others; ``"pairs"``: a round seats ``sum(s * (s - 1) / 2)`` of the
    ``n * (n - 1) / 2`` pairs; ``"tables"``: from round two on a table's members come from
    different tables of round one; ``"known"``: a proven maximum of the literature.

    >>> rounds_bound(15, 3), rounds_bound(20, 4), rounds_bound(8, 4), rounds_bound(12, 3)
    ((7, 'partners'), (5, 'known'), (1, 'tables'), (4, 'known'))
    """
    return round_bound(table_sizes(n, table_size))


def score_upper_bound(scores: np.ndarray, sizes: Sequence[int], rounds: int) -> float:
    """An upper bound of the total pair score: every organisation meets its best partners.

    Over ``rounds`` rounds an organisation meets at most ``rounds * (max(sizes) - 1)`` distinct
    others; the bound is half the sum over organisations of their best that many (positive) scores.

    >>> score_upper_bound(np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float), [3], 1)
    6.0
    """
    s = np.array(scores, dtype=np.float64, copy=True)
    n = s.shape[0]
    np.fill_diagonal(s, 0.0)
    s = np.maximum(s, 0.0)
    m = min(n - 1, rounds * (max(sizes) - 1))
    if m <= 0:
        return 0.0
    top = -np.sort(-s, axis=1)[:, :m]
    return float(top.sum() / 2.0)
