"""Import and export: the ``remo/1`` JSON format, CSV/XLSX, GraphML and GEXF.

An import validates the whole file first (every problem, with file, row,
column, value and reason), then writes everything in one transaction.

Example
-------
>>> from graph.store import SQLiteStore
>>> store = SQLiteStore("sqlite://"); store.init()
>>> report = import_document(store, {"organisations": [{"id": "a", "name": "A", "kind": "education"}]})
>>> report.created, store.count("organisation")
(1, 1)
>>> store.close()
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import Issue, ValidationError
from ..files import private_file
from ..identity import clash_issues
from ..jsontext import loads as json_loads
from ..network import SECTIONS, Network, parse_network
from ..store import GraphStore
from ..store.base import ANY, GC_PAUSE_OPS, Op, gc_paused
from ..text import xml_safe_graph
from ..vocabulary import Vocabulary
from .tabular import read_csv, read_xlsx, rows_to_document, write_csv_tables, write_xlsx

if TYPE_CHECKING:
    from .graphxml import write_graph_xml

__all__ = [
    "EXPORT_FORMATS",
    "ImportReport",
    "export_network",
    "import_document",
    "import_file",
    "load_file",
    "store_vocabulary",
    "write_graph_xml",
]

EXPORT_FORMATS = ("json", "csv", "xlsx", "graphml", "gexf")
MAX_FILE_BYTES = 200 * 1024 * 1024

if not TYPE_CHECKING:  # GraphML/GEXF need NetworkX: loaded with the first graph export, not with the import code

    def __getattr__(name: str) -> Any:
        if name == "write_graph_xml":
            from .graphxml import write_graph_xml

            return write_graph_xml
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
        }


def store_vocabulary(store: GraphStore) -> Vocabulary:
    """The built-in vocabulary extended by the terms stored in ``store``."""
    vocab = Vocabulary.builtin()
    terms: dict[str, list[dict[str, Any]]] = {}
    for rec in store.list("term"):
        data = dict(rec.data)
        terms.setdefault(data.pop("category"), []).append(data)
    if terms:
        vocab.extend(terms, where="stored vocabulary")
    return vocab


def _known(store: GraphStore | None, kind: str) -> set[str]:
    return {r.id for r in store.list(kind)} if store is not None else set()


def load_file(
    path: str | Path,
    store: GraphStore | None = None,
    *,
    vocab: Vocabulary | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> Network:
    """Read and validate ``path`` (``.json``, ``.csv``, ``.xlsx``); raise `ValidationError` with every problem.

    Files above ``max_bytes`` (default `MAX_FILE_BYTES`, 200 MiB) are refused before they are read.
    """
    path = Path(path)
    source = path.name
    if not path.exists():
        raise ValidationError(Issue("file", str(path), "does not exist", where=source, code="missing_file"))
    if path.is_dir():
        raise ValidationError(Issue("file", str(path), "is a folder, not a file", where=source, code="missing_file"))
    size = path.stat().st_size
    if size > max_bytes:
        limit = f"{max_bytes / 2**20:g} MiB"
        raise ValidationError(Issue("file", size, f"is larger than {limit}", where=source, code="too_large"))
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    vocab = vocab or (store_vocabulary(store) if store is not None else Vocabulary.builtin())
    known: dict[str, Any] = {
        "known_orgs": _known(store, "organisation"),
        "known_persons": _known(store, "person"),
        "known_meetings": _known(store, "meeting"),
    }
    if suffix == ".json":
        if not raw.strip():
            raise ValidationError(Issue("file", source, "the file is empty", where=source, code="empty_file"))
        doc = json_loads(raw, where=source)
        return parse_network(doc, vocab, where=source, **known)
    if suffix in (".csv", ".txt", ".tsv"):
        tables = [read_csv(path, data=raw)]
    elif suffix in (".xlsx", ".xlsm"):
        tables = read_xlsx(path, data=raw)
    else:
        raise ValidationError(
            Issue("file", source, "unknown file type; use .json, .csv or .xlsx", where=source, code="unknown_type")
        )
    names: dict[str, str] = {}
    if store is not None:
        from .tabular import _fold

        for rec in store.list("organisation"):
            names[_fold(rec.data.get("name"))] = rec.id
    doc, origin = rows_to_document(tables, org_names=names)

    def locate(section: str, index: int) -> str:
        table, row = origin[(section, index)]
        return f"{table.source} row {row}"

    try:
        return parse_network(doc, vocab, locate=locate, where=source, **known)
    except ValidationError as exc:
        # name the spreadsheet column as the file shows it
        by_source = {t.source: t for t in tables}
        fixed = []
        for issue in exc.issues:
            table = by_source.get(issue.where.rsplit(" row ", 1)[0])
            if table is not None:
                column = table.column_name(issue.field)
                where = f"{issue.where}, column {column!r}"
                fixed.append(Issue(issue.field, issue.value, issue.reason, where, issue.code, issue.hint))
            else:
                fixed.append(issue)
        raise ValidationError(fixed) from None


def _ops(network: Network, store: GraphStore | None, report: ImportReport) -> list[Op]:
    ops: list[Op] = []
    for kind, rid, data in network.records():
        ops.append(Op(kind, rid, data, ANY))
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    if store is not None:
        kinds = {op.kind for op in ops}
        for kind in kinds:
            for rec in store.list(kind):
                existing[(kind, rec.id)] = rec.data
    clashes = clash_issues(((op.kind, op.id, op.data) for op in ops), existing)
    if clashes:
        raise ValidationError(clashes)
    if store is not None:
        for op in ops:
            old = existing.get((op.kind, op.id))
            if old is None:
                report.created += 1
            elif old == json.loads(json.dumps(op.data)):
                report.unchanged += 1
            else:
                report.updated += 1
    report.counts = network.counts()
    if network.vocabulary:
        report.counts["vocabulary"] = sum(len(v) for v in network.vocabulary.values())
    return ops


def import_network(
    store: GraphStore,
    network: Network,
    *,
    dry_run: bool = False,
    actor: str = "import",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Write a validated network into ``store`` in one transaction (or only count, with ``dry_run``)."""
    report = ImportReport(dry_run=dry_run)
    # a large network: building the records and writing them make hundreds of thousands of acyclic
    # containers, over which the cyclic collector's passes would cost a third of the client's time
    with gc_paused(sum(network.counts().values()) >= GC_PAUSE_OPS):
        ops = _ops(network, store, report)
        if not dry_run and (report.created or report.updated):
            store.apply(ops, actor=actor, progress=progress)
    return report


def import_file(
    store: GraphStore,
    path: str | Path,
    *,
    dry_run: bool = False,
    actor: str = "import",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate ``path`` against ``store`` and import it: all or nothing."""
    network = load_file(path, store)
    return import_network(store, network, dry_run=dry_run, actor=actor, progress=progress)


def import_document(
    store: GraphStore, doc: dict[str, Any], *, dry_run: bool = False, actor: str = "import"
) -> ImportReport:
    vocab = store_vocabulary(store)
    network = parse_network(
        doc,
        vocab,
        known_orgs=_known(store, "organisation"),
        known_persons=_known(store, "person"),
        known_meetings=_known(store, "meeting"),
    )
    return import_network(store, network, dry_run=dry_run, actor=actor)


def export_network(network: Network, fmt: str, path: str | Path, *, public_only: bool = False) -> list[Path]:
    """Write ``network`` as ``fmt`` (one of `EXPORT_FORMATS`); returns the files written."""
    path = Path(path)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    doc = network_document(network, public_only=public_only)
    # exports hold personal data (contact persons, notes): atomically, mode 0600
    if fmt == "csv":
        return write_csv_tables(doc, path)
    with private_file(path) as tmp:
        if fmt == "json":
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        elif fmt == "xlsx":
            write_xlsx(doc, tmp)
        else:
            from ..snapshot import to_networkx
            from .graphxml import write_graph_xml

            g = xml_safe_graph(to_networkx(network, include_terms=True, public_only=public_only))
            write_graph_xml(g, fmt, tmp)
    return [path]


def network_document(network: Network, *, public_only: bool = False) -> dict[str, Any]:
    """The ``remo/1`` document; with ``public_only`` only public fields and consented persons."""
    doc = network.to_dict()
    if not public_only:
        return doc
    doc["organisations"] = [o.public_dict() for o in sorted(network.organisations, key=lambda o: o.id)]
    doc["persons"] = [p.public_dict() for p in sorted(network.persons, key=lambda p: p.id) if p.has_consent]
    for name in ("introductions",):
        doc[name] = []
    # staff notes on cooperations are internal; meetings show who attended (organisations), not which
    # persons took part, nor the planning constraints
    doc["cooperations"] = [{k: v for k, v in c.items() if k != "note"} for c in doc["cooperations"]]
    doc["meetings"] = [{k: m[k] for k in PUBLIC_MEETING_KEYS if k in m} for m in doc["meetings"]]
    # events: only public ones that were published (a cancelled one stays, marked), without the review notes
    doc["events"] = [e.public_dict() for e in sorted(network.events, key=lambda e: e.id) if e.is_public]
    return doc


#: the keys of a meeting in public output (``persons`` and the planning settings are internal)
PUBLIC_MEETING_KEYS = ("id", "title", "date", "place", "attendance")


__all__ += ["SECTIONS", "import_network", "network_document"]
