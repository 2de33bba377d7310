"""One contract for every store backend (SQLite always; Neo4j when a server answers)."""

from __future__ import annotations

import importlib
import inspect

import pytest

from graph import ConflictError, NotFoundError
from graph.io import import_document, network_document
from graph.migrate import read_records
from graph.store import ANY, BACKENDS, GraphStore, Op, StoreBase, open_store


def _backend_classes() -> list[pytest.param]:
    out = []
    for target in sorted(set(BACKENDS.values())):
        module, _, name = target.partition(":")
        try:
            cls = getattr(importlib.import_module(module), name)
        except ImportError as exc:  # the driver is not installed
            out.append(pytest.param(None, id=name, marks=pytest.mark.skip(reason=f"{target}: {exc}")))
            continue
        out.append(pytest.param(cls, id=name))
    return out


def _compatible(base: inspect.Signature, impl: inspect.Signature) -> list[str]:
    """What keeps ``impl`` from being called every way ``base`` can be (empty when compatible)."""
    problems = []
    params = dict(impl.parameters)
    has_var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    for name, want in base.parameters.items():
        got = params.get(name)
        if got is None:
            if not (has_var_kw and want.kind is want.KEYWORD_ONLY):
                problems.append(f"lacks parameter {name!r}")
            continue
        if want.kind is not got.kind:
            problems.append(f"{name!r} is {got.kind.description}, the contract says {want.kind.description}")
        if want.default is not want.empty and got.default is got.empty:
            problems.append(f"{name!r} has no default")
    known = set(base.parameters)
    for name, got in params.items():
        if name not in known and got.default is got.empty and got.kind not in (got.VAR_POSITIONAL, got.VAR_KEYWORD):
            problems.append(f"requires the extra parameter {name!r}")
    return problems


@pytest.mark.parametrize("cls", _backend_classes())
def test_every_backend_implements_the_whole_contract(cls):
    """Every class in BACKENDS is a StoreBase overriding every abstract method with a compatible signature."""
    assert issubclass(cls, StoreBase)
    assert not inspect.isabstract(cls), f"{cls.__name__} leaves abstract: {sorted(cls.__abstractmethods__)}"
    for name in sorted(StoreBase.__abstractmethods__):
        impl = getattr(cls, name)
        assert impl is not getattr(StoreBase, name), f"{cls.__name__}.{name} is not overridden"
        problems = _compatible(inspect.signature(getattr(StoreBase, name)), inspect.signature(impl))
        assert not problems, f"{cls.__name__}.{name}: {'; '.join(problems)}"
    for name, base_fn in vars(StoreBase).items():  # optional capabilities and conveniences overridden
        impl = getattr(cls, name, None)
        if inspect.isfunction(base_fn) and not name.startswith("_") and impl is not base_fn:
            problems = _compatible(inspect.signature(base_fn), inspect.signature(impl))
            assert not problems, f"{cls.__name__}.{name}: {'; '.join(problems)}"
    assert isinstance(cls.native_backup, bool)


def test_the_protocol_lists_the_whole_contract():
    """GraphStore (the type hint) names every public method of StoreBase (the contract), and nothing else."""
    protocol = {n for n in vars(GraphStore) if not n.startswith("_") and callable(getattr(GraphStore, n))}
    contract = {n for n, v in vars(StoreBase).items() if not n.startswith("_") and inspect.isfunction(v)}
    assert protocol == contract
    for name in contract:
        want, got = inspect.signature(getattr(GraphStore, name)), inspect.signature(getattr(StoreBase, name))
        problems = _compatible(want, got)
        assert not problems, f"StoreBase.{name}: {'; '.join(problems)}"


def test_an_opened_store_is_a_graph_store(store):
    assert isinstance(store, GraphStore) and isinstance(store, StoreBase)
    assert type(store).__module__ + ":" + type(store).__name__ in BACKENDS.values()


def test_optional_capabilities_say_so(store):
    """backup/restore_from exist natively exactly when native_backup; otherwise NotImplementedError."""
    if not store.native_backup:
        with pytest.raises(NotImplementedError):
            store.backup("unused")
        with pytest.raises(NotImplementedError):
            store.restore_from("unused")


def test_export_lists_every_kind_sorted_with_versions(store):
    store.create("organisation", "b", {"id": "b"}, actor="alice")
    store.create("organisation", "a", {"id": "a"})
    store.update("organisation", "a", {"id": "a", "x": 1}, 1, actor="bob")
    store.create("user", "u", {"name": "U"})
    store.create("message", "m", {"due": None})
    exported = store.export_records()
    assert [(r.kind, r.id, r.version) for r in exported] == [
        ("message", "m", 1),
        ("organisation", "a", 2),
        ("organisation", "b", 1),
        ("user", "u", 1),
    ]
    assert exported[1].data == {"id": "a", "x": 1} and exported[1].updated_by == "bob"
    assert read_records(store) == exported
    assert list(store.all_records()) == [(r.kind, r.data) for r in exported]
    pairs, gen = store.network_with_generation(raw=True)
    assert pairs == [(r.kind, r.data) for r in exported] and gen == store.generation()


def test_snapshot_carries_the_generation_it_was_built_from(store):
    store.create("organisation", "a", {"id": "a", "name": "A", "kind": "other"})
    snap = store.snapshot()
    assert snap.generation == store.generation() and store.cached_snapshot() is snap
    store.delete("organisation", "a")
    again = store.snapshot()
    assert again is not snap and again.generation == store.generation() > snap.generation
    assert store.count("organisation") == 0 and store.list("organisation") == []
    with pytest.raises(NotFoundError):
        store.require("organisation", "a")


def test_create_get_and_versions(store):
    rec = store.create("organisation", "a", {"id": "a", "name": 'Ä "quoted" ✓'}, actor="tester")
    assert (rec.version, rec.updated_by) == (1, "tester")
    got = store.get("organisation", "a")
    assert got.data == {"id": "a", "name": 'Ä "quoted" ✓'} and got.version == 1
    assert store.get("organisation", "missing") is None
    with pytest.raises(ConflictError):
        store.create("organisation", "a", {"id": "a"})
    assert store.update("organisation", "a", {"id": "a", "name": "B"}, 1).version == 2


def test_stale_update_raises_conflict_and_writes_nothing(store):
    store.create("organisation", "a", {"id": "a", "name": "first"})
    store.update("organisation", "a", {"id": "a", "name": "second"}, 1)
    with pytest.raises(ConflictError) as err:
        store.update("organisation", "a", {"id": "a", "name": "stale"}, 1)
    assert err.value.expected == 1 and err.value.current.version == 2
    assert err.value.current.data["name"] == "second"
    assert store.get("organisation", "a").data["name"] == "second"


def test_update_of_deleted_record_conflicts(store):
    store.create("organisation", "a", {"id": "a"})
    store.delete("organisation", "a", 1)
    with pytest.raises(ConflictError) as err:
        store.update("organisation", "a", {"id": "a"}, 1)
    assert err.value.current is None
    with pytest.raises(NotFoundError):
        store.delete("organisation", "a", 1)


def test_stale_delete_conflicts(store):
    store.create("organisation", "a", {"id": "a"})
    store.update("organisation", "a", {"id": "a", "x": 1}, 1)
    with pytest.raises(ConflictError):
        store.delete("organisation", "a", 1)
    assert store.get("organisation", "a") is not None


def test_apply_is_all_or_nothing(store):
    store.create("organisation", "a", {"id": "a"})
    gen = store.generation()
    with pytest.raises(ConflictError):
        store.apply(
            [
                Op("organisation", "b", {"id": "b"}),
                Op("organisation", "c", {"id": "c"}),
                Op("organisation", "a", {"id": "a"}, None),  # exists: conflict
            ]
        )
    assert store.get("organisation", "b") is None and store.count("organisation") == 1
    assert store.generation() == gen


def test_list_count_and_kinds_are_separate(store):
    for i in (3, 1, 2):
        store.create("organisation", f"o{i}", {"id": f"o{i}"})
    store.create("person", "o1", {"id": "o1"})
    assert [r.id for r in store.list("organisation")] == ["o1", "o2", "o3"]
    assert store.count("organisation") == 3 and store.count("person") == 1


def test_generation_moves_only_on_real_changes(store):
    g0 = store.generation()
    store.upsert("organisation", "a", {"id": "a", "n": 1})
    g1 = store.generation()
    assert g1 > g0
    store.upsert("organisation", "a", {"id": "a", "n": 1})  # unchanged
    assert store.generation() == g1 and store.get("organisation", "a").version == 1
    store.upsert("organisation", "a", {"id": "a", "n": 2})
    assert store.generation() > g1 and store.get("organisation", "a").version == 2


def test_change_log_names_actor_and_action(store):
    store.create("organisation", "a", {"id": "a"}, actor="alice")
    store.update("organisation", "a", {"id": "a", "x": 1}, 1, actor="bob")
    store.delete("organisation", "a", ANY, actor="carol")
    changes = store.changes(limit=10, kind="organisation", id="a")
    assert [(c.actor, c.action) for c in changes] == [("carol", "delete"), ("bob", "update"), ("alice", "create")]
    assert store.purge_changes("9999-12-31") >= 3
    assert store.changes(kind="organisation", id="a") == []


def test_change_log_of_a_large_write_reads_like_single_entries(store):
    """A write of many records (the Neo4j store logs it as one batch node) reads entry by entry, merged by seq."""
    store.create("organisation", "a", {"id": "a"}, actor="alice")
    ops = [Op("organisation", f"o{i:04d}", {"id": f"o{i:04d}"}) for i in range(1200)]
    store.apply([*ops, Op("person", "p1", {"id": "p1"}), Op("user", "u1", {"name": "U"})], actor="import")
    store.update("organisation", "o0007", {"id": "o0007", "x": 1}, 1, actor="bob")
    newest = store.changes(limit=4)
    first = newest[-1].seq
    assert [(c.seq - first, c.actor, c.kind, c.id, c.action, c.version) for c in newest] == [
        (3, "bob", "organisation", "o0007", "update", 2),
        (2, "import", "user", "u1", "create", 1),
        (1, "import", "person", "p1", "create", 1),
        (0, "import", "organisation", "o1199", "create", 1),
    ]
    assert [(c.actor, c.version) for c in store.changes(kind="organisation", id="o0007")] == [("bob", 2), ("import", 1)]
    assert [c.id for c in store.changes(limit=2, kind="person")] == ["p1"]
    assert [c.actor for c in store.changes(kind="organisation", id="a")] == ["alice"]
    everything = store.changes(limit=10_000)
    assert len(everything) == 1204 and [c.seq for c in everything] == sorted({c.seq for c in everything}, reverse=True)
    assert store.changes(limit=0) == []
    assert store.purge_changes("0000") == 0
    assert store.purge_changes("9999-12-31") == 1204
    assert store.changes(limit=10) == []


def test_snapshot_is_cached_and_rebuilt_on_change(store, demo_doc):
    import_document(store, demo_doc)
    s1 = store.snapshot()
    assert store.snapshot() is s1
    n = len(s1.org_ids)
    store.create("organisation", "neu-verein", {**network_document(s1.network)["organisations"][0], "id": "neu-verein"})
    s2 = store.snapshot()
    assert s2 is not s1 and len(s2.org_ids) == n + 1


def test_other_process_write_invalidates_snapshot(store_url, demo_doc):
    """Two store objects (as in two app processes) on one store: a write through one is seen by the other."""
    one, two = open_store(store_url), open_store(store_url)
    try:
        import_document(one, {"organisations": demo_doc["organisations"][:5]})
        s = two.snapshot()
        assert len(s.org_ids) == 5
        org = dict(demo_doc["organisations"][5])
        one.create("organisation", org["id"], {**network_document(s.network)["organisations"][0], "id": org["id"]})
        assert len(two.snapshot().org_ids) == 6
        assert two.get("organisation", org["id"]) is not None
    finally:
        one.close()
        two.close()


def test_demo_round_trip(store, demo_doc):
    report = import_document(store, demo_doc)
    assert report.created > 100
    again = import_document(store, demo_doc)
    assert again.created == 0 and again.updated == 0
    exported = network_document(store.snapshot().network)
    assert exported["organisations"] == sorted(
        network_document(store.snapshot().network)["organisations"], key=lambda o: o["id"]
    )
    assert len(exported["organisations"]) == len(demo_doc["organisations"])


def test_ops_on_one_record_in_one_apply_see_each_other(store):
    seen: list[int] = []
    out = store.apply(
        [
            Op("organisation", "a", {"id": "a", "n": 1}),
            Op("organisation", "a", {"id": "a", "n": 2}, 1),
            Op("organisation", "a", {"id": "a", "n": 2}, ANY),  # unchanged: keeps version 2
            Op("organisation", "b", {"id": "b"}),
            Op("organisation", "b", None, 1),
            Op("organisation", "c", None, ANY),  # missing: nothing to do
        ],
        actor="x",
        progress=seen.append,
    )
    assert [r.version if r else None for r in out] == [1, 2, 2, 1, None, None]
    assert sum(seen) == 6
    assert store.get("organisation", "a").data == {"id": "a", "n": 2} and store.get("organisation", "b") is None
    log = store.changes(limit=10)
    assert [(c.id, c.action, c.version) for c in reversed(log)] == [
        ("a", "create", 1),
        ("a", "update", 2),
        ("b", "create", 1),
        ("b", "delete", 2),
    ]
    assert [c.seq for c in log] == sorted({c.seq for c in log}, reverse=True)
    with pytest.raises(NotFoundError):
        store.apply([Op("organisation", "c", None, 3)])


def test_application_records_do_not_move_the_generation(store):
    """Users, settings, audit entries and throttles never force the snapshot to be rebuilt."""
    store.create("organisation", "a", {"id": "a", "name": "A", "kind": "other"})
    gen = store.generation()
    snap = store.snapshot()
    store.create("user", "alice", {"name": "Alice"})
    store.upsert("setting", "matching_weights", {"weights": {}})
    store.upsert("login_throttle", "k1", {"hits": [1]})
    assert store.generation() == gen and store.snapshot() is snap
    assert [c.kind for c in store.changes(limit=5)] == ["setting", "user", "organisation"]
    store.create("person", "p1", {"id": "p1", "name": "P"})
    assert store.generation() > gen


def test_disconnect_closes_connections_and_keeps_the_store_and_its_snapshot(store):
    """What a server does before it forks its workers: no connection survives, the snapshot stays."""
    store.create("organisation", "a", {"id": "a", "name": "A", "kind": "other"})
    snap = store.snapshot()
    store.disconnect()
    if hasattr(store, "open_connections"):
        assert store.open_connections() == 0
    else:
        assert store._driver is None  # the Neo4j driver (and its sockets) is gone
    assert store.cached_snapshot() is snap
    assert store.snapshot() is snap  # reconnects; the data did not change
    store.create("organisation", "b", {"id": "b", "name": "B", "kind": "other"})
    assert store.snapshot().n == 2
    store.disconnect()
    store.disconnect()  # twice is fine
    assert store.get("organisation", "b") is not None


def test_a_memory_database_cannot_disconnect():
    from graph import StoreError

    s = open_store("sqlite:///:memory:")
    try:
        s.init()
        with pytest.raises(StoreError, match="in-memory"):
            s.disconnect()
        assert s.generation() == 0  # and it still works
    finally:
        s.close()


def test_sqlite_connections_are_bounded_and_closed(sqlite_store):
    """A thread per request never piles up connections: released ones are pooled (bounded), and a
    thread that ends without releasing closes its own."""
    import threading

    from graph.store.sqlite import MAX_IDLE_CONNECTIONS

    def work(release: bool) -> None:
        sqlite_store.generation()
        if release:
            sqlite_store.release()

    for release in (True, False):
        threads = [threading.Thread(target=work, args=(release,)) for _ in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sqlite_store.open_connections() <= MAX_IDLE_CONNECTIONS + 1  # + this thread's own
    sqlite_store.generation()
    sqlite_store.release()
    sqlite_store.generation()  # works again after a release
    sqlite_store.close()
    assert sqlite_store.open_connections() == 0


def test_due_lists_queued_records_earliest_first(store):
    """The outbox's queue: records with a ``due`` time up to the given one, earliest first, ties by id."""
    store.apply(
        [
            Op("message", "m3", {"due": "2026-01-03T00:00:00+00:00"}),
            Op("message", "m1", {"due": "2026-01-01T00:00:00+00:00"}),
            Op("message", "m2", {"due": "2026-01-01T00:00:00+00:00"}),
            Op("message", "later", {"due": "2027-01-01T00:00:00+00:00"}),
            Op("message", "sent", {"due": None, "status": "sent"}),
            Op("message", "nodue", {"status": "failed"}),
            Op("setting", "m0", {"due": "2020-01-01T00:00:00+00:00"}),  # another kind
        ]
    )
    assert [r.id for r in store.due("message", "2026-06-01T00:00:00+00:00")] == ["m1", "m2", "m3"]
    assert [r.id for r in store.due("message", "2026-06-01T00:00:00+00:00", limit=2)] == ["m1", "m2"]
    assert store.due("message", "2025-01-01T00:00:00+00:00") == []
    first = store.due("message", "2026-01-01T00:00:00+00:00")[0]
    assert first.data == {"due": "2026-01-01T00:00:00+00:00"} and first.version == 1


def test_due_follows_updates_and_deletes(store):
    store.create("message", "m", {"due": "2026-01-01T00:00:00+00:00"})
    store.update("message", "m", {"due": None, "status": "sent"}, 1)
    assert store.due("message", "2030-01-01T00:00:00+00:00") == []
    store.update("message", "m", {"due": "2026-02-01T00:00:00+00:00"}, 2)
    assert [r.version for r in store.due("message", "2030-01-01T00:00:00+00:00")] == [3]
    store.delete("message", "m")
    assert store.due("message", "2030-01-01T00:00:00+00:00") == []


def test_outbox_message_is_written_with_its_cause_or_not_at_all(store):
    """A message and the change that causes it are one transaction: a conflict writes neither."""
    store.create("organisation", "a", {"id": "a"})
    with pytest.raises(ConflictError):
        store.apply(
            [
                Op("message", "m", {"due": "2026-01-01T00:00:00+00:00"}),
                Op("organisation", "a", {"id": "a", "name": "stale"}, 7),
            ]
        )
    assert store.get("message", "m") is None and store.due("message", "2030-01-01T00:00:00+00:00") == []
    store.apply([Op("organisation", "a", {"id": "a", "x": 1}, 1), Op("message", "m", {"due": "2026-01-01"})])
    assert store.get("organisation", "a").version == 2 and [r.id for r in store.due("message", "2027")] == ["m"]


def test_due_refuses_domain_kinds(store):
    with pytest.raises(ValueError):
        store.due("organisation", "2030")


def test_message_writes_stay_out_of_the_change_log(store):
    store.create("message", "m", {"due": "2026-01-01"})
    store.update("message", "m", {"due": None}, 1)
    assert store.changes(kind="message") == []
