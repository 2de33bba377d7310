"""Referral to funding programmes (Verweisberatung): which open programmes fit, and why (pure).

A programme fits an organisation when

1. it is open: its deadline is ``today`` or later, or it has none (rolling);
2. it is in one of the accepted ``regions`` (only when a list is given);
3. the organisation's kind is among ``eligible_kinds`` (an empty list admits every kind);
4. its legal form is among ``eligible_legal_forms`` (empty: every form; an organisation without a
   recorded legal form is then not eligible, since the funder will ask for one);
5. it funds something the organisation works on or needs: a thematic programme (one that names
   topics) needs a shared topic, and then also lists the needed capabilities it pays for; a programme
   that names only capabilities needs one the organisation needs; a programme naming neither is general
   and fits everybody eligible.

Size and effort must fit the applicant. An organisation that asks for help with its application (a need
of ``funding_application_help``) or is not a registered association is a *first applicant*: the model
records no staff or budget, and this stated need is what says that nobody there has written a large
application yet. A programme is *large* when its smallest grant is `LARGE_MIN_AMOUNT` or more or its
largest `LARGE_MAX_AMOUNT` or more (big grants come with co-financing, reporting and paid staff), *small*
when its largest grant is at most `SMALL_MAX_AMOUNT`, else *medium* (also when no amount is given). For
a first applicant the matches are ordered small, medium, large (by fit inside each), and a large one
carries ``warning="large_for_first_application"`` and the ``easier`` programmes among the matches.
Nothing is excluded for its size: staff may still want to refer a group to it, with the warning.

For a project the topics are the project's, the needs are the union of the members' needs and the
eligibility test asks for at least one member that may apply. Every programme that does not fit is
counted under the first rule it fails (``excluded``), and ``details`` lists all rules it fails, so
that an empty result can say plainly why.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> net = parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "migrant_organisation", "legal_form": "e.V.",
...      "topics": ["sport"], "needs": [{"capability": "equipment", "urgency": 3}]}],
...     "funding_programmes": [
...     {"id": "p1", "name": "Sport", "funds": {"topics": ["sport"], "capabilities": ["equipment"]},
...      "eligible_kinds": ["migrant_organisation"], "deadline": "2030-01-31"},
...     {"id": "p2", "name": "Old", "funds": {"topics": ["sport"]}, "deadline": "2020-01-31"},
...     {"id": "p3", "name": "Schools", "funds": {"topics": ["sport"]}, "eligible_kinds": ["education"]}]})
>>> res = funding_for_org(build_snapshot(net), "a", today="2025-06-01")
>>> [(m.programme, m.topics, m.capabilities) for m in res.matches]
[('p1', ['sport'], ['equipment'])]
>>> res.excluded
{'deadline': 1, 'region': 0, 'kind': 1, 'legal_form': 0, 'no_match': 0}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph import FundingProgramme, NotFoundError, Organisation, Snapshot

__all__ = [
    "EXCLUSION_REASONS",
    "LARGE_MAX_AMOUNT",
    "LARGE_MIN_AMOUNT",
    "SMALL_MAX_AMOUNT",
    "FundingMatch",
    "FundingResult",
    "funding_for_org",
    "funding_for_project",
    "first_applicant",
    "open_programmes",
    "programme_size",
]

#: why a programme does not fit, in the order the rules are checked
EXCLUSION_REASONS: tuple[str, ...] = ("deadline", "region", "kind", "legal_form", "no_match")

#: a programme whose smallest grant is at least this much (euros) is large
LARGE_MIN_AMOUNT = 10_000
#: a programme whose largest grant is at least this much is large
LARGE_MAX_AMOUNT = 100_000
#: a programme whose largest grant is at most this much is small
SMALL_MAX_AMOUNT = 10_000

_SIZE_RANK = {"small": 0, "medium": 1, "large": 2}


def programme_size(prog: FundingProgramme) -> str:
    """``small``, ``medium`` or ``large`` by the programme's amounts (see the module docstring).

    >>> programme_size(FundingProgramme("esf", "ESF", amount_min=20_000, amount_max=150_000))
    'large'
    >>> programme_size(FundingProgramme("fund", "Fund", amount_min=300, amount_max=3_000))
    'small'
    """
    lo, hi = prog.amount_min or 0, prog.amount_max or 0
    if lo >= LARGE_MIN_AMOUNT or hi >= LARGE_MAX_AMOUNT:
        return "large"
    if prog.amount_max is not None and hi <= SMALL_MAX_AMOUNT:
        return "small"
    return "medium"


def first_applicant(org: Organisation) -> list[str]:
    """Why ``org`` applies for the first time or with little capacity (empty: no sign of it).

    ``application_help`` when it needs help with funding applications, ``unregistered`` when it is
    not a registered association (no board, no statutes a large funder would ask for).
    """
    out = []
    if any(n.capability == "funding_application_help" for n in org.needs):
        out.append("application_help")
    if org.legal_form == "non_registered_association":
        out.append("unregistered")
    return out


@dataclass
class FundingMatch:
    """One fitting programme with its structured reasons."""

    programme: str
    name: str
    funder: str
    topics: list[str]
    capabilities: list[str]
    applicants: list[str]
    general: bool
    deadline: str | None
    days_left: int | None
    amount_min: float | None
    amount_max: float | None
    region: str
    url: str
    score: float
    effort: str = "medium"
    warning: str | None = None
    easier: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "name": self.name,
            "funder": self.funder,
            "score": self.score,
            "reasons": {
                "topics": list(self.topics),
                "capabilities": list(self.capabilities),
                "general": self.general,
                "eligible_applicants": list(self.applicants),
            },
            "deadline": self.deadline,
            "rolling": self.deadline is None,
            "days_left": self.days_left,
            "amount_min": self.amount_min,
            "amount_max": self.amount_max,
            "region": self.region,
            "url": self.url,
            "effort": self.effort,
            "warning": self.warning,
            "easier": list(self.easier),
        }


@dataclass
class FundingResult:
    """Fitting programmes, best first, and a summary of the others (``excluded``, ``details``)."""

    matches: list[FundingMatch]
    total: int
    today: str
    excluded: dict[str, int] = field(default_factory=dict)
    details: list[dict[str, Any]] = field(default_factory=list)
    first_applicant: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.matches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "total": self.total,
            "matches": [m.to_dict() for m in self.matches],
            "excluded": dict(self.excluded),
            "details": [dict(d) for d in self.details],
            "first_applicant": list(self.first_applicant),
        }


def _day(today: str | dt.date) -> str:
    return today.isoformat() if isinstance(today, dt.date) else str(today)[:10]


def _today(today: str | dt.date | None, snapshot: Snapshot) -> str:
    """``today`` as an ISO day, else the snapshot's day (matching reads no clock)."""
    return snapshot.today[:10] if today is None else _day(today)


def open_programmes(programmes: Iterable[FundingProgramme], today: str | dt.date) -> list[FundingProgramme]:
    """Programmes whose deadline is not past on ``today`` (rolling ones included), soonest deadline first.

    >>> open_programmes([FundingProgramme("a", "A", deadline="2020-01-01"), FundingProgramme("b", "B")],
    ...                 today="2025-01-01")[0].id
    'b'
    """
    day = _day(today)
    out = [p for p in programmes if p.open_on(day)]
    return sorted(out, key=lambda p: (p.deadline is None, p.deadline or "", p.id))


def _eligible(org: Organisation, prog: FundingProgramme) -> list[str]:
    """Failed eligibility rules (``kind``, ``legal_form``) of one organisation."""
    failed = []
    if prog.eligible_kinds and org.kind not in prog.eligible_kinds:
        failed.append("kind")
    if prog.eligible_legal_forms and org.legal_form not in prog.eligible_legal_forms:
        failed.append("legal_form")
    return failed


def _assess(
    prog: FundingProgramme,
    applicants: list[Organisation],
    topics: set[str],
    needs: dict[str, int],
    day: str,
    regions: set[str] | None,
) -> tuple[list[str], FundingMatch | None]:
    failed: list[str] = []
    if not prog.open_on(day):
        failed.append("deadline")
    if regions is not None and prog.region.strip().casefold() not in regions:
        failed.append("region")
    ok_applicants = []
    fails: list[list[str]] = []
    for org in applicants:
        f = _eligible(org, prog)
        (fails.append(f) if f else ok_applicants.append(org.id))
    if not ok_applicants:
        failed.append("kind" if all("kind" in f for f in fails) else "legal_form")
    matched_topics = [t for t in prog.topics if t in topics]
    matched_caps = sorted((c for c in prog.capabilities if c in needs), key=lambda c: (-needs[c], c))
    general = not prog.topics and not prog.capabilities
    if (prog.topics and not matched_topics) or not (matched_topics or matched_caps or general):
        failed.append("no_match")
    if failed:
        return failed, None
    days_left = None
    if prog.deadline:
        days_left = (dt.date.fromisoformat(prog.deadline) - dt.date.fromisoformat(day)).days
    score = len(matched_topics) + sum(needs[c] / 2 for c in matched_caps) + (0.5 if general else 0.0)
    match = FundingMatch(
        programme=prog.id,
        name=prog.name,
        funder=prog.funder,
        topics=matched_topics,
        capabilities=matched_caps,
        applicants=ok_applicants,
        general=general,
        deadline=prog.deadline,
        days_left=days_left,
        amount_min=prog.amount_min,
        amount_max=prog.amount_max,
        region=prog.region,
        url=prog.url,
        score=round(score, 3),
        effort=programme_size(prog),
    )
    return [], match


def _result(
    programmes: list[FundingProgramme],
    applicants: list[Organisation],
    topics: set[str],
    needs: dict[str, int],
    day: str,
    regions: Collection[str] | None,
    first: Sequence[str] = (),
) -> FundingResult:
    region_set = {r.strip().casefold() for r in regions} if regions is not None else None
    excluded = dict.fromkeys(EXCLUSION_REASONS, 0)
    details = []
    matches = []
    for prog in programmes:
        failed, match = _assess(prog, applicants, topics, needs, day, region_set)
        if match is not None:
            matches.append(match)
        else:
            excluded[failed[0]] += 1
            details.append({"programme": prog.id, "reasons": failed})
    matches.sort(key=lambda m: (-m.score, m.deadline is None, m.deadline or "", m.programme))
    if first:  # small and easy programmes first; a large one says which would suit a first application
        matches.sort(key=lambda m: _SIZE_RANK[m.effort])
        easier = [m.programme for m in matches if m.effort == "small"] or [
            m.programme for m in matches if m.effort == "medium"
        ]
        for m in matches:
            if m.effort == "large":
                m.warning = "large_for_first_application"
                m.easier = easier[:3]
    return FundingResult(matches, len(programmes), day, excluded, details, list(first))


def funding_for_org(
    snapshot: Snapshot,
    org_id: str,
    *,
    today: str | dt.date | None = None,
    programmes: Iterable[FundingProgramme] | None = None,
    regions: Collection[str] | None = None,
) -> FundingResult:
    """Open programmes ``org_id`` may apply to, for its topics and needs, best first.

    Parameters
    ----------
    snapshot : graph.Snapshot
    org_id : str
        Raises `graph.NotFoundError` when unknown.
    today : str or date, optional
        Deadlines before this day are past (default: ``snapshot.today``).
    programmes : iterable of FundingProgramme, optional
        Default: the snapshot's network catalogue.
    regions : collection of str, optional
        Accepted programme regions (case-insensitive); ``None`` accepts every region.

    Returns
    -------
    FundingResult
        ``matches`` (may be empty) and the exclusion summary.
    """
    org = snapshot.orgs.get(org_id)
    if org is None:
        raise NotFoundError("organisation", org_id)
    progs = list(snapshot.network.funding_programmes if programmes is None else programmes)
    needs = {n.capability: n.urgency for n in org.needs}
    return _result(progs, [org], set(org.topics), needs, _today(today, snapshot), regions, first_applicant(org))


def funding_for_project(
    snapshot: Snapshot,
    members: Iterable[str],
    topics: Iterable[str] = (),
    *,
    today: str | dt.date | None = None,
    programmes: Iterable[FundingProgramme] | None = None,
    regions: Collection[str] | None = None,
) -> FundingResult:
    """Open programmes for a joint project of ``members`` on ``topics``.

    A programme fits when at least one member may apply (named in ``eligible_applicants``) and it
    funds one of the project's topics or one of the members' needs (highest urgency counts).
    Without ``topics`` the members' own topics are used.
    """
    member_ids = list(dict.fromkeys(members))
    orgs = []
    for m in member_ids:
        org = snapshot.orgs.get(m)
        if org is None:
            raise NotFoundError("organisation", m)
        orgs.append(org)
    topic_set = set(topics) or {t for o in orgs for t in o.topics}
    needs: dict[str, int] = {}
    for o in orgs:
        for n in o.needs:
            needs[n.capability] = max(needs.get(n.capability, 0), n.urgency)
    progs = list(snapshot.network.funding_programmes if programmes is None else programmes)
    return _result(progs, orgs, topic_set, needs, _today(today, snapshot), regions)
