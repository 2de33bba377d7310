"""Compiled loops for the candidate path, when Numba is installed (the ``fast`` extra).

`segment_dots` computes ``left[r_p] . right[c_p]`` for many explicit pairs of rows of two CSR
matrices with sorted indices, for several products at once: the matrices lie side by side in
column segments (topics | offers | needs | ...), so one pass over the short sorted index lists
per pair reads each organisation's row from one place in memory (at 1M organisations these reads
miss the CPU cache and are most of the time) and sums each segment's products separately. It is
one compiled loop that releases the GIL (the engine's row-block threads then run on all cores).
The products are summed in float32 in ascending column order, as the NumPy gathers of
`matching._candidates._expand_dot` do, so both give the same numbers.

Without Numba (or with ``REMO_JIT=0``) `jit_enabled` is false and the callers use their NumPy
code; the compiled functions are cached on disk by Numba (first use compiles them, a few seconds).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

__all__ = ["candidate_rows", "jit_enabled", "segment_dots"]


def jit_enabled() -> bool:
    """Whether compiled kernels are used: Numba importable and ``REMO_JIT`` not ``0``."""
    if os.environ.get("REMO_JIT", "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    return _numba() is not None


@cache
def _numba() -> Any:
    try:
        import numba
    except ImportError:
        return None
    return numba


@cache
def _compiled_segment_dots() -> Callable[..., None]:
    numba = _numba()

    @numba.njit(nogil=True, cache=True, boundscheck=False)
    def kernel(lp, li, ld, rp, ri, rd, seg, n_seg, r, c, out):  # pragma: no cover - compiled
        # the left row is spread into a dense vector once per run of pairs with the same row (CSR
        # order: all pairs of a row are neighbours); each right entry then costs one lookup, and the
        # products are summed in ascending column order, as a merge of both rows would do
        dense = np.zeros(seg.shape[0], dtype=np.float32)
        current = -1
        for p in range(r.shape[0]):
            if r[p] != current:
                if current >= 0:
                    for a in range(lp[current], lp[current + 1]):
                        dense[li[a]] = 0.0
                current = r[p]
                for a in range(lp[current], lp[current + 1]):
                    dense[li[a]] = ld[a]
            for s in range(n_seg):
                out[p, s] = 0.0
            for b in range(rp[c[p]], rp[c[p] + 1]):
                v = dense[ri[b]]
                if v != 0.0:
                    out[p, seg[ri[b]]] += v * rd[b]

    return kernel


def segment_dots(left: Any, right: Any, ends: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``len(r) x len(ends)`` float32: per column segment ``[ends[s-1], ends[s])`` the product
    ``left[r_p] . right[c_p]`` restricted to that segment (CSR, sorted unique indices, float32;
    fastest when the pairs of a row are neighbours, as in CSR order).

    Only call when `jit_enabled`.
    """
    ends = np.asarray(ends, dtype=np.int64)
    seg = np.searchsorted(ends, np.arange(left.shape[1]), side="right").astype(np.int64)  # segment of each column
    out = np.empty((len(r), len(ends)), dtype=np.float32)
    if len(r):
        _compiled_segment_dots()(
            left.indptr,
            left.indices,
            left.data,
            right.indptr,
            right.indices,
            right.data,
            seg,
            len(ends),
            np.ascontiguousarray(r, dtype=np.int64),
            np.ascontiguousarray(c, dtype=np.int64),
            out,
        )
    return out


_ROW_ROOM = 512  # first guess of candidates per row for the output buffer (it grows when short)


@cache
def _compiled_candidate_rows() -> Callable[..., int]:
    numba = _numba()

    @numba.njit(nogil=True, cache=True, boundscheck=False)
    def kernel(
        rows, start, qp, qi, pp, pi, ap, ai, ad, xp, xi, xd, bp, bi, mark, ban, acc, touched, out_p, out_i, out_d
    ):  # pragma: no cover - compiled
        pos = out_p[start]
        for t in range(start, rows.shape[0]):
            i = rows[t]
            for b in range(bp[i], bp[i + 1]):
                ban[bi[b]] = t
            cnt = 0
            for q in range(qp[i], qp[i + 1]):  # the posting lists this row reads
                key = qi[q]
                for e in range(pp[key], pp[key + 1]):
                    col = pi[e]
                    if mark[col] != t and ban[col] != t:
                        mark[col] = t
                        acc[col] = 0.0
                        touched[cnt] = col
                        cnt += 1
            for jj in range(ap[i], ap[i + 1]):  # Adamic-Adar: adj[i] @ prox_right, scipy's order
                j, v = ai[jj], ad[jj]
                for e in range(xp[j], xp[j + 1]):
                    col = xi[e]
                    if ban[col] == t:
                        continue
                    if mark[col] != t:
                        mark[col] = t
                        acc[col] = 0.0
                        touched[cnt] = col
                        cnt += 1
                    acc[col] += v * xd[e]
            if pos + cnt > out_i.shape[0]:
                for e in range(cnt):
                    mark[touched[e]] = -1
                return t  # out of room: the caller grows the output and goes on from row t
            cols = np.sort(touched[:cnt])
            for e in range(cnt):
                out_i[pos + e] = cols[e]
                out_d[pos + e] = 1.0 + np.float64(acc[cols[e]])
            pos += cnt
            out_p[t + 1] = pos
        return rows.shape[0]

    return kernel


def candidate_rows(rows: np.ndarray, query: Any, postings: Any, adj: Any, prox_right: Any, blocked: Any, n: int) -> Any:
    """CSR ``len(rows) x n`` with sorted indices: ``1 + Adamic-Adar`` on every candidate of each row.

    A candidate is a member of a posting list the row reads (``query[row] @ postings``) or a
    two-hop neighbour (``adj[row] @ prox_right``, positive weights), and not stored in
    ``blocked[row]``. The same matrix as the SciPy expression in `matching._candidates._candidates`
    (Adamic-Adar summed in float32 in the order of scipy's sparse product). Only call when
    `jit_enabled`.
    """
    import scipy.sparse as sp

    rows = np.ascontiguousarray(rows, dtype=np.int64)
    mark = np.full(n, -1, dtype=np.int64)
    ban = np.full(n, -1, dtype=np.int64)
    q, p, a, x, b = (sp.csr_matrix(m) for m in (query, postings, adj, prox_right, blocked))
    acc = np.zeros(n, dtype=np.result_type(a.dtype, x.dtype))  # the product's type, as in scipy
    touched = np.empty(n, dtype=np.int64)
    out_p = np.zeros(len(rows) + 1, dtype=np.int64)
    size = max(16, _ROW_ROOM * len(rows))
    out_i, out_d = np.empty(size, dtype=np.int32), np.empty(size, dtype=np.float64)
    kernel = _compiled_candidate_rows()
    start = 0
    while True:
        start = kernel(
            rows, start, q.indptr, q.indices, p.indptr, p.indices, a.indptr, a.indices, a.data,
            x.indptr, x.indices, x.data, b.indptr, b.indices, mark, ban, acc, touched, out_p, out_i, out_d,
        )  # fmt: skip
        if start == len(rows):
            break
        grow = max(2 * len(out_i), int(out_p[start]) + n)
        out_i, out_d = np.resize(out_i, grow), np.resize(out_d, grow)
    nnz = int(out_p[-1])
    return sp.csr_matrix((out_d[:nnz], out_i[:nnz], out_p), shape=(len(rows), n))
