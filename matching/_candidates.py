"""Candidate generation and exact rescoring for all-organisation top-k above `EXACT_MAX_N` organisations.

Scoring every pair is O(n^2). Instead, per block of rows:

1. **Candidates** come from the strong signals only, through capped posting lists (an inverted
   index), each split by district (plus one list over all districts):

   * topic x kind (migrant organisation / institution): organisations working on the topic;
   * topic *pair* x kind: organisations with both topics -- they have the highest cosines but rank
     low on each single topic's list when they have several topics;
   * topic x capability: organisations offering it (read by rows needing it) and needing it (read by
     rows offering it) -- one-way help;
   * topic x (capability offered, capability needed): organisations offering c1 and needing c2,
     read by rows needing c1 and offering c2 -- mutual help, which the harmonic mean favours.

   Each list keeps its best ``cap`` organisations: highest topic weight (TF-IDF, so organisations
   with few, rare topics first; the sum for topic pairs; plus the need share of c2 for mutual
   lists), ties broken by the organisation's mean score with everybody (`SignalData.popularity`).
   Two-hop neighbours (common partners, ``A @ A``) are always candidates.
2. **Exact rescoring**: every signal is computed exactly for the candidate pairs, existing
   partners, declined introductions and the organisation itself are removed, and the best ``m``
   per row are kept. With Numba (the ``fast`` extra) the candidates of a row and the dot-product
   signals of its pairs come from compiled loops (`matching._kernels`); without it from SciPy
   products and vectorised gathers (no Python loop over pairs). Both give the same numbers.

The weak, ubiquitous signals -- same district (4 districts), languages everybody speaks,
bridging, activity -- never *generate* candidates; they only add to the candidates' scores (the
district only chooses which capped list is read). A pair that shares no topic and no partner is
therefore never suggested by this path (capability lists are keyed by topic, too), even when
district + language + bridging alone would have put it in the exact top-k; and when more than
``cap`` organisations tie on a list, the cap decides. ``bench/matching_bench.py`` measures the
recall of the exact top-10.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> from matching import MatchingModel
>>> net = parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "migrant_organisation", "topics": ["sport"], "needs": ["rooms"]},
...     {"id": "b", "name": "B", "kind": "education", "topics": ["sport"], "offers": ["rooms"]},
...     {"id": "c", "name": "C", "kind": "education", "topics": ["music"]}]})
>>> model = MatchingModel(method="candidates").fit(build_snapshot(net))
>>> idx, scores = model.top_k_all(2, fair=False)
>>> idx.tolist()
[[1, -1], [0, -1], [-1, -1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._dense import ranked
from ._kernels import candidate_rows, jit_enabled, segment_dots
from ._score import combine
from ._signals import SIGNALS, SignalData

__all__ = ["CandidateIndex", "SparseTable", "build_index", "candidate_top_m"]

_DENSE_LIMIT = 50_000_000  # cells of a dense lookup table (n x vocabulary) before falling back to sparse


@dataclass
class CandidateIndex:
    """Capped posting lists: ``query[i]`` names the lists row ``i`` reads, ``postings[key]`` their members."""

    query: sp.csr_matrix  # n x keys, binary
    postings: sp.csr_matrix  # keys x n, binary, at most ``cap`` entries per row
    cap: int


def _keyed(m: sp.csr_matrix, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries ``(row, feature * n_groups + group[row], value)`` of ``m``."""
    coo = m.tocoo()
    return coo.row.astype(np.int64), coo.col.astype(np.int64) * n_groups + group[coo.row], coo.data


def _pairs_of(
    left: sp.csr_matrix, right: sp.csr_matrix
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All ``(row, left feature, right feature, left value, right value)`` with both entries in the row."""
    cl, cr = np.diff(left.indptr), np.diff(right.indptr)
    per = cl * cr
    total = int(per.sum())
    row = np.repeat(np.arange(left.shape[0]), per)
    k = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
    crr = cr[row]
    li = left.indptr[row] + k // np.maximum(crr, 1)
    ri = right.indptr[row] + k % np.maximum(crr, 1)
    return (row, left.indices[li].astype(np.int64), right.indices[ri].astype(np.int64), left.data[li], right.data[ri])


def build_index(sd: SignalData, prior: np.ndarray, *, cap: int = 30) -> CandidateIndex:
    """Capped posting lists keyed by (topic | topic pair) x (district | all) x (kind | offered capability |
    needed capability | offered and needed capability), see the module docstring.

    ``prior`` (one number per organisation, higher first) breaks ties inside a list.
    """
    n = sd.n
    # district of each organisation (its first one; ``n_d`` = none); group ``n_d + 1`` = all districts
    n_d = sd.districts_n.shape[1]
    dist = np.full(n, n_d, dtype=np.int64)
    counts = np.diff(sd.districts_n.indptr)
    dist[counts > 0] = sd.districts_n.indices[sd.districts_n.indptr[:-1][counts > 0]]
    groups = n_d + 2
    anyd = np.full(n, n_d + 1, dtype=np.int64)
    mo = sd.is_mo.astype(np.int64)
    n_t, n_c = sd.topics_n.shape[1], sd.offers.shape[1]
    topics = sd.topics_n

    members: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (organisation, key, value)
    readers: list[tuple[np.ndarray, np.ndarray]] = []  # (organisation, key)
    offset = 0
    # 1. topic x group x kind: every organisation on the lists of its topics; a row reads both kinds
    tc = topics.tocoo()
    tr, tt, tv = tc.row.astype(np.int64), tc.col.astype(np.int64), tc.data
    for g in (dist, anyd):
        key = (tt * groups + g[tr]) * 2
        members.append((tr, offset + key + mo[tr], tv))
        readers += [(tr, offset + key), (tr, offset + key + 1)]
    offset += n_t * groups * 2
    # 1b. topic pair x group x kind: organisations sharing two topics have the highest cosines, but
    # rank low on each single topic's list when they have several topics
    r, t1, t2, v1, v2 = _pairs_of(topics, topics)
    two = t1 < t2
    r, t1, t2, v = r[two], t1[two], t2[two], (v1 + v2)[two]
    for g in (dist, anyd):
        key = ((t1 * n_t + t2) * groups + g[r]) * 2
        members.append((r, offset + key + mo[r], v))
        readers += [(r, offset + key), (r, offset + key + 1)]
    offset += n_t * n_t * groups * 2
    # 2./3. topic x group x capability: members offering (needing) it, read by rows needing (offering) it
    for member, reader in ((sd.offers, sd.needs_n), (sd.needs_n, sd.offers)):
        for g in (dist, anyd):
            r, t, c, v, _ = _pairs_of(topics, member)
            members.append((r, offset + (t * groups + g[r]) * n_c + c, v))
            r, t, c, _, _ = _pairs_of(topics, reader)
            readers.append((r, offset + (t * groups + g[r]) * n_c + c))
        offset += n_t * groups * n_c

    # 4. topic x group x (capability offered, capability needed): mutual help, the harmonic mean of
    # complementarity; members offering c1 and needing c2, read by rows needing c1 and offering c2,
    # ranked by topic weight + need share of c2
    def triples(first: sp.csr_matrix, second: sp.csr_matrix) -> tuple[np.ndarray, ...]:
        r, t, c1, v, _ = _pairs_of(topics, first)
        tc = sp.csr_matrix((v, (r, t * n_c + c1)), shape=(n, n_t * n_c))
        r, tc1, c2, v, v2 = _pairs_of(tc, second)
        return r, tc1 // n_c, tc1 % n_c, c2, v + v2

    r, t, c1, c2, v = triples(sd.offers, sd.needs_n)
    rr, rt, rc1, rc2, _ = triples(sd.needs_n, sd.offers)
    for g in (dist, anyd):
        members.append((r, offset + ((t * groups + g[r]) * n_c + c1) * n_c + c2, v))
        readers.append((rr, offset + ((rt * groups + g[rr]) * n_c + rc1) * n_c + rc2))
    offset += n_t * groups * n_c * n_c
    rows_a = np.concatenate([m[0] for m in members])
    keys_a = np.concatenate([m[1] for m in members])
    vals_a = np.concatenate([m[2] for m in members])
    # keep the best ``cap`` of every list: sort by key, value desc, prior desc
    order = np.lexsort((-prior[rows_a], -vals_a, keys_a))
    keys_s = keys_a[order]
    start = np.searchsorted(keys_s, keys_s, side="left")
    keep = order[(np.arange(len(order)) - start) < cap]
    used, key_ids = np.unique(keys_a[keep], return_inverse=True)  # compact key ids (the key space is large)
    postings = sp.csr_matrix((np.ones(len(keep), dtype=np.float32), (key_ids, rows_a[keep])), shape=(len(used), n))
    qr = np.concatenate([r[0] for r in readers])
    qk = np.concatenate([r[1] for r in readers])
    pos = np.searchsorted(used, qk)
    ok = (pos < len(used)) & (used[np.minimum(pos, len(used) - 1)] == qk)
    query = sp.csr_matrix((np.ones(int(ok.sum()), dtype=np.float32), (qr[ok], pos[ok])), shape=(n, len(used)))
    query.data[:] = 1.0
    return CandidateIndex(query=query, postings=postings, cap=cap)


class SparseTable:
    """A sparse ``n x features`` lookup table: cell ``(i, j)`` found by binary search in row ``i``.

    For vocabularies too large for a dense table (`_DENSE_LIMIT`). A gather of many cells runs one
    vectorised lower-bound search inside each cell's own row (a few steps over neighbouring
    entries), 4x faster on random rows than one `numpy.searchsorted` over all stored entries and
    much faster than scipy's fancy row indexing.
    """

    def __init__(self, m: sp.csr_matrix) -> None:
        m = sp.csr_matrix(m)
        m.sum_duplicates()  # canonical: sorted, unique indices per row
        self.shape = m.shape
        self.indptr = m.indptr.astype(np.int64)
        # one sentinel past the end: a search that runs off the last row reads it, never a real column
        self.indices = np.append(m.indices.astype(np.int64), np.int64(-1))
        self.data = np.append(m.data.astype(np.float32), np.float32(0))
        counts = np.diff(self.indptr)
        self.steps = int(counts.max(initial=0)).bit_length()  # lower-bound steps for the longest row

    def gather(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The cells ``(rows[p], cols[p])`` (0 where nothing is stored)."""
        lo = self.indptr[rows]
        end = self.indptr[rows + 1]
        count = end - lo
        for _ in range(self.steps):  # lower bound of ``cols`` in each row's sorted indices
            half = count >> 1
            mid = lo + half
            go = (count > 0) & (self.indices[mid] < cols)
            lo = np.where(go, mid + 1, lo)
            count = np.where(go, count - half - 1, half)
        hit = (lo < end) & (self.indices[lo] == cols)
        return np.where(hit, self.data[lo], np.float32(0)).astype(np.float32, copy=False)


def _expand_dot(left: sp.csr_matrix, right: np.ndarray | SparseTable, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``left[r_p] . right[c_p]`` for every pair ``p`` (``right``: ``n x features`` table, dense or `SparseTable`).

    Slot by slot over the row side's non-zeros (a handful per organisation): slot ``s`` adds the
    ``s``-th entry of each pair's row times the gathered cell of the table, for the pairs whose
    row has more than ``s`` entries. No loop over pairs, no ``n x n`` intermediate, and no expanded
    pair arrays (2-3x faster than expanding every pair's entries).
    """
    m = len(r)
    out = np.zeros(m, dtype=np.float32)
    if m == 0 or left.nnz == 0:
        return out
    counts = np.diff(left.indptr)
    cnt = counts[r]
    base = left.indptr[r]
    table = right if isinstance(right, SparseTable) else None
    if table is None:
        flat = np.asarray(right).reshape(-1)
        width = right.shape[1]
    data, indices = left.data, left.indices.astype(np.int64)
    c = np.asarray(c, dtype=np.int64)
    for s in range(int(counts.max())):
        p = np.flatnonzero(cnt > s)
        if not len(p):
            break
        k = base[p] + s
        if table is None:
            out[p] += data[k] * flat[c[p] * width + indices[k]]
        else:
            out[p] += data[k] * table.gather(c[p], indices[k])
    return out


def _canonical(m: sp.csr_matrix) -> sp.csr_matrix:
    """A CSR copy with sorted, unique indices, int64 ``indptr``, int32 ``indices``, float32 data (`segment_dots`)."""
    m = sp.csr_matrix(m, dtype=np.float32, copy=True)
    m.sum_duplicates()
    m.indptr = m.indptr.astype(np.int64)
    m.indices = m.indices.astype(np.int32)
    return m


class PairScorer:
    """Exact signals for explicit pairs: one compiled pass over the two rows (`matching._kernels`)
    when Numba is installed, else vectorised gathers from per-organisation lookup tables.

    ``jit=None`` decides by `jit_enabled`; both ways give the same numbers.
    """

    def __init__(self, sd: SignalData, *, jit: bool | None = None) -> None:
        self.sd = sd
        self.jit = jit_enabled() if jit is None else jit
        # one district per organisation (the usual case): the cosine is 1 on equal districts
        per_org = np.diff(sd.districts_n.indptr)
        self.single_district = None
        if per_org.max(initial=0) <= 1:
            self.single_district = np.full(sd.n, -1, dtype=np.int64)
            self.single_district[per_org == 1] = sd.districts_n.indices
        if self.jit:
            # the products side by side in column segments, each organisation's row in one place:
            # left topics | needs | offers | language weights [| districts] against
            # right topics | offers | needs | languages [| districts]
            left = [sd.topics_n, sd.needs_n, sd.offers, sd.lang_w]
            right = [sd.topics_n, sd.offers, sd.needs_n, sd.lang_t.T.tocsr()]
            if self.single_district is None:
                left.append(sd.districts_n)
                right.append(sd.districts_n)
            self.ends = np.cumsum([m.shape[1] for m in left])
            self.left = _canonical(sp.hstack(left, format="csr"))
            self.right = _canonical(sp.hstack(right, format="csr"))
            return

        self._build_tables()

    def _build_tables(self) -> None:
        sd = self.sd

        def dense(m: sp.csr_matrix) -> np.ndarray | SparseTable:
            return m.toarray() if m.shape[0] * m.shape[1] <= _DENSE_LIMIT else SparseTable(m)

        self.tables = {
            "topics": (sd.topics_n, dense(sd.topics_n)),
            "needs_offers": (sd.needs_n, dense(sd.offers)),
            "offers_needs": (sd.offers, dense(sd.needs_n)),
            "languages": (sd.lang_w, dense(sd.lang_t.T.tocsr())),
        }
        if self.single_district is None:
            self.tables["districts"] = (sd.districts_n, dense(sd.districts_n))

    def __setstate__(self, state: dict) -> None:
        # unpickled where Numba is missing (a Dask worker without the fast extra): the NumPy way
        self.__dict__.update(state)
        if self.jit and not jit_enabled():
            self.jit = False
            self._build_tables()

    def signals(self, r: np.ndarray, c: np.ndarray, aa: np.ndarray) -> np.ndarray:
        """``len(r) x len(SIGNALS)``, equal to `SignalData.pairs` (``aa``: Adamic-Adar of the pairs)."""
        sd = self.sd
        if self.jit:
            dots = segment_dots(self.left, self.right, self.ends, r, c)
            topics, a, b, languages = dots[:, 0], dots[:, 1], dots[:, 2], dots[:, 3]
            districts = dots[:, 4] if self.single_district is None else None
        else:
            names = ("topics", "needs_offers", "offers_needs", "languages")
            topics, a, b, languages = (_expand_dot(*self.tables[name], r, c) for name in names)
            districts = _expand_dot(*self.tables["districts"], r, c) if self.single_district is None else None
        out = np.empty((len(r), len(SIGNALS)), dtype=np.float32)
        out[:, 0] = np.minimum(topics, 1.0)
        out[:, 1] = sd.complementarity(a, b)
        out[:, 2] = sd.squash_proximity(aa)
        cr, cc = sd.community[r], sd.community[c]
        out[:, 3] = 0.5 * (sd.is_mo[r] != sd.is_mo[c]) + 0.5 * ((cr != cc) & (cr >= 0) & (cc >= 0))
        if districts is None:
            dr = self.single_district[r]  # type: ignore[index]
            out[:, 4] = (dr >= 0) & (dr == self.single_district[c])  # type: ignore[index]
        else:
            out[:, 4] = np.minimum(districts, 1.0)
        out[:, 5] = np.minimum(languages, 1.0)
        out[:, 6] = sd.activity[c]
        return out


def _top_m_rows(
    indptr: np.ndarray, cols: np.ndarray, score: np.ndarray, m: int, max_cells: int = 4_000_000
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``m`` entries of every CSR row by ``score`` (``-1`` padded), via padded argpartition."""
    n_rows = len(indptr) - 1
    idx = np.full((n_rows, m), -1, dtype=np.int64)
    raw = np.zeros((n_rows, m), dtype=np.float64)
    counts = np.diff(indptr)
    order = np.argsort(counts, kind="stable")
    start = 0
    while start < n_rows:
        width = max(int(counts[order[min(n_rows - 1, start)]]), 1)
        # rows sorted by count: grow the chunk while rows x (its widest row) stays small
        size = max(1, max_cells // max(width, m))
        chunk = order[start : start + size]
        width = max(int(counts[chunk].max()), 1) if len(chunk) else 1
        while len(chunk) > 1 and len(chunk) * width > max_cells:
            chunk = chunk[: len(chunk) // 2]
            width = max(int(counts[chunk].max()), 1)
        start += len(chunk)
        cnt = counts[chunk]
        total = int(cnt.sum())
        if total == 0:
            continue
        pos = np.repeat(indptr[chunk] - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
        local = np.repeat(np.arange(len(chunk)), cnt)
        within = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        pad = np.full((len(chunk), width), -np.inf, dtype=np.float32)
        pad[local, within] = score[pos]
        padc = np.full((len(chunk), width), -1, dtype=np.int64)
        padc[local, within] = cols[pos]
        mm = min(m, width)
        if mm < width:
            top = np.argpartition(-pad, mm - 1, axis=1)[:, :mm]
        else:
            top = np.tile(np.arange(width), (len(chunk), 1))
        # positions follow the column order (sorted CSR indices): ties go to the lower column, as on
        # the exact path
        top = ranked(pad, top)
        top_s = np.take_along_axis(pad, top, axis=1)
        top_c = np.take_along_axis(padc, top, axis=1)
        ok = np.isfinite(top_s) & (top_s > 0)
        idx[chunk, :mm] = np.where(ok, top_c, -1)
        raw[chunk, :mm] = np.where(ok, top_s, 0.0)
    return idx, raw


def _candidates(
    sd: SignalData, index: CandidateIndex, blocked: sp.csr_matrix, rows: np.ndarray, *, jit: bool = False
) -> sp.csr_matrix:
    """CSR ``len(rows) x n``: 1 + Adamic-Adar on every allowed candidate of each row (sorted indices).

    ``jit``: the same matrix from one compiled pass per row (`matching._kernels.candidate_rows`).
    """
    if jit:
        return candidate_rows(rows, index.query, index.postings, sd.adj, sd.prox_right, blocked, sd.n)
    cand = index.query[rows] @ index.postings
    cand.data[:] = 1.0
    if sd.adj.nnz:
        aa = (sd.adj[rows] @ sd.prox_right).astype(np.float64)
        pattern = (cand + abs(aa)).tocsr()
        pattern.data[:] = 1.0
        union = pattern + aa  # 1 on every candidate, + Adamic-Adar where two-hop
    else:
        union = cand.astype(np.float64)
    union = union.tocsr()
    keep = union - union.multiply(blocked[rows])
    keep.eliminate_zeros()
    keep.sort_indices()  # `_top_m_rows` breaks ties by position: the column order
    return keep


def candidate_top_m(
    sd: SignalData,
    index: CandidateIndex,
    scorer: PairScorer,
    blocked: sp.csr_matrix,
    w: dict[str, float],
    rows: np.ndarray,
    m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``m`` columns and exact scores of ``rows`` among their candidates (``-1`` padded)."""
    rows = np.asarray(rows, dtype=np.int64)
    keep = _candidates(sd, index, blocked, rows, jit=scorer.jit)
    r_local = np.repeat(np.arange(len(rows)), np.diff(keep.indptr))
    r = rows[r_local]
    c = keep.indices.astype(np.int64)
    aa_vals = keep.data - 1.0
    sig = scorer.signals(r, c, aa_vals)
    score = combine(sig, w)  # the score rule (`matching._score`), exact for every candidate pair
    return _top_m_rows(keep.indptr, c, score, m)


def candidate_pairs(model: object, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs ``(r, c)`` the candidate path rescores for ``rows`` of a fitted `MatchingModel`.

    For benchmarks and tests: existing partners, declined introductions and self-pairs are removed.
    """
    sd = model.signals_  # type: ignore[attr-defined]
    index, _ = model._candidate_parts  # type: ignore[attr-defined]
    keep = _candidates(sd, index, model.blocked_, np.asarray(rows, dtype=np.int64))  # type: ignore[attr-defined]
    r = np.asarray(rows, dtype=np.int64)[np.repeat(np.arange(len(rows)), np.diff(keep.indptr))]
    return r, keep.indices.astype(np.int64)
