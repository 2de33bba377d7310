"""GraphML and GEXF files that the official schemas accept (NetworkX writes two things they reject).

- GraphML: NetworkX takes a multigraph's edge keys as edge ids; keys count per node pair (0, 1, …), so many
  edges share ``id="0"`` while the schema wants them unique. Every edge gets an id unique in the file.
- GEXF 1.2draft: NetworkX always writes ``<graph name="…">``, an attribute the schema does not have; it is
  left out (the name goes into ``<meta><description>``).
- GraphML has no nested values: dict attributes (GEXF's ``viz``) are dropped from the GraphML file.

Example
-------
>>> import io, networkx as nx
>>> g = nx.MultiGraph(); _ = g.add_edge("a", "b"); _ = g.add_edge("b", "c")
>>> buf = io.BytesIO(); write_graph_xml(g, "graphml", buf)
>>> buf.getvalue().count(b'id="0"')
0
>>> buf = io.BytesIO(); write_graph_xml(g, "gexf", buf)
>>> b'name=' in buf.getvalue()
False
"""

from __future__ import annotations

import io
import os
import re
from typing import IO, Any, cast

import networkx as nx

__all__ = ["GRAPH_XML_FORMATS", "unique_edge_ids", "write_graph_xml"]

GRAPH_XML_FORMATS = ("graphml", "gexf")
_GRAPH_NAME = re.compile(rb'(<graph\b[^>]*?)\s+name="[^"]*"')


def unique_edge_ids(g: nx.Graph) -> nx.Graph:
    """``g`` itself when its edge keys are unique in the whole graph, else a copy whose keys are (``e0``, …)."""
    if not g.is_multigraph():
        return g  # a simple graph's GraphML edges carry no id; GEXF numbers them itself
    keys = [str(k) for _u, _v, k in g.edges(keys=True)]
    if len(set(keys)) == len(keys):
        return g
    h = g.__class__()
    h.graph.update(g.graph)
    h.add_nodes_from(g.nodes(data=True))
    seen: set[str] = set()
    counter = 0
    for u, v, k, d in g.edges(keys=True, data=True):
        key = str(k)
        if key in seen or key.isdigit():
            while f"e{counter}" in seen:
                counter += 1
            key = f"e{counter}"
        seen.add(key)
        h.add_edge(u, v, key=key, **d)
    return h


def write_graph_xml(g: nx.Graph, fmt: str, target: IO[bytes] | Any) -> None:
    """Write ``g`` as ``fmt`` ("graphml" or "gexf") to ``target`` (a path or a binary file)."""
    if fmt not in GRAPH_XML_FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; use graphml or gexf")
    g = unique_edge_ids(g)
    buf = io.BytesIO()
    if fmt == "graphml":
        if any(isinstance(v, dict) for _n, d in g.nodes(data=True) for v in d.values()):
            g = g.copy()
            for _n, d in g.nodes(data=True):
                for name in [k for k, v in d.items() if isinstance(v, dict)]:
                    del d[name]
        nx.write_graphml(g, buf)
        data = buf.getvalue()
    else:
        nx.write_gexf(g, buf)
        data = _GRAPH_NAME.sub(rb"\1", buf.getvalue(), count=1)
    if hasattr(target, "write"):
        target.write(data)
    else:
        with open(cast("str | os.PathLike[str]", target), "wb") as fh:
            fh.write(data)
