"""Neo4j-only behaviour: URLs, credentials, error messages and the derived graph Cypher users see."""

from __future__ import annotations

import random
import socket
import time

import pytest

from graph import ConflictError, StoreError, StoreUnavailable
from graph.io import import_document
from graph.store import ANY, Op, open_store
from graph.store import neo4j as backend
from graph.store.neo4j import LABELS, VOCABULARY_LABELS, Neo4jStore, derived_edges, parse_neo4j_url
from tests.conftest import NEO4J_URL, _neo4j_reachable, require_or_skip

SECRET = "geheim-Pa55wort"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- no server needed ----------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("bolt://", "names no host"),
        ("bolt://127.0.0.1:notaport", "invalid"),
        ("bolt://127.0.0.1:7687/one/two", "one database"),
        ("http://127.0.0.1:7474", "not a Neo4j URL"),
    ],
)
def test_bad_urls_are_clear_store_errors(url, words):
    with pytest.raises(StoreError) as err:
        Neo4jStore(url)
    assert words in str(err.value)


def test_url_parts_credentials_and_database(monkeypatch):
    monkeypatch.delenv("REMO_NEO4J_USER", raising=False)
    monkeypatch.delenv("REMO_NEO4J_PASSWORD", raising=False)
    assert parse_neo4j_url("bolt://127.0.0.1:7687") == ("bolt://127.0.0.1:7687", None, None)
    assert parse_neo4j_url("neo4j+s://al%40ice:p%2Fw@db.example.org/remo") == (
        "neo4j+s://db.example.org",
        ("al@ice", "p/w"),
        "remo",
    )
    monkeypatch.setenv("REMO_NEO4J_USER", "remo")
    monkeypatch.setenv("REMO_NEO4J_PASSWORD", SECRET)
    assert parse_neo4j_url("bolt://h:7687") == ("bolt://h:7687", ("remo", SECRET), None)
    assert parse_neo4j_url("bolt://bob:pw@h:7687")[1] == ("bob", "pw")  # the URL wins
    monkeypatch.delenv("REMO_NEO4J_USER")
    assert parse_neo4j_url("bolt://h:7687")[1] == ("neo4j", SECRET)


def test_unreachable_server_names_url_without_password():
    url = f"bolt://remo:{SECRET}@127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailable) as err:
        open_store(url)
    assert time.monotonic() - t0 < 10
    text = str(err.value)
    assert SECRET not in text and repr(SECRET) not in repr(err.value)
    assert "remo:***@127.0.0.1" in text and "cannot reach" in text
    assert err.value.__cause__ is None or SECRET not in str(err.value.__cause__)


def test_wrong_password_is_store_unavailable_without_password(monkeypatch):
    """The driver's AuthError (as a server with auth on raises it) becomes one clear StoreUnavailable."""
    from neo4j.exceptions import Neo4jError

    store = Neo4jStore(f"bolt://neo4j:{SECRET}@127.0.0.1:{_free_port()}")

    def refuse(*args, **kwargs):
        raise Neo4jError._hydrate_neo4j(
            code="Neo.ClientError.Security.Unauthorized",
            message="The client is unauthorized due to authentication failure.",
        )

    monkeypatch.setattr(store.driver, "verify_connectivity", refuse)
    try:
        with pytest.raises(StoreUnavailable) as err:
            store.init()
    finally:
        store.close()
    text = str(err.value)
    assert "refused the login" in text and "user 'neo4j'" in text and "neo4j:***@" in text
    assert SECRET not in text


def test_closed_store_says_so():
    store = Neo4jStore("bolt://127.0.0.1:7687")
    store.close()
    store.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.get("organisation", "a")


def test_derived_edges_of_each_kind():
    org = {
        "topics": ["music", "music", 3],
        "offers": [{"capability": "rooms", "detail": "Saal"}, "money"],
        "needs": [{"capability": "volunteers", "detail": "", "urgency": 3}],
        "districts": ["lennep"],
        "languages": ["tr"],
    }
    got = {(shape, e["t"], tuple(sorted(e["p"].items()))) for shape, e in derived_edges("organisation", "a", org)}
    assert got == {
        ("works_on", "music", ()),
        ("offers", "rooms", (("detail", "Saal"),)),
        ("offers", "money", ()),
        ("needs", "volunteers", (("urgency", 3),)),  # empty details are left out
        ("located_in", "lennep", ()),
        ("speaks", "tr", ()),
    }
    coop = derived_edges("cooperation", "c1", {"a": "a", "b": "b", "kind": "event", "since": None})
    assert coop == [("cooperates_with", {"s": "a", "t": "b", "p": {"id": "c1", "kind": "event"}})]
    assert derived_edges("user", "u", {"topics": ["music"]}) == []


# -- against a server ----------------------------------------------------------------
@pytest.fixture
def neo():
    require_or_skip(_neo4j_reachable(), "REMO_REQUIRE_NEO4J")
    store = open_store(NEO4J_URL)
    store.wipe()
    yield store
    store.close()


def _cypher(store: Neo4jStore, query: str, **params):
    records, _, _ = store.driver.execute_query(query, params, database_=store.database)
    return [r.values() for r in records]


_NAMED = {*LABELS.values(), *VOCABULARY_LABELS}


def _label(labels: list[str]) -> str:
    named = [lb for lb in labels if lb in _NAMED]
    assert len(named) == 1, labels
    return named[0]


def assert_graph_consistent(store: Neo4jStore) -> None:
    """The relationships in the database are exactly those the stored records imply; no orphans."""
    expected = set()
    referenced: dict[str, set[str]] = {}
    for rec in store.export_records():
        for shape, e in derived_edges(rec.kind, rec.id, rec.data):
            src, rel, dst, _ = backend._SHAPES[shape]
            expected.add((src, e["s"], rel, dst, e["t"], tuple(sorted(e["p"].items()))))
            referenced.setdefault(src, set()).add(e["s"])
            referenced.setdefault(dst, set()).add(e["t"])
    rows = _cypher(store, "MATCH (s)-[r]->(t) RETURN labels(s), s.id, type(r), labels(t), t.id, properties(r)")
    actual = [(_label(ls), s, rel, _label(lt), t, tuple(sorted(p.items()))) for ls, s, rel, lt, t, p in rows]
    assert len(actual) == len(set(actual)), "duplicate relationships"
    assert set(actual) == expected
    # nodes without :Record are stubs or vocabulary terms, and something points at each of them
    for label, node_id in _cypher(
        store, "MATCH (n) WHERE NOT n:Record AND NOT n:ReMoMeta AND NOT n:Change RETURN labels(n), n.id"
    ):
        assert node_id in referenced.get(_label(label), set()), (label, node_id)
    for kind, label in LABELS.items():
        assert _cypher(store, f"MATCH (n:{label}:Record) RETURN count(n)")[0][0] == store.count(kind)


@pytest.mark.neo4j
def test_demo_network_is_a_graph_in_cypher(neo, demo_doc):
    import_document(neo, demo_doc)
    assert_graph_consistent(neo)
    n_coop = _cypher(neo, "MATCH (:Organisation)-[r:COOPERATES_WITH]->(:Organisation) RETURN count(r)")[0][0]
    assert n_coop == len(demo_doc["cooperations"])
    topics = sum(len(o.get("topics") or []) for o in demo_doc["organisations"])
    assert _cypher(neo, "MATCH (:Organisation)-[r:WORKS_ON]->(:Topic) RETURN count(r)")[0][0] == topics
    for rel in ("OFFERS", "NEEDS", "LOCATED_IN", "SPEAKS", "CONTACT_OF", "ATTENDED", "MEMBER_OF"):
        assert _cypher(neo, f"MATCH ()-[r:{rel}]->() RETURN count(r)")[0][0] > 0, rel
    assert _cypher(neo, "MATCH ()-[r:NEEDS]->() WHERE r.urgency IS NULL RETURN count(r)")[0][0] == 0
    # a Cypher user can ask graph questions directly
    shared = _cypher(
        neo,
        "MATCH (a:Organisation)-[:NEEDS]->(c:Capability)<-[:OFFERS]-(b:Organisation) RETURN count(*)",
    )[0][0]
    assert shared > 0
    # application kinds are plain :Record nodes
    neo.create("user", "admin", {"email": "admin@example.org"})
    assert _cypher(neo, "MATCH (n:Record {kind: 'user'}) RETURN labels(n)") == [[["Record"]]]


@pytest.mark.neo4j
def test_relationships_follow_updates_deletes_and_stubs(neo):
    neo.apply(
        [
            Op(
                "organisation", "a", {"id": "a", "topics": ["music"], "offers": [{"capability": "rooms", "detail": ""}]}
            ),
            Op("organisation", "b", {"id": "b", "topics": ["sport"]}),
            Op("cooperation", "a--b", {"id": "a--b", "a": "a", "b": "b", "kind": "event", "since": None}),
            Op("person", "p", {"id": "p", "organisations": ["a", "ghost"]}),
            Op("meeting", "m", {"id": "m", "attendance": ["a", "b"], "persons": ["p"]}),
        ]
    )
    assert_graph_consistent(neo)
    # a reference to a missing organisation points at a stub
    assert _cypher(neo, "MATCH (n:Organisation {id: 'ghost'}) RETURN n:Record, keys(n)") == [[False, ["id"]]]
    # creating the record fills the stub
    neo.create("organisation", "ghost", {"id": "ghost", "name": "Ghost", "topics": ["music"]})
    assert _cypher(neo, "MATCH (n:Organisation {id: 'ghost'}) RETURN n:Record, n.name") == [[True, "Ghost"]]
    assert_graph_consistent(neo)
    # updates replace the owned relationships
    neo.update("organisation", "a", {"id": "a", "topics": ["sport", "art"], "languages": ["tr"]}, 1)
    assert sorted(r[0] for r in _cypher(neo, "MATCH (:Organisation {id: 'a'})-[:WORKS_ON]->(t) RETURN t.id")) == [
        "art",
        "sport",
    ]
    assert _cypher(neo, "MATCH (c:Capability {id: 'rooms'}) RETURN count(c)") == [[0]]  # orphan term removed
    assert_graph_consistent(neo)
    # deleting a referenced organisation leaves a stub; the edges of others stay
    neo.delete("organisation", "b")
    assert _cypher(neo, "MATCH (n:Organisation {id: 'b'}) RETURN n:Record") == [[False]]
    assert _cypher(neo, "MATCH ()-[r:COOPERATES_WITH {id: 'a--b'}]->() RETURN count(r)") == [[1]]
    assert neo.get("organisation", "b") is None and neo.count("organisation") == 2
    assert_graph_consistent(neo)
    # once nothing points at it, the stub goes
    neo.apply([Op("cooperation", "a--b", None, ANY), Op("meeting", "m", {"id": "m", "attendance": ["a"]}, 1)])
    assert _cypher(neo, "MATCH (n:Organisation {id: 'b'}) RETURN count(n)") == [[0]]
    assert_graph_consistent(neo)
    neo.apply([Op("person", "p", None, ANY), Op("meeting", "m", None, ANY), Op("organisation", "ghost", None, 1)])
    assert_graph_consistent(neo)
    assert _cypher(neo, "MATCH (n:Organisation) RETURN n.id") == [["a"]]


@pytest.mark.neo4j
def test_random_edits_keep_the_graph_consistent(neo, demo_doc, monkeypatch):
    monkeypatch.setattr(backend, "BATCH_SIZE", 17)  # many batches in one transaction
    import_document(neo, demo_doc)
    assert_graph_consistent(neo)
    rng = random.Random(7)
    records = {(r.kind, r.id): r.data for r in neo.export_records()}
    keys = sorted(records)
    for _round in range(6):
        ops = []
        for key in rng.sample(keys, 40):
            if rng.random() < 0.4:
                ops.append(Op(*key, None, ANY))
            else:
                data = dict(records[key])
                if key[0] == "organisation":
                    data["topics"] = rng.sample(["music", "sport", "art", "education"], 2)
                ops.append(Op(*key, data, ANY))
        # the same record twice in one apply: later ops see earlier ones
        ops.append(Op(*keys[0], records[keys[0]], ANY))
        neo.apply(ops, actor="fuzz")
        assert_graph_consistent(neo)


@pytest.mark.neo4j
def test_failed_apply_leaves_no_edges(neo):
    neo.create("organisation", "a", {"id": "a"})
    before = _cypher(neo, "MATCH ()-[r]->() RETURN count(r)")
    with pytest.raises(ConflictError):
        neo.apply([Op("organisation", "b", {"id": "b", "topics": ["music"]}), Op("organisation", "a", {"id": "a"})])
    assert _cypher(neo, "MATCH ()-[r]->() RETURN count(r)") == before
    assert _cypher(neo, "MATCH (t:Topic) RETURN count(t)") == [[0]]


@pytest.mark.neo4j
def test_progress_adds_up_and_batches_are_one_transaction(neo, monkeypatch):
    monkeypatch.setattr(backend, "BATCH_SIZE", 10)
    seen: list[int] = []
    ops = [Op("organisation", f"o{i:03d}", {"id": f"o{i:03d}", "topics": ["music"]}) for i in range(95)]
    gen = neo.generation()
    neo.apply(ops, progress=seen.append)
    assert sum(seen) == 95 and len(seen) > 1
    assert neo.generation() == gen + 1 and neo.count("organisation") == 95
    assert [c.seq for c in neo.changes(limit=3)] == [95, 94, 93]


@pytest.mark.neo4j
@pytest.mark.slow
def test_wrong_password_against_a_server_with_auth(tmp_path):
    """A server of the test's own with auth on: the right password works, a wrong one gives one clear error."""
    from tests.web.test_faults_neo4j import OwnNeo4j, own_neo4j_unavailable

    require_or_skip(own_neo4j_unavailable(), "REMO_REQUIRE_NEO4J")
    server = OwnNeo4j(tmp_path / "neo4j-auth", password=SECRET, heap="1g")
    server.start()  # waits until the right password opens a store
    try:
        with open_store(server.url) as store:
            assert store.count("organisation") == 0
        wrong = f"bolt://neo4j:{SECRET}-wrong@127.0.0.1:{server.port}"
        with pytest.raises(StoreUnavailable) as err:
            open_store(wrong)
        message = str(err.value)
        assert SECRET not in message and "refused" in message and f"127.0.0.1:{server.port}" in message
    finally:
        server.stop()
