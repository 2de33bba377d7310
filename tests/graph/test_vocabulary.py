import pytest

from graph import ValidationError, Vocabulary
from graph.vocabulary import CATEGORIES, LANGUAGES


def test_every_term_has_six_labels(vocab):
    for category in CATEGORIES:
        assert vocab.terms.get(category), category
        for term in vocab.terms[category].values():
            assert set(term.labels) == set(LANGUAGES), (category, term.id)
            assert all(label.strip() for label in term.labels.values())


@pytest.mark.parametrize(
    "category, value, expected",
    [
        ("capabilities", "rooms", "rooms"),
        ("capabilities", "RÄUME", "rooms"),
        ("capabilities", "Rooms", "rooms"),
        ("districts", "lennep", "lennep"),
        ("districts", "Lüttringhausen", "luettringhausen"),
        ("org_kinds", "migrant organisation", "migrant_organisation"),
        ("languages", "tr", "tr"),
    ],
)
def test_resolve_ids_and_labels_case_insensitively(vocab, category, value, expected):
    assert vocab.resolve(category, value) == expected


def test_resolve_labels_in_every_language(vocab):
    for category in ("topics", "capabilities", "districts", "org_kinds"):
        for term in vocab.terms[category].values():
            for lang, label in term.labels.items():
                assert vocab.lookup(category, label.upper() if lang != "ar" else label) in {
                    term.id,
                    # a label may equal another term's label in one language only if they are the same term
                }, (category, term.id, lang, label)


def test_topics_count_as_capabilities(vocab):
    assert vocab.resolve("capabilities", "homework_help") == "homework_help"


def test_unknown_value_names_closest_terms(vocab):
    with pytest.raises(ValidationError) as err:
        vocab.resolve("capabilities", "romms", field="offers[0]")
    issue = err.value.issues[0]
    assert issue.field == "offers[0]"
    assert issue.value == "romms"
    assert issue.reason == "unknown capability"
    assert issue.hint and issue.hint[0].startswith("rooms")
    assert "did you mean: rooms" in str(err.value)


def test_extension_adds_terms_without_touching_builtin():
    vocab = Vocabulary.builtin()
    vocab.extend({"topics": [{"id": "beekeeping", "labels": {"de": "Imkerei", "en": "Beekeeping"}}]})
    assert vocab.resolve("topics", "imkerei") == "beekeeping"
    assert Vocabulary.builtin().lookup("topics", "Imkerei") is None


def test_bad_extension_lists_every_problem():
    vocab = Vocabulary.builtin()
    with pytest.raises(ValidationError) as err:
        vocab.extend(
            {"topics": [{"id": "Bad Id", "labels": {"de": "x"}}, {"id": "ok", "labels": {"xx": "y"}}], "colours": []}
        )
    assert len(err.value.issues) == 3
    assert vocab.lookup("topics", "ok") is None
