"""Validation of planning records: project templates, workshops, proposals."""

from __future__ import annotations

import re

import pytest

from graph.planning import (
    MAX_ROLES,
    builtin_roles,
    builtin_templates,
    merge_templates,
    parse_project_template,
    parse_proposal,
    parse_workshop,
)
from graph.vocabulary import LANGUAGES

SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06FF]"),
    "ru": re.compile(r"[\u0400-\u04FF]"),
    "uk": re.compile(r"[\u0400-\u04FF]"),
}


def fields(issues):
    return [(i.field, i.code) for i in issues]


def test_builtin_templates_are_complete_and_translated(vocab):
    templates = builtin_templates(vocab)
    ids = {t.id for t in templates}
    assert len(templates) >= 8
    assert {
        "homework_help",
        "language_cafe",
        "intercultural_festival",
        "multilingual_parents_evening",
        "holiday_programme",
        "football_tournament",
        "women_breakfast",
        "job_application_training",
    } <= ids
    labelled = [t.labels for t in templates] + [r.labels for t in templates for r in t.roles]
    labelled += [r.labels for r in builtin_roles().values()]
    for labels in labelled:
        assert set(labels) == set(LANGUAGES), labels
        for lang, pattern in SCRIPTS.items():
            assert pattern.search(labels[lang]), (lang, labels[lang])
        assert len(set(labels.values())) >= 4  # really translated, not copied
    for t in templates:
        assert t.builtin and 1 <= len(t.roles) <= MAX_ROLES and t.topics
        assert all(r.any for r in t.roles)
        assert t.label("tr") == t.labels["tr"] and t.label("xx") == t.labels["de"]


def test_ukrainian_is_not_russian():
    for t in builtin_templates():
        assert t.labels["uk"] != t.labels["ru"], t.id


def test_template_roles_reference_vocabulary(vocab):
    tpl, issues = parse_project_template(
        {
            "id": "reading_club",
            "labels": {"de": "Lesekreis"},
            "topics": ["Kultur"],
            "roles": [
                {"role": "room_provider"},
                {
                    "id": "readers",
                    "labels": {"de": "Vorlesende", "tr": "Okuyanlar"},
                    "any": [{"languages": ["tr"], "kinds": ["Migrantenorganisation"]}, {"offers": "Dolmetschen"}],
                },
            ],
        },
        vocab,
    )
    assert issues == []
    assert tpl.topics == ["culture"]
    assert tpl.role("readers").any == [
        {"languages": ["tr"], "kinds": ["migrant_organisation"]},
        {"offers": ["interpreting"]},
    ]
    assert tpl.role("room_provider").labels["ar"]  # labels of the shared role
    assert tpl.to_dict()["roles"][0] == {
        "id": "room_provider",
        "labels": builtin_roles()["room_provider"].labels,
        "any": [{"offers": ["rooms"]}],
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"labels": {"de": "X"}, "roles": ["room_provider"]}, [("id", "required")]),
        ({"id": "Bad Id", "labels": {"de": "X"}, "roles": ["room_provider"]}, [("id", "bad_id")]),
        ({"id": "x", "roles": ["room_provider"]}, [("labels", "required")]),
        (
            {"id": "x", "labels": {"fr": "Fête"}, "roles": ["room_provider"]},
            [("labels.fr", "bad_language"), ("labels", "required")],
        ),
        ({"id": "x", "labels": {"de": "X"}, "roles": []}, [("roles", "required")]),
        ({"id": "x", "labels": {"de": "X"}, "roles": ["room_provider"] * (MAX_ROLES + 1)}, [("roles", "too_many")]),
        (
            {"id": "x", "labels": {"de": "X"}, "roles": ["room_provider", "room_provider"]},
            [("roles[1].id", "duplicate")],
        ),
        ({"id": "x", "labels": {"de": "X"}, "roles": [{"role": "magician"}]}, [("roles[0].role", "unknown_role")]),
        ({"id": "x", "labels": {"de": "X"}, "roles": [{"role": "topic_expertise"}]}, [("roles[0].any", "required")]),
        (
            {"id": "x", "labels": {"de": "X"}, "roles": [{"id": "y", "labels": {"de": "Y"}}]},
            [("roles[0].any", "required")],
        ),
        (
            {
                "id": "x",
                "labels": {"de": "X"},
                "roles": [{"id": "y", "labels": {"de": "Y"}, "any": [{"colour": ["red"]}]}],
            },
            [("roles[0].any[0].colour", "unknown_field")],
        ),
        ({"id": "x", "labels": {"de": "X"}, "roles": ["room_provider"], "extra": 1}, [("extra", "unknown_field")]),
    ],
)
def test_template_errors_are_precise(vocab, data, expected):
    tpl, issues = parse_project_template(data, vocab, "form")
    assert tpl is None
    assert fields(issues) == expected
    assert all(i.where == "form" for i in issues)


def test_unknown_vocabulary_term_names_the_closest(vocab):
    _, issues = parse_project_template(
        {
            "id": "x",
            "labels": {"de": "X"},
            "roles": [{"id": "y", "labels": {"de": "Y"}, "any": [{"offers": ["Raeume"]}]}],
        },
        vocab,
    )
    assert fields(issues)[0] == ("roles[0].any[0].offers", "unknown_capabilities")
    assert any("rooms" in h for h in issues[0].hint)


def test_stored_templates_add_and_replace(vocab):
    mine = {"id": "reading_club", "labels": {"de": "Lesekreis"}, "roles": ["room_provider"]}
    replaced = {"id": "homework_help", "labels": {"de": "Lernhilfe"}, "roles": ["room_provider", "volunteers"]}
    merged = {t.id: t for t in merge_templates([mine, replaced], vocab)}
    assert merged["reading_club"].builtin is False
    assert merged["homework_help"].label("de") == "Lernhilfe" and len(merged["homework_help"].roles) == 2
    assert len(merged) == len(builtin_templates()) + 1


def test_workshop_validation(vocab):
    w, issues = parse_workshop(
        {
            "id": "w1",
            "title": "Förderanträge schreiben",
            "capability": "Fördermittelberatung",
            "date": "12.03.2025",
            "attendance": ["a", "b"],
        },
        vocab,
        known_orgs={"a", "b"},
    )
    assert issues == [] and w.capability == "funding_application_help" and w.date == "2025-03-12"
    assert w.held_by("2025-03-12") and not w.held_by("2025-03-11")
    _, issues = parse_workshop(
        {"id": "w1", "title": "", "date": "morgen", "attendance": ["a", "zz"], "colour": "red"}, vocab, known_orgs={"a"}
    )
    assert fields(issues) == [
        ("colour", "unknown_field"),
        ("attendance", "unknown_ref"),
        ("title", "required"),
        ("capability", "required"),
        ("date", "bad_date"),
    ]


def test_workshop_unknown_capability(vocab):
    _, issues = parse_workshop({"id": "w", "title": "T", "capability": "Zauberei", "date": "2025-01-01"}, vocab)
    assert fields(issues) == [("capability", "unknown_capabilities")]


def test_proposal_validation(vocab):
    p, issues = parse_proposal(
        {
            "id": "p1",
            "title": "Vereinsrecht",
            "capability": "Rechtsberatung",
            "by": "a",
            "supporters": ["b", "b"],
            "created_at": "2025-05-01",
        },
        vocab,
        known_orgs={"a", "b"},
    )
    assert issues == [] and p.supporters == ["b"] and p.backers == ["a", "b"] and p.status == "open"
    assert p.capability == "legal_advice"
    free, issues = parse_proposal(
        {"id": "p2", "title": "Austausch über Ramadan-Feste", "by": "a", "created_at": "2025-05-01"}, vocab
    )
    assert issues == [] and free.capability == ""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"id": "p", "title": "T", "created_at": "2025-01-01"}, [("by", "required")]),
        (
            {"id": "p", "title": "T", "by": "a", "supporters": ["a"], "created_at": "2025-01-01"},
            [("supporters", "duplicate")],
        ),
        (
            {"id": "p", "title": "T", "by": "a", "supporters": ["zz"], "created_at": "2025-01-01"},
            [("supporters", "unknown_ref")],
        ),
        (
            {"id": "p", "title": "T", "by": "a", "created_at": "2025-01-01", "status": "maybe"},
            [("status", "bad_status")],
        ),
        ({"id": "p", "title": "T", "by": "a", "created_at": "2999-01-01"}, [("created_at", "future_date")]),
        ({"id": "p", "title": "T", "by": "a"}, [("created_at", "required")]),
        (
            {"id": "p", "title": "T", "by": "a", "created_at": "2025-01-01", "capability": "Zauberei"},
            [("capability", "unknown_capabilities")],
        ),
    ],
)
def test_proposal_errors(vocab, data, expected):
    p, issues = parse_proposal(data, vocab, known_orgs={"a"})
    assert p is None and fields(issues) == expected


def test_not_an_object():
    for parse in (parse_project_template, parse_workshop, parse_proposal):
        entity, issues = parse(["x"], None, "row 3")
        assert entity is None and issues[0].reason == "must be an object" and issues[0].where == "row 3"
