"""Compiled loops for the candidate path, when Numba is installed (the ``scale`` extra).

`pair_dots` computes ``left[r_p] . right[c_p]`` for many explicit pairs of rows of two CSR
matrices with sorted indices: one merge of the two short sorted index lists per pair, in one
compiled loop that releases the GIL (the engine's row-block threads then run on all cores). The
products are summed in float32 in the left row's index order, as the NumPy gathers of
`matching._candidates._expand_dot` do, so both give the same numbers.

Without Numba (or with ``REMO_JIT=0``) `pair_dots` is ``None`` and the callers use their NumPy
code; the compiled functions are cached on disk by Numba (first use compiles them, a few seconds).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

__all__ = ["jit_enabled", "pair_dots"]


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
def _compiled_pair_dots() -> Callable[..., None]:
    numba = _numba()

    @numba.njit(nogil=True, cache=True, boundscheck=False)
    def kernel(lp, li, ld, rp, ri, rd, r, c, out):  # pragma: no cover - compiled
        for p in range(r.shape[0]):
            a, a_end = lp[r[p]], lp[r[p] + 1]
            b, b_end = rp[c[p]], rp[c[p] + 1]
            acc = np.float32(0.0)
            while a < a_end and b < b_end:
                ia, ib = li[a], ri[b]
                if ia == ib:
                    acc += ld[a] * rd[b]
                    a += 1
                    b += 1
                elif ia < ib:
                    a += 1
                else:
                    b += 1
            out[p] = acc

    return kernel


def pair_dots(left: Any, right: Any, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``left[r_p] . right[c_p]`` (float32) for CSR matrices with sorted, unique indices and float32 data.

    Only call when `jit_enabled`. ``left`` and ``right`` must have the same number of columns.
    """
    out = np.empty(len(r), dtype=np.float32)
    if len(r):
        _compiled_pair_dots()(
            left.indptr,
            left.indices,
            left.data,
            right.indptr,
            right.indices,
            right.data,
            np.ascontiguousarray(r, dtype=np.int64),
            np.ascontiguousarray(c, dtype=np.int64),
            out,
        )
    return out
