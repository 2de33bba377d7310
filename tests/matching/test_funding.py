"""Funding referral: eligibility, deadlines, reasons and the 'why not' summary."""

from __future__ import annotations

import pytest

from graph import FundingProgramme, NotFoundError
from matching import EXCLUSION_REASONS, funding_for_org, funding_for_project

from .conftest import org, snapshot_of

TODAY = "2026-08-01"


def programmes(demo_snapshot):
    return {p.id: p for p in demo_snapshot.network.funding_programmes}


def test_demo_matches_respect_deadline_and_eligibility(demo_snapshot):
    progs = programmes(demo_snapshot)
    expired = {p.id for p in progs.values() if p.deadline and p.deadline < TODAY}
    assert expired == {"mehrsprachig-lernen", "raeume-fuer-begegnung"}
    seen = set()
    for org_id in demo_snapshot.org_ids:
        o = demo_snapshot.orgs[org_id]
        res = funding_for_org(demo_snapshot, org_id, today=TODAY)
        assert res.total == len(progs)
        assert sum(res.excluded.values()) + len(res.matches) == res.total
        assert res.excluded["deadline"] == len(expired)
        assert {d["programme"] for d in res.details} | {m.programme for m in res.matches} == set(progs)
        for m in res.matches:
            p = progs[m.programme]
            seen.add(p.id)
            assert p.id not in expired and (p.deadline is None or p.deadline >= TODAY)
            assert not p.eligible_kinds or o.kind in p.eligible_kinds
            assert not p.eligible_legal_forms or o.legal_form in p.eligible_legal_forms
            assert m.applicants == [org_id]
            assert m.topics or m.capabilities or m.general
            assert set(m.topics) <= set(o.topics) & set(p.topics)
            assert set(m.capabilities) <= {n.capability for n in o.needs} & set(p.capabilities)
            if p.topics:
                assert m.topics  # thematic programmes need a shared topic
            assert (m.days_left is None) == (p.deadline is None)
    assert "nachbarschaftsfonds-bergisch-heim" in seen  # the rolling programme
    assert len(seen) >= 8


def test_past_deadlines_never_appear_and_the_summary_says_so(demo_snapshot):
    res = funding_for_org(demo_snapshot, "kulturverein-yesil-vadi", today="2031-01-01")
    assert [m.programme for m in res.matches] == ["nachbarschaftsfonds-bergisch-heim"]
    assert res.matches[0].deadline is None and res.to_dict()["matches"][0]["rolling"] is True
    assert res.excluded["deadline"] == res.total - 1


def test_reasons_are_structured(demo_snapshot):
    res = funding_for_org(demo_snapshot, "kulturverein-yesil-vadi", today=TODAY)
    best = res.to_dict()["matches"][0]
    assert best["programme"] == "integrationsfonds-remscheid"
    assert set(best["reasons"]) == {"topics", "capabilities", "general", "eligible_applicants"}
    assert "intercultural_festivals" in best["reasons"]["topics"]
    assert best["reasons"]["capabilities"][0] == "money"  # the most urgent need first
    assert best["days_left"] > 0 and best["url"].startswith("https://")


def test_institutions_excluded_by_kind(demo_snapshot):
    res = funding_for_org(demo_snapshot, "fachdienst-jugendfoerderung", today=TODAY)
    assert res.matches == [] and not res
    assert res.excluded["kind"] > 0
    assert all(
        "kind" in d["reasons"]
        for d in res.details
        if d["programme"] not in ("mehrsprachig-lernen", "raeume-fuer-begegnung")
    )


def small(**fields):
    doc = {
        "organisations": [org("mo", topics=["sport"], needs=[{"capability": "equipment", "urgency": 3}], **fields)],
        "funding_programmes": [
            {
                "id": "open-sport",
                "name": "S",
                "funds": {"topics": ["sport"], "capabilities": ["equipment"]},
                "eligible_kinds": ["migrant_organisation"],
                "eligible_legal_forms": ["registered_association"],
                "deadline": "2026-12-31",
            },
            {"id": "expired", "name": "E", "funds": {"topics": ["sport"]}, "deadline": "2026-01-31"},
            {"id": "schools", "name": "Sch", "funds": {"topics": ["sport"]}, "eligible_kinds": ["education"]},
            {"id": "music", "name": "M", "funds": {"topics": ["music"]}},
            {"id": "general", "name": "G", "region": "NRW"},
        ],
    }
    return snapshot_of(doc, today="2026-06-01")


def test_small_network_every_rule():
    snap = small(legal_form="registered_association")
    res = funding_for_org(snap, "mo")
    assert [m.programme for m in res.matches] == ["open-sport", "general"]
    assert res.excluded == {"deadline": 1, "region": 0, "kind": 1, "legal_form": 0, "no_match": 1}
    assert {d["programme"]: d["reasons"] for d in res.details} == {
        "expired": ["deadline"],
        "schools": ["kind"],
        "music": ["no_match"],
    }
    assert res.matches[1].general and res.matches[0].capabilities == ["equipment"]
    assert tuple(res.excluded) == EXCLUSION_REASONS


def test_missing_legal_form_is_not_eligible():
    res = funding_for_org(small(), "mo")
    assert "open-sport" not in [m.programme for m in res.matches]
    assert res.excluded["legal_form"] == 1


def test_regions_and_explicit_catalogue():
    snap = small(legal_form="registered_association")
    res = funding_for_org(snap, "mo", regions=["Remscheid", ""])
    assert [m.programme for m in res.matches] == ["open-sport"] and res.excluded["region"] == 1
    only = funding_for_org(snap, "mo", programmes=[FundingProgramme("x", "X", topics=["music"])])
    assert only.matches == [] and only.excluded["no_match"] == 1 and only.total == 1


def test_project_funding_needs_one_eligible_applicant(demo_snapshot):
    members = ["elternnetzwerk-koepru", "grundschule-lindenhof", "stiftung-bergisches-miteinander"]
    res = funding_for_project(demo_snapshot, members, ["homework_help", "children"], today=TODAY)
    by_id = {m.programme: m for m in res.matches}
    assert "zukunft-jugend" in by_id
    assert set(by_id["zukunft-jugend"].applicants) <= set(members)
    progs = programmes(demo_snapshot)
    for m in res.matches:
        p = progs[m.programme]
        for a in m.applicants:
            o = demo_snapshot.orgs[a]
            assert (not p.eligible_kinds or o.kind in p.eligible_kinds) and (
                not p.eligible_legal_forms or o.legal_form in p.eligible_legal_forms
            )
        assert p.deadline is None or p.deadline >= TODAY
    only_institutions = funding_for_project(demo_snapshot, ["grundschule-lindenhof"], ["sport"], today=TODAY)
    assert all(m.applicants == ["grundschule-lindenhof"] for m in only_institutions.matches)


def test_unknown_organisation(demo_snapshot):
    with pytest.raises(NotFoundError):
        funding_for_org(demo_snapshot, "gibt-es-nicht")
    with pytest.raises(NotFoundError):
        funding_for_project(demo_snapshot, ["gibt-es-nicht"])


def test_first_application_gets_small_programmes_first(demo_snapshot):
    """Köprü, a volunteer parents' group asking for help with its first application: the €20k-150k ESF
    programme comes last, with a warning that names an easier programme."""
    from matching import first_applicant, programme_size

    progs = programmes(demo_snapshot)
    assert programme_size(progs["bruecken-in-beschaeftigung"]) == "large"
    assert programme_size(progs["zukunft-jugend"]) == "small"
    assert first_applicant(demo_snapshot.orgs["elternnetzwerk-koepru"]) == ["application_help"]
    res = funding_for_org(demo_snapshot, "elternnetzwerk-koepru", today=TODAY)
    assert res.first_applicant == ["application_help"]
    order = [m.programme for m in res.matches]
    assert order[0] == "zukunft-jugend" and order[-1] == "bruecken-in-beschaeftigung"
    ranks = [{"small": 0, "medium": 1, "large": 2}[m.effort] for m in res.matches]
    assert ranks == sorted(ranks)
    esf = res.matches[-1]
    assert esf.warning == "large_for_first_application" and esf.easier == ["zukunft-jugend"]
    assert all(m.warning is None for m in res.matches[:-1])
    doc = res.to_dict()
    assert doc["first_applicant"] == ["application_help"] and doc["matches"][-1]["effort"] == "large"


def test_experienced_applicant_keeps_the_fit_order(demo_snapshot):
    res = funding_for_org(demo_snapshot, "bildungsverein-al-jisr", today=TODAY)
    assert res.first_applicant == []
    assert [m.score for m in res.matches] == sorted((m.score for m in res.matches), reverse=True)
    assert all(m.warning is None for m in res.matches)


def test_size_classes_and_unregistered_groups():
    snap = snapshot_of(
        {"organisations": [org("g", "migrant_organisation", legal_form="non_registered_association", topics=["sport"])]}
    )
    progs = [
        FundingProgramme("big", "Big", topics=["sport"], amount_min=20_000, amount_max=150_000),
        FundingProgramme("mid", "Mid", topics=["sport"], amount_min=1_000, amount_max=25_000),
        FundingProgramme("tiny", "Tiny", topics=["sport"], amount_max=1_500),
    ]
    res = funding_for_org(snap, "g", today=TODAY, programmes=progs)
    assert res.first_applicant == ["unregistered"]
    assert [(m.programme, m.effort) for m in res.matches] == [("tiny", "small"), ("mid", "medium"), ("big", "large")]
    assert res.matches[-1].easier == ["tiny"]
