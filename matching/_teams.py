"""Teams for joint projects: role coverage, pairwise affinity, MO-institution mix (pure).

A *role* (`graph.planning.Role`) is filled by every organisation that matches one of its criteria.
A team of ``min_size``-``max_size`` organisations is *feasible* when every role is filled by at least
one member and every member fills at least one role (an organisation the team is built around is
exempt). Among feasible teams `TeamBuilder` maximises

    mean pairwise affinity  +  ``mix_bonus`` if the team joins a migrant organisation with an institution

where the affinity of two organisations is the matching engine's weighted signal sum (topics,
complementarity, common partners, district, language, bridging; see `matching.SIGNALS`) plus
``cooperation_weight`` when they already cooperate: for a joint project an existing tie is an asset,
not something to suggest again. The mean (not the sum) keeps teams from growing just to score more.

The search follows team-formation research (Lappas, Liu and Terzi 2009, "Finding a team of experts
in social networks"): for every candidate of the rarest role, build a team around it by adding, for
the rarest role still open, the candidate with the strongest ties to the team so far; then improve
by local search (best swap, addition or removal, vectorised over all moves) until no move helps.
The distinct local optima, best first, are the suggestions. `TeamBuilder.optimal` solves small
instances exactly (`scipy.optimize.milp`, or brute force) to check the heuristic.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> from graph.planning import Role
>>> net = parse_network({"organisations": [
...     {"id": "mo", "name": "MO", "kind": "migrant_organisation", "topics": ["sport"],
...      "offers": ["community_access"], "districts": ["lennep"]},
...     {"id": "club", "name": "Club", "kind": "sports_culture", "topics": ["sport"], "offers": ["equipment"],
...      "districts": ["lennep"]},
...     {"id": "school", "name": "School", "kind": "education", "topics": ["sport"], "offers": ["rooms"],
...      "districts": ["lennep"]},
...     {"id": "far", "name": "Far", "kind": "education", "offers": ["rooms"]}]})
>>> roles = [Role("access", {"en": "Access"}, [{"offers": ["community_access"]}]),
...          Role("gear", {"en": "Gear"}, [{"offers": ["equipment"]}]),
...          Role("room", {"en": "Room"}, [{"offers": ["rooms"]}])]
>>> team = suggest_teams(build_snapshot(net, today="2025-01-01"), roles, k=1)[0]
>>> sorted(team.org_ids), team.mixed, team.roles["room"]
(['club', 'mo', 'school'], True, ['school'])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph import NotFoundError, Snapshot
from graph.planning import ProjectTemplate, Role

from ._funding import FundingResult, funding_for_project
from ._score import combine
from ._suggest import matching_model

__all__ = [
    "ProjectIdea",
    "Team",
    "TeamBuilder",
    "TeamMember",
    "complete_team",
    "project_ideas",
    "role_matrix",
    "suggest_teams",
]

_EPS = 1e-9


# ---------------------------------------------------------------------------
# roles -> eligibility matrix
# ---------------------------------------------------------------------------
def _columns_any(m: sp.csr_matrix, ids: Sequence[str], terms: Iterable[str]) -> np.ndarray:
    pos = {t: j for j, t in enumerate(ids)}
    cols = [pos[t] for t in terms if t in pos]
    if not cols:
        return np.zeros(m.shape[0], dtype=bool)
    return np.asarray(m[:, cols].getnnz(axis=1) > 0).ravel()


def _criterion_mask(snapshot: Snapshot, crit: Mapping[str, Sequence[str]], legal: np.ndarray) -> np.ndarray:
    mask = np.ones(snapshot.n, dtype=bool)
    for key, terms in crit.items():
        if key == "offers":
            hit = _columns_any(snapshot.offers, snapshot.capability_ids, terms)
        elif key == "topics":
            hit = _columns_any(snapshot.topics, snapshot.topic_ids, terms)
            hit |= _columns_any(snapshot.offers, snapshot.capability_ids, terms)
        elif key == "target_groups":
            hit = _columns_any(snapshot.target, snapshot.target_ids, terms)
        elif key == "languages":
            hit = _columns_any(snapshot.languages, snapshot.language_ids, terms)
        elif key == "kinds":
            hit = np.isin(snapshot.kinds, list(terms))
        elif key == "legal_forms":
            hit = np.isin(legal, list(terms))
        else:
            raise ValueError(f"unknown criterion {key!r}")
        mask &= hit
    return mask


def _legal_forms(snapshot: Snapshot) -> np.ndarray:
    orgs = snapshot.orgs
    return np.asarray([orgs[o].legal_form for o in snapshot.org_ids], dtype=object)


def role_matrix(snapshot: Snapshot, roles: Sequence[Role]) -> np.ndarray:
    """Boolean ``n x len(roles)`` matrix: which organisation fills which role.

    >>> from graph import parse_network, build_snapshot
    >>> snap = build_snapshot(parse_network({"organisations": [
    ...     {"id": "a", "name": "A", "kind": "education", "offers": ["rooms"]},
    ...     {"id": "b", "name": "B", "kind": "migrant_organisation", "target_groups": ["women"]}]}))
    >>> role_matrix(snap, [Role("room", {}, [{"offers": ["rooms"]}]),
    ...                    Role("women", {}, [{"offers": ["community_access"]}, {"target_groups": ["women"]}])]
    ...             ).tolist()
    [[True, False], [False, True]]
    """
    legal = _legal_forms(snapshot)
    out = np.zeros((snapshot.n, len(roles)), dtype=bool)
    for r, role in enumerate(roles):
        for crit in role.any:
            out[:, r] |= _criterion_mask(snapshot, crit, legal)
    return out


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------
@dataclass
class TeamMember:
    """A member, the roles it fills, and its strongest tie inside the team."""

    org: str
    roles: list[str]
    is_mo: bool
    tie: dict[str, Any] | None = None
    topics: list[str] = field(default_factory=list)
    topic_fit: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "roles": list(self.roles),
            "is_mo": self.is_mo,
            "tie": dict(self.tie) if self.tie else None,
            "topics": list(self.topics),
            "topic_fit": self.topic_fit,
        }


@dataclass
class Team:
    """A suggested team: ``score`` = ``affinity`` (mean pairwise) + ``topic`` (mean topic fit of the
    members, weighted) + the mix bonus when ``mixed``. ``shared_roles`` are the roles every member
    fills: said once for the team, not for each member."""

    members: list[TeamMember]
    score: float
    affinity: float
    mixed: bool
    roles: dict[str, list[str]] = field(default_factory=dict)
    template: str | None = None
    topic: float = 0.0
    shared_roles: list[str] = field(default_factory=list)

    @property
    def org_ids(self) -> list[str]:
        return [m.org for m in self.members]

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "score": self.score,
            "affinity": self.affinity,
            "topic": self.topic,
            "mixed": self.mixed,
            "shared_roles": list(self.shared_roles),
            "roles": {k: list(v) for k, v in self.roles.items()},
            "members": [m.to_dict() for m in self.members],
        }


# ---------------------------------------------------------------------------
# the search on one candidate pool
# ---------------------------------------------------------------------------
@dataclass
class _Pool:
    rows: np.ndarray  # snapshot rows of the candidates
    A: np.ndarray  # m x m affinity, symmetric, zero diagonal
    Q: np.ndarray  # m x R role eligibility
    mo: np.ndarray  # m bool
    locked: list[int]  # pool positions that must be in every team
    u: np.ndarray | None = None  # m topic fit (weighted): its mean over the members is a part of the score

    def __post_init__(self) -> None:
        if self.u is None:
            self.u = np.zeros(len(self.rows), dtype=np.float64)


def _objective(A: np.ndarray, team: Sequence[int], mo: np.ndarray, bonus: float, u: np.ndarray | None = None) -> float:
    """mean pairwise affinity + mean topic fit ``u`` + ``bonus`` when mixed (the named parts)."""
    k = len(team)
    idx = np.asarray(team)
    s = float(A[np.ix_(idx, idx)].sum()) / 2.0
    mean = s / (k * (k - 1) / 2) if k > 1 else 0.0
    mixed = bool(mo[idx].any() and (~mo[idx]).any())
    topic = float(u[idx].sum()) / k if u is not None and k else 0.0
    return mean + topic + (bonus if mixed else 0.0)


def _feasible(pool: _Pool, team: Sequence[int], min_size: int, max_size: int) -> bool:
    idx = np.asarray(team)
    if not (min_size <= len(idx) <= max_size) or not set(pool.locked) <= set(team):
        return False
    free = [i for i in team if i not in pool.locked]
    return bool(pool.Q[idx].any(axis=0).all() and pool.Q[free].any(axis=1).all())


def _construct(pool: _Pool, seed: int | None, min_size: int, max_size: int, bonus: float) -> list[int] | None:
    """Greedy rarest-role-first construction from the locked members (and ``seed``)."""
    A, Q, mo, u = pool.A, pool.Q, pool.mo, pool.u
    assert u is not None  # _Pool.__post_init__ fills it
    m = len(pool.rows)
    team = list(dict.fromkeys(pool.locked + ([seed] if seed is not None else [])))
    in_team = np.zeros(m, dtype=bool)
    in_team[team] = True
    covered = Q[team].any(axis=0) if team else np.zeros(Q.shape[1], dtype=bool)
    while not covered.all():
        if len(team) >= max_size:
            return None
        open_roles = np.flatnonzero(~covered)
        counts = Q[~in_team][:, open_roles].sum(axis=0)
        if (counts == 0).any():
            return None
        r = open_roles[np.argmin(counts)]
        cand = np.flatnonzero(Q[:, r] & ~in_team)
        gain = A[np.ix_(cand, np.asarray(team))].sum(axis=1) if team else np.zeros(len(cand))
        gain = gain + u[cand] * max(1, len(team))  # topic fit counts like ties to the team so far
        gain = gain + 1e-3 * Q[np.ix_(cand, open_roles)].sum(axis=1)  # prefer filling several open roles
        if bonus and team:
            has_mo, has_inst = mo[team].any(), (~mo[team]).any()
            gain = gain + bonus * ((mo[cand] & ~has_mo & has_inst) | (~mo[cand] & has_mo & ~has_inst))
        c = int(cand[np.argmax(gain)])
        team.append(c)
        in_team[c] = True
        covered |= Q[c]
    eligible = Q.any(axis=1)
    while len(team) < min_size:
        cand = np.flatnonzero(eligible & ~in_team)
        if len(cand) == 0:
            return None
        best = max(cand.tolist(), key=lambda c: _objective(A, [*team, c], mo, bonus, u))
        team.append(best)
        in_team[best] = True
    return team


def _improve(
    pool: _Pool, team: list[int], min_size: int, max_size: int, bonus: float, max_iter: int = 200
) -> tuple[list[int], float]:
    """Best-improvement local search over swaps, additions and removals (vectorised per step)."""
    A, Q, mo, tf = pool.A, pool.Q, pool.mo, pool.u
    assert tf is not None  # _Pool.__post_init__ fills it
    m = len(pool.rows)
    locked = set(pool.locked)
    eligible = Q.any(axis=1)
    current = _objective(A, team, mo, bonus, tf)
    for _ in range(max_iter):
        idx = np.asarray(team)
        k = len(team)
        in_team = np.zeros(m, dtype=bool)
        in_team[idx] = True
        r = A[:, idx].sum(axis=1)  # ties of every candidate to the team
        s = float(r[idx].sum()) / 2.0
        us = float(tf[idx].sum())
        cov = Q[idx].sum(axis=0).astype(np.int64)
        n_mo, n_inst = int(mo[idx].sum()), int((~mo[idx]).sum())
        outs = np.flatnonzero(eligible & ~in_team)
        removable = np.asarray([u for u in team if u not in locked], dtype=np.int64)
        u: Any  # a position, then a pool index or None, as is c
        c: Any
        best_move: tuple[str, int | None, int | None] | None
        best_val, best_move = current + 1e-12, None

        def value(total: np.ndarray, size: int, nmo: np.ndarray, ninst: np.ndarray, utot: Any) -> np.ndarray:
            pairs = size * (size - 1) / 2
            return total / pairs + utot / size + bonus * ((nmo > 0) & (ninst > 0))

        if len(outs) and len(removable):  # swaps u -> c
            total = s - r[removable][:, None] + r[outs][None, :] - A[np.ix_(removable, outs)]
            newcov = cov[None, None, :] - Q[removable][:, None, :] + Q[outs][None, :, :]
            ok = (newcov > 0).all(axis=2)
            nmo = n_mo - mo[removable][:, None].astype(int) + mo[outs][None, :].astype(int)
            ninst = n_inst - (~mo[removable])[:, None].astype(int) + (~mo[outs])[None, :].astype(int)
            utot = us - tf[removable][:, None] + tf[outs][None, :]
            val = np.where(ok, value(total, k, nmo, ninst, utot), -np.inf)
            u, c = np.unravel_index(np.argmax(val), val.shape)
            if val[u, c] > best_val:
                best_val, best_move = float(val[u, c]), ("swap", int(removable[u]), int(outs[c]))
        if len(outs) and k < max_size:  # additions
            val = value(s + r[outs], k + 1, n_mo + mo[outs], n_inst + (~mo[outs]), us + tf[outs])
            c = int(np.argmax(val))
            if val[c] > best_val:
                best_val, best_move = float(val[c]), ("add", None, int(outs[c]))
        if len(outs) > 1 and k + 2 <= max_size:  # two at once: a strongly tied pair can lift the mean
            total = s + r[outs][:, None] + r[outs][None, :] + A[np.ix_(outs, outs)]
            nmo = n_mo + mo[outs][:, None].astype(int) + mo[outs][None, :].astype(int)
            ninst = n_inst + (~mo[outs])[:, None].astype(int) + (~mo[outs])[None, :].astype(int)
            val = value(total, k + 2, nmo, ninst, us + tf[outs][:, None] + tf[outs][None, :])
            np.fill_diagonal(val, -np.inf)
            a, b = np.unravel_index(np.argmax(val), val.shape)
            if val[a, b] > best_val:
                best_val, best_move = float(val[a, b]), ("add2", int(outs[a]), int(outs[b]))
        if len(removable) and k > min_size:  # removals
            ok = ((cov[None, :] - Q[removable]) > 0).all(axis=1)
            val = np.where(
                ok,
                value(s - r[removable], k - 1, n_mo - mo[removable], n_inst - (~mo[removable]), us - tf[removable]),
                -np.inf,
            )
            u = int(np.argmax(val))
            if val[u] > best_val:
                best_val, best_move = float(val[u]), ("drop", int(removable[u]), None)
        if best_move is None:
            break
        kind, u, c = best_move
        if kind == "add2":
            team.extend([u, c])
        else:
            if u is not None:
                team.remove(u)
            if c is not None:
                team.append(c)
        current = best_val
    return team, _objective(A, team, mo, bonus, tf)


# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------
class TeamBuilder:
    """Suggest teams that fill a template's roles; scikit-learn style (``fit`` then ``suggest``).

    Parameters
    ----------
    weights : dict, optional
        Signal weights of the matching engine (default `matching.DEFAULT_WEIGHTS`).
    k : int
        How many distinct teams `suggest` returns.
    min_size, max_size : int
        Team size bounds (3-6 by default).
    mix_bonus : float
        Added to the score of a team with at least one migrant organisation and one institution.
    cooperation_weight : float
        Added to the affinity of two organisations that cooperate already.
    max_candidates : int
        Largest candidate pool; bigger pools keep the best candidates of each role (closest to the
        organisation the team is built around, or most connected).
    n_seeds : int
        At most this many candidates of the rarest role start a construction.
    topic_weight : float
        Weight of the topic part: the mean over the members of the TF-IDF cosine of each member's
        topics with the project's topics (a template's ``topics``), so that the organisations that
        actually work on the project's subject lead.
    max_shared : int or None
        Alternatives must differ: each further team shares at most this many members (besides the
        organisations it is built around) with every team before it. ``None`` only asks for distinct
        teams.

    Attributes
    ----------
    snapshot_, model_ : the snapshot and the fitted `MatchingModel` it uses.

    Example
    -------
    >>> from graph import parse_network, build_snapshot
    >>> snap = build_snapshot(parse_network({"organisations": [
    ...     {"id": "a", "name": "A", "kind": "migrant_organisation", "offers": ["rooms"], "topics": ["sport"]},
    ...     {"id": "b", "name": "B", "kind": "education", "offers": ["rooms"], "topics": ["sport"]},
    ...     {"id": "c", "name": "C", "kind": "education", "offers": ["rooms"]}]}))
    >>> builder = TeamBuilder(k=2).fit(snap)
    >>> [t.org_ids for t in builder.suggest([Role("room", {}, [{"offers": ["rooms"]}])])]
    [['a', 'b', 'c']]
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        *,
        k: int = 5,
        min_size: int = 3,
        max_size: int = 6,
        mix_bonus: float = 0.1,
        cooperation_weight: float = 0.3,
        max_candidates: int = 60,
        n_seeds: int = 25,
        topic_weight: float = 0.5,
        max_shared: int | None = 1,
    ) -> None:
        self.weights = weights
        self.k = k
        self.min_size = min_size
        self.max_size = max_size
        self.mix_bonus = mix_bonus
        self.cooperation_weight = cooperation_weight
        self.max_candidates = max_candidates
        self.n_seeds = n_seeds
        self.topic_weight = topic_weight
        self.max_shared = max_shared

    def fit(self, snapshot: Snapshot) -> TeamBuilder:
        """Fit (or reuse) the matching model of ``snapshot``; return self."""
        if not isinstance(snapshot, Snapshot):
            raise TypeError("fit expects a graph.Snapshot")
        if not (2 <= self.min_size <= self.max_size):
            raise ValueError("need 2 <= min_size <= max_size")
        if self.k < 1 or self.mix_bonus < 0 or self.cooperation_weight < 0 or self.topic_weight < 0:
            raise ValueError("k must be >= 1; mix_bonus, cooperation_weight and topic_weight >= 0")
        if self.max_shared is not None and self.max_shared < 0:
            raise ValueError("max_shared must be >= 0 or None")
        self.snapshot_ = snapshot
        self.model_ = matching_model(snapshot, weights=self.weights)
        return self

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("call fit(snapshot) first")

    def _rows(self, ids: Iterable[str]) -> np.ndarray:
        index = self.snapshot_.index
        out = []
        for x in ids:
            if x not in index:
                raise NotFoundError("organisation", x)
            out.append(index[x])
        return np.asarray(out, dtype=np.int64)

    # -- affinity ----------------------------------------------------------
    def _weighted(self, sig: Mapping[str, np.ndarray] | np.ndarray) -> np.ndarray:
        """Affinity from signals (``... x len(SIGNALS)`` or ``{signal: block}``) by the score rule (`combine`).

        ``bridging_alone=False``: a team is held together by what its members share, so bridging
        never counts without content here, not even when the weights give it all the weight (the
        single-signal evaluation of suggestions, which teams have no use for).
        """
        return np.asarray(combine(sig, self.model_.weights_, bridging_alone=False), dtype=np.float64)

    def affinity(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Symmetric ``m x m`` affinity of snapshot rows ``rows`` (vectorised over the pairs)."""
        self._check()
        rows = np.asarray(rows, dtype=np.int64)
        m = len(rows)
        out = np.zeros((m, m), dtype=np.float64)
        if m < 2:
            return out
        iu, ju = np.triu_indices(m, k=1)
        sig = self.model_.signals_.pairs(rows[iu], rows[ju])
        vals = self._weighted(sig)
        coop = np.asarray(self.snapshot_.coop[rows[iu], rows[ju]]).ravel() > 0
        vals = vals + self.cooperation_weight * coop
        out[iu, ju] = vals
        out[ju, iu] = vals
        return out

    def affinity_to(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """``len(rows) x n`` affinity of ``rows`` with every organisation (self-pairs 0)."""
        self._check()
        rows = np.asarray(rows, dtype=np.int64)
        out = self._weighted(self.model_.signals_.block(rows))
        coop = self.snapshot_.coop[rows].toarray() > 0
        out = out + self.cooperation_weight * coop
        out[np.arange(len(rows)), rows] = 0.0
        return out

    # -- pools ---------------------------------------------------------------
    def topic_fit(self, topics: Iterable[str]) -> np.ndarray:
        """TF-IDF cosine of every organisation's topics with ``topics`` (zeros when none is known)."""
        self._check()
        wanted = [t for t in dict.fromkeys(topics) if t in self._topic_pos]
        if not wanted:
            return np.zeros(self.snapshot_.n, dtype=np.float64)
        sd = self.model_.signals_
        q = np.zeros(len(self.snapshot_.topic_ids), dtype=np.float32)
        for t in wanted:
            q[self._topic_pos[t]] = sd.topic_idf[self._topic_pos[t]]
        q /= np.linalg.norm(q)
        return np.asarray(sd.topics_n @ q, dtype=np.float64).ravel()

    def _pool(
        self,
        roles: Sequence[Role],
        around: Sequence[str],
        candidates: Collection[str] | None,
        topics: Iterable[str] = (),
    ) -> _Pool:
        snap = self.snapshot_
        Q_all = role_matrix(snap, roles)
        anchors = self._rows(around)
        eligible = cast("np.ndarray", Q_all.any(axis=1))
        if candidates is not None:
            allowed = np.zeros(snap.n, dtype=bool)
            allowed[self._rows(candidates)] = True
            eligible &= allowed
        eligible[anchors] = False
        cand = np.flatnonzero(eligible)
        if len(cand) > self.max_candidates:
            if len(anchors):
                prior = self.affinity_to(anchors)[:, cand].sum(axis=0)
            else:
                prior = self.model_.popularity_[cand]
            per_role = max(1, math.ceil(self.max_candidates / max(1, len(roles))))
            keep: set[int] = set()
            for r in range(len(roles)):
                sub = np.flatnonzero(Q_all[cand, r])
                order = sub[np.argsort(-prior[sub], kind="stable")][:per_role]
                keep.update(cand[order].tolist())
            cand = np.asarray(sorted(keep), dtype=np.int64)
        rows = np.concatenate([anchors, cand]).astype(np.int64)
        return _Pool(
            rows=rows,
            A=self.affinity(rows),
            Q=Q_all[rows],
            mo=np.asarray(snap.is_mo, dtype=bool)[rows],
            locked=list(range(len(anchors))),
            u=self.topic_weight * self.topic_fit(topics)[rows] if self.topic_weight else None,
        )

    @staticmethod
    def _topics_of(roles: ProjectTemplate | Sequence[Role], topics: Iterable[str] | None) -> list[str]:
        if topics is not None:
            return list(dict.fromkeys(topics))
        return list(roles.topics) if isinstance(roles, ProjectTemplate) else []

    def _distinct(
        self, found: list[tuple[float, tuple[int, ...]]], locked: Sequence[int], k: int
    ) -> list[tuple[float, tuple[int, ...]]]:
        """Best first, each further team sharing at most ``max_shared`` free members with every earlier one."""
        if self.max_shared is None:
            return found[:k]
        fixed = set(locked)
        out: list[tuple[float, tuple[int, ...]]] = []
        for score, team in found:
            free = set(team) - fixed
            if all(len(free & set(t)) <= self.max_shared for _s, t in out):
                out.append((score, team))
                if len(out) == k:
                    break
        return out

    @staticmethod
    def _roles_of(roles: ProjectTemplate | Sequence[Role]) -> tuple[list[Role], str | None]:
        if isinstance(roles, ProjectTemplate):
            return list(roles.roles), roles.id
        out = list(roles)
        if not out or not all(isinstance(r, Role) for r in out):
            raise ValueError("roles must be a ProjectTemplate or a non-empty list of graph.planning.Role")
        return out, None

    # -- search --------------------------------------------------------------
    def _search(self, pool: _Pool) -> list[tuple[float, tuple[int, ...]]]:
        Q = pool.Q
        covered = Q[pool.locked].any(axis=0) if pool.locked else np.zeros(Q.shape[1], dtype=bool)
        free = np.ones(len(pool.rows), dtype=bool)
        free[pool.locked] = False
        found: dict[tuple[int, ...], float] = {}
        if covered.all():
            seeds: list[int | None] = [None]
        else:
            open_roles = np.flatnonzero(~covered)
            counts = Q[free][:, open_roles].sum(axis=0)
            if (counts == 0).any():
                return []
            rarest = open_roles[np.argmin(counts)]
            cand = np.flatnonzero(Q[:, rarest] & free)
            prior = (
                pool.A[cand].sum(axis=1)
                if not pool.locked
                else (pool.A[np.ix_(cand, np.asarray(pool.locked))].sum(axis=1))
            )
            seeds = cand[np.argsort(-prior, kind="stable")][: self.n_seeds].tolist()
            # when the rarest role has few candidates, other candidates start teams, too
            rest = np.flatnonzero(free & Q.any(axis=1) & ~Q[:, rarest])
            prior = (
                pool.A[rest].sum(axis=1)
                if not pool.locked
                else (pool.A[np.ix_(rest, np.asarray(pool.locked))].sum(axis=1))
            )
            seeds += rest[np.argsort(-prior, kind="stable")][: max(0, self.n_seeds - len(seeds))].tolist()
        for seed in seeds:
            team = _construct(pool, seed, self.min_size, self.max_size, self.mix_bonus)
            if team is None:
                continue
            # the seed stays: every candidate of the rarest role gets its own team
            locked = pool.locked
            if seed is not None:
                pool.locked = [*locked, seed]
            team, score = _improve(pool, team, self.min_size, self.max_size, self.mix_bonus)
            pool.locked = locked
            if _feasible(pool, team, self.min_size, self.max_size):
                found[tuple(sorted(team))] = score
        return sorted(((s, t) for t, s in found.items()), key=lambda x: (-x[0], x[1]))

    def _team(
        self,
        pool: _Pool,
        members: Sequence[int],
        roles: Sequence[Role],
        score: float,
        template: str | None,
        topics: Sequence[str] = (),
    ) -> Team:
        snap = self.snapshot_
        assert pool.u is not None  # _Pool.__post_init__ fills it
        idx = list(members)
        # locked members first, then by the number of roles they fill
        order = sorted(idx, key=lambda i: (i not in pool.locked, -int(pool.Q[i].sum()), snap.org_ids[pool.rows[i]]))
        out: list[TeamMember] = []
        for i in order:
            row = int(pool.rows[i])
            others = [j for j in order if j != i]
            tie = None
            if others:
                j = max(others, key=lambda j: (pool.A[i, j], -j))
                if pool.A[i, j] > 0:
                    tie = self._tie(row, int(pool.rows[j]), float(pool.A[i, j]))
            org = snap.orgs[snap.org_ids[row]]
            held = set(org.topics) | {o.capability for o in org.offers}
            out.append(
                TeamMember(
                    org=snap.org_ids[row],
                    roles=[roles[int(r)].id for r in np.flatnonzero(pool.Q[i])],
                    is_mo=bool(pool.mo[i]),
                    tie=tie,
                    topics=[t for t in topics if t in held],
                    topic_fit=round(float(pool.u[i]), 4),
                )
            )
        k = len(idx)
        a = np.asarray(idx)
        affinity = float(pool.A[np.ix_(a, a)].sum()) / (k * (k - 1)) if k > 1 else 0.0
        mixed = bool(pool.mo[a].any() and (~pool.mo[a]).any())
        filled = {r.id: [m.org for m in out if r.id in m.roles] for r in roles}
        topic = float(pool.u[a].sum()) / k if k else 0.0
        # a role every member fills says nothing about any one of them: the team says it once
        shared = [r.id for r in roles if k > 1 and len(filled[r.id]) == k]
        return Team(out, round(score, 4), round(affinity, 4), mixed, filled, template, round(topic, 4), shared)

    def _tie(self, i: int, j: int, affinity: float) -> dict[str, Any]:
        """The strongest reason joining rows ``i`` and ``j`` (``existing_cooperation`` counts too)."""
        parts = self.model_.reasons(i, j)
        if self.snapshot_.coop[i, j] > 0:
            parts.append({"kind": "existing_cooperation", "weight": round(self.cooperation_weight, 4)})
        parts.sort(key=lambda r: -r["weight"])
        top = dict(parts[0]) if parts else {"kind": "bridge_mo_institution", "weight": 0.0}
        return {"partner": self.snapshot_.org_ids[j], "affinity": round(affinity, 4), **top}

    def suggest(
        self,
        roles: ProjectTemplate | Sequence[Role],
        *,
        around: str | Sequence[str] | None = None,
        candidates: Collection[str] | None = None,
        k: int | None = None,
        topics: Iterable[str] | None = None,
    ) -> list[Team]:
        """Up to ``k`` distinct feasible teams, best first (empty when no team can fill every role).

        ``around`` names organisations every team must contain; ``candidates`` limits the others;
        ``topics`` (default: the template's) decide the topic part of the score. Each further team
        shares at most ``max_shared`` members with every team before it, so fewer than ``k`` teams
        may come back.
        """
        self._check()
        role_list, template = self._roles_of(roles)
        wanted = self._topics_of(roles, topics)
        anchors = [around] if isinstance(around, str) else list(around or [])
        pool = self._pool(role_list, anchors, candidates, wanted)
        found = self._alternatives(pool, k or self.k)
        return [self._team(pool, t, role_list, s, template, wanted) for s, t in found]

    def _alternatives(self, pool: _Pool, k: int) -> list[tuple[float, tuple[int, ...]]]:
        """The best team, then alternatives that differ (see `_distinct`).

        When the local optima of one search do not give ``k`` teams that differ enough, the search is
        run again without the members of the teams chosen so far except one of them (or none): every
        team found then shares at most that one member with each earlier team.
        """
        found = dict((t, s) for s, t in self._search(pool))

        def ranked() -> list[tuple[float, tuple[int, ...]]]:
            return sorted(((s, t) for t, s in found.items()), key=lambda x: (-x[0], x[1]))

        chosen = self._distinct(ranked(), pool.locked, k)
        if self.max_shared is None or len(chosen) >= k:
            return chosen
        fixed = set(pool.locked)
        tried: set[int | None] = set()
        while len(chosen) < k:
            used = sorted({i for _s, t in chosen for i in t} - fixed)
            todo = [c for c in [None, *used] if c not in tried and (c is None or self.max_shared >= 1)]
            if not todo:
                break
            for keep in todo:
                tried.add(keep)
                banned = np.zeros(len(pool.rows), dtype=bool)
                banned[[i for i in used if i != keep]] = True
                sub = _Pool(pool.rows, pool.A, pool.Q & ~banned[:, None], pool.mo, list(pool.locked), pool.u)
                for s, t in self._search(sub):
                    found.setdefault(t, s)
            chosen = self._distinct(ranked(), pool.locked, k)
        return chosen

    def optimal(
        self,
        roles: ProjectTemplate | Sequence[Role],
        *,
        around: str | Sequence[str] | None = None,
        candidates: Collection[str] | None = None,
        method: str = "milp",
        topics: Iterable[str] | None = None,
    ) -> Team | None:
        """The exact best team on the same candidate pool (small pools only: ``milp`` or ``brute``).

        The MILP solves one problem per team size ``s``: binary ``x_i`` (member), ``y_ij <= x_i, x_j``
        (pair in the team), binary ``z`` (mixed), maximise ``sum u_i x_i / s + sum a_ij y_ij / C(s, 2) + bonus z``
        subject to role coverage, ``sum x = s``, fixed anchors and ``z <= #MO, z <= #institutions``.
        """
        self._check()
        role_list, template = self._roles_of(roles)
        wanted = self._topics_of(roles, topics)
        anchors = [around] if isinstance(around, str) else list(around or [])
        pool = self._pool(role_list, anchors, candidates, wanted)
        if method == "brute":
            best = _brute(pool, self.min_size, self.max_size, self.mix_bonus)
        elif method == "milp":
            best = _milp(pool, self.min_size, self.max_size, self.mix_bonus)
        else:
            raise ValueError("method must be 'milp' or 'brute'")
        if best is None:
            return None
        score, team = best
        return self._team(pool, team, role_list, score, template, wanted)

    # -- completion ----------------------------------------------------------
    def completion_scores(
        self, members: Sequence[str], topics: Iterable[str] = (), *, topic_weight: float = 0.5
    ) -> np.ndarray:
        """Score of every organisation as the next member: mean affinity to ``members`` plus
        ``topic_weight`` times the cosine of its TF-IDF topics with ``topics`` (members get ``-inf``)."""
        self._check()
        rows = self._rows(members)
        n = self.snapshot_.n
        score = self.affinity_to(rows).mean(axis=0) if len(rows) else np.zeros(n)
        wanted = [t for t in topics if t in self._topic_pos]
        if wanted and topic_weight:
            sd = self.model_.signals_
            q = np.zeros(len(self.snapshot_.topic_ids), dtype=np.float32)
            for t in wanted:
                q[self._topic_pos[t]] = sd.topic_idf[self._topic_pos[t]]
            q /= np.linalg.norm(q)
            score = score + topic_weight * np.asarray(sd.topics_n @ q).ravel()
        score = np.asarray(score, dtype=np.float64)
        score[rows] = -np.inf
        return score

    @property
    def _topic_pos(self) -> dict[str, int]:
        pos = getattr(self, "_topic_pos_cache", None)
        if pos is None:
            pos = {t: j for j, t in enumerate(self.snapshot_.topic_ids)}
            self._topic_pos_cache = pos
        return pos


def _brute(pool: _Pool, min_size: int, max_size: int, bonus: float) -> tuple[float, tuple[int, ...]] | None:
    m = len(pool.rows)
    free = [i for i in range(m) if i not in pool.locked and pool.Q[i].any()]
    best: tuple[float, tuple[int, ...]] | None = None
    for size in range(min_size, max_size + 1):
        extra = size - len(pool.locked)
        if extra < 0:
            continue
        for combo in itertools.combinations(free, extra):
            team = (*pool.locked, *combo)
            if not pool.Q[list(team)].any(axis=0).all():
                continue
            val = _objective(pool.A, team, pool.mo, bonus, pool.u)
            if best is None or val > best[0] + _EPS:
                best = (val, tuple(sorted(team)))
    return best


def _milp(pool: _Pool, min_size: int, max_size: int, bonus: float) -> tuple[float, tuple[int, ...]] | None:
    from scipy.optimize import Bounds, LinearConstraint, milp  # only here: 0.3 s that suggestions do not pay

    assert pool.u is not None  # _Pool.__post_init__ fills it
    m = len(pool.rows)
    iu, ju = np.triu_indices(m, k=1)
    p = len(iu)
    nvar = m + p + 1  # x, y, z
    rows_a: list[sp.csr_matrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    # y_ij - x_i <= 0 and y_ij - x_j <= 0
    e = np.arange(p)
    for col in (iu, ju):
        a = sp.csr_matrix((np.r_[np.ones(p), -np.ones(p)], (np.r_[e, e], np.r_[m + e, col])), shape=(p, nvar))
        rows_a.append(a)
        lo.append(np.full(p, -np.inf))
        hi.append(np.zeros(p))
    # role coverage
    R = pool.Q.shape[1]
    cov = sp.csr_matrix(np.hstack([pool.Q.T.astype(float), np.zeros((R, p + 1))]))
    rows_a.append(cov)
    lo.append(np.ones(R))
    hi.append(np.full(R, np.inf))
    # z <= #MO, z <= #institutions
    for mask in (pool.mo, ~pool.mo):
        rows_a.append(sp.csr_matrix(np.r_[-mask.astype(float), np.zeros(p), 1.0][None, :]))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([0.0]))
    size_row = sp.csr_matrix(np.r_[np.ones(m), np.zeros(p + 1)][None, :])
    lb = np.zeros(nvar)
    ub = np.ones(nvar)
    lb[pool.locked] = 1.0
    ub[[i for i in range(m) if i not in pool.locked and not pool.Q[i].any()]] = 0.0
    integrality = np.r_[np.ones(m), np.zeros(p), 1.0]
    best: tuple[float, tuple[int, ...]] | None = None
    # sum_j y_ij = (size - 1) x_i: tightens the relaxation a lot for a fixed size
    inc = sp.csr_matrix((np.ones(2 * p), (np.r_[iu, ju], np.r_[m + e, m + e])), shape=(m, nvar))
    eye = sp.csr_matrix((np.ones(m), (np.arange(m), np.arange(m))), shape=(m, nvar))
    for size in range(max(min_size, len(pool.locked)), max_size + 1):
        c = -np.r_[pool.u / size, pool.A[iu, ju] / (size * (size - 1) / 2), bonus]
        degree = (inc - (size - 1) * eye).tocsr()
        matrix = sp.vstack([*rows_a, size_row, degree]).tocsr()
        cons = [LinearConstraint(matrix, np.r_[*lo, size, np.zeros(m)], np.r_[*hi, size, np.zeros(m)])]
        res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(lb, ub))
        if res.status != 0 or res.x is None:
            continue
        team = tuple(sorted(int(i) for i in np.flatnonzero(res.x[:m] > 0.5)))
        val = _objective(pool.A, team, pool.mo, bonus, pool.u)
        if best is None or val > best[0] + _EPS:
            best = (val, team)
    return best


# ---------------------------------------------------------------------------
# functional API
# ---------------------------------------------------------------------------
def suggest_teams(
    snapshot: Snapshot,
    roles: ProjectTemplate | Sequence[Role],
    *,
    around: str | Sequence[str] | None = None,
    candidates: Collection[str] | None = None,
    k: int = 5,
    weights: Mapping[str, float] | None = None,
    **params: Any,
) -> list[Team]:
    """Up to ``k`` distinct teams for a template (or a list of roles), best first; see `TeamBuilder`."""
    builder = TeamBuilder(weights, k=k, **params).fit(snapshot)
    return builder.suggest(roles, around=around, candidates=candidates)


def complete_team(
    snapshot: Snapshot,
    members: Sequence[str],
    topics: Iterable[str] = (),
    *,
    k: int = 10,
    roles: Sequence[Role] | None = None,
    topic_weight: float = 0.5,
    weights: Mapping[str, float] | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Rank organisations to join ``members`` on a project about ``topics`` (team completion).

    Each entry: ``org``, ``score`` (mean affinity to the members + ``topic_weight`` x topic fit),
    ``roles`` it would fill among ``roles`` still open, and its strongest ``tie`` to a member.
    With ``roles``, only organisations filling an open role are ranked.
    """
    builder = TeamBuilder(weights, **params).fit(snapshot)
    score = builder.completion_scores(members, topics, topic_weight=topic_weight)
    open_roles: list[Role] = []
    if roles:
        Q = role_matrix(snapshot, roles)
        rows = builder._rows(members)
        is_open = ~Q[rows].any(axis=0) if len(rows) else np.ones(len(roles), dtype=bool)
        open_roles = [r for r, o in zip(roles, is_open, strict=True) if o]
        if open_roles:
            Qo = Q[:, is_open]
            score = np.where(Qo.any(axis=1), score, -np.inf)
    order = np.argsort(-score, kind="stable")
    order = order[np.isfinite(score[order])][:k]
    member_rows = builder._rows(members)
    out = []
    aff = builder.affinity_to(order) if len(order) else np.zeros((0, snapshot.n))
    for pos, row in enumerate(order.tolist()):
        tie = None
        if len(member_rows):
            j = int(member_rows[np.argmax(aff[pos, member_rows])])
            if aff[pos, j] > 0:
                tie = builder._tie(row, j, float(aff[pos, j]))
        filled = [r.id for r in open_roles if role_matrix(snapshot, [r])[row, 0]] if open_roles else []
        out.append({"org": snapshot.org_ids[row], "score": round(float(score[row]), 4), "roles": filled, "tie": tie})
    return out


@dataclass
class ProjectIdea:
    """A project idea for a group of organisations with shared topics and shared unmet needs."""

    template: str
    group: list[str]
    topics: list[str]
    needs: list[dict[str, Any]]
    team: Team
    funding: FundingResult
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "score": self.score,
            "group": list(self.group),
            "shared_topics": list(self.topics),
            "shared_needs": [dict(n) for n in self.needs],
            "team": self.team.to_dict(),
            "funding": self.funding.to_dict(),
        }


def _similarity_graph(snapshot: Snapshot, builder: TeamBuilder, need_weight: float, threshold: float) -> nx.Graph:
    sd = builder.model_.signals_
    sim = sd.topics_n @ sd.topics_nt
    needs = sp.csr_matrix(snapshot.needs, dtype=np.float32, copy=True)
    needs.data[:] = 1.0
    norms = np.sqrt(np.asarray(needs.sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    needs_n = sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ needs)
    sim = sp.csr_matrix(sim + need_weight * (needs_n @ needs_n.T))
    sim = sp.triu(sim, k=1).tocoo()
    keep = sim.data >= threshold
    g = nx.Graph()
    g.add_nodes_from(range(snapshot.n))
    g.add_weighted_edges_from(zip(sim.row[keep].tolist(), sim.col[keep].tolist(), sim.data[keep].tolist(), strict=True))
    return g


def project_ideas(
    snapshot: Snapshot,
    templates: Sequence[ProjectTemplate],
    *,
    k: int = 5,
    org: str | None = None,
    today: str | None = None,
    need_weight: float = 0.5,
    threshold: float = 0.3,
    min_group: int = 3,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    **params: Any,
) -> list[ProjectIdea]:
    """Project ideas from the network itself, best first.

    1. Organisations are linked by topic similarity (TF-IDF cosine) plus ``need_weight`` times the
       cosine of their needs; links below ``threshold`` are dropped; Louvain (``seed``) finds groups.
    2. Per group of at least ``min_group``: topics of two or more members, and needs of two or more
       members that nobody in the group offers (shared unmet needs).
    3. The template whose topics the group shares most (ties: whose roles bring the needed
       capabilities) is chosen; a team is formed from the group plus outsiders that fill roles the
       group cannot fill or offer what the group needs; matching funding programmes are listed.

    With ``org``, only ideas whose team contains ``org`` are returned (the team is built around it).
    """
    if not templates:
        return []
    builder = TeamBuilder(weights, k=1, **params).fit(snapshot)
    g = _similarity_graph(snapshot, builder, need_weight, threshold)
    groups = [sorted(c) for c in nx.community.louvain_communities(g, weight="weight", seed=seed) if len(c) >= min_group]
    topics_csr = sp.csr_matrix(snapshot.topics)
    needs_csr = sp.csr_matrix(snapshot.needs)
    offers_csr = sp.csr_matrix(snapshot.offers)
    Q_by_template = {t.id: role_matrix(snapshot, t.roles) for t in templates}
    anchor = None if org is None else builder._rows([org])[0]
    ideas: list[ProjectIdea] = []
    for group in groups:
        rows = np.asarray(group, dtype=np.int64)
        if anchor is not None and anchor not in set(group):
            continue
        tcount = np.asarray(topics_csr[rows].astype(bool).sum(axis=0)).ravel()
        shared_topics = {snapshot.topic_ids[j]: int(tcount[j]) for j in np.flatnonzero(tcount >= 2)}
        ncount = np.asarray(needs_csr[rows].astype(bool).sum(axis=0)).ravel()
        urgency = np.asarray(needs_csr[rows].sum(axis=0)).ravel()
        offered = np.asarray(offers_csr[rows].getnnz(axis=0)).ravel() > 0
        unmet = np.flatnonzero((ncount >= 2) & ~offered)
        unmet = unmet[np.argsort(-urgency[unmet], kind="stable")]
        shared_needs: list[dict[str, Any]] = [
            {"capability": snapshot.capability_ids[c], "organisations": int(ncount[c]), "urgency": int(urgency[c])}
            for c in unmet
        ]
        needed = {n["capability"] for n in shared_needs}
        best: tuple[float, ProjectTemplate] | None = None
        for tpl in templates:
            fit = sum(shared_topics.get(t, 0) for t in tpl.topics) / len(group)
            if fit <= 0:
                continue
            brings = sum(1 for r in tpl.roles for c in r.any for cap in c.get("offers", []) if cap in needed)
            val = fit + 0.25 * brings
            if best is None or val > best[0] + _EPS:
                best = (val, tpl)
        if best is None:
            continue
        fit, tpl = best
        Q = Q_by_template[tpl.id]
        inside = Q[rows].any(axis=0)
        pool = set(rows.tolist())
        outsiders = np.flatnonzero(Q[:, ~inside].any(axis=1)) if (~inside).any() else np.zeros(0, np.int64)
        pool.update(outsiders.tolist())
        if needed:
            helpers = _columns_any(offers_csr, snapshot.capability_ids, needed) & Q.any(axis=1)
            pool.update(np.flatnonzero(helpers).tolist())
        cand_ids = [snapshot.org_ids[i] for i in sorted(pool)]
        teams = builder.suggest(tpl, around=org, candidates=cand_ids, k=1)
        if not teams:
            continue
        team = teams[0]
        funding = funding_for_project(snapshot, team.org_ids, sorted(set(tpl.topics) | set(shared_topics)), today=today)
        ideas.append(
            ProjectIdea(
                template=tpl.id,
                group=[snapshot.org_ids[i] for i in rows],
                topics=sorted(shared_topics, key=lambda t: (-shared_topics[t], t)),
                needs=shared_needs,
                team=team,
                funding=funding,
                score=round(float(fit) + team.score, 4),
            )
        )
    ideas.sort(key=lambda i: (-i.score, i.template, i.group))
    return ideas[:k]
