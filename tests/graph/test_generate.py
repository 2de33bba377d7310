"""The synthetic network generators: determinism and the shape of the realistic one."""

import numpy as np

from graph import build_snapshot, parse_network
from graph.generate import generate_document, generate_realistic


def test_realistic_is_deterministic_and_differs_by_seed():
    assert generate_realistic(300, seed=2) == generate_realistic(300, seed=2)
    assert generate_realistic(300, seed=2) != generate_realistic(300, seed=3)


def test_realistic_has_many_places_a_long_topic_tail_and_heavy_tailed_degrees():
    snap = build_snapshot(parse_network(generate_realistic(4000, seed=1)), today="2026-11-01")
    demo = build_snapshot(parse_network(generate_document(4000, seed=1)), today="2026-11-01")

    def largest_share(m):
        return np.asarray((m != 0).sum(axis=0)).ravel().max() / m.shape[0]

    assert snap.districts.shape[1] >= 100 > demo.districts.shape[1]
    assert len(snap.topic_ids) >= 70 and len(snap.capability_ids) >= 40
    assert largest_share(snap.topics) < 0.3 < largest_share(demo.topics)
    assert largest_share(snap.districts) < 0.2
    deg = np.asarray((snap.coop != 0).sum(axis=1)).ravel()
    assert snap.coop.nnz // 2 == 4000 * 5 // 4  # 2.5 cooperations per organisation, no duplicates
    assert deg.max() > 20 * deg.mean()  # hubs: heavy tail
    # cooperations are mostly local
    r, c = snap.coop.nonzero()
    place = snap.districts.indices  # one place per organisation
    assert np.mean(place[r] == place[c]) > 0.5
