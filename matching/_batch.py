"""The named parts of many suggestions at once: `MatchingModel.reasons` for a batch of pairs.

`MatchingModel.reasons(i, j, all_parts=True)` is the readable reference: per pair it intersects
the two organisations' topic, need/offer, partner, district and language lists as Python sets,
about 45 µs per pair. `batch_parts` gives the same parts (same kinds, weights, ids and order) for
arrays of pairs: every intersection is one sparse elementwise product of row-gathered incidence
matrices (``A[rows] * A[cols]``, pattern only), every "sorted by weight, then by id" one
``lexsort`` over all pairs, and the Python loop that remains only builds the dicts. The tests
compare it with `MatchingModel.reasons` pair by pair.

It knows the signals of `SIGNALS` as they are listed in `HANDLED`; for another signal set it
returns ``None`` and the caller builds the parts pair by pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from graph import Snapshot
from graph._gc import paused_gc

from ._score import contribution_rows
from ._signals import SIGNALS, SignalData

__all__ = ["HANDLED", "batch_parts", "no_gc"]

#: The signal set `batch_parts` reproduces (in this order); any other set: ``None``.
HANDLED: tuple[str, ...] = ("topics", "complementarity", "proximity", "bridging", "district", "language", "activity")
_MAX_LISTED = 5  # = matching._suggest._MAX_LISTED


no_gc = paused_gc  # (see `graph._gc.paused_gc`)


def _pattern(m: sp.csr_matrix) -> sp.csr_matrix:
    p = sp.csr_matrix(m, dtype=np.float32, copy=True)
    p.eliminate_zeros()
    p.data[:] = 1.0
    return p


class _Shared:
    """Per pair the columns in both rows (flat ``cols`` with ``indptr``), optionally reordered."""

    def __init__(
        self,
        left: sp.csr_matrix,
        right: sp.csr_matrix,
        rows: np.ndarray,
        cols: np.ndarray,
        values: sp.csr_matrix | None = None,
    ) -> None:
        both = sp.csr_matrix(_pattern(left)[rows].multiply(_pattern(right)[cols]))
        both.sort_indices()
        self.indptr = both.indptr
        self.cols = both.indices.astype(np.int64)
        self.pair = np.repeat(np.arange(len(rows)), np.diff(both.indptr))
        self.values = None
        if values is not None:  # the left matrix's values at the shared columns (all of them positive)
            val = sp.csr_matrix(sp.csr_matrix(values, dtype=np.float32)[rows].multiply(_pattern(right)[cols]))
            val.sort_indices()
            if not (np.array_equal(val.indptr, both.indptr) and np.array_equal(val.indices, both.indices)):
                raise _Fallback
            self.values = val.data

    def order_by(self, key: np.ndarray | None) -> None:
        """Within each pair: by descending ``key`` (of the column, or per entry), ties ascending."""
        if key is None or len(self.cols) == 0:
            return
        order = np.lexsort((self.cols, -np.asarray(key, dtype=np.float64)[self.cols], self.pair))
        self.cols = self.cols[order]
        if self.values is not None:
            self.values = self.values[order]

    def keep(self, mask: np.ndarray) -> None:
        self.cols, self.pair = self.cols[mask], self.pair[mask]
        if self.values is not None:
            self.values = self.values[mask]
        counts = np.bincount(self.pair, minlength=len(self.indptr) - 1)
        self.indptr = np.concatenate([[0], np.cumsum(counts)])

    def lists(self, names: list[str]) -> list[list[str]]:
        flat = np.asarray(names, dtype=object)[self.cols].tolist() if len(self.cols) else []
        ptr = self.indptr.tolist()
        return [flat[ptr[p] : ptr[p + 1]] for p in range(len(ptr) - 1)]

    def sums(self) -> list[float]:
        """Per pair the Python sum of the values in the current order (as ``sum`` over them)."""
        flat = self.values.tolist() if self.values is not None else []
        ptr = self.indptr.tolist()
        return [sum(flat[ptr[p] : ptr[p + 1]]) for p in range(len(ptr) - 1)]


class _Fallback(Exception):
    pass


def batch_parts(
    snapshot: Snapshot,
    sd: SignalData,
    weights: Mapping[str, float],
    rows: np.ndarray,
    cols: np.ndarray,
    sig: np.ndarray,
) -> list[list[dict[str, Any]]] | None:
    """``[model.reasons(i, j, vec, all_parts=True) for (i, j, vec) in zip(rows, cols, sig)]``, batched.

    ``None`` when the signal set is not `HANDLED` (or the data has zero weights where the per-pair
    reference would list a column); the caller then builds the parts pair by pair.
    """
    if tuple(SIGNALS) != HANDLED:
        return None
    with no_gc():
        return _batch_parts(snapshot, sd, weights, rows, cols, sig)


def _batch_parts(
    snapshot: Snapshot,
    sd: SignalData,
    weights: Mapping[str, float],
    rows: np.ndarray,
    cols: np.ndarray,
    sig: np.ndarray,
) -> list[list[dict[str, Any]]] | None:
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    m = len(rows)
    if m == 0:
        return []
    w = weights
    try:
        topics = _Shared(snapshot.topics, snapshot.topics, rows, cols)
        topics.order_by(sd.topic_idf)
        they = _Shared(sd.needs_n, snapshot.offers, rows, cols, values=sd.needs_n)  # i's needs j offers
        urg = _Shared(snapshot.needs, snapshot.offers, rows, cols, values=snapshot.needs)
        if not np.array_equal(urg.cols, they.cols):
            raise _Fallback
        assert urg.values is not None and they.values is not None  # both made with values
        order = np.lexsort((they.cols, -urg.values.astype(np.float64), they.pair))
        they.cols, they.values = they.cols[order], they.values[order]
        you = _Shared(sd.needs_n, snapshot.offers, cols, rows, values=sd.needs_n)  # j's needs i offers
        assert you.values is not None
        order = np.lexsort((you.cols, -you.values.astype(np.float64), you.pair))
        you.cols, you.values = you.cols[order], you.values[order]
        partners = _Shared(sd.adj, sd.adj, rows, cols)
        partners.order_by(sd.aa_weight)
        districts = _Shared(snapshot.districts, snapshot.districts, rows, cols)
        languages = _Shared(snapshot.languages, snapshot.languages, rows, cols)
        lw = np.asarray(sd.language_weight)
        if len(languages.cols):
            languages.keep(lw[languages.cols] > 0)
        languages.order_by(lw)
    except _Fallback:
        return None

    topic_l = topics.lists(snapshot.topic_ids)
    they_l, a_s = they.lists(snapshot.capability_ids), they.sums()
    you_l, b_s = you.lists(snapshot.capability_ids), you.sums()
    partner_l = partners.lists(snapshot.org_ids)
    district_l = districts.lists(snapshot.district_ids)
    language_l = languages.lists(snapshot.language_ids)
    mo_x = (sd.is_mo[rows] != sd.is_mo[cols]).tolist()
    ci, cj = sd.community[rows], sd.community[cols]
    comm_x = ((ci >= 0) & (cj >= 0) & (ci != cj)).tolist()
    half_bridge = float(w["bridging"]) * 0.5
    # the named contributions of the score rule (`matching._score`), as in `MatchingModel.reasons`
    contrib = contribution_rows(sig, w).tolist()
    out: list[list[dict[str, Any]]] = []
    for p, (ct, cc, cp, cb, cd, cl, ca) in enumerate(contrib):
        parts: list[dict[str, Any]] = []
        if ct > 0:
            parts.append({"kind": "shared_topics", "weight": round(ct, 4), "topics": topic_l[p][:_MAX_LISTED]})
        if cc > 0:
            a, b = a_s[p], b_s[p]
            total = cc
            if a > 0 and total * a / (a + b) > 0:
                parts.append(
                    {
                        "kind": "they_offer_what_you_need",
                        "weight": round(total * a / (a + b), 4),
                        "capabilities": they_l[p][:_MAX_LISTED],
                    }
                )
            if b > 0 and total * b / (a + b) > 0:
                parts.append(
                    {
                        "kind": "you_offer_what_they_need",
                        "weight": round(total * b / (a + b), 4),
                        "capabilities": you_l[p][:_MAX_LISTED],
                    }
                )
        if cp > 0:
            parts.append({"kind": "common_partner", "weight": round(cp, 4), "partners": partner_l[p][:_MAX_LISTED]})
        if cd > 0:
            parts.append({"kind": "same_district", "weight": round(cd, 4), "districts": district_l[p]})
        if cl > 0:
            parts.append({"kind": "shared_language", "weight": round(cl, 4), "languages": language_l[p]})
        if cb > 0:  # the rule already dropped it where no content signal is positive
            if mo_x[p]:
                parts.append({"kind": "bridge_mo_institution", "weight": round(half_bridge, 4)})
            if comm_x[p]:
                parts.append({"kind": "bridge_communities", "weight": round(half_bridge, 4)})
        if ca > 0:
            parts.append({"kind": "active_partner", "weight": round(ca, 4)})
        if len(parts) > 1:
            parts.sort(key=_neg_weight)
        out.append(parts)
    return out


def _neg_weight(r: dict[str, Any]) -> float:
    return -r["weight"]
