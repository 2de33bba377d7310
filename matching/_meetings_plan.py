"""Exchange meetings in the network: `plan_meeting`, `replan`, the stored `MeetingPlan` and its parser.

`plan_meeting` turns a `graph.Meeting` on a snapshot into a plan: the match scores of the
attendees (`meeting_score_matrix`, the score rule of `matching._score`), their history, languages,
kinds and themes go to `MeetingPlanner`; every seated pair gets its reasons.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from graph import Issue, Meeting, Snapshot, ValidationError
from graph.model import MEETING_FORMATS, TABLE_SIZE_RANGE, parse_meeting

from ._meetings_planner import MeetingPlanner
from ._meetings_sizes import score_upper_bound, table_sizes
from ._score import combine

__all__ = ["HISTORY_KINDS", "MeetingPlan", "meeting_score_matrix", "parse_plan", "plan_meeting", "replan"]

#: reason kinds that depend on the direction of the pair; swapped for the other organisation
_FLIP = {"they_offer_what_you_need": "you_offer_what_they_need", "you_offer_what_they_need": "they_offer_what_you_need"}
#: history kinds, strongest first
HISTORY_KINDS = ("cooperating", "met", "declined", "earlier_meeting")
#: the fields of a stored ``meeting_plan`` record (`MeetingPlan.to_dict`)
_PLAN_FIELDS = frozenset(
    {
        "meeting",
        "format",
        "table_size",
        "rounds",
        "score",
        "objective",
        "upper_bound",
        "pairs",
        "locked",
        "themes",
        "warnings",
        "created_at",
        "created_by",
        "repeats",
        "repeats_accepted_by",
        "search",
        "published_at",
        "published_by",
    }
)


@dataclass
class MeetingPlan:
    """A seating plan with the reasons of every pair; ``to_dict`` is the ``meeting_plan`` record."""

    meeting: str
    format: str
    table_size: int
    rounds: list[list[list[str]]]
    score: float
    pairs: list[dict[str, Any]] = field(default_factory=list)
    locked: list[dict[str, Any]] = field(default_factory=list)
    themes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    objective: float | None = None
    upper_bound: float | None = None
    created_at: str = ""
    created_by: str = ""
    #: pairs that meet more than once (``{"orgs": [a, b], "rounds": [...]}``): the best plan found had them
    repeats: list[dict[str, Any]] = field(default_factory=list)
    #: staff accepted the repeats (who, or ""); only then can such a plan be published
    repeats_accepted_by: str = ""
    #: how the plan was searched: ``{"time_limit": seconds, "seed": ..., "found_by": "weighted"|"design"|"tabu"}``
    search: dict[str, Any] = field(default_factory=dict)
    #: when and by whom staff published the plan to the representatives ("" = not published)
    published_at: str = ""
    published_by: str = ""
    _source: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "meeting": self.meeting,
            "format": self.format,
            "table_size": self.table_size,
            "rounds": [[list(t) for t in tables] for tables in self.rounds],
            "score": self.score,
            "objective": self.objective,
            "upper_bound": self.upper_bound,
            "pairs": [dict(p) for p in self.pairs],
            "locked": [dict(x) for x in self.locked],
            "themes": [dict(x) for x in self.themes],
            "warnings": [dict(w) for w in self.warnings],
            "created_at": self.created_at,
            "created_by": self.created_by,
            **({"repeats": [dict(x) for x in self.repeats]} if self.repeats else {}),
            **({"repeats_accepted_by": self.repeats_accepted_by} if self.repeats_accepted_by else {}),
            **({"search": dict(self.search)} if self.search else {}),
            **({"published_at": self.published_at, "published_by": self.published_by} if self.published_at else {}),
        }

    @property
    def publishable(self) -> bool:
        """Without repeated pairs, or with repeats that staff accepted."""
        return not self.repeats or bool(self.repeats_accepted_by)

    def theme(self, table: int) -> str | None:
        """Topic id of table number ``table`` (1-based), if themed."""
        return next((th["topic"] for th in self.themes if th["table"] == table), None)

    def is_locked(self, round: int, table: int) -> bool:
        return any(x["round"] == round and x["table"] == table for x in self.locked)

    def agenda(self, org: str) -> list[dict[str, Any]]:
        """Per round the table, the table mates and, per mate, the reasons from ``org``'s side.

        >>> plan = MeetingPlan("m", "pairs", 2, [[["a", "b"]]], 0.3, pairs=[{"round": 1, "table": 1, "a": "a",
        ...     "b": "b", "score": 0.3, "reasons": [{"kind": "they_offer_what_you_need", "weight": 0.3}]}])
        >>> plan.agenda("b")[0]["with"][0]["reasons"][0]["kind"]
        'you_offer_what_they_need'
        """
        by_pair = {(p["round"], p["a"], p["b"]): p for p in self.pairs}
        out = []
        for r, tables in enumerate(self.rounds, start=1):
            for t, members in enumerate(tables, start=1):
                if org not in members:
                    continue
                mates = []
                for other in members:
                    if other == org:
                        continue
                    a, b = sorted((org, other))
                    p = by_pair.get((r, a, b), {})
                    reasons = p.get("reasons", [])
                    if org == b:
                        reasons = [{**x, "kind": _FLIP.get(x["kind"], x["kind"])} for x in reasons]
                    mates.append(
                        {"org": other, "score": p.get("score", 0.0), "reasons": reasons, "history": p.get("history")}
                    )
                mates.sort(key=lambda m: -m["score"])
                out.append({"round": r, "table": t, "theme": self.theme(t), "with": mates})
        return out

    def pair_set(self) -> set[tuple[str, str]]:
        """Every pair that sits together in some round (sorted ids)."""
        return {
            cast("tuple[str, str]", tuple(sorted((a, b))))
            for tables in self.rounds
            for t in tables
            for x, a in enumerate(t)
            for b in t[x + 1 :]
        }


def parse_plan(data: Any, where: str = "") -> tuple[MeetingPlan | None, list[Issue]]:
    """Validate a stored ``meeting_plan`` record; returns ``(plan or None, issues)``.

    Checks the shape, that nobody sits twice in a round and that no pair meets twice (unless the
    record lists the pair under ``repeats``: a best plan with repeats, kept for staff to decide).

    >>> plan, issues = parse_plan({"meeting": "m", "format": "tables", "table_size": 2,
    ...                            "rounds": [[["a", "b"]], [["b", "a"]]], "score": 1})
    >>> plan, [i.reason for i in issues]
    (None, ['a and b meet again (first in round 1)'])
    """
    issues: list[Issue] = []

    def err(fname: str, value: Any, reason: str) -> None:
        issues.append(Issue(fname, value, reason, where=where))

    if not isinstance(data, Mapping):
        return None, [Issue("meeting_plan", data, "must be an object", where=where)]
    for key in data:
        if key not in _PLAN_FIELDS:
            err(str(key), data[key], "unknown field")
    meeting = data.get("meeting")
    if not isinstance(meeting, str) or not meeting:
        err("meeting", meeting, "must be the meeting id")
    fmt = data.get("format", "tables")
    if fmt not in MEETING_FORMATS:
        err("format", fmt, "must be one of " + ", ".join(MEETING_FORMATS))
    k = data.get("table_size", 4)
    if not isinstance(k, int) or isinstance(k, bool) or not TABLE_SIZE_RANGE[0] <= k <= TABLE_SIZE_RANGE[1]:
        err("table_size", k, "must be between 2 and 8")
    rounds = data.get("rounds")
    if not isinstance(rounds, list) or not rounds:
        err("rounds", rounds, "must be a list of rounds, each a list of tables (lists of organisation ids)")
        rounds = []
    _check_rounds(rounds, data.get("repeats") or [], err)
    score = data.get("score")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not math.isfinite(score):
        err("score", score, "must be a number")
    for name in ("pairs", "locked", "themes", "warnings", "repeats"):
        value = data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(x, Mapping) for x in value):
            err(name, value, "must be a list of objects")
    for x, lk in enumerate(data.get("locked") or []):
        if isinstance(lk, Mapping) and not (
            isinstance(lk.get("round"), int) and isinstance(lk.get("table"), int) and isinstance(lk.get("orgs"), list)
        ):
            err(f"locked[{x}]", lk, "must have 'round', 'table' and 'orgs'")
    for name in ("objective", "upper_bound"):
        v = data.get(name)
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            err(name, v, "must be a number or null")
    if issues:
        return None, issues
    return _plan_of(data, cast(str, meeting), fmt, k, rounds, cast(float, score)), []


def _check_rounds(rounds: list[Any], repeats: Any, err: Callable[[str, Any, str], None]) -> None:
    """Every round a list of tables of ids, nobody at two tables, no pair twice unless under ``repeats``."""
    met: dict[tuple[str, str], int] = {}
    declared = {tuple(sorted(x.get("orgs") or [])) for x in repeats if isinstance(x, Mapping)}
    for r, tables in enumerate(rounds, start=1):
        if not isinstance(tables, list) or not all(
            isinstance(t, list) and t and all(isinstance(o, str) for o in t) for t in tables
        ):
            err(f"rounds[{r - 1}]", tables, "must be a list of tables, each a non-empty list of organisation ids")
            continue
        seen: set[str] = set()
        for t in tables:
            for x, a in enumerate(t):
                if a in seen:
                    err(f"rounds[{r - 1}]", a, f"sits at two tables in round {r}")
                seen.add(a)
                for b in t[x + 1 :]:
                    pair = (min(a, b), max(a, b))
                    if pair in met and pair not in declared:
                        err(
                            f"rounds[{r - 1}]",
                            list(pair),
                            f"{pair[0]} and {pair[1]} meet again (first in round {met[pair]})",
                        )
                    met.setdefault(pair, r)


def _plan_of(data: Mapping[str, Any], meeting: str, fmt: str, k: int, rounds: list[Any], score: float) -> MeetingPlan:
    """The `MeetingPlan` of a checked ``meeting_plan`` record."""
    return MeetingPlan(
        meeting=meeting,
        format=fmt,
        table_size=k,
        rounds=[[list(t) for t in tables] for tables in rounds],
        score=float(score),
        pairs=[dict(p) for p in data.get("pairs") or []],
        locked=[
            {"round": lk["round"], "table": lk["table"], "orgs": list(lk["orgs"])} for lk in data.get("locked") or []
        ],
        themes=[dict(x) for x in data.get("themes") or []],
        warnings=[dict(w) for w in data.get("warnings") or []],
        objective=data.get("objective"),
        upper_bound=data.get("upper_bound"),
        created_at=str(data.get("created_at") or ""),
        created_by=str(data.get("created_by") or ""),
        repeats=[dict(x) for x in data.get("repeats") or [] if isinstance(x, Mapping)],
        repeats_accepted_by=str(data.get("repeats_accepted_by") or ""),
        search=dict(data.get("search") or {}) if isinstance(data.get("search"), Mapping) else {},
        published_at=str(data.get("published_at") or ""),
        published_by=str(data.get("published_by") or ""),
    )


def meeting_score_matrix(model: Any, ids: Sequence[str]) -> np.ndarray:
    """The ``n x n`` match scores of ``ids`` from a fitted `MatchingModel` (vectorised over all pairs).

    The score rule of every suggestion (`matching._score.combine`), in double precision: the weighted
    content signals, plus bridging where some content signal is positive. Pairs that already
    cooperate are *not* blocked here (the planner penalises them as history instead). A meeting is
    mutual: each pair scores the mean of both directions (activity, a trait of the suggested side,
    counts for both), so the matrix does not depend on the order of ``ids``.
    """
    n = len(ids)
    out = np.zeros((n, n))
    if n < 2:
        return out
    iu, ju = np.triu_indices(n, 1)
    ids = list(ids)
    a, b = [ids[i] for i in iu], [ids[j] for j in ju]
    forth = combine(model.pair_signals(a, b).astype(np.float64), model.weights_)
    back = combine(model.pair_signals(b, a).astype(np.float64), model.weights_)
    score = (forth + back) / 2
    out[iu, ju] = score
    out[ju, iu] = score
    return out


def _history(
    model: Any, snapshot: Snapshot, ids: list[str], extra: Iterable[Sequence[str]]
) -> tuple[np.ndarray, dict[tuple[int, int], str]]:
    """Pairs of attendees that cooperate, met (introductions met/cooperating, or introduced and at one
    meeting), declined an introduction, or sat together in an earlier plan (``extra``)."""
    n = len(ids)
    rows = np.asarray([snapshot.index[x] for x in ids], dtype=np.int64)
    kind: dict[tuple[int, int], str] = {}
    declined = model.blocked_ - model.signals_.adj - sp.identity(snapshot.n, format="csr")
    sources = [
        ("earlier_meeting", None),
        ("declined", declined),
        ("met", model.met_),
        ("cooperating", model.signals_.adj),
    ]
    local = {x: i for i, x in enumerate(ids)}
    for a, b in extra:
        if a in local and b in local and a != b:
            i, j = sorted((local[a], local[b]))
            kind[(i, j)] = "earlier_meeting"
    for name, m in sources[1:]:
        sub = sp.csr_matrix(m)[rows][:, rows]
        sub = sp.triu(sub, k=1).tocoo()
        for i, j, v in zip(sub.row.tolist(), sub.col.tolist(), sub.data.tolist(), strict=True):
            if v > 0:
                kind[(i, j)] = name  # later sources are stronger
    hist = np.zeros((n, n), dtype=bool)
    for i, j in kind:
        hist[i, j] = hist[j, i] = True
    return hist, kind


def plan_meeting(
    snapshot: Snapshot,
    meeting: Meeting,
    *,
    weights: Mapping[str, float] | None = None,
    history: Iterable[Sequence[str]] = (),
    created_by: str = "",
    created_at: str = "",
    **params: Any,
) -> MeetingPlan:
    """Plan ``meeting`` (a `graph.Meeting`) on the network ``snapshot``.

    ``history``: pairs seated together at earlier meetings (from earlier ``meeting_plan`` records);
    together with cooperations, met/cooperating introductions and declined ones they are avoided
    by ``repeat_penalty``. ``created_by`` and ``created_at`` (an ISO timestamp: matching reads no
    clock, the caller passes the time) are recorded in the plan as given. ``params`` go to
    `MeetingPlanner`. Raises `graph.ValidationError` for an unknown attendee or constraints that
    cannot all hold.

    Example
    -------
    >>> from graph import parse_network, build_snapshot
    >>> net = parse_network({"organisations": [
    ...     {"id": o, "name": o.upper(), "kind": k, "topics": t, "languages": ["de"]} for o, k, t in [
    ...     ("a", "migrant_organisation", ["sport"]), ("b", "education", ["sport"]),
    ...     ("c", "migrant_organisation", ["music"]), ("d", "education", ["music"])]]})
    >>> m = Meeting("m", "Treffen", attendance=["a", "b", "c", "d"], format="pairs", table_size=2)
    >>> plan = plan_meeting(build_snapshot(net, today="2025-01-01"), m)
    >>> plan.rounds, [r["kind"] for r in plan.pairs[0]["reasons"]]
    ([[['a', 'b'], ['c', 'd']]], ['shared_topics'])
    """
    from ._suggest import matching_model

    ids = list(dict.fromkeys(meeting.attendance))
    _check_attendance(snapshot, meeting, ids)
    model = matching_model(snapshot, weights=weights)
    S = meeting_score_matrix(model, ids)
    history = [tuple(p) for p in history]
    hist, hist_kind = _history(model, snapshot, ids, history)
    orgs = snapshot.orgs
    languages = [set(orgs[x].languages) for x in ids]
    is_mo = np.asarray([orgs[x].kind == "migrant_organisation" for x in ids])
    affinity = {}
    for th in meeting.themes:
        topic = th["topic"]
        affinity[topic] = np.asarray([topic in orgs[x].topics for x in ids])
    planner = MeetingPlanner(
        rounds=meeting.rounds,
        format=meeting.format,
        table_size=meeting.table_size,
        must_meet=meeting.must_meet,
        must_not_meet=meeting.must_not_meet,
        locked=meeting.locked,
        themes=meeting.themes,
        **params,
    )
    planner.fit(S, ids, history=hist, languages=languages, is_mo=is_mo, affinity=affinity)
    pairs = _seated_pairs(model, snapshot, planner, S, ids, hist_kind)
    n = len(ids)
    plan = MeetingPlan(
        meeting=meeting.id,
        format=meeting.format,
        table_size=planner.k_,
        rounds=planner.rounds_,
        score=round(planner.score_, 4),
        pairs=pairs,
        locked=[{"round": x["round"], "table": x["table"], "orgs": list(x["orgs"])} for x in meeting.locked],
        themes=[dict(x) for x in meeting.themes],
        warnings=planner.warnings_,
        objective=round(planner.objective_, 4),
        upper_bound=round(score_upper_bound(S, table_sizes(n, planner.k_), meeting.rounds), 4),
        created_at=created_at,
        created_by=created_by,
        repeats=planner.repeats_,
        search={"time_limit": planner.time_limit, "seed": planner.seed, "found_by": planner.search_["seed"]},
    )
    plan._source = (snapshot, meeting, {"weights": weights, "history": history, "created_by": created_by, **params})
    return plan


def _check_attendance(snapshot: Snapshot, meeting: Meeting, ids: list[str]) -> None:
    """Raise `graph.ValidationError` naming every attendee that is no organisation of the snapshot."""
    unknown = [x for x in ids if x not in snapshot.index]
    if unknown:
        raise ValidationError(
            [
                Issue("attendance", x, "unknown organisation", where=f"meeting {meeting.id}", code="unknown_ref")
                for x in unknown
            ]
        )


def _seated_pairs(
    model: Any,
    snapshot: Snapshot,
    planner: MeetingPlanner,
    S: np.ndarray,
    ids: list[str],
    hist_kind: dict[tuple[int, int], str],
) -> list[dict[str, Any]]:
    """Every pair seated together (round, table, ids in order), with its score, reasons and history."""
    # reasons of every seated pair, from the side of the smaller id
    index = {x: i for i, x in enumerate(ids)}
    seated = []
    for r, tables in enumerate(planner.rounds_, start=1):
        for t, members in enumerate(tables, start=1):
            for x, a in enumerate(members):
                for b in members[x + 1 :]:
                    a_, b_ = sorted((a, b))
                    seated.append((r, t, a_, b_))
    rows = np.asarray([snapshot.index[a] for _, _, a, _ in seated], dtype=np.int64)
    cols = np.asarray([snapshot.index[b] for _, _, _, b in seated], dtype=np.int64)
    vecs: np.ndarray | list[np.ndarray] = model.signals_.pairs(rows, cols) if len(seated) else []
    pairs = []
    for (r, t, a, b), i, j, vec in zip(seated, rows.tolist(), cols.tolist(), vecs, strict=True):
        reasons = model.reasons(i, j, vec)
        p: dict[str, Any] = {
            "round": r,
            "table": t,
            "a": a,
            "b": b,
            "score": round(float(S[index[a], index[b]]), 4),
            "reasons": reasons,
        }
        h = hist_kind.get(cast("tuple[int, int]", tuple(sorted((index[a], index[b])))))
        if h:
            p["history"] = h
            reasons.append({"kind": "already_met", "weight": 0.0, "history": h})
        pairs.append(p)
    return pairs


def replan(
    plan: MeetingPlan,
    locked: Sequence[Mapping[str, Any]] | None = None,
    *,
    snapshot: Snapshot | None = None,
    meeting: Meeting | None = None,
    **kwargs: Any,
) -> MeetingPlan:
    """Keep the ``locked`` tables and re-optimise all others.

    ``locked``: ``{"round": r, "table": t}`` to lock a table of ``plan`` as it is, or with ``"orgs"`` to
    fix it as given (a moved table); ``None`` keeps ``plan.locked``. The list replaces the plan's
    locks. A plan from `plan_meeting` remembers its inputs; a stored plan needs ``snapshot`` and
    ``meeting`` (and ``kwargs`` for `plan_meeting`). The new plan's ``created_at`` is never taken
    from the old one: pass it in ``kwargs``. Raises `graph.ValidationError` for locks that conflict.

    Example
    -------
    >>> import numpy as np
    >>> from graph import parse_network, build_snapshot
    >>> net = parse_network({"organisations": [{"id": f"o{i}", "name": f"O{i}", "kind": "education",
    ...     "topics": ["sport"] if i % 2 else ["music"]} for i in range(9)]})
    >>> m = Meeting("m", "T", attendance=[f"o{i}" for i in range(9)], rounds=2, table_size=3)
    >>> plan = plan_meeting(build_snapshot(net, today="2025-01-01"), m)
    >>> again = replan(plan, [{"round": 2, "table": 1, "orgs": ["o0", "o1"]}])
    >>> again.rounds[1][0], again.locked
    (['o0', 'o1'], [{'round': 2, 'table': 1, 'orgs': ['o0', 'o1']}])
    """
    if locked is None:
        locked = plan.locked
    fixed = []
    for x, lk in enumerate(locked):
        r, t = lk.get("round"), lk.get("table")
        orgs = lk.get("orgs")
        if orgs is None:
            if not (
                isinstance(r, int)
                and isinstance(t, int)
                and 1 <= r <= len(plan.rounds)
                and 1 <= t <= len(plan.rounds[r - 1])
            ):
                raise ValidationError(
                    Issue(f"locked[{x}]", dict(lk), "names no table of the plan", code="out_of_range")
                )
            orgs = plan.rounds[r - 1][t - 1]
        fixed.append({"round": r, "table": t, "orgs": list(orgs)})
    if snapshot is None or meeting is None:
        if plan._source is None:
            raise ValueError("this plan does not remember its inputs: pass snapshot and meeting")
        snapshot, meeting, params = plan._source
        params = {**params, **kwargs}
    else:
        params = kwargs
    # validate the locks together with the meeting's constraints (precise messages)
    doc = meeting.to_dict()
    doc["locked"] = fixed
    checked, issues = parse_meeting(doc, None, where=f"meeting {meeting.id}")
    if checked is None:
        raise ValidationError(issues)
    return plan_meeting(snapshot, replace(meeting, locked=checked.locked), **params)
