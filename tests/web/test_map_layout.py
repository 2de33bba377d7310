"""The map layout stays put: adding one organisation moves the others by at most 5 % of the map's width."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.generate import generate_document
from graph.network import parse_network
from graph.snapshot import build_snapshot
from web.map.layout import layout_width, mean_displacement, stable_layout
from web.map.store import LAYOUT_ID, LAYOUT_KIND, ensure_layout, layout_graph, load_layout, relayout, set_pinned

LIMIT = 0.05


@pytest.fixture(scope="module")
def demo_graph(demo_doc) -> nx.Graph:
    return layout_graph(parse_network(demo_doc))


@pytest.fixture(scope="module")
def big_graph() -> nx.Graph:
    return layout_graph(parse_network(generate_document(400, seed=3)))


def test_fresh_layout_is_deterministic_and_finite(demo_graph):
    a = stable_layout(demo_graph, seed=1)
    b = stable_layout(demo_graph, seed=1)
    assert a == b
    assert set(a) == set(demo_graph)
    assert 0.5 < layout_width(a) < 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adding_a_partnered_organisation_moves_others_little(demo_graph, seed):
    before = stable_layout(demo_graph, seed=seed)
    g = demo_graph.copy()
    hub = max(g.degree, key=lambda t: t[1])[0]
    g.add_edge("neu-verein", hub)
    g.add_edge("neu-verein", sorted(g)[5])
    after = stable_layout(g, previous=before, seed=seed)
    assert mean_displacement(before, after) <= LIMIT
    assert "neu-verein" in after


def test_adding_an_organisation_without_partners_moves_others_little(demo_graph):
    before = stable_layout(demo_graph, seed=0)
    g = demo_graph.copy()
    g.add_node("einsam")
    assert mean_displacement(before, stable_layout(g, previous=before, seed=0)) <= LIMIT


def test_stability_on_a_larger_network(big_graph):
    before = stable_layout(big_graph, seed=0)
    g = big_graph.copy()
    g.add_edges_from([("neu", "org-00001"), ("neu", "org-00002")] if "org-00001" in g else [("neu", sorted(g)[0])])
    after = stable_layout(g, previous=before, seed=0)
    assert mean_displacement(before, after) <= LIMIT


def test_pinned_nodes_do_not_move_also_on_restart(demo_graph):
    before = stable_layout(demo_graph, seed=0)
    pins = sorted(demo_graph)[:3]
    g = demo_graph.copy()
    g.add_edge("neu", pins[0])
    warm = stable_layout(g, previous=before, pinned=pins, seed=0)
    fresh = stable_layout(g, previous=before, pinned=pins, seed=5, restart=True)
    for p in pins:
        assert warm[p] == before[p]
        assert fresh[p] == before[p]
    assert mean_displacement(before, fresh) > LIMIT  # a re-run on purpose does move the others


def test_layout_is_stored_without_moving_the_snapshot_generation(demo_app, demo_doc):
    store = demo_app.extensions["remo_store"].store
    network = store.snapshot().network
    generation = store.generation()
    positions, pinned = ensure_layout(store, network)
    assert store.get(LAYOUT_KIND, LAYOUT_ID) is not None
    assert set(positions) == {o.id for o in network.organisations} and not pinned
    assert store.generation() == generation
    # unchanged network: the stored positions are returned as they are
    assert ensure_layout(store, network)[0] == positions

    # one organisation more: the others keep their places (<= 5 % of the width on average)
    doc = dict(demo_doc)
    doc["organisations"] = [
        *demo_doc["organisations"],
        {"id": "neu-verein", "name": "Neuer Verein e.V.", "kind": "migrant_organisation"},
    ]
    doc["cooperations"] = [
        *demo_doc["cooperations"],
        {"a": "neu-verein", "b": "elternnetzwerk-koepru", "kind": "event", "since": "2026-01-01"},
    ]
    bigger = parse_network(doc)
    after, _ = ensure_layout(store, bigger)
    assert "neu-verein" in after
    assert mean_displacement(positions, after) <= LIMIT
    assert load_layout(store)[0] == after


def test_pin_and_relayout(demo_app):
    store = demo_app.extensions["remo_store"].store
    network = store.snapshot().network
    positions, _ = ensure_layout(store, network)
    assert set_pinned(store, network, "elternnetzwerk-koepru", True, actor="test")
    assert not set_pinned(store, network, "gibt-es-nicht", True, actor="test")
    new = relayout(store, network, actor="test")
    assert new["elternnetzwerk-koepru"] == pytest.approx(positions["elternnetzwerk-koepru"], abs=1e-5)
    assert load_layout(store)[1] == {"elternnetzwerk-koepru"}
    assert set_pinned(store, network, "elternnetzwerk-koepru", False, actor="test")
    assert load_layout(store)[1] == set()


def test_snapshot_graph_lays_out(demo_doc):
    snap = build_snapshot(parse_network(demo_doc))
    pos = stable_layout(snap.graph, seed=0)
    assert len(pos) == snap.n
