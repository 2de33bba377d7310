"""The in-memory snapshot the matching engine works on.

A `Snapshot` holds the `Network` (plain objects) plus sparse matrices with one
row per organisation, built once per store generation:

=============  =====================================================
``topics``     orgs x topics, 1 where the organisation works on it
``offers``     orgs x capabilities, 1 where it offers it
``needs``      orgs x capabilities, the urgency (1-3) where it needs it
``districts``  orgs x districts
``languages``  orgs x languages
``target``     orgs x target groups
``coop``       orgs x orgs, symmetric, 1 for a current cooperation
=============  =====================================================

``graph`` is a NetworkX graph of organisations and cooperations, built lazily.

Example
-------
>>> from graph import parse_network
>>> net = parse_network({"organisations": [
...     {"id": "a", "name": "A", "kind": "migrant_organisation", "topics": ["music"]},
...     {"id": "b", "name": "B", "kind": "education", "topics": ["music", "sport"]}],
...     "cooperations": [{"a": "a", "b": "b"}]})
>>> snap = build_snapshot(net)
>>> snap.topics.shape[0], int(snap.coop[0, 1]), snap.graph.number_of_edges()
(2, 1, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .clock import network_today
from .model import ORG_TERM_FIELDS
from .network import Network
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from .model import Need, Offer, Organisation

__all__ = ["Snapshot", "build_snapshot", "to_networkx"]


@dataclass(eq=False)
class Snapshot:
    network: Network
    vocabulary: Vocabulary
    generation: int
    org_ids: list[str]
    index: dict[str, int]
    kinds: np.ndarray
    is_mo: np.ndarray
    topic_ids: list[str]
    capability_ids: list[str]
    district_ids: list[str]
    language_ids: list[str]
    target_ids: list[str]
    topics: sp.csr_matrix
    offers: sp.csr_matrix
    needs: sp.csr_matrix
    districts: sp.csr_matrix
    languages: sp.csr_matrix
    target: sp.csr_matrix
    coop: sp.csr_matrix
    #: the ISO day the snapshot is of (today in the network's time zone, `graph.clock.network_today`)
    today: str = field(default_factory=network_today)

    @property
    def n(self) -> int:
        return len(self.org_ids)

    @cached_property
    def orgs(self) -> dict[str, Any]:
        return {o.id: o for o in self.network.organisations}

    @cached_property
    def graph(self) -> nx.Graph:
        """Organisations as nodes, current cooperations as edges."""
        return to_networkx(self.network, include_terms=False, today=self.today)

    def partners(self, org_id: str) -> list[str]:
        i = self.index[org_id]
        row = self.coop.getrow(i)
        return [self.org_ids[j] for j in row.indices]


def _incidence(rows: list[list[str]], ids: list[str], weights: list[list[float]] | None = None) -> sp.csr_matrix:
    col = {t: j for j, t in enumerate(ids)}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for r, items in enumerate(rows):
        for k, item in enumerate(items):
            j = col.get(item)
            if j is None:
                continue
            indices.append(j)
            data.append(weights[r][k] if weights is not None else 1.0)
        indptr.append(len(indices))
    m = sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(len(rows), len(ids)),
    )
    m.sum_duplicates()
    return m


def _ids(vocab: Vocabulary, category: str, used: list[list[str]]) -> list[str]:
    known = vocab.ids(category)
    extra = sorted({x for items in used for x in items} - set(known))
    return known + extra


def build_snapshot(network: Network, *, generation: int = 0, today: str | None = None) -> Snapshot:
    """Build the matrices for ``network`` (vectorised; no loop over pairs).

    ``today`` (ISO day; default: `graph.clock.network_today`) dates the snapshot: the cooperations
    active on it, and every "upcoming" or deadline that matching computes from ``snapshot.today``.
    """
    today = today or network_today()
    vocab = Vocabulary.builtin()
    if network.vocabulary:
        vocab.extend(network.vocabulary, where="stored vocabulary")
    orgs = sorted(network.organisations, key=lambda o: o.id)
    org_ids = [o.id for o in orgs]
    index = {oid: i for i, oid in enumerate(org_ids)}

    topic_rows = [o.topics for o in orgs]
    offer_rows = [[x.capability for x in o.offers] for o in orgs]
    need_rows = [[x.capability for x in o.needs] for o in orgs]
    need_w = [[float(x.urgency) for x in o.needs] for o in orgs]
    district_rows = [o.districts for o in orgs]
    language_rows = [o.languages for o in orgs]
    target_rows = [o.target_groups for o in orgs]

    topic_ids = _ids(vocab, "topics", topic_rows)
    capability_ids = _ids(vocab, "capabilities", offer_rows + need_rows)
    district_ids = _ids(vocab, "districts", district_rows)
    language_ids = _ids(vocab, "languages", language_rows)
    target_ids = _ids(vocab, "target_groups", target_rows)

    n = len(orgs)
    a_idx, b_idx = [], []
    for c in network.cooperations:
        if not c.active_on(today):
            continue
        i, j = index.get(c.a), index.get(c.b)
        if i is None or j is None or i == j:
            continue
        a_idx.append(i)
        b_idx.append(j)
    rows = np.asarray(a_idx + b_idx, dtype=np.int64)
    cols = np.asarray(b_idx + a_idx, dtype=np.int64)
    coop = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    coop.data[:] = 1.0  # several cooperations between one pair count once
    coop.eliminate_zeros()

    kinds = np.asarray([o.kind for o in orgs], dtype=object)
    return Snapshot(
        network=network,
        vocabulary=vocab,
        generation=generation,
        org_ids=org_ids,
        index=index,
        kinds=kinds,
        is_mo=kinds == "migrant_organisation",
        topic_ids=topic_ids,
        capability_ids=capability_ids,
        district_ids=district_ids,
        language_ids=language_ids,
        target_ids=target_ids,
        topics=_incidence(topic_rows, topic_ids),
        offers=_incidence(offer_rows, capability_ids),
        needs=_incidence(need_rows, capability_ids, need_w),
        districts=_incidence(district_rows, district_ids),
        languages=_incidence(language_rows, language_ids),
        target=_incidence(target_rows, target_ids),
        coop=coop.tocsr(),
        today=today,
    )


def to_networkx(
    network: Network,
    *,
    include_terms: bool = True,
    today: str | None = None,
    public_only: bool = False,
) -> nx.Graph:
    """The network as a NetworkX graph with flat attributes (GraphML/GEXF friendly).

    Organisation nodes carry ``label``, ``type="organisation"``, ``kind`` and
    comma-joined lists; with ``include_terms`` topics and capabilities become
    nodes too, linked by ``WORKS_ON``, ``OFFERS`` and ``NEEDS`` edges.
    Edges carry ``relation`` (GEXF reserves ``type``). Cooperations are
    ``COOPERATES_WITH`` edges (all of them, with since/until). With ``include_terms`` events become
    ``event:<id>`` nodes (start, end, rrule, status) linked to their organisations by ``HOSTS`` edges.
    In the multigraph every edge key is unique (the cooperation's id, ``ORG.works_on.TOPIC``,
    ``ORG.offers.CAP``, ``ORG.needs.CAP``, ``EVENT:ORG``): GraphML takes the keys as edge ids.
    """
    g = nx.MultiGraph() if include_terms else nx.Graph()
    for o in network.organisations:
        g.add_node(o.id, **_org_attrs(o, o.public_dict() if public_only else o.to_dict()))
    _add_cooperations(g, network, today, keyed=include_terms)
    if include_terms:
        _add_terms(g, network, public_only)
        _add_events(g, network, public_only)
    return g


def _org_attrs(o: Organisation, pub: dict[str, Any]) -> dict[str, Any]:
    """An organisation node's attributes: the fields in ``pub`` (all, or the public ones), lists comma-joined."""
    attrs: dict[str, Any] = {"label": o.name if "name" in pub else o.id, "type": "organisation", "kind": o.kind}
    for name in ORG_TERM_FIELDS:
        if name in pub:
            attrs[name] = ",".join(pub[name])
    if "offers" in pub:
        attrs["offers"] = ",".join(x.capability for x in o.offers)
    if "needs" in pub:
        attrs["needs"] = ",".join(x.capability for x in o.needs)
    for name in ("legal_form", "website", "description"):
        if pub.get(name):
            attrs[name] = pub[name]
    if pub.get("founded"):
        attrs["founded"] = int(pub["founded"])
    return attrs


def _add_cooperations(g: nx.Graph, network: Network, today: str | None, *, keyed: bool) -> None:
    """``COOPERATES_WITH`` edges between organisations in ``g`` (those active on ``today``, if given)."""
    for c in network.cooperations:
        if today is not None and not c.active_on(today):
            continue
        if c.a in g and c.b in g:
            attrs = {"relation": "COOPERATES_WITH", "kind": c.kind}
            if c.since:
                attrs["since"] = c.since
            if c.until:
                attrs["until"] = c.until
            if keyed:
                g.add_edge(c.a, c.b, key=c.id, **attrs)
            else:
                g.add_edge(c.a, c.b, **attrs)


def _add_terms(g: nx.Graph, network: Network, public_only: bool) -> None:
    """Topic and capability nodes with ``WORKS_ON``, ``OFFERS`` and ``NEEDS`` edges (multigraph keys)."""
    for o in network.organisations:
        pub = o.public_dict() if public_only else o.to_dict()
        for t in pub.get("topics", []):
            g.add_node(f"topic:{t}", label=t, type="topic")
            g.add_edge(o.id, f"topic:{t}", key=f"{o.id}.works_on.{t}", relation="WORKS_ON")
        x: Offer | Need
        for x in o.offers if "offers" in pub else []:
            g.add_node(f"capability:{x.capability}", label=x.capability, type="capability")
            g.add_edge(
                o.id,
                f"capability:{x.capability}",
                key=f"{o.id}.offers.{x.capability}",
                relation="OFFERS",
                detail=x.detail,
            )
        for x in o.needs if "needs" in pub else []:
            g.add_node(f"capability:{x.capability}", label=x.capability, type="capability")
            g.add_edge(
                o.id,
                f"capability:{x.capability}",
                key=f"{o.id}.needs.{x.capability}",
                relation="NEEDS",
                detail=x.detail,
                urgency=x.urgency,
            )


def _add_events(g: nx.Graph, network: Network, public_only: bool) -> None:
    """``event:<id>`` nodes with ``HOSTS`` edges from their organisations (the first one is the host)."""
    for ev in network.events:
        if public_only and not ev.is_public:
            continue
        node = f"event:{ev.id}"
        attrs = {
            "label": ev.title,
            "type": "event",
            "starts": ev.start,
            "ends": ev.end,
            "timezone": ev.timezone,
            "status": ev.status,
            "topics": ",".join(ev.topics),
            "languages": ",".join(ev.languages),
        }
        attrs.update({k: v for k, v in (("rrule", ev.rrule), ("district", ev.district)) if v})
        g.add_node(node, **attrs)
        for n, org in enumerate(ev.organisations):
            if org in g:
                g.add_edge(org, node, key=f"{ev.id}:{org}", relation="HOSTS", role="host" if n == 0 else "partner")
