"""Workshop planning: needs across the network become ranked workshop proposals (pure).

Needs that a qualification can meet (funding applications, volunteer recruitment, publicity, legal
questions, association management, the topics as expertise, ...) are grouped by *theme*; resources
that a workshop cannot provide (rooms, staff, equipment, interpreting, ...) are left to partner
matching. ``money`` counts towards the funding-application theme. Each proposal lists the
organisations to invite (migrant organisations first, then by urgency) and the languages they
speak, so that interpreting can be planned.

The score of a theme is ``sum(weight(org) * urgency / 3)`` over the organisations with the need,
``weight = mo_weight`` for migrant organisations and 1 otherwise, plus ``weight(org)`` for every
organisation that proposed or supported the theme (representatives' proposals, records of kind
``proposal``). Organisations that attended a workshop on the theme that has taken place (records of
kind ``workshop``) are not invited again for that need.

Example
-------
>>> from graph import parse_network, build_snapshot
>>> from graph.planning import Workshop
>>> snap = build_snapshot(parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "migrant_organisation", "languages": ["tr"],
...      "needs": [{"capability": "funding_application_help", "urgency": 3}]},
...     {"id": "b", "name": "B", "kind": "migrant_organisation", "languages": ["ar"],
...      "needs": [{"capability": "money", "urgency": 2}, "rooms"]},
...     {"id": "c", "name": "C", "kind": "education", "needs": ["funding_application_help"]}]}))
>>> props = workshop_proposals(snap, today="2025-06-01")
>>> [(p.theme, p.invite) for p in props]
[('funding_application_help', ['a', 'b', 'c'])]
>>> held = Workshop("w1", "Anträge schreiben", "funding_application_help", "2025-03-01", attendance=["a"])
>>> workshop_proposals(snap, workshops=[held], today="2025-06-01")[0].invite
['b', 'c']
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph import Snapshot
from graph.planning import Proposal, Workshop

__all__ = ["RESOURCE_NEEDS", "WorkshopProposal", "default_themes", "workshop_proposals"]

#: needs that a workshop cannot meet (left to partner matching)
RESOURCE_NEEDS: frozenset[str] = frozenset(
    {
        "rooms",
        "staff",
        "equipment",
        "transport",
        "childcare",
        "storage",
        "catering",
        "interpreting",
        "translation_of_documents",
        "community_access",
    }
)
#: needs counted towards another theme
_ALIASES: dict[str, str] = {"money": "funding_application_help"}
_ACTIVE_PROPOSALS = ("open", "planned")


def default_themes(capability_ids: Iterable[str]) -> dict[str, str]:
    """``{need: theme}`` for every capability that a workshop can meet.

    >>> default_themes(["rooms", "money", "volunteers"])
    {'money': 'funding_application_help', 'volunteers': 'volunteers'}
    """
    out = {}
    for c in capability_ids:
        if c in RESOURCE_NEEDS:
            continue
        out[c] = _ALIASES.get(c, c)
    return out


@dataclass
class WorkshopProposal:
    """One proposed workshop theme, whom to invite and why."""

    theme: str
    score: float
    invitees: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    needs: dict[str, int] = field(default_factory=dict)
    proposals: list[str] = field(default_factory=list)
    attended: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def invite(self) -> list[str]:
        return [x["org"] for x in self.invitees]

    @property
    def source(self) -> str:
        has_needs = any(x["urgency"] for x in self.invitees)
        if self.proposals and has_needs:
            return "needs+proposal"
        return "proposal" if self.proposals else "needs"

    def to_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "title": self.title,
            "source": self.source,
            "score": self.score,
            "organisations": len(self.invitees),
            "migrant_organisations": sum(1 for x in self.invitees if x["is_mo"]),
            "needs": dict(self.needs),
            "proposals": list(self.proposals),
            "invitees": [dict(x) for x in self.invitees],
            "languages": [dict(x) for x in self.languages],
            "attended_before": list(self.attended),
            "planned_workshops": list(self.planned),
        }


def workshop_proposals(
    snapshot: Snapshot,
    *,
    workshops: Iterable[Workshop] = (),
    proposals: Iterable[Proposal] = (),
    today: str | dt.date | None = None,
    k: int | None = None,
    mo_weight: float = 2.0,
    min_organisations: int = 2,
    themes: Mapping[str, str] | None = None,
) -> list[WorkshopProposal]:
    """Ranked workshop themes from the network's needs and the representatives' proposals.

    Parameters
    ----------
    snapshot : graph.Snapshot
    workshops : iterable of graph.planning.Workshop
        Workshops held (date up to ``today``: their attendees are not invited again for the theme)
        or planned (later: listed in ``planned``).
    proposals : iterable of graph.planning.Proposal
        Open or planned proposals; one with a theme joins that theme's proposal, one without stands
        on its own (theme ``proposal:<id>``).
    today : str or date, optional
        Default: ``snapshot.today``.
    k : int, optional
        At most this many proposals.
    mo_weight : float
        Weight of a migrant organisation (others weigh 1).
    min_organisations : int
        Needs-only themes with fewer organisations to invite are left out.
    themes : mapping, optional
        ``{need capability: theme}``; default `default_themes`.
    """
    if mo_weight <= 0:
        raise ValueError("mo_weight must be positive")
    day = snapshot.today[:10] if today is None else (today.isoformat() if isinstance(today, dt.date) else today)
    themes = dict(default_themes(snapshot.capability_ids) if themes is None else themes)
    orgs = snapshot.orgs

    def theme_of(cap: str) -> str | None:
        return themes.get(cap)

    attended: dict[str, set[str]] = {}
    planned: dict[str, list[str]] = {}
    w: Workshop | float
    t: str | None
    for w in workshops:
        t = theme_of(w.capability) or w.capability
        if w.held_by(day):
            attended.setdefault(t, set()).update(w.attendance)
        else:
            planned.setdefault(t, []).append(w.id)

    entries: dict[str, dict[str, dict[str, Any]]] = {}
    need_counts: dict[str, Counter[str]] = {}
    skipped: dict[str, set[str]] = {}
    for org in snapshot.network.organisations:
        for need in org.needs:
            t = theme_of(need.capability)
            if t is None:
                continue
            if org.id in attended.get(t, ()):
                skipped.setdefault(t, set()).add(org.id)
                continue
            row = entries.setdefault(t, {}).setdefault(org.id, {"urgency": 0, "needs": [], "supports": []})
            row["urgency"] = max(row["urgency"], need.urgency)
            row["needs"].append(need.capability)
            need_counts.setdefault(t, Counter())[need.capability] += 1

    titles: dict[str, str] = {}
    by_theme_proposals: dict[str, list[str]] = {}
    for p in proposals:
        if p.status not in _ACTIVE_PROPOSALS:
            continue
        t = (theme_of(p.capability) or p.capability) if p.capability else f"proposal:{p.id}"
        by_theme_proposals.setdefault(t, []).append(p.id)
        titles.setdefault(t, p.title)
        for backer in p.backers:
            if backer not in orgs:
                continue
            row = entries.setdefault(t, {}).setdefault(backer, {"urgency": 0, "needs": [], "supports": []})
            row["supports"].append(p.id)

    out: list[WorkshopProposal] = []
    for t, rows in entries.items():
        if not by_theme_proposals.get(t) and len(rows) < min_organisations:
            continue
        invitees = []
        score = 0.0
        for oid, row in rows.items():
            org = orgs[oid]
            w = mo_weight if org.is_migrant_organisation else 1.0
            score += w * row["urgency"] / 3.0 + (w if row["supports"] else 0.0)
            invitees.append(
                {
                    "org": oid,
                    "is_mo": org.is_migrant_organisation,
                    "urgency": row["urgency"],
                    "needs": sorted(set(row["needs"])),
                    "supports": list(row["supports"]),
                    "languages": list(org.languages),
                }
            )
        invitees.sort(key=lambda x: (not x["is_mo"], -x["urgency"], not x["supports"], x["org"]))
        langs = Counter(lang for x in invitees for lang in x["languages"])
        languages = [
            {"language": lang, "organisations": n} for lang, n in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        out.append(
            WorkshopProposal(
                theme=t,
                score=round(score, 3),
                invitees=invitees,
                languages=languages,
                needs=dict(sorted(need_counts.get(t, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))),
                proposals=by_theme_proposals.get(t, []),
                attended=sorted(skipped.get(t, set())),
                planned=planned.get(t, []),
                title=titles.get(t, ""),
            )
        )
    out.sort(key=lambda p: (-p.score, p.theme))
    return out[:k] if k is not None else out
