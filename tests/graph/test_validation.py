import pytest

from graph import ValidationError, parse_network
from graph.model import parse_cooperation, parse_organisation, parse_person


def org(**kw):
    base = {"id": "kulturverein-lennep", "name": "Kulturverein Lennep", "kind": "migrant_organisation"}
    base.update(kw)
    return base


def test_valid_organisation_is_normalised(vocab):
    o, issues = parse_organisation(
        org(
            topics=["Hausaufgabenhilfe"],
            offers=["rooms", {"capability": "Dolmetschen", "detail": "Türkisch"}],
            needs=[{"capability": "money", "urgency": 3}],
            districts=["Lennep"],
            languages=["TR", "de"],
            founded="1987",
            website="kulturverein.example",
        ),
        vocab,
    )
    assert issues == []
    assert o.topics == ["homework_help"]
    assert [x.capability for x in o.offers] == ["rooms", "interpreting"]
    assert o.offers[1].detail == "Türkisch"
    assert o.needs[0].urgency == 3
    assert o.districts == ["lennep"]
    assert o.languages == ["tr", "de"]
    assert o.founded == 1987
    assert o.website == "https://kulturverein.example"


@pytest.mark.parametrize(
    "patch, field, reason",
    [
        (
            {"id": "Kultur Verein"},
            "id",
            "ids use lowercase letters, digits and single hyphens (e.g. 'kulturverein-lennep')",
        ),
        ({"name": ""}, "name", "is required"),
        ({"kind": "verein"}, "kind", "unknown organisation kind"),
        ({"topics": ["hausaufgaben-hilfe-xyz"]}, "topics", "unknown topic"),
        ({"needs": [{"capability": "money", "urgency": 5}]}, "needs[0].urgency", "must be 1, 2 or 3"),
        ({"email": "info-at-verein"}, "email", "is not an email address"),
        ({"founded": "neunzehnhundert"}, "founded", "must be a whole number"),
        ({"founded": 3000}, "founded", "must be between 1800 and"),
        ({"languages": ["klingon"]}, "languages", "unknown language"),
        ({"offers": ["rooms", "Rooms"]}, "offers[1]", "capability 'rooms' is listed twice"),
        ({"visibility": {"needs": "secret"}}, "visibility.needs", "must be 'public' or 'internal'"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_invalid_fields_are_named_precisely(vocab, patch, field, reason):
    o, issues = parse_organisation(org(**patch), vocab, where="row 2")
    assert o is None
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.field == field
    assert issue.reason.startswith(reason)
    assert issue.where == "row 2"
    assert str(issue).startswith("row 2, field")


def test_every_problem_is_reported_not_just_the_first(vocab):
    o, issues = parse_organisation(org(kind="x", email="bad", topics=["nope"]), vocab)
    assert {i.field for i in issues} == {"kind", "email", "topics"}


def test_cooperation_is_undirected_and_checked(vocab):
    c, issues = parse_cooperation({"a": "zeta", "b": "alpha", "since": "01.03.2024"}, vocab)
    assert issues == [] and (c.a, c.b) == ("alpha", "zeta") and c.since == "2024-03-01"
    c, issues = parse_cooperation({"a": "x", "b": "x"}, vocab)
    assert c is None and issues[0].code == "self_loop"
    c, issues = parse_cooperation({"a": "x", "b": "y", "since": "2024-05-01", "until": "2023-01-01"}, vocab)
    assert issues[0].field == "until"


def test_person_consent_needs_date_and_version(vocab):
    p, issues = parse_person({"id": "p1", "name": "Erika Beispiel", "consent": {"date": "2025-01-02"}}, vocab)
    assert p is None and issues[0].field == "consent.version"
    p, issues = parse_person(
        {"id": "p1", "name": "Erika Beispiel", "consent": {"date": "2025-01-02", "version": "1.0"}}
    )
    assert p.has_consent and p.is_public("name") and not p.is_public("phone")
    p, _ = parse_person({"id": "p2", "name": "Ohne Einwilligung"})
    assert not p.has_consent and p.public_dict() is None


def test_network_reference_errors_name_the_entry(vocab):
    with pytest.raises(ValidationError) as err:
        parse_network(
            {"organisations": [org()], "cooperations": [{"a": "kulturverein-lennep", "b": "kulturverein-lenep"}]},
            vocab,
        )
    (issue,) = err.value.issues
    assert issue.field == "b" and issue.reason == "unknown organisation"
    assert issue.hint == ("kulturverein-lennep",)


def test_duplicate_ids_are_reported(vocab):
    with pytest.raises(ValidationError) as err:
        parse_network({"organisations": [org(), org(name="Zweiter")]}, vocab)
    assert err.value.issues[0].code == "duplicate"
    assert "first used at organisations[0]" in err.value.issues[0].reason


def test_demo_network_is_valid_and_complete(vocab, demo_doc):
    net = parse_network(demo_doc, vocab)
    mos = [o for o in net.organisations if o.kind == "migrant_organisation"]
    assert len(mos) >= 30
    assert len(net.organisations) - len(mos) >= 25
    assert len(net.cooperations) >= 60
    assert all("2021-01-01" <= c.since <= "2026-12-31" for c in net.cooperations)
    assert len(net.meetings) >= 2 and all(m.attendance for m in net.meetings)
    assert len(net.projects) >= 3
    assert len(net.funding_programmes) >= 8 and all(f.example for f in net.funding_programmes)
    for o in net.organisations:
        assert o.topics and o.offers and o.needs and o.districts and o.languages and o.description, o.id
    assert demo_doc["meta"]["fictional"] is True


@pytest.mark.parametrize("value", [[], {"eur": 5}, "inf", "NaN", True])
def test_a_number_field_refuses_lists_objects_and_non_finite_values(vocab, value):
    from graph.model import parse_funding_programme

    prog = {"id": "p", "name": "Programm", "funder": "Land", "amount_min": value}
    parsed, issues = parse_funding_programme(prog, vocab)
    assert parsed is None
    assert [(i.field, i.reason) for i in issues] == [("amount_min", "must be a number")]
