"""Imports: every problem named with file, row, column, value, reason; and nothing written."""

import json

import networkx as nx
import pytest

from graph import ValidationError
from graph.io import export_network, import_document, import_file, load_file

HEADER_DE = "Name;Art;Themen;Angebote;Bedarfe;Stadtbezirke;Sprachen;E-Mail"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def problems(store, path):
    before = store.generation(), store.count("organisation"), store.count("cooperation")
    with pytest.raises(ValidationError) as err:
        import_file(store, path)
    assert (store.generation(), store.count("organisation"), store.count("cooperation")) == before
    return err.value.issues


def test_german_excel_csv_imports(sqlite_store, tmp_path):
    text = (
        HEADER_DE + "\n"
        "Türkischer Elternverein;Migrantenorganisation;Hausaufgabenhilfe, Elternarbeit;"
        "Räume (Saal, 60 Plätze), Dolmetschen;Geld (3, Miete), Ehrenamtliche;Lennep;Türkisch, Deutsch;"
        "info@tev.example\n"
    )
    for encoding, bom in (("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")):
        path = write(tmp_path, "orgs.csv", bom + text.encode(encoding))
        net = load_file(path, sqlite_store)
        (o,) = net.organisations
        assert o.id == "tuerkischer-elternverein"
        assert o.topics == ["homework_help", "parents_education"]
        assert o.offers[0].capability == "rooms" and o.offers[0].detail == "Saal, 60 Plätze"
        assert (o.needs[0].capability, o.needs[0].urgency, o.needs[0].detail) == ("money", 3, "Miete")
        assert o.languages == ["tr", "de"]
    report = import_file(sqlite_store, path)
    assert report.created == 1
    assert sqlite_store.get("organisation", "tuerkischer-elternverein").data["districts"] == ["lennep"]


def test_comma_separated_english_headers(sqlite_store, tmp_path):
    path = write(tmp_path, "o.csv", 'id,name,kind,topics,offers,needs\na-b,A B,education,"music, sport",rooms,money\n')
    (o,) = load_file(path, sqlite_store).organisations
    assert o.topics == ["music", "sport"] and o.needs[0].urgency == 2


def test_wrong_delimiter(sqlite_store, tmp_path):
    path = write(tmp_path, "pipes.csv", "Name|Art|Themen\nVerein|Migrantenorganisation|Musik\n")
    (issue,) = problems(sqlite_store, path)
    assert issue.where == "pipes.csv row 1"
    assert issue.code == "bad_delimiter"
    assert "it seems to use '|'" in issue.reason


def test_unknown_topic_names_row_column_value_and_suggestion(sqlite_store, tmp_path):
    path = write(
        tmp_path,
        "o.csv",
        HEADER_DE + "\nVerein A;Migrantenorganisation;Hausaufgabenhilfe;Räume;Geld;Lennep;tr;\n"
        "Verein B;Migrantenorganisation;Hausaufgabenhlfe;Räume;Geld;Lennep;tr;\n",
    )
    (issue,) = problems(sqlite_store, path)
    assert issue.where == "o.csv row 3, column 'Themen'"
    assert issue.value == "Hausaufgabenhlfe"
    assert issue.reason == "unknown topic"
    assert issue.hint[0].startswith("homework_help")


def test_duplicate_id(sqlite_store, tmp_path):
    path = write(tmp_path, "o.csv", "ID;Name;Art\nverein-a;Verein A;education\nverein-a;Verein A2;education\n")
    (issue,) = problems(sqlite_store, path)
    assert issue.where == "o.csv row 3, column 'ID'"
    assert issue.code == "duplicate" and "o.csv row 2" in issue.reason


def test_missing_column(sqlite_store, tmp_path):
    path = write(tmp_path, "o.csv", "Name;Themen\nVerein A;Musik\n")
    (issue,) = problems(sqlite_store, path)
    assert issue.where == "o.csv row 1" and issue.code == "missing_column" and "'kind'" in issue.reason


def test_bad_email(sqlite_store, tmp_path):
    path = write(tmp_path, "o.csv", "Name;Art;E-Mail\nVerein A;education;info(at)verein.example\n")
    (issue,) = problems(sqlite_store, path)
    assert (issue.where, issue.field, issue.value) == (
        "o.csv row 2, column 'E-Mail'",
        "email",
        "info(at)verein.example",
    )
    assert issue.reason == "is not an email address"


def test_cooperation_naming_unknown_organisation(sqlite_store, tmp_path):
    import_document(sqlite_store, {"organisations": [{"id": "verein-a", "name": "Verein A", "kind": "education"}]})
    path = write(tmp_path, "k.csv", "Organisation A;Organisation B;Seit\nVerein A;verein-x;01.02.2024\n")
    (issue,) = problems(sqlite_store, path)
    assert issue.where == "k.csv row 2, column 'Organisation B'"
    assert issue.reason == "unknown organisation" and issue.value == "verein-x"
    # names resolve to ids
    path = write(tmp_path, "k2.csv", "Organisation A;Organisation B;Seit\nVerein A;Verein A;01.02.2024\n")
    (issue,) = problems(sqlite_store, path)
    assert issue.code == "self_loop"


def test_empty_and_binary_files(sqlite_store, tmp_path):
    (issue,) = problems(sqlite_store, write(tmp_path, "empty.csv", b""))
    assert issue.code == "empty_file" and issue.reason == "the file is empty"
    (issue,) = problems(sqlite_store, write(tmp_path, "bin.csv", bytes(range(256)) * 10))
    assert issue.code == "binary_file"
    (issue,) = problems(sqlite_store, write(tmp_path, "bin.xlsx", b"not a zip at all"))
    assert issue.code == "binary_file"
    (issue,) = problems(sqlite_store, write(tmp_path, "empty.json", b"  \n"))
    assert issue.code == "empty_file"
    (issue,) = problems(sqlite_store, write(tmp_path, "bad.json", b'{"organisations": [}'))
    assert issue.code == "bad_json" and "line 1" in issue.reason


def test_all_errors_are_listed(sqlite_store, tmp_path):
    rows = ["Name;Art;E-Mail"] + [f"Verein {i};education;{'bad' if i % 2 else 'ok@x.example'}" for i in range(10)]
    issues = problems(sqlite_store, write(tmp_path, "o.csv", "\n".join(rows) + "\n"))
    assert [i.where for i in issues] == [f"o.csv row {r}, column 'E-Mail'" for r in (3, 5, 7, 9, 11)]


def test_error_in_row_900_of_1000_writes_nothing(sqlite_store, tmp_path):
    rows = ["Name;Art;Themen"] + [f"Verein {i};education;Musik" for i in range(1000)]
    rows[900] = "Verein 899;education;Blasmusik-Unbekannt"
    issues = problems(sqlite_store, write(tmp_path, "o.csv", "\n".join(rows) + "\n"))
    assert [i.where for i in issues] == ["o.csv row 901, column 'Themen'"]
    assert sqlite_store.count("organisation") == 0


@pytest.mark.slow
def test_50k_row_file(sqlite_store, tmp_path):
    rows = ["ID;Name;Art;Themen;Angebote;Bedarfe"] + [
        f"v-{i};Verein {i};Migrantenorganisation;Musik, Sport;Räume;Geld (2)" for i in range(50_000)
    ]
    rows.append("v-dup;Verein X;Migrantenorganisation;Musik;Räume;Geld (9)")
    path = write(tmp_path, "big.csv", "\n".join(rows) + "\n")
    (issue,) = problems(sqlite_store, path)
    assert issue.where == "big.csv row 50002, column 'Bedarfe'"
    path = write(tmp_path, "big.csv", "\n".join(rows[:-1]) + "\n")
    report = import_file(sqlite_store, path)
    assert report.created == 50_000 and sqlite_store.count("organisation") == 50_000


def test_dry_run_writes_nothing(sqlite_store, tmp_path):
    path = write(tmp_path, "o.csv", "Name;Art\nVerein A;education\n")
    gen = sqlite_store.generation()
    report = import_file(sqlite_store, path, dry_run=True)
    assert report.created == 1 and report.dry_run
    assert sqlite_store.count("organisation") == 0 and sqlite_store.generation() == gen


def test_json_store_json_round_trip(sqlite_store, demo_doc, tmp_path):
    import_document(sqlite_store, demo_doc)
    out = tmp_path / "out.json"
    export_network(sqlite_store.snapshot().network, "json", out)
    first = json.loads(out.read_text(encoding="utf-8"))
    for section in ("organisations", "cooperations", "persons", "meetings", "projects", "funding_programmes"):
        assert len(first[section]) == len(demo_doc.get(section, [])), section
    from graph.store import open_store

    other = open_store(f"sqlite:///{tmp_path}/second.db")
    try:
        assert import_file(other, out).created > 0
        out2 = tmp_path / "out2.json"
        export_network(other.snapshot().network, "json", out2)
        assert out2.read_bytes() == out.read_bytes()
    finally:
        other.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheet_round_trip(sqlite_store, demo_doc, tmp_path, fmt):
    import_document(sqlite_store, {k: demo_doc[k] for k in ("organisations", "cooperations")})
    net = sqlite_store.snapshot().network
    out = tmp_path / f"orgs.{fmt}"
    files = export_network(net, fmt, out)
    from graph.store import open_store

    other = open_store(f"sqlite:///{tmp_path}/second.db")
    try:
        for f in sorted(files, key=lambda p: len(p.name)):  # organisations first
            import_file(other, f)
        again = other.snapshot().network
        assert again.to_dict()["organisations"] == net.to_dict()["organisations"]
        assert again.to_dict()["cooperations"] == net.to_dict()["cooperations"]
    finally:
        other.close()


@pytest.mark.parametrize("fmt, reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_exports_open_in_networkx(sqlite_store, demo_doc, tmp_path, fmt, reader):
    import_document(sqlite_store, demo_doc)
    net = sqlite_store.snapshot().network
    path = tmp_path / f"net.{fmt}"
    export_network(net, fmt, path)
    g = reader(path)
    org = net.organisations[0]
    assert g.nodes[org.id]["kind"] == org.kind
    assert g.nodes[org.id]["label"] == org.name
    assert any(d.get("relation") == "COOPERATES_WITH" for _, _, d in g.edges(data=True))
    assert f"topic:{org.topics[0]}" in g


def test_json_vocabulary_extension(sqlite_store):
    doc = {
        "vocabulary": {"topics": [{"id": "beekeeping", "labels": {"de": "Imkerei", "en": "Beekeeping"}}]},
        "organisations": [{"id": "bienen", "name": "Bienenfreunde", "kind": "other", "topics": ["Imkerei"]}],
    }
    import_document(sqlite_store, doc)
    assert sqlite_store.get("organisation", "bienen").data["topics"] == ["beekeeping"]
    # later imports may use the stored term
    import_document(
        sqlite_store, {"organisations": [{"id": "b2", "name": "B2", "kind": "other", "topics": ["imkerei"]}]}
    )
    assert "beekeeping" in sqlite_store.snapshot().topic_ids


def test_a_large_import_pauses_the_cyclic_collector_and_always_restores_it(sqlite_store):
    """The records of a large network are built and written with the collector paused (it would walk
    them again and again); afterwards it runs as before, also when the write fails."""
    import gc

    from graph.generate import generate_document
    from graph.io import import_network, store_vocabulary
    from graph.network import parse_network

    network = parse_network(generate_document(600, seed=3), store_vocabulary(sqlite_store))
    assert sum(network.counts().values()) >= 1000
    seen = []
    real_apply = sqlite_store.apply

    def apply(ops, **kw):
        seen.append(gc.isenabled())
        return real_apply(ops, **kw)

    sqlite_store.apply = apply
    assert gc.isenabled()
    import_network(sqlite_store, network)
    assert seen == [False] and gc.isenabled()
    assert sqlite_store.count("organisation") == 600

    def failing(ops, **kw):
        seen.append(gc.isenabled())
        raise RuntimeError("disk full")

    sqlite_store.apply = failing
    network = parse_network(generate_document(700, seed=4), store_vocabulary(sqlite_store))
    with pytest.raises(RuntimeError):
        import_network(sqlite_store, network)
    assert seen == [False, False] and gc.isenabled()
    # a small network is written with the collector running
    doc = generate_document(5, seed=5)
    for org in doc["organisations"]:  # "Organisation 0" is stored already (as org-000): names are unique
        org["name"] += " (klein)"
    small = parse_network(doc, store_vocabulary(sqlite_store))
    sqlite_store.apply = apply
    import_network(sqlite_store, small)
    assert seen[-1] is True
