"""The named signals of a match score, computed block-wise with scipy.sparse.

Every signal maps a pair of organisations to a number in ``[0, 1]``:

``topics``
    cosine of TF-IDF topic vectors (IDF over organisations, so rare shared topics weigh more).
``complementarity``
    ``a`` = share of A's urgency-weighted needs that B offers, ``b`` the other way round; the
    harmonic mean ``2ab / (a + b)`` when both help each other, ``one_way * max(a, b)`` otherwise.
``proximity``
    Adamic-Adar on the cooperation graph, ``sum(1 / log deg(z))`` over common partners ``z``,
    squashed by ``1 - exp(-x / proximity_scale)``.
``bridging``
    half for a migrant organisation meeting an institution, half for partners from different
    communities of the cooperation graph (Louvain with a fixed seed).
``district``
    cosine of the district sets.
``language``
    ``min(1, sum(w_l))`` over shared languages with ``w_l = log(n / df_l) / log(n)``, so a language
    spoken by every organisation (German) counts nearly nothing and a rare shared one counts fully.
``activity``
    how active the *suggested* organisation is: ``log(1 + deg) / log(1 + max deg)`` on the
    cooperation graph (preferential attachment, the degree prior). It counts on its own (weight 0 in
    the defaults; learned where the history shows that active organisations get the new partners).

Example
-------
>>> SIGNALS
('topics', 'complementarity', 'proximity', 'bridging', 'district', 'language', 'activity')
>>> round(sum(DEFAULT_WEIGHTS.values()), 6)
1.0
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph import Snapshot

__all__ = [
    "CONTENT_SIGNALS",
    "DEFAULT_WEIGHTS",
    "EXTRA_SIGNALS",
    "SIGNALS",
    "SignalData",
    "check_weights",
    "communities",
    "label_propagation",
    "signal_data",
]

#: The signals in a fixed order (columns of every signal matrix).
SIGNALS: tuple[str, ...] = (
    "topics",
    "complementarity",
    "proximity",
    "bridging",
    "district",
    "language",
    "activity",
)

#: Default weights (sum 1). Chosen on the demo network and generated networks only, never on
#: the CORDIS test split; see ``docs/matching.md``.
DEFAULT_WEIGHTS: dict[str, float] = {
    "topics": 0.30,
    "complementarity": 0.20,
    "proximity": 0.30,
    "bridging": 0.05,
    "district": 0.10,
    "language": 0.05,
    "activity": 0.0,
}

#: Signals that are concrete enough on their own to justify a suggestion (bridging is not). Activity
#: ("already works with many organisations", the degree prior) counts on its own where the weights
#: give it weight: the learned weights do only when it predicts new partners (CORDIS), the defaults never.
CONTENT_SIGNALS: tuple[str, ...] = ("topics", "complementarity", "proximity", "district", "language", "activity")
#: Signals that only add to pairs with a positive content signal (they are no reason on their own).
EXTRA_SIGNALS: tuple[str, ...] = ("bridging",)


def check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Validate ``weights`` and return them normalised to sum 1 (missing signals weigh 0).

    Weights that already sum to 1 (within 1e-9) are returned as given, so stored rounded weights
    compare equal to the weights in use.

    >>> check_weights({"topics": 2, "district": 2})["topics"]
    0.5
    >>> check_weights({"topics": 0.1, "district": 0.2, "activity": 0.7})["activity"]
    0.7
    """
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    unknown = set(weights) - set(SIGNALS)
    if unknown:
        raise ValueError(f"unknown signal(s) {sorted(unknown)}; known: {', '.join(SIGNALS)}")
    out = {s: float(weights.get(s, 0.0)) for s in SIGNALS}
    if any(not math.isfinite(v) or v < 0 for v in out.values()):
        raise ValueError("weights must be finite and non-negative")
    total = sum(out.values())
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    if abs(total - 1.0) <= 1e-9:  # already normalised (e.g. learned weights rounded to 0.0001): keep as given
        return out
    return {s: v / total for s, v in out.items()}


def _row_normalise(m: sp.csr_matrix, norm: str = "l2") -> sp.csr_matrix:
    m = sp.csr_matrix(m, dtype=np.float32, copy=True)
    if norm == "l2":
        scale = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    else:
        scale = np.asarray(abs(m).sum(axis=1)).ravel()
    scale[scale == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / scale).astype(np.float32) @ m)


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    out = sp.csr_matrix(m, dtype=np.float32, copy=True)
    out.data[:] = 1.0
    out.eliminate_zeros()
    return out


def _first_argmax_per_row(m: sp.csr_matrix) -> np.ndarray:
    """Column of the largest entry of every row (``-1`` for empty rows), vectorised."""
    out = np.full(m.shape[0], -1, dtype=np.int64)
    counts = np.diff(m.indptr)
    nonempty = np.flatnonzero(counts)
    if not len(nonempty):
        return out
    rowmax = np.maximum.reduceat(m.data, m.indptr[nonempty])
    row_of = np.repeat(np.arange(m.shape[0]), counts)
    hit = np.flatnonzero(m.data == np.repeat(rowmax, counts[nonempty]))
    first = hit[np.unique(row_of[hit], return_index=True)[1]]
    out[row_of[first]] = m.indices[first]
    return out


def label_propagation(adj: sp.csr_matrix, *, seed: int = 0, max_iter: int = 50) -> np.ndarray:
    """Community labels by semi-synchronous label propagation, vectorised with scipy.sparse.

    Each round, a random half of the organisations adopts the label most frequent among its
    partners (ties broken at random); it stops when at most 0.1 % would still change. Organisations without
    partners get ``-1``.

    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(([1.0] * 8, ([0, 1, 1, 2, 2, 0, 3, 4], [1, 0, 2, 1, 0, 2, 4, 3])), shape=(6, 6))
    >>> labels = label_propagation(a)
    >>> bool(labels[0] == labels[1] == labels[2] != labels[3] == labels[4]), int(labels[5])
    (True, -1)
    """
    n = adj.shape[0]
    a = sp.csr_matrix(adj, dtype=np.float64, copy=True)
    a.data[:] = 1.0
    has = np.diff(a.indptr) > 0
    rng = np.random.default_rng(seed)
    labels = np.arange(n)
    for _ in range(max_iter):
        onehot = sp.csr_matrix((np.ones(n), (np.arange(n), labels)), shape=(n, n))
        votes = (a @ onehot).tocsr()
        votes.data += 0.5 * rng.random(votes.nnz)  # counts are integers: noise only breaks ties
        best = _first_argmax_per_row(votes)
        want = has & (best != labels)
        if int(want.sum()) <= n // 1000:
            break
        labels = np.where(want & (rng.random(n) < 0.5), best, labels)
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.astype(np.int64)
    labels[~has] = -1
    return labels


#: Above this many cooperations `communities` switches from Louvain to `label_propagation`.
LOUVAIN_MAX_EDGES = 60_000


def communities(coop: sp.csr_matrix, *, seed: int = 0) -> np.ndarray:
    """Community label per organisation (``-1`` for organisations without partners).

    Louvain (NetworkX, fixed ``seed``) up to `LOUVAIN_MAX_EDGES` cooperations, the vectorised
    `label_propagation` beyond (Louvain takes about 40 s at 125 000 cooperations).

    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(([1.0] * 4, ([0, 1, 2, 3], [1, 0, 3, 2])), shape=(5, 5))
    >>> labels = communities(a)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3]), int(labels[4])
    (True, -1)
    """
    n = coop.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    deg = np.diff(coop.indptr)
    if coop.nnz == 0:
        return labels
    if coop.nnz // 2 > LOUVAIN_MAX_EDGES:
        return label_propagation(coop, seed=seed)
    g = nx.Graph()
    rows, cols = sp.triu(coop, k=1).nonzero()
    g.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    parts = nx.community.louvain_communities(g, seed=seed)
    for c, part in enumerate(sorted(parts, key=min)):
        labels[list(part)] = c
    labels[deg == 0] = -1
    return labels


@dataclass
class SignalData:
    """Per-snapshot matrices from which every signal of a block of rows is computed.

    Build with `SignalData.from_snapshot`; `block` returns the dense signal values of some rows
    against all organisations.
    """

    n: int
    topics_n: sp.csr_matrix  # TF-IDF rows, l2-normalised
    topics_nt: sp.csr_matrix
    topic_idf: np.ndarray
    needs_n: sp.csr_matrix  # needs, rows sum to 1
    needs_nt: sp.csr_matrix
    offers: sp.csr_matrix  # binary
    offers_t: sp.csr_matrix
    adj: sp.csr_matrix  # binary, symmetric
    adj_aa: sp.csr_matrix  # adj @ diag(w): columns scaled by 1 / log(deg) of the common partner
    prox_right: sp.csr_matrix  # diag(w) @ adj, so that adj[rows] @ prox_right is Adamic-Adar
    aa_weight: np.ndarray
    districts_n: sp.csr_matrix
    districts_nt: sp.csr_matrix
    lang_w: sp.csr_matrix  # languages scaled by the weight of the language
    langs: sp.csr_matrix  # binary
    lang_t: sp.csr_matrix  # langs transposed
    language_weight: np.ndarray
    is_mo: np.ndarray
    community: np.ndarray
    one_way: float
    proximity_scale: float
    activity: np.ndarray  # log(1 + deg) / log(1 + max deg), per organisation

    @classmethod
    def from_snapshot(
        cls, snapshot: Snapshot, *, one_way: float = 0.5, proximity_scale: float = 1.0, community_seed: int = 0
    ) -> SignalData:
        n = snapshot.n
        topics = _binary(snapshot.topics)
        df = np.asarray(topics.sum(axis=0)).ravel()
        idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        topics_n = _row_normalise(topics @ sp.diags(idf).astype(np.float32))
        needs_n = _row_normalise(sp.csr_matrix(snapshot.needs, dtype=np.float32), norm="l1")
        offers = _binary(snapshot.offers)
        adj = _binary(snapshot.coop)
        deg = np.diff(adj.indptr).astype(np.float64)
        aa_weight = np.zeros(n, dtype=np.float32)
        aa_weight[deg > 1] = 1.0 / np.log(deg[deg > 1])
        adj_aa = sp.csr_matrix(adj @ sp.diags(aa_weight).astype(np.float32))
        districts_n = _row_normalise(_binary(snapshot.districts))
        langs = _binary(snapshot.languages)
        ldf = np.asarray(langs.sum(axis=0)).ravel()
        with np.errstate(divide="ignore"):
            lw = np.where(ldf > 0, np.log(max(n, 2) / np.maximum(ldf, 1)) / math.log(max(n, 2)), 0.0)
        lw = np.clip(lw, 0.0, 1.0).astype(np.float32)
        lang_w = sp.csr_matrix(langs @ sp.diags(lw).astype(np.float32))
        lang_w.eliminate_zeros()
        activity = np.zeros(n, dtype=np.float32)
        if n and deg.max() > 0:
            activity = (np.log1p(deg) / np.log1p(deg.max())).astype(np.float32)
        return cls(
            n=n,
            topics_n=topics_n,
            topics_nt=topics_n.T.tocsr(),
            topic_idf=idf,
            needs_n=needs_n,
            needs_nt=needs_n.T.tocsr(),
            offers=offers,
            offers_t=offers.T.tocsr(),
            adj=adj,
            adj_aa=adj_aa,
            prox_right=adj_aa.T.tocsr(),
            aa_weight=aa_weight,
            districts_n=districts_n,
            districts_nt=districts_n.T.tocsr(),
            lang_w=lang_w,
            langs=langs,
            lang_t=langs.T.tocsr(),
            language_weight=lw,
            is_mo=np.asarray(snapshot.is_mo, dtype=bool),
            community=communities(adj, seed=community_seed),
            one_way=float(one_way),
            proximity_scale=float(proximity_scale),
            activity=activity,
        )

    # -- block computation ------------------------------------------------
    def help_block(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)``: share of the rows' needs each column offers, and of the columns' needs the rows offer."""
        a = (self.needs_n[rows] @ self.offers_t).toarray()
        b = (self.offers[rows] @ self.needs_nt).toarray()
        return a, b

    def block(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Dense ``len(rows) x n`` float32 array per signal (self-pairs included; mask them later)."""
        out: dict[str, np.ndarray] = {}
        out["topics"] = np.minimum((self.topics_n[rows] @ self.topics_nt).toarray(), 1.0)
        a, b = self.help_block(rows)
        out["complementarity"] = self.complementarity(a, b)
        aa = (self.adj[rows] @ self.prox_right).toarray() if self.adj.nnz else np.zeros((len(rows), self.n), np.float32)
        out["proximity"] = self.squash_proximity(aa)
        mo_r = self.is_mo[rows]
        comm_r = self.community[rows]
        bridge = 0.5 * (mo_r[:, None] != self.is_mo[None, :])
        bridge += 0.5 * ((comm_r[:, None] != self.community[None, :]) & (comm_r[:, None] >= 0) & (self.community >= 0))
        out["bridging"] = bridge.astype(np.float32)
        out["district"] = np.minimum((self.districts_n[rows] @ self.districts_nt).toarray(), 1.0)
        out["language"] = np.minimum((self.lang_w[rows] @ self.lang_t).toarray(), 1.0)
        out["activity"] = np.broadcast_to(self.activity[None, :], (len(rows), self.n))
        return out

    def complementarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Reciprocal help: harmonic mean of both directions, ``one_way * max`` when only one helps."""
        a = np.asarray(a, dtype=np.float32)
        b = np.asarray(b, dtype=np.float32)
        total = a + b
        both = (a > 0) & (b > 0)
        out = self.one_way * np.maximum(a, b)
        np.divide(2.0 * a * b, total, out=out, where=both)
        return np.minimum(out, 1.0)

    def squash_proximity(self, aa: np.ndarray) -> np.ndarray:
        return (1.0 - np.exp(-np.asarray(aa, dtype=np.float32) / self.proximity_scale)).astype(np.float32)

    def pairs(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Signal matrix ``len(rows) x len(SIGNALS)`` for explicit pairs (vectorised, no pair loop)."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        m = len(rows)
        out = np.zeros((m, len(SIGNALS)), dtype=np.float32)
        if m == 0:
            return out

        def rowdot(left: sp.csr_matrix, right: sp.csr_matrix) -> np.ndarray:
            return np.asarray(left[rows].multiply(right[cols]).sum(axis=1), dtype=np.float32).ravel()

        out[:, 0] = np.minimum(rowdot(self.topics_n, self.topics_n), 1.0)
        a = rowdot(self.needs_n, self.offers)
        b = np.asarray(self.offers[rows].multiply(self.needs_n[cols]).sum(axis=1), dtype=np.float32).ravel()
        out[:, 1] = self.complementarity(a, b)
        out[:, 2] = self.squash_proximity(rowdot(self.adj, self.adj_aa))
        mo_x = self.is_mo[rows] != self.is_mo[cols]
        cr, cc = self.community[rows], self.community[cols]
        out[:, 3] = 0.5 * mo_x + 0.5 * ((cr != cc) & (cr >= 0) & (cc >= 0))
        out[:, 4] = np.minimum(rowdot(self.districts_n, self.districts_n), 1.0)
        out[:, 5] = np.minimum(rowdot(self.lang_w, self.langs), 1.0)
        out[:, 6] = self.activity[cols]
        return out

    def popularity(self, weights: Mapping[str, float]) -> np.ndarray:
        """Mean (linearised) score of each organisation with everybody: a cheap exposure forecast.

        Uses column sums only (``1^T X X^T``), so it costs one pass over the matrices.
        """
        n = max(self.n, 1)

        def colmean(left: sp.csr_matrix, right_t: sp.csr_matrix) -> np.ndarray:
            s = np.asarray(left.sum(axis=0)).ravel().astype(np.float32)
            return np.asarray(right_t.T @ s).ravel() / n if right_t.shape[0] else np.zeros(self.n, np.float32)

        w = weights
        pop = w["topics"] * colmean(self.topics_n, self.topics_nt)
        pop += w["complementarity"] * 0.5 * (colmean(self.needs_n, self.offers_t) + colmean(self.offers, self.needs_nt))
        if self.adj.nnz:
            pop += w["proximity"] * colmean(self.adj, self.prox_right) / self.proximity_scale
        pop += w["district"] * colmean(self.districts_n, self.districts_nt)
        pop += w["language"] * colmean(self.lang_w, self.lang_t)
        pop += w.get("activity", 0.0) * self.activity
        return np.asarray(pop, dtype=np.float64)


_DATA_CACHE: weakref.WeakKeyDictionary[Snapshot, dict[tuple[Any, ...], SignalData]] = weakref.WeakKeyDictionary()


def signal_data(
    snapshot: Snapshot, *, one_way: float = 0.5, proximity_scale: float = 1.0, community_seed: int = 0
) -> SignalData:
    """`SignalData.from_snapshot`, cached per snapshot (weakly) and parameters.

    The matrices do not depend on the weights, so models with different weights on one snapshot
    (the evaluation, the learner) share them, and the community detection runs once per snapshot.
    """
    key = (snapshot.generation, float(one_way), float(proximity_scale), int(community_seed))
    per = _DATA_CACHE.setdefault(snapshot, {})
    data = per.get(key)
    if data is None:
        data = SignalData.from_snapshot(
            snapshot, one_way=one_way, proximity_scale=proximity_scale, community_seed=community_seed
        )
        per.clear()
        per[key] = data
    return data
