"""GraphML and GEXF exports validate against the official XSDs (kept in tests/schemas, see its README).

Our own readers (NetworkX) are lenient: they read duplicate edge ids and unknown attributes without a word.
Gephi, yEd and other tools validate, so the exports are checked here against the schemas the files declare.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest

from graph.io import export_network, import_document

xmlschema = pytest.importorskip("xmlschema")

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SCHEMA_FILES = {
    "graphml": SCHEMAS / "graphml-1.0" / "graphml.xsd",
    "gexf": SCHEMAS / "gexf-1.2draft" / "gexf.xsd",
}
NAMESPACES = {"graphml": "http://graphml.graphdrawing.org/xmlns", "gexf": "http://www.gexf.net/1.2draft"}


@functools.cache
def schema(fmt: str):
    return xmlschema.XMLSchema(str(SCHEMA_FILES[fmt]))


VIZ = "{http://www.gexf.net/1.2draft/viz}"
#: the attributes each GEXF viz element must have (viz.rnc), all numbers
VIZ_REQUIRED = {"color": ("r", "g", "b"), "position": ("x", "y", "z"), "size": ("value",), "thickness": ("value",)}


def _viz_errors(data: bytes) -> tuple[bytes, list[str]]:
    """GEXF ``viz:`` elements checked by hand and taken out (see the README: the published 1.2draft XSD,
    converted from the normative RELAX NG, declares them in the GEXF namespace instead of the viz one)."""
    from xml.etree import ElementTree as ET

    ET.register_namespace("", NAMESPACES["gexf"])
    ET.register_namespace("viz", VIZ.strip("{}"))
    root = ET.fromstring(data)
    errors = []
    for parent in root.iter():
        for child in [c for c in parent if c.tag.startswith(VIZ)]:
            name = child.tag.removeprefix(VIZ)
            if name not in VIZ_REQUIRED and name != "shape":
                errors.append(f"unknown viz element {name}")
            for attr in VIZ_REQUIRED.get(name, ()):
                try:
                    float(child.attrib[attr])
                except (KeyError, ValueError):
                    errors.append(f"viz:{name} without a numeric {attr}")
            parent.remove(child)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), errors


def schema_errors(data: bytes, fmt: str, limit: int = 5) -> list[str]:
    """The first ``limit`` reasons why ``data`` is no valid ``fmt`` file (empty when it is valid)."""
    assert NAMESPACES[fmt].encode() in data[:1000], f"the file does not declare the {fmt} namespace we validate"
    errors = []
    if fmt == "gexf" and VIZ.strip("{}").encode() in data[:1000]:
        data, errors = _viz_errors(data)
    for err in schema(fmt).iter_errors(io.BytesIO(data)):
        errors.append(f"{err.path}: {err.reason}")
        if len(errors) >= limit:
            break
    return errors


@pytest.mark.parametrize("public_only", [False, True], ids=["full", "public"])
@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_exports_validate_against_the_official_schema(sqlite_store, demo_doc, tmp_path, fmt, public_only):
    import_document(sqlite_store, demo_doc)
    net = sqlite_store.snapshot().network
    path = tmp_path / f"net.{fmt}"
    export_network(net, fmt, path, public_only=public_only)
    data = path.read_bytes()
    assert not schema_errors(data, fmt)
    # and the edge ids are unique (the schema says so for GraphML; GEXF needs them to tell edges apart)
    import re

    ids = re.findall(rb"<edge [^>]*?\bid=\"([^\"]*)\"", data)
    assert len(ids) > 100
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_the_schemas_catch_what_the_issue_found(fmt):
    """The harness works: duplicate GraphML edge ids and ``<graph name="">`` in GEXF are errors."""
    if fmt == "graphml":
        bad = (
            b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            b'<graph edgedefault="undirected">'
            b'<node id="a"/><node id="b"/><edge id="0" source="a" target="b"/><edge id="0" source="b" target="a"/>'
            b"</graph></graphml>"
        )
    else:
        bad = (
            b'<?xml version="1.0"?><gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">'
            b'<graph defaultedgetype="undirected" mode="static" name=""><nodes><node id="a"/></nodes><edges/>'
            b"</graph></gexf>"
        )
    assert schema_errors(bad, fmt)
