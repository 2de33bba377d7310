"""Copying whole stores: SQLite -> Neo4j -> SQLite keeps every record and the exported network byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import StoreError
from graph.io import export_network, import_document
from graph.migrate import migrate, read_records, write_records
from graph.store import open_store
from tests.conftest import NEO4J_URL, _neo4j_reachable, require_or_skip

APP_RECORDS = [
    ("user", "admin", {"email": "admin@example.org", "roles": ["admin"], "password_hash": "pbkdf2:sha256$x"}),
    ("token", "t-1", {"user": "admin", "expires": "2030-01-01T00:00:00+00:00", "scopes": []}),
    ("setting", "site", {"title": "ReMo Remscheid", "languages": ["de", "en", "tr", "ar", "ru", "uk"], "n": 1.5}),
]


def _seeded(url: str, demo_doc: dict):
    store = open_store(url)
    import_document(store, demo_doc)
    for kind, id, data in APP_RECORDS:
        store.create(kind, id, data)
    return store


def _content(store) -> list[tuple[str, str, dict]]:
    return [(r.kind, r.id, r.data) for r in read_records(store)]


@pytest.fixture
def neo4j_url() -> str:
    """An empty Neo4j database (skipped without a server unless REMO_REQUIRE_NEO4J is set)."""
    require_or_skip(_neo4j_reachable(), "REMO_REQUIRE_NEO4J")
    store = open_store(NEO4J_URL)
    try:
        store.wipe()  # type: ignore[attr-defined]
    finally:
        store.close()
    return NEO4J_URL


@pytest.mark.neo4j
def test_demo_sqlite_to_neo4j_to_sqlite_is_exact(tmp_path: Path, neo4j_url: str, demo_doc: dict):
    first = _seeded(f"sqlite:///{tmp_path}/first.db", demo_doc)
    neo = open_store(neo4j_url)
    last = open_store(f"sqlite:///{tmp_path}/last.db")
    try:
        seen: list[int] = []
        counts = migrate(first, neo, progress=seen.append)
        assert counts["organisation"] == len(demo_doc["organisations"]) and counts["user"] == 1
        assert sum(seen) == sum(counts.values())
        assert migrate(neo, last) == counts
        assert _content(first) == _content(neo) == _content(last)
        exports = []
        for name, store in (("first", first), ("neo4j", neo), ("last", last)):
            path = tmp_path / f"{name}.json"
            export_network(store.snapshot().network, "json", path)
            exports.append(path.read_bytes())
        assert exports[0] == exports[1] == exports[2]
        assert neo.get("user", "admin").version == 1  # versions restart in the target
    finally:
        first.close()
        neo.close()
        last.close()


def test_sqlite_to_sqlite_and_its_checks(tmp_path: Path, demo_doc: dict):
    src = _seeded(f"sqlite:///{tmp_path}/src.db", demo_doc)
    dst = open_store(f"sqlite:///{tmp_path}/dst.db")
    try:
        with pytest.raises(StoreError, match="same store"):
            migrate(src, src)
        records = read_records(src)
        seen: list[int] = []
        counts = write_records(dst, records, progress=seen.append)
        assert sum(seen) == len(records) == sum(counts.values())
        assert _content(dst) == _content(src)
        gen = dst.generation()
        with pytest.raises(StoreError, match="not empty"):
            migrate(src, dst)
        assert dst.generation() == gen
        assert migrate(src, dst, overwrite=True) == counts  # unchanged upserts: nothing written
        assert dst.generation() == gen
    finally:
        src.close()
        dst.close()
