"""Exchange meetings: the search for one round, used by `MeetingPlanner` (pure, no I/O).

`_Tables` is the local search for a round of tables (greedy start, best-improvement swaps and
moves over a vectorised ``n x n`` delta array, random kicks); `_pairs_round` plans a round of 1:1
talks as a maximum-weight matching on a pruned candidate graph. The objective and the constraints
are described in `matching._meetings`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import networkx as nx
import numpy as np

_BIG = 1000.0  # weight of a forbidden pair (used before, must-not): never chosen while there is another way
_MUST = 100.0  # bonus of a must-meet pair that has not met yet in this plan
_EPS = 1e-9


class _Tables:
    """Local search for one round of tables over the organisations ``free`` (indices into ``W``)."""

    def __init__(
        self,
        W: np.ndarray,
        aff: np.ndarray,
        langs: list[int],
        is_mo: np.ndarray,
        language_penalty: float,
        mix_weight: float,
        rng: np.random.Generator,
        top: int = 12,
    ):
        self.W, self.aff, self.langs, self.is_mo = W, aff, langs, is_mo
        self.language_penalty, self.mix_weight = language_penalty, mix_weight
        self.rng, self.top = rng, top
        self.mixed_pool = bool(is_mo.any() and (~is_mo).any())
        self.table_terms = (language_penalty > 0 and any(x != langs[0] for x in langs)) or (
            mix_weight > 0 and self.mixed_pool
        )

    # -- table terms ------------------------------------------------------
    def term(self, members: Iterable[int]) -> float:
        members = list(members)
        if not members:
            return 0.0
        out = 0.0
        if self.language_penalty > 0:
            common = -1
            for i in members:
                common &= self.langs[i]
            if common == 0:
                out -= self.language_penalty
        if self.mix_weight > 0 and self.mixed_pool and len(members) >= 2:
            mo = sum(1 for i in members if self.is_mo[i])
            if mo == 0 or mo == len(members):
                out -= self.mix_weight
        return out

    def objective(self, tables: list[list[int]], cols: list[int]) -> float:
        total = 0.0
        for t, members in zip(cols, tables, strict=True):
            idx = np.asarray(members, dtype=np.int64)
            total += self.W[np.ix_(idx, idx)].sum() / 2.0 + self.aff[idx, t].sum() + self.term(members)
        return float(total)

    # -- greedy start -----------------------------------------------------
    def greedy(self, free: np.ndarray, sizes: list[int], cols: list[int]) -> list[list[int]]:
        W, aff = self.W, self.aff
        left = np.ones(len(free), dtype=bool)
        sub = W[np.ix_(free, free)]
        out: list[list[int]] = []
        for size, col in zip(sizes, cols, strict=True):
            avail = np.flatnonzero(left)
            if len(avail) >= 2 and size >= 2:
                block = sub[np.ix_(avail, avail)] + aff[free[avail], col][:, None] + aff[free[avail], col][None, :]
                np.fill_diagonal(block, -np.inf)
                a, b = np.unravel_index(int(np.argmax(block)), block.shape)
                members = [int(avail[a]), int(avail[b])]
            else:
                members = [int(avail[0])]
            left[members] = False
            while len(members) < size:
                avail = np.flatnonzero(left)
                gain = sub[np.ix_(avail, np.asarray(members))].sum(axis=1) + aff[free[avail], col]
                pick = int(avail[int(np.argmax(gain))])
                members.append(pick)
                left[pick] = False
            out.append([int(free[x]) for x in members])
        return out

    # -- local search -----------------------------------------------------
    def improve(self, tables: list[list[int]], cols: list[int], kicks: int) -> list[list[int]]:
        """Best-improvement swaps and moves, then ``kicks`` random perturbations (kept when better)."""
        free = np.asarray(sorted(i for t in tables for i in t), dtype=np.int64)
        if len(tables) < 2:
            return tables
        pos = {int(o): x for x, o in enumerate(free)}
        Ws = self.W[np.ix_(free, free)]
        A = self.aff[np.ix_(free, np.asarray(cols))]
        tab = np.empty(len(free), dtype=np.int64)
        for t, members in enumerate(tables):
            for o in members:
                tab[pos[o]] = t
        best_tab = self._descend(Ws, A, tab, free, cols)
        best_val = self._value(Ws, A, best_tab, free)
        for _ in range(kicks):
            cand = best_tab.copy()
            self._kick(cand)
            cand = self._descend(Ws, A, cand, free, cols)
            val = self._value(Ws, A, cand, free)
            if val > best_val + _EPS:
                best_tab, best_val = cand, val
        return [[int(free[x]) for x in np.flatnonzero(best_tab == t)] for t in range(len(tables))]

    def _kick(self, tab: np.ndarray) -> None:
        m = len(tab)
        for _ in range(2 + int(self.rng.integers(0, 3))):
            i, j = self.rng.integers(0, m, size=2)
            if tab[i] != tab[j]:
                tab[i], tab[j] = tab[j], tab[i]

    def _value(self, Ws: np.ndarray, A: np.ndarray, tab: np.ndarray, free: np.ndarray) -> float:
        same = tab[:, None] == tab[None, :]
        val = float((Ws * same).sum() / 2.0 + A[np.arange(len(tab)), tab].sum())
        if self.table_terms:
            for t in range(A.shape[1]):
                val += self.term(free[tab == t].tolist())
        return val

    def _descend(self, Ws: np.ndarray, A: np.ndarray, tab: np.ndarray, free: np.ndarray, cols: list[int]) -> np.ndarray:
        m, T = A.shape
        tab = tab.copy()
        onehot = np.zeros((m, T))
        onehot[np.arange(m), tab] = 1.0
        H = Ws @ onehot + A  # H[i, t]: what i gains from sitting at table t
        size = onehot.sum(axis=0).astype(np.int64)
        members = [free[tab == t].tolist() for t in range(T)]
        terms = np.asarray([self.term(x) for x in members]) if self.table_terms else np.zeros(T)
        ar = np.arange(m)
        uneven = size.max() != size.min()
        iu = np.triu_indices(m, 1)
        for _ in range(50 * m + 100):
            own = H[ar, tab]
            Ht = H[:, tab]
            D = Ht - own[:, None]
            D = D + D.T - 2.0 * Ws
            D[tab[:, None] == tab[None, :]] = -np.inf
            cand: list[tuple[float, int, int, int]] = []  # (delta, kind 0 swap / 1 move, i, j or t)
            flat = D[iu]
            k = min(self.top, len(flat))
            if k:
                best = np.argpartition(-flat, k - 1)[:k]
                cand += [(float(flat[b]), 0, int(iu[0][b]), int(iu[1][b])) for b in best]
            if self.table_terms and (terms < -_EPS).any():
                # tables that break a table rule: try their members with everybody's best swaps
                rows = np.flatnonzero(terms[tab] < -_EPS)
                k = min(2 * self.top, m - 1)
                best = np.argpartition(-D[rows], k - 1, axis=1)[:, :k]
                cand += [
                    (float(D[i, j]), 0, min(int(i), int(j)), max(int(i), int(j)))
                    for i, row in zip(rows.tolist(), best, strict=True)
                    for j in row.tolist()
                ]
            if uneven:
                M = H - own[:, None]
                M = np.where(size[None, :] + 1 == size[tab][:, None], M, -np.inf)  # from a big to a small table
                mf = M.ravel()
                k = min(self.top, len(mf))
                best = np.argpartition(-mf, k - 1)[:k]
                cand += [(float(mf[b]), 1, int(b // T), int(b % T)) for b in best]
            cand.sort(key=lambda c: -c[0])
            done = False
            for delta, kind, i, j in cand:
                if not math.isfinite(delta):
                    break
                if not self.table_terms and delta <= _EPS:
                    break
                a = int(tab[i])
                b = int(tab[j]) if kind == 0 else j
                if self.table_terms:
                    oi = int(free[i])
                    new_a = [x for x in members[a] if x != oi]
                    new_b = members[b] + [oi]
                    if kind == 0:
                        oj = int(free[j])
                        new_a.append(oj)
                        new_b = [x for x in new_b if x != oj]
                    change = self.term(new_a) + self.term(new_b) - terms[a] - terms[b]
                    if delta + change <= _EPS:
                        continue
                    members[a], members[b] = new_a, new_b
                    terms[a], terms[b] = self.term(new_a), self.term(new_b)
                if kind == 0:
                    H[:, a] += Ws[:, j] - Ws[:, i]
                    H[:, b] += Ws[:, i] - Ws[:, j]
                    tab[i], tab[j] = b, a
                else:
                    H[:, a] -= Ws[:, i]
                    H[:, b] += Ws[:, i]
                    tab[i] = b
                    size[a] -= 1
                    size[b] += 1
                done = True
                break
            if not done:
                break
        return tab


def _pairs_round(W: np.ndarray, free: np.ndarray, candidates: int, current: list[list[int]] | None) -> list[list[int]]:
    """Maximum-weight (maximum-cardinality) matching of ``free``; an odd one out joins the best pair."""
    m = len(free)
    Ws = W[np.ix_(free, free)]
    if m == 2:
        return [[int(free[0]), int(free[1])]]
    if m == 3:
        return [[int(x) for x in free]]
    need = m // 2
    allowed = Ws > -_BIG / 2
    np.fill_diagonal(allowed, False)
    current_edges = set()
    for t in current or []:
        loc = [int(np.flatnonzero(free == o)[0]) for o in t]
        for x, a in enumerate(loc):
            for b in loc[x + 1 :]:
                current_edges.add((min(a, b), max(a, b)))
    offset = 1.0 - float(Ws[~np.eye(m, dtype=bool)].min())
    k = max(1, min(candidates, m - 1))
    stage = 0 if k < m - 1 else 1  # 0: each one's k best partners, 1: all allowed pairs, 2: all pairs
    while True:
        if stage == 0:
            score = np.where(allowed, Ws, -np.inf)
            top = np.argpartition(-score, k - 1, axis=1)[:, :k]
            mask = np.zeros((m, m), dtype=bool)
            mask[np.repeat(np.arange(m), k), top.ravel()] = True
            mask &= allowed
            mask |= mask.T
        elif stage == 1:
            mask = allowed
        else:  # last resort: forbidden pairs too (the caller reports them)
            mask = ~np.eye(m, dtype=bool)
        rows, cols = np.nonzero(np.triu(mask, 1))
        g = nx.Graph()
        g.add_nodes_from(range(m))
        g.add_weighted_edges_from(
            (a, b, float(Ws[a, b] + offset)) for a, b in zip(rows.tolist(), cols.tolist(), strict=True)
        )
        for a, b in current_edges:
            g.add_edge(a, b, weight=float(Ws[a, b] + offset))
        matching = {(min(a, b), max(a, b)) for a, b in nx.max_weight_matching(g, maxcardinality=True)}
        if len(matching) >= need or stage == 2:
            break
        if stage == 0:
            k *= 2
            if k >= m - 1:
                stage = 1
        else:
            stage += 1
    tables = [[a, b] for a, b in sorted(matching)]
    seated = {x for t in tables for x in t}
    for u in range(m):
        if u in seated:
            continue
        gain = [Ws[u, a] + Ws[u, b] for a, b in tables]
        tables[int(np.argmax(gain))].append(u)
    return [[int(free[x]) for x in t] for t in tables]
