"""Exact match scores of row blocks against all organisations, fused into few dense passes.

`DenseScorer.scores` returns the same numbers as `MatchingModel.score_block` (the readable
reference, one dense matrix per signal, scored by the one score rule `matching._score.combine`),
up to float32 rounding, but with far fewer passes over the ``rows x n`` block. It takes the rule's
decisions from `matching._score` (which signals are content, when bridging counts alone) and
refuses a signal set it does not fuse:

* **one product for the linear signals**: topics (TF-IDF cosine), district (cosine) and language
  (weighted shared languages) are dot products of per-organisation feature vectors, so
  ``[w_t T | w_d D | w_l L][rows] @ [T | D | B].T`` computes their weighted sum at once: a sparse
  row tile times a dense ``features x n`` table (cost: non-zeros per row x n; no BLAS, whose
  threads oversubscribe the engine's threads), or a sparse product per signal when a table would
  exceed `DENSE_CELLS`. Unused vocabulary columns are dropped. ``min(1, .)`` only changes the
  language signal of organisations whose language weights sum to more than 1; those cells are
  corrected exactly. For the cosines it only removes rounding above 1.
* **complementarity in plain in-place passes** (masked ufuncs, ``where=``, are several times slower):
  ``A`` and ``B`` come from two small products with ``2 w_c`` folded into the left factor; then
  ``P = A B``, ``T = A + B``, ``P / max(T, tiny)`` is ``w_c 2ab / (a + b)`` where both help and 0
  elsewhere, and ``(one_way / 2) T`` where ``P = 0`` is ``w_c one_way max(a, b)`` (one of them is 0).
* **proximity only on its non-zeros**: Adamic-Adar is a sparse two-hop product; its squashed
  values are added at their cells instead of exponentiating a dense block.
* **activity and bridging as vectors**: activity depends on the column only (one ``n``-vector added
  to every row); bridging depends on the column and only on the row's kind and community, so rows
  are processed grouped by (kind, community) and one ``n``-vector per group is added (where the
  content is positive) -- no ``rows x n`` comparison.
* **top-m by group maxima** (`largest`): one vectorised pass finds the few column groups that can
  hold a row's best entries, and only those are partitioned.

Rows are scored in tiles of about `TILE_CELLS` cells so that the buffers stay in the CPU cache;
sparse parts (Adamic-Adar, exclusions, the language correction) are computed per chunk of tiles and
sliced by ``indptr``.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> from matching import MatchingModel
>>> net = parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "migrant_organisation", "topics": ["sport"]},
...     {"id": "b", "name": "B", "kind": "education", "topics": ["sport"]},
...     {"id": "c", "name": "C", "kind": "education", "topics": ["music"]}]})
>>> model = MatchingModel(method="exact").fit(build_snapshot(net))
>>> fast = model.dense_.scores(np.arange(3))
>>> ref, _ = model.score_block(np.arange(3))
>>> bool(np.allclose(fast, ref, atol=1e-6))
True
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

from ._score import bridging_counts_alone
from ._signals import CONTENT_SIGNALS, EXTRA_SIGNALS, SignalData

__all__ = ["DENSE_CELLS", "DenseScorer", "TILE_CELLS", "largest", "ranked"]

#: Cells (rows x organisations) scored at once; 2**19 float32 cells = 2 MB, which fits the CPU cache.
TILE_CELLS = 1 << 19
#: Right factors (vocabulary x organisations) up to this many cells are dense tables.
DENSE_CELLS = 50_000_000
_CHUNK_CELLS = 1 << 24
_TINY = np.float32(1e-30)  # rows x n per chunk of tiles that share one sparse product
#: The content and extra signals of the score rule as `DenseScorer` fuses them (see the module docstring).
FUSED_CONTENT = ("topics", "complementarity", "proximity", "district", "language", "activity")
FUSED_EXTRA = ("bridging",)


def _factors(
    left: sp.csr_matrix, right: sp.csr_matrix, scale: float
) -> tuple[sp.csr_matrix, np.ndarray | sp.csr_matrix]:
    """``scale * left`` (CSR) and ``right.T`` restricted to columns used on both sides.

    ``right.T`` is a dense ``features x n`` table unless that is larger than `DENSE_CELLS`: a
    sparse row block times a dense table costs (non-zeros per row) x n, needs no BLAS threads and
    writes the dense block directly.
    """
    used = (np.diff(left.tocsc().indptr) > 0) & (np.diff(right.tocsc().indptr) > 0)
    cols = np.flatnonzero(used)
    lft = sp.csr_matrix(left[:, cols] * np.float32(scale), dtype=np.float32)
    rgt = sp.csr_matrix(right[:, cols], dtype=np.float32)
    if len(cols) * right.shape[0] <= DENSE_CELLS:
        return lft, np.ascontiguousarray(rgt.toarray().T)
    return lft, rgt.T.tocsr()


def _tile_of(m: sp.csr_matrix, a: int, b: int) -> sp.csr_matrix:
    """Rows ``a:b`` of a CSR matrix, sliced by ``indptr`` (cheaper than scipy's indexing)."""
    lo, hi = m.indptr[a], m.indptr[b]
    return sp.csr_matrix((m.data[lo:hi], m.indices[lo:hi], m.indptr[a : b + 1] - lo), shape=(b - a, m.shape[1]))


def _product(left: sp.csr_matrix, right: np.ndarray | sp.csr_matrix) -> np.ndarray:
    """Dense ``left @ right`` (float32) for a sparse row tile and a dense or sparse right factor."""
    out = left @ right
    return np.asarray(out if isinstance(out, np.ndarray) else out.toarray(), dtype=np.float32)


def _rows_of(m: sp.csr_matrix, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries ``(local row, column, value)`` of rows ``a:b`` of a CSR matrix (no scipy slicing)."""
    lo, hi = m.indptr[a], m.indptr[b]
    local = np.repeat(np.arange(b - a), np.diff(m.indptr[a : b + 1]))
    return local, m.indices[lo:hi], m.data[lo:hi]


class DenseScorer:
    """Fused exact scoring of row blocks (see the module docstring).

    Parameters
    ----------
    sd : SignalData
    weights : dict
        Normalised weights (`check_weights`).
    blocked : csr_matrix
        ``n x n``, non-zero where a pair may not be suggested (score ``-1``).
    """

    def __init__(self, sd: SignalData, weights: dict[str, float], blocked: sp.csr_matrix) -> None:
        if set(CONTENT_SIGNALS) != set(FUSED_CONTENT) or set(EXTRA_SIGNALS) != set(FUSED_EXTRA):
            raise NotImplementedError("the fused scorer does not know this signal set; add it here and in the tests")
        self.sd = sd
        self.n = n = sd.n
        self.w = w = weights
        self.blocked = sp.csr_matrix(blocked, dtype=np.float32)
        # linear signals: topics, district, language
        terms = []
        if w["topics"] > 0:
            terms.append((sd.topics_n, sd.topics_n, w["topics"]))
        if w["district"] > 0:
            terms.append((sd.districts_n, sd.districts_n, w["district"]))
        if w["language"] > 0:
            terms.append((sd.lang_w, sd.lang_t.T.tocsr(), w["language"]))
        self.linear = [_factors(left, right, weight) for left, right, weight in terms]
        if len(self.linear) > 1 and all(isinstance(r, np.ndarray) for _, r in self.linear):
            # one product: [w_t T | w_d D | w_l L] @ [T | D | B].T
            self.linear = [
                (
                    sp.hstack([lft for lft, _ in self.linear]).tocsr(),
                    np.ascontiguousarray(np.vstack([r for _, r in self.linear])),
                )
            ]
        # rows whose language weights can sum above 1 need min(1, .) applied exactly
        over = np.zeros(n, dtype=bool)
        if w["language"] > 0 and sd.lang_w.nnz:
            over = np.asarray(sd.lang_w.sum(axis=1)).ravel() > 1.0
        self.lang_over = over
        # complementarity
        self.comp = None
        if w["complementarity"] > 0:
            # factors scaled by 2 w_c: then ab / (a + b) is w_c times the harmonic mean 2ab / (a + b),
            # and one_way max(a, b) = one_way (a + b) when one of them is 0
            scale = 2.0 * w["complementarity"]
            self.comp_one_way = float(sd.one_way) / 2.0
            self.comp = (_factors(sd.needs_n, sd.offers, scale), _factors(sd.offers, sd.needs_n, scale))
        # proximity
        self.prox = w["proximity"] > 0 and sd.adj.nnz > 0
        # activity (a content signal): one vector added to every row
        self.act = (np.float32(w["activity"]) * sd.activity.astype(np.float32)) if w["activity"] > 0 else None
        # bridging: one vector per (kind, has community) plus a correction per community
        self.alone = bridging_counts_alone(w)
        self.extra = w["bridging"] > 0
        if self.extra:
            is_mo = sd.is_mo.astype(bool)
            has = sd.community >= 0
            act = np.zeros(n, dtype=np.float32)
            half = np.float32(0.5 * w["bridging"])
            self.extra_base = np.empty((2, 2, n), dtype=np.float32)
            for mo in (0, 1):
                for h in (0, 1):
                    self.extra_base[mo, h] = act + half * (is_mo != bool(mo)) + (half * has if h else 0.0)
            self.half_bridge = half
            comm = sd.community
            order = np.argsort(comm, kind="stable")
            counts = np.bincount(comm[has], minlength=1) if has.any() else np.zeros(1, np.int64)
            self.comm_members = np.split(order[(~has).sum() :], np.cumsum(counts)[:-1])

    # -- row order --------------------------------------------------------
    def row_order(self) -> np.ndarray:
        """All rows grouped by (kind, community), so that consecutive rows share their extra vector."""
        return np.lexsort((self.sd.community, self.sd.is_mo))

    def _chunks(self, rows: np.ndarray) -> Iterator[np.ndarray]:
        size = max(1, _CHUNK_CELLS // max(self.n, 1))
        for s in range(0, len(rows), size):
            yield rows[s : s + size]

    def tile_rows(self) -> int:
        return max(1, TILE_CELLS // max(self.n, 1))

    # -- scoring ----------------------------------------------------------
    def scores(self, rows: np.ndarray) -> np.ndarray:
        """``len(rows) x n`` float32 scores, ``-1`` where a pair may not be suggested."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.n), dtype=np.float32)
        for s, block in self.iter_tiles(rows):
            out[s : s + len(block)] = block
        return out

    def iter_tiles(self, rows: np.ndarray, tile: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """``(offset, scores of rows[offset:offset + t])`` tile by tile; the array is reused between tiles."""
        rows = np.asarray(rows, dtype=np.int64)
        tile = tile or self.tile_rows()
        n = self.n
        work = np.empty((min(tile, max(len(rows), 1)), n), dtype=np.float32)
        mask = np.empty((min(tile, max(len(rows), 1)), n), dtype=bool)
        last: dict[tuple[int, int], np.ndarray] = {}  # extra vector of the previous row group
        done = 0
        for chunk in self._chunks(rows):
            parts = {
                "aa": (self.sd.adj[chunk] @ self.sd.prox_right).tocsr() if self.prox else None,
                "blocked": self.blocked[chunk],
                "linear": [(left[chunk], right) for left, right in self.linear],
                "comp": [(left[chunk], right) for left, right in self.comp] if self.comp is not None else None,
                "lang_fix": self._lang_fix(chunk),
            }
            for s in range(0, len(chunk), tile):
                e = min(len(chunk), s + tile)
                yield done + s, self._tile(chunk[s:e], s, e, parts, last, work[: e - s], mask[: e - s])
            done += len(chunk)

    def _lang_fix(self, chunk: np.ndarray) -> sp.csr_matrix | None:
        """``w_l * max(0, L - 1)`` for the chunk's rows whose language weights sum above 1 (sparse)."""
        over = self.lang_over[chunk]
        if not over.any():
            return None
        left = sp.diags(over.astype(np.float32)) @ self.sd.lang_w[chunk]
        fix = (left @ self.sd.lang_t).tocsr()
        fix.data = np.float32(self.w["language"]) * np.maximum(fix.data - 1.0, 0.0)
        fix.eliminate_zeros()
        return fix

    def _extra(self, mo: int, comm: int, last: dict[tuple[int, int], np.ndarray]) -> np.ndarray:
        """Bridging of a row of kind ``mo`` in community ``comm`` against every column."""
        vec = last.get((mo, comm))
        if vec is None:
            vec = self.extra_base[mo, int(comm >= 0)]
            if comm >= 0 and self.half_bridge > 0:
                vec = vec.copy()
                vec[self.comm_members[comm]] -= self.half_bridge
            last.clear()
            last[(mo, comm)] = vec
        return vec

    def _tile(
        self,
        rows: np.ndarray,
        s: int,
        e: int,
        parts: dict,
        last: dict[tuple[int, int], np.ndarray],
        work: np.ndarray,
        mask: np.ndarray,
    ) -> np.ndarray:
        n = self.n
        # 1. linear signals (one product when all vocabularies are small)
        c = None
        for left, right in parts["linear"]:
            x = _product(_tile_of(left, s, e), right)
            if c is None:
                c = x
            else:
                c += x
        if c is None:
            c = np.zeros((e - s, n), dtype=np.float32)
        flat = c.reshape(-1)
        if parts["lang_fix"] is not None:  # min(1, .) of the language signal, where it matters
            r, col, v = _rows_of(parts["lang_fix"], s, e)
            flat[r * n + col] -= v
        # 2. complementarity (no masked ufuncs: they are several times slower than plain passes)
        if parts["comp"] is not None:
            (need_l, offer_r), (offer_l, need_r) = parts["comp"]
            a = _product(_tile_of(need_l, s, e), offer_r)  # 2 w_c a
            b = _product(_tile_of(offer_l, s, e), need_r)  # 2 w_c b
            p = work
            np.multiply(a, b, out=p)
            np.add(a, b, out=a)  # a = 2 w_c (a + b)
            np.maximum(a, _TINY, out=b)
            np.divide(p, b, out=p)  # 2 w_c ab / (a + b), 0 unless both help
            np.add(c, p, out=c)
            if self.comp_one_way > 0:  # + w_c one_way max(a, b) where only one helps
                np.equal(p, 0.0, out=mask)
                np.multiply(a, mask, out=a)
                np.multiply(a, np.float32(self.comp_one_way), out=a)
                np.add(c, a, out=c)
        # 3. proximity on the two-hop cells only
        if parts["aa"] is not None:
            r, col, v = _rows_of(parts["aa"], s, e)
            if len(v):
                flat[r * n + col] += np.float32(self.w["proximity"]) * (
                    1.0 - np.exp(-v.astype(np.float32) / np.float32(self.sd.proximity_scale))
                )
        # 4. activity everywhere, then bridging only where the content is positive (unless weighted alone)
        if self.act is not None:
            np.add(c, self.act, out=c)
        if self.extra:
            if not self.alone:
                np.greater(c, 0.0, out=mask)
            sd = self.sd
            key_mo = sd.is_mo[rows].astype(np.int64)
            key_c = sd.community[rows]
            change = np.flatnonzero((np.diff(key_mo) != 0) | (np.diff(key_c) != 0)) + 1
            starts = np.concatenate(([0], change))
            ends = np.concatenate((change, [len(rows)]))
            for a0, b0 in zip(starts.tolist(), ends.tolist(), strict=True):
                vec = self._extra(int(key_mo[a0]), int(key_c[a0]), last)
                if self.alone:
                    np.add(c[a0:b0], vec, out=c[a0:b0])
                else:
                    part = work[a0:b0]
                    np.multiply(mask[a0:b0], vec, out=part)
                    np.add(c[a0:b0], part, out=c[a0:b0])
        # 5. exclusions
        r, col, _ = _rows_of(parts["blocked"], s, e)
        flat[r * n + col] = -1.0
        return c

    def top_m(self, rows: np.ndarray, m: int, discount: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``m`` columns of each row (``-1`` padded) and their scores, ranked by score x discount."""
        rows = np.asarray(rows, dtype=np.int64)
        n = self.n
        m = min(m, n)
        idx = np.full((len(rows), m), -1, dtype=np.int64)
        raw = np.zeros((len(rows), m), dtype=np.float64)
        for s, score in self.iter_tiles(rows):
            e = s + len(score)
            rank = score if discount is None else np.where(score > 0, score * discount[None, :], score)
            top = largest(rank, m, ordered=True)
            val = np.take_along_axis(score, top, axis=1)
            top[val <= 0] = -1
            idx[s:e] = top
            raw[s:e] = np.where(val > 0, val, 0.0)
        return idx, raw


def largest(x: np.ndarray, m: int, ordered: bool = False) -> np.ndarray:
    """Column indices of the ``m`` largest entries of each row of ``x`` (any order; ties arbitrary).

    With ``ordered`` they come as :func:`ranked` lists them: highest first, ties (also at the cut)
    by the lower column index; the tie pass then runs over the pre-selected columns only.

    Group-maximum pre-selection: the columns are split into ``g`` groups of ``b`` strided columns
    (group ``j`` = columns ``j, j + g, j + 2g, ...``; the ``n - g b`` last columns are always
    kept). With ``t`` the ``m``-th largest group maximum of a row, the row's ``m`` largest entries
    all lie in groups whose maximum is ``>= t`` (the ``m`` groups with the largest maxima hold
    ``m`` entries ``>= t``). The maxima take one vectorised pass (strided groups reduce over a
    leading axis, which numpy does with SIMD; contiguous groups would be ~10x slower), and only the
    selected groups are partitioned. Falls back to ``argpartition`` when ties select too many.

    >>> x = np.asarray([[0.1, 0.9, 0.3, 0.8, 0.2], [5.0, 4.0, 3.0, 2.0, 1.0]], dtype=np.float32)
    >>> np.sort(largest(x, 2), axis=1).tolist()
    [[1, 3], [0, 1]]
    """
    rows, n = x.shape
    if m >= n:
        top = np.tile(np.arange(n), (rows, 1))
        return ranked(x, top) if ordered else top
    b = max(8, min(64, n // (16 * m)))
    g = n // b
    if g < 8 * m or rows == 0:  # too few groups to gain anything
        top = np.argpartition(-x, m - 1, axis=1)[:, :m]
        return ranked(x, top) if ordered else top
    full = g * b
    gmax = x[:, :full].reshape(rows, b, g).max(axis=1)
    kth = np.partition(gmax, g - m, axis=1)[:, g - m]
    sel = gmax >= kth[:, None]
    count = sel.sum(axis=1)
    width = int(count.max())
    if (width * b + n - full) * 4 > n:  # many ties: no gain
        top = np.argpartition(-x, m - 1, axis=1)[:, :m]
        return ranked(x, top) if ordered else top
    # the selected groups first; rows with fewer fill up with unselected groups, whose entries are all
    # below t and so never displace one of the m largest
    groups = np.argsort(~sel, axis=1, kind="stable")[:, :width]
    cols = (groups[:, None, :] + g * np.arange(b)[None, :, None]).reshape(rows, -1)
    cols = np.concatenate([cols, np.broadcast_to(np.arange(full, n), (rows, n - full))], axis=1)
    if ordered:
        # every entry >= the row's m-th largest lies in a selected group, so ranking the selected
        # columns in column order ranks the row
        cols = np.sort(cols, axis=1)
    sub = np.take_along_axis(x, cols, axis=1)
    pick = np.argpartition(-sub, m - 1, axis=1)[:, :m]
    if ordered:
        pick = ranked(sub, pick)
    return np.take_along_axis(cols, pick, axis=1)


def ranked(x: np.ndarray, top: np.ndarray) -> np.ndarray:
    """The columns ``top`` (the ``m`` largest entries of each row of ``x``, any order, ties arbitrary)
    as the row's first ``m`` columns by value, highest first, ties by the lower column index.

    Which of several equal entries make the cut at the ``m``-th place is decided by the index, too:
    a row with more entries equal to its positive ``m``-th value than ``top`` holds is re-cut (one
    comparison pass over the rows; entries ``<= 0`` are never listed, so their ties do not matter).
    So every path that ranks the same scores (the exact path in tiles, a single organisation, the
    candidate path) lists the same columns in the same order.

    >>> x = np.asarray([[0.5, 0.9, 0.5, 0.5, 0.1]], dtype=np.float32)
    >>> ranked(x, np.asarray([[3, 1]])).tolist()
    [[1, 0]]
    """
    if top.shape[1] == 0:
        return top
    top = np.array(top, dtype=np.int64, copy=True)
    m = top.shape[1]
    kth = np.take_along_axis(x, top, axis=1).min(axis=1)
    # entries <= 0 are never listed, so only a positive m-th value needs the re-cut
    recut = np.flatnonzero((kth > 0) & ((x >= kth[:, None]).sum(axis=1) > m))
    if len(recut):
        k = kth[recut]
        r, c = np.nonzero(x[recut] >= k[:, None])  # row by row, in column order
        above = x[recut[r], c] > k[r]
        need = m - np.bincount(r[above], minlength=len(recut))
        # all entries above the m-th value, then the first `need` tied ones in column order: m per row
        tr = r[~above]
        rank = np.arange(len(tr)) - np.searchsorted(tr, tr)
        keep = above.copy()
        keep[~above] = rank < need[tr]
        top[recut] = c[keep].reshape(len(recut), m)
    vals = np.take_along_axis(x, top, axis=1)
    return np.take_along_axis(top, np.lexsort((top, -vals), axis=-1), axis=1)
