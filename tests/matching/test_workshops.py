"""Workshop planning: needs become ranked proposals with invitees; attendees are not invited again."""

from __future__ import annotations

import pytest

from graph.planning import Proposal, Workshop
from matching import RESOURCE_NEEDS, workshop_proposals

from .conftest import org, snapshot_of

TODAY = "2026-08-01"


def test_demo_proposals_list_whom_to_invite(demo_snapshot):
    props = workshop_proposals(demo_snapshot, today=TODAY)
    assert len(props) >= 5
    assert [p.score for p in props] == sorted((p.score for p in props), reverse=True)
    top = props[0]
    assert top.theme == "funding_application_help"
    needing = {
        o.id
        for o in demo_snapshot.network.organisations
        if {n.capability for n in o.needs} & {"funding_application_help", "money"}
    }
    assert set(top.invite) == needing
    assert top.needs == {"money": 13, "funding_application_help": 5}
    for p in props:
        assert p.theme not in RESOURCE_NEEDS
        assert len(p.invite) >= 2
        mo_flags = [x["is_mo"] for x in p.invitees]
        assert mo_flags == sorted(mo_flags, reverse=True)  # migrant organisations first
        for x in p.invitees:
            assert x["languages"] == demo_snapshot.orgs[x["org"]].languages
        counted = {lang["language"]: lang["organisations"] for lang in p.languages}
        assert counted.get("de", 0) <= len(p.invite)
        assert sum(counted.values()) == sum(len(x["languages"]) for x in p.invitees)
        doc = p.to_dict()
        assert doc["source"] == "needs" and doc["organisations"] == len(p.invite)


def test_attendees_of_held_workshops_are_dropped(demo_snapshot):
    before = workshop_proposals(demo_snapshot, today=TODAY)[0]
    came = before.invite[:4]
    held = Workshop("w-antraege", "Förderanträge schreiben", "funding_application_help", "2026-03-10", attendance=came)
    planned = Workshop("w-herbst", "Förderanträge II", "money", "2026-10-01", attendance=[])
    after = {p.theme: p for p in workshop_proposals(demo_snapshot, workshops=[held, planned], today=TODAY)}
    theme = after["funding_application_help"]
    assert not set(came) & set(theme.invite)
    assert set(theme.invite) == set(before.invite) - set(came)
    assert theme.attended == sorted(came) and theme.planned == ["w-herbst"]
    assert theme.score < before.score
    # the same workshop in the future drops nobody
    future = Workshop("w", "T", "funding_application_help", "2026-12-01", attendance=came)
    again = workshop_proposals(demo_snapshot, workshops=[future], today=TODAY)[0]
    assert set(again.invite) == set(before.invite)


def test_mos_weigh_more_and_urgency_counts():
    snap = snapshot_of(
        {
            "organisations": [
                org("mo1", needs=[{"capability": "publicity", "urgency": 3}]),
                org("mo2", needs=[{"capability": "publicity", "urgency": 1}]),
                org("i1", "education", needs=[{"capability": "legal_advice", "urgency": 3}]),
                org("i2", "education", needs=[{"capability": "legal_advice", "urgency": 3}]),
                org("i3", "education", needs=[{"capability": "rooms", "urgency": 3}]),
                org("i4", "education", needs=[{"capability": "rooms", "urgency": 3}]),
            ]
        }
    )
    props = workshop_proposals(snap, mo_weight=2.0)
    assert [(p.theme, p.score) for p in props] == [("publicity", pytest.approx(2.667, abs=1e-3)), ("legal_advice", 2.0)]
    assert props[0].invite == ["mo1", "mo2"]
    flat = workshop_proposals(snap, mo_weight=1.0)
    assert [p.theme for p in flat] == ["legal_advice", "publicity"]
    with pytest.raises(ValueError):
        workshop_proposals(snap, mo_weight=0)


def test_representatives_proposals_rank_beside_needs(demo_snapshot):
    mos = [o.id for o in demo_snapshot.network.organisations if o.kind == "migrant_organisation"]
    ideas = [
        Proposal(
            "p-verein",
            "Vereinsrecht kompakt",
            mos[0],
            "2026-05-01",
            capability="association_management",
            supporters=mos[1:9],
        ),
        Proposal("p-ramadan", "Austausch: Feste im Ramadan", mos[2], "2026-05-02", supporters=mos[3:5]),
        Proposal(
            "p-old",
            "Zurückgezogen",
            mos[4],
            "2026-05-03",
            capability="website_help",
            supporters=mos[5:30],
            status="withdrawn",
        ),
    ]
    props = workshop_proposals(demo_snapshot, proposals=ideas, today=TODAY)
    by_theme = {p.theme: p for p in props}
    club = by_theme["association_management"]
    assert club.proposals == ["p-verein"] and club.title == "Vereinsrecht kompakt"
    assert {mos[0], *mos[1:9]} <= set(club.invite)
    assert club.source in ("proposal", "needs+proposal")
    assert props.index(club) < 3  # nine supporting MOs lift it up the list
    free = by_theme["proposal:p-ramadan"]
    assert free.source == "proposal" and set(free.invite) == {mos[2], mos[3], mos[4]}
    assert all(x["supports"] == ["p-ramadan"] for x in free.invitees)
    assert all("p-old" not in p.proposals for p in props)
    assert len(workshop_proposals(demo_snapshot, proposals=ideas, today=TODAY, k=2)) == 2
