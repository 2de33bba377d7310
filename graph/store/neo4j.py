"""The server store: a Neo4j 5.x database (Community, Enterprise or Aura).

Every record is a node labelled ``:Record`` with the properties ``kind``,
``id``, ``version``, ``updated_at``, ``updated_by`` and ``data`` (the record as
canonical JSON text: the source of truth for `Neo4jStore.get` and
`Neo4jStore.list`, so that round trips are exact). Records of the domain kinds
carry a second label (``:Organisation``, ``:Person``, ``:Cooperation``,
``:Meeting``, ``:Introduction``, ``:Project``, ``:FundingProgramme``, ``:Event``);
application kinds (``user``, ``token``, ``setting``, ``term``, ...) are plain
``:Record`` nodes.

On top of the records the store keeps the network as a real graph, derived from
the records in the same transaction as every write, so that Cypher users see
it::

    (:Organisation)-[:WORKS_ON]->(:Topic)
    (:Organisation)-[:OFFERS {detail}]->(:Capability)
    (:Organisation)-[:NEEDS {detail, urgency}]->(:Capability)
    (:Organisation)-[:LOCATED_IN]->(:District)
    (:Organisation)-[:SPEAKS]->(:Language)
    (:Organisation)-[:COOPERATES_WITH {id, kind, since, until}]->(:Organisation)
    (:Organisation)-[:INTRODUCED {id, status, by, at}]->(:Organisation)
    (:Person)-[:CONTACT_OF]->(:Organisation)
    (:Organisation)-[:ATTENDED]->(:Meeting)   (:Person)-[:ATTENDED]->(:Meeting)
    (:Organisation)-[:MEMBER_OF {role}]->(:Project)   (:Project)-[:WORKS_ON]->(:Topic)
    (:FundingProgramme)-[:FUNDS]->(:Topic|Capability)
    (:Organisation)-[:HOSTS {role, status}]->(:Event)   (:Event)-[:WORKS_ON]->(:Topic)
    (:Event)-[:LOCATED_IN]->(:District)   (:Event)-[:SPEAKS]->(:Language)

Every derived relationship is *owned* by exactly one record (an organisation
owns its topic/offer/need/district/language edges, a meeting its attendance, a
project its members, an event its hosts, a cooperation or introduction record its edge, found by
the edge's ``id``); a write of a record deletes the relationships it owns and
creates them anew from its data. A record that points at a record which does not
exist (yet) points at a *stub*: a node with the domain label and only an ``id``,
without ``:Record``. Creating the record later fills the stub; deleting a record
that others still point at turns it back into a stub; stubs and vocabulary nodes
that nothing points at any more are deleted.

Transactions and versions work exactly as in `graph.store.sqlite.SQLiteStore`:
every `Neo4jStore.apply` is one transaction that first locks the ``:ReMoMeta``
node (so writers take turns, as SQLite's ``BEGIN IMMEDIATE``), reads the current
versions of all records it touches with ``UNWIND`` batches, checks them in
Python, then writes with ``UNWIND`` batches (pipelined: sent without waiting
for each result), logs the changes (a ``:Change`` node per record, or one
``:ChangeBatch`` node for a write of `CHANGE_BATCH_MIN` records or more) and
increments the generation counter.
"""

from __future__ import annotations

import builtins
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Forbidden,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from .._errors import StoreError, StoreUnavailable
from . import NEO4J_SCHEMES, redact_url
from .base import (
    ANY,
    DUE_FIELD,
    GC_PAUSE_OPS,
    UNLOGGED_KINDS,
    Change,
    Op,
    Record,
    StoreBase,
    check_due_kind,
    check_text,
    check_version,
    gc_paused,
    now_iso,
    touches_snapshot,
)

__all__ = ["BATCH_SIZE", "LABELS", "SCHEMES", "Neo4jStore", "parse_neo4j_url"]

SCHEMES = NEO4J_SCHEMES  # the one list, in graph.store
SCHEMA_VERSION = 1

#: record kind -> the node label it carries besides ``:Record``
LABELS: dict[str, str] = {
    "organisation": "Organisation",
    "person": "Person",
    "cooperation": "Cooperation",
    "meeting": "Meeting",
    "introduction": "Introduction",
    "project": "Project",
    "funding_programme": "FundingProgramme",
    "event": "Event",
}
VOCABULARY_LABELS = ("Topic", "Capability", "District", "Language")

#: records per ``UNWIND`` batch (reads of current versions and node writes)
BATCH_SIZE = 5000

#: from this many change-log entries on, a write logs them in one ``:ChangeBatch`` node instead of
#: one ``:Change`` node each (fewer than BATCH_SIZE, so the small-write branch is one query)
CHANGE_BATCH_MIN = 1000

#: the entries of one ``:ChangeBatch`` (``$element``) as change rows, filtered by ``$kind`` / ``$id``, newest first
_BATCH_ENTRIES = (
    "MATCH (b:ChangeBatch) WHERE elementId(b) = $element "
    "WITH b.seq AS seq, b.at AS at, b.actor AS actor, b.kinds AS kinds, b.ids AS ids, "
    "b.actions AS actions, b.versions AS versions "
    "UNWIND range(size(ids) - 1, 0, -1) AS i "
    "WITH seq, at, actor, kinds, ids, actions, versions, i "
    "WHERE ($kind IS NULL OR kinds[i] = $kind) AND ($id IS NULL OR ids[i] = $id) "
    "RETURN seq + i, at, actor, kinds[i], ids[i], actions[i], versions[i] ORDER BY seq + i DESC LIMIT $limit"
)

_META = "MATCH (m:ReMoMeta {key: 'meta'})"
#: the records of one kind, found through the (kind, id) uniqueness constraint's index
_OF_KIND = "MATCH (n:Record) WHERE n.kind = $kind AND n.id IS NOT NULL"

_CONSTRAINTS: dict[str, str] = {
    "remo_record_key": "FOR (n:Record) REQUIRE (n.kind, n.id) IS UNIQUE",
    "remo_meta_key": "FOR (n:ReMoMeta) REQUIRE n.key IS UNIQUE",
    **{
        f"remo_{label.lower()}_id": f"FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in (*LABELS.values(), *VOCABULARY_LABELS)
    },
}
_INDEXES: dict[str, str] = {
    "remo_change_seq": "FOR (n:Change) ON (n.seq)",  # unique by construction: seq is taken under the meta lock
    "remo_change_record": "FOR (n:Change) ON (n.kind, n.id)",
    "remo_cooperates_with_id": "FOR ()-[r:COOPERATES_WITH]-() ON (r.id)",
    "remo_introduced_id": "FOR ()-[r:INTRODUCED]-() ON (r.id)",
    # the outbox's queue (`Neo4jStore.due`): application records carry their data's "due" as a property
    "remo_record_due": "FOR (n:Record) ON (n.kind, n.due)",
}

#: derived relationship shapes: (source label, type, target label, which end is the owning record's node:
#: "s" source, "t" target, "" neither: the edge carries the owner's id)
_SHAPES: dict[str, tuple[str, str, str, str]] = {
    "works_on": ("Organisation", "WORKS_ON", "Topic", "s"),
    "offers": ("Organisation", "OFFERS", "Capability", "s"),
    "needs": ("Organisation", "NEEDS", "Capability", "s"),
    "located_in": ("Organisation", "LOCATED_IN", "District", "s"),
    "speaks": ("Organisation", "SPEAKS", "Language", "s"),
    "contact_of": ("Person", "CONTACT_OF", "Organisation", "s"),
    "cooperates_with": ("Organisation", "COOPERATES_WITH", "Organisation", ""),
    "introduced": ("Organisation", "INTRODUCED", "Organisation", ""),
    "attended": ("Organisation", "ATTENDED", "Meeting", "t"),
    "person_attended": ("Person", "ATTENDED", "Meeting", "t"),
    "member_of": ("Organisation", "MEMBER_OF", "Project", "t"),
    "project_topic": ("Project", "WORKS_ON", "Topic", "s"),
    "funds_topic": ("FundingProgramme", "FUNDS", "Topic", "s"),
    "funds_capability": ("FundingProgramme", "FUNDS", "Capability", "s"),
    "hosts": ("Organisation", "HOSTS", "Event", "t"),
    "event_topic": ("Event", "WORKS_ON", "Topic", "s"),
    "event_district": ("Event", "LOCATED_IN", "District", "s"),
    "event_language": ("Event", "SPEAKS", "Language", "s"),
}

#: how to find the relationships a record owns (``x``, and ``y`` if present, are the other ends)
_OWNED: dict[str, str] = {
    "organisation": "MATCH (n:Organisation {id: id})-[r:WORKS_ON|OFFERS|NEEDS|LOCATED_IN|SPEAKS]->(x)",
    "person": "MATCH (n:Person {id: id})-[r:CONTACT_OF]->(x)",
    "meeting": "MATCH (n:Meeting {id: id})<-[r:ATTENDED]-(x)",
    "project": "MATCH (n:Project {id: id})-[r:MEMBER_OF|WORKS_ON]-(x)",
    "funding_programme": "MATCH (n:FundingProgramme {id: id})-[r:FUNDS]->(x)",
    "event": "MATCH (n:Event {id: id})-[r:HOSTS|WORKS_ON|LOCATED_IN|SPEAKS]-(x)",
    "cooperation": "MATCH (x)-[r:COOPERATES_WITH {id: id}]->(y)",
    "introduction": "MATCH (x)-[r:INTRODUCED {id: id}]->(y)",
}

#: a convenience property for Cypher users (the JSON ``data`` stays the source of truth)
_TITLES = {
    "organisation": "name",
    "person": "name",
    "funding_programme": "name",
    "meeting": "title",
    "project": "title",
    "event": "title",
}

_Key = tuple[str, str]


def _dumps(data: dict[str, Any]) -> str:
    """The canonical JSON text of a record (the same as the SQLite store's)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_FIELDS_OF_X = "x.id, x.version, x.data, x.updated_at, x.updated_by"


def _batched(fields: str, size: int = 2000) -> str:
    """The end of a query that returns the matched nodes ``n`` as lists of ``size`` rows of ``fields`` (of ``x``).

    Far fewer Bolt messages than one record per node: loading a snapshot is
    several times faster.
    """
    return (
        f"WITH collect(n) AS ns UNWIND range(0, size(ns) - 1, {size}) AS i RETURN [x IN ns[i..i + {size}] | [{fields}]]"
    )


def _rows(tx: Any, query: str, **params: Any) -> list[list[Any]]:
    """The rows of a `_batched` query, flattened."""
    return [row for (batch,) in tx.run(query, params).values() for row in batch]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_neo4j_url(url: str) -> tuple[str, tuple[str, str] | None, str | None]:
    """Split a store URL into the driver URI (no credentials, no path), the auth and the database.

    ``bolt://[user[:password]@]host[:port][/database]``; without credentials in
    the URL, ``REMO_NEO4J_USER`` and ``REMO_NEO4J_PASSWORD`` are used; with
    neither, no auth.

    >>> parse_neo4j_url("neo4j+s://alice:s3cret@db.example.org:7687/remo")
    ('neo4j+s://db.example.org:7687', ('alice', 's3cret'), 'remo')
    """
    safe = redact_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise StoreError(f"invalid Neo4j store URL {safe!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise StoreError(f"not a Neo4j URL: {safe!r} (use bolt://host:7687 or neo4j://host:7687)")
    if not parts.hostname:
        raise StoreError(f"the Neo4j store URL {safe!r} names no host; use e.g. bolt://127.0.0.1:7687")
    database = unquote(parts.path.strip("/")) or None
    if database is not None and "/" in database:
        raise StoreError(f"the Neo4j store URL {safe!r}: the path may only name one database, e.g. /neo4j")
    hostport = parts.netloc.rsplit("@", 1)[-1]
    uri = f"{scheme}://{hostport}" + (f"?{parts.query}" if parts.query else "")
    del port
    user = unquote(parts.username) if parts.username else os.environ.get("REMO_NEO4J_USER", "")
    if parts.password is not None:
        password = unquote(parts.password)
    else:
        password = os.environ.get("REMO_NEO4J_PASSWORD", "")
    auth = (user or "neo4j", password) if (user or password) else None
    return uri, auth, database


class _Progress:
    """Reports ``total`` units in increments that never go back (a retried transaction repeats nothing)."""

    def __init__(self, callback: Callable[[int], None] | None, total: int):
        self.callback = callback
        self.total = total
        self.reported = 0

    def to(self, fraction: float) -> None:
        if self.callback is None:
            return
        target = min(self.total, int(self.total * fraction))
        if target > self.reported:
            step, self.reported = target - self.reported, target
            self.callback(step)


def _strings(value: Any) -> list[str]:
    """The distinct non-empty strings of a list (anything else: none)."""
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(v for v in value if isinstance(v, str) and v))


_PLAIN = (str, int, float, bool)


def _props(**values: Any) -> dict[str, Any]:
    """Relationship properties: only plain, non-empty values (Neo4j stores no null and no maps)."""
    return {k: v for k, v in values.items() if isinstance(v, _PLAIN) and v != ""}


def _capabilities(value: Any, need: bool) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    out: dict[str, dict[str, Any]] = {}
    for item in value:
        if isinstance(item, str):
            if item and item not in out:
                out[item] = {}
        elif isinstance(item, dict):
            cap = item.get("capability")
            if isinstance(cap, str) and cap and cap not in out:
                props = {}  # as _props(detail=..., urgency=...), inline: this runs for every offer and need
                detail = item.get("detail")
                if isinstance(detail, _PLAIN) and detail != "":
                    props["detail"] = detail
                if need:
                    urgency = item.get("urgency")
                    if isinstance(urgency, _PLAIN) and urgency != "":
                        props["urgency"] = urgency
                out[cap] = props
    return list(out.items())


def _edges(kind: str, id: str, data: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The relationships record ``(kind, id)`` owns as ``(shape, source id, target id, properties)``."""
    out: list[tuple[str, str, str, dict[str, Any]]] = []

    def add(shape: str, s: Any, t: Any, p: dict[str, Any] | None = None) -> None:
        if isinstance(s, str) and s and isinstance(t, str) and t:
            out.append((shape, s, t, p or {}))

    if kind == "organisation":
        if not (isinstance(id, str) and id):
            return out
        # the other ends are non-empty strings already: no checks per edge
        out.extend(("works_on", id, t, {}) for t in _strings(data.get("topics")))
        out.extend(("offers", id, cap, p) for cap, p in _capabilities(data.get("offers"), need=False))
        out.extend(("needs", id, cap, p) for cap, p in _capabilities(data.get("needs"), need=True))
        out.extend(("located_in", id, d, {}) for d in _strings(data.get("districts")))
        out.extend(("speaks", id, lang, {}) for lang in _strings(data.get("languages")))
    elif kind == "person":
        for org in _strings(data.get("organisations")):
            add("contact_of", id, org)
    elif kind == "cooperation":
        props = _props(id=id, kind=data.get("kind"), since=data.get("since"), until=data.get("until"))
        add("cooperates_with", data.get("a"), data.get("b"), props)
    elif kind == "introduction":
        props = _props(id=id, status=data.get("status"), by=data.get("by"), at=data.get("at"))
        add("introduced", data.get("a"), data.get("b"), props)
    elif kind == "meeting":
        for org in _strings(data.get("attendance")):
            add("attended", org, id)
        for person in _strings(data.get("persons")):
            add("person_attended", person, id)
    elif kind == "project":
        members = data.get("members")
        seen: set[str] = set()
        for m in members if isinstance(members, list) else []:
            org = m.get("org") if isinstance(m, dict) else m  # type: ignore[assignment]  # any value: checked below
            if isinstance(org, str) and org not in seen:
                seen.add(org)
                add("member_of", org, id, _props(role=m.get("role") if isinstance(m, dict) else None))
        for t in _strings(data.get("topics")):
            add("project_topic", id, t)
    elif kind == "funding_programme":
        funds = cast("dict[str, Any]", data.get("funds") if isinstance(data.get("funds"), dict) else {})
        for t in _strings(funds.get("topics")):
            add("funds_topic", id, t)
        for cap in _strings(funds.get("capabilities")):
            add("funds_capability", id, cap)
    elif kind == "event":
        orgs = _strings(data.get("organisations"))
        for n, org in enumerate(orgs):
            add("hosts", org, id, _props(status=data.get("status"), role="host" if n == 0 else "partner"))
        for t in _strings(data.get("topics")):
            add("event_topic", id, t)
        place = cast("dict[str, Any]", data.get("place") if isinstance(data.get("place"), dict) else {})
        add("event_district", id, place.get("district"))
        for lang in _strings(data.get("languages")):
            add("event_language", id, lang)
    return out


def derived_edges(kind: str, id: str, data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The relationships record ``(kind, id)`` owns: ``(shape, {"s": source id, "t": target id, "p": properties})``.

    >>> derived_edges("person", "p1", {"organisations": ["a", "b"]})
    [('contact_of', {'s': 'p1', 't': 'a', 'p': {}}), ('contact_of', {'s': 'p1', 't': 'b', 'p': {}})]
    """
    return [(shape, {"s": s, "t": t, "p": p}) for shape, s, t, p in _edges(kind, id, data)]


def _upsert(
    kind: str,
    label: str | None,
    records: Sequence[tuple[str, Record]],
    fresh: set[str] | frozenset[str] = frozenset(),
    texts: dict[str, str] | None = None,
    referenced: dict[str, set[str]] | None = None,
) -> tuple[str, dict[str, Any]]:
    """One query that writes ``records`` of ``kind`` and the relationships they own.

    Records whose id is in ``fresh`` have no node yet (not even a stub) and are
    written with a plain ``CREATE``; the others with ``MERGE``. The other ends
    of the relationships (vocabulary terms, organisations, ...) are merged once
    per query and collected into lists (``e0``, ``e1``, ...); the relationships
    are then created per type by one ``UNWIND`` over flat ``[source, target
    (, properties)]`` rows that address both ends by position, so no
    relationship needs an index lookup of its own. ``texts`` may hold the
    records' JSON texts, already made; the ids of the other ends are added to
    ``referenced`` (label -> ids), as these nodes exist from now on.
    """
    title = _TITLES.get(kind)
    if label is None:
        rows: list[Any] = []
        for id, rec in records:
            props: Any = {  # a dict here, the query text of a later branch below
                "id": id,
                "kind": kind,
                "version": rec.version,
                "data": texts[id] if texts and id in texts else _dumps(rec.data),
                "updated_at": rec.updated_at,
                "updated_by": rec.updated_by,
            }
            if title and isinstance(rec.data.get(title), str):
                props[title] = rec.data[title]
            due = rec.data.get(DUE_FIELD)
            if isinstance(due, str) and due:
                props[DUE_FIELD] = due  # SET n = props drops a stale one
            rows.append({"id": id, "props": props})
        query = "UNWIND $rows AS r MERGE (n:Record {kind: $kind, id: r.id}) SET n = r.props"
        return query, {"rows": rows, "kind": kind}

    ends: dict[str, dict[str, int]] = {}

    def at(end_label: str, end_id: str) -> int:
        index = ends.setdefault(end_label, {})
        return index.setdefault(end_id, len(index))

    created: list[list[Any]] = []
    merged: list[list[Any]] = []
    ordered = [(id, rec) for id, rec in records if id in fresh] + [(id, rec) for id, rec in records if id not in fresh]
    rels: dict[str, list[list[Any]]] = {}
    for n, (id, rec) in enumerate(ordered):
        name = rec.data.get(title) if title else None
        text = texts[id] if texts and id in texts else _dumps(rec.data)
        row = [id, rec.version, text, rec.updated_at, rec.updated_by, name if isinstance(name, str) else None]
        (created if id in fresh else merged).append(row)
        for shape, s, t, p in _edges(kind, id, rec.data):
            src, _, dst, owner = _SHAPES[shape]
            a: int | str = n if owner == "s" else at(src, s)
            b: int | str = n if owner == "t" else at(dst, t)
            rels.setdefault(shape, []).append([a, b, p] if p else [a, b])
    if referenced is not None:
        for end_label, index in ends.items():
            referenced.setdefault(end_label, set()).update(index)
    params: dict[str, Any] = {"kind": kind}
    names: dict[str, str] = {}
    query = ""
    for j, (end_label, index) in enumerate(ends.items()):
        names[end_label] = f"e{j}"
        params[f"e{j}"] = list(index)
        query += (
            f"CALL () {{ UNWIND range(0, size($e{j}) - 1) AS i MERGE (x:{end_label} {{id: $e{j}[i]}}) "
            f"WITH i, x ORDER BY i RETURN collect(x) AS e{j} }} "
        )
    props = "{id: r[0], kind: $kind, version: r[1], data: r[2], updated_at: r[3], updated_by: r[4]"
    props += f", {title}: r[5]}}" if title else "}"
    parts = []
    if created:
        params["created"] = created
        query += (
            f"CALL () {{ UNWIND range(0, size($created) - 1) AS i WITH i, $created[i] AS r "
            f"CREATE (n:{label}:Record {props}) WITH i, n ORDER BY i RETURN collect(n) AS created }} "
        )
        parts.append("created")
    if merged:
        params["merged"] = merged
        query += (
            f"CALL () {{ UNWIND range(0, size($merged) - 1) AS i WITH i, $merged[i] AS r "
            f"MERGE (n:{label} {{id: r[0]}}) SET n = {props}, n:Record "
            "WITH i, n ORDER BY i RETURN collect(n) AS merged } "
        )
        parts.append("merged")
    query += f"WITH {', '.join(names.values()) + ', ' if names else ''}{' + '.join(parts)} AS ns "
    scope = ", ".join(["ns", *names.values()])
    for shape, edges in rels.items():
        src, rel, dst, owner = _SHAPES[shape]
        params[shape] = edges
        a = "ns[e[0]]" if owner == "s" else f"{names[src]}[e[0]]"
        b = "ns[e[1]]" if owner == "t" else f"{names[dst]}[e[1]]"
        set_props = " SET y = coalesce(e[2], {})" if any(len(e) > 2 for e in edges) else ""
        query += (
            f"CALL ({scope}) {{ UNWIND ${shape} AS e WITH e, {a} AS a, {b} AS b "
            f"CREATE (a)-[y:{rel}]->(b){set_props} }} "
        )
    query += "RETURN count(*)"
    return query, params


class Neo4jStore(StoreBase):
    """Store on a Neo4j 5.x server: ``bolt://[user[:password]@]host:7687[/database]``.

    Also ``neo4j://`` (routing, for clusters and Aura) and the ``+s`` / ``+ssc``
    variants (TLS). Credentials come from the URL, else from
    ``REMO_NEO4J_USER`` / ``REMO_NEO4J_PASSWORD``; with none, no auth.

    Example (needs a server, hence skipped as a doctest)
    -------
    >>> store = Neo4jStore("bolt://127.0.0.1:7687")  # doctest: +SKIP
    >>> store.init()  # doctest: +SKIP
    >>> store.create("organisation", "a", {"id": "a"}).version  # doctest: +SKIP
    1
    >>> store.close()  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str = "bolt://127.0.0.1:7687",
        *,
        connection_timeout: float = 5.0,
        max_retry_time: float = 15.0,
        read_retry_time: float = 3.0,
    ):
        super().__init__()
        self.url = url
        self._safe_url = redact_url(url)
        uri, auth, self.database = parse_neo4j_url(url)
        self._user = auth[0] if auth else ""
        self._max_retry_time = max_retry_time
        self._driver_args: dict[str, Any] = {
            "auth": auth,
            "connection_timeout": connection_timeout,
            # reads serve web pages: while the server is down, answer 503 after a few seconds
            # rather than holding the page; writes retry longer in their own loop (see _write)
            "max_transaction_retry_time": read_retry_time,
            "user_agent": "remo",
        }
        self._uri = uri
        self._driver_lock = threading.Lock()
        self._driver: Driver | None = self._new_driver()
        self._disconnected = False

    def _new_driver(self) -> Driver:
        try:
            return GraphDatabase.driver(self._uri, **self._driver_args)
        except (DriverError, ValueError) as exc:
            raise StoreError(f"invalid Neo4j store URL {self._safe_url!r}: {exc}") from None

    # -- plumbing ---------------------------------------------------------
    @property
    def driver(self) -> Driver:
        """The driver (raises `StoreError` once the store is closed)."""
        if self._driver is None:
            if not self._disconnected:
                raise StoreError(f"the store {self._safe_url} is closed")
            with self._driver_lock:
                if self._driver is None:
                    self._driver = self._new_driver()
                    self._disconnected = False
        return self._driver

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn driver errors into `StoreUnavailable` / `StoreError` naming the URL without its password."""
        try:
            yield
        except AuthError as exc:
            who = f"user {self._user!r}" if self._user else "no credentials"
            reason = (exc.message or "").rstrip(".")
            raise StoreUnavailable(
                f"the Neo4j server at {self._safe_url} refused the login ({who}) while {doing}: {reason}; "
                "check the user and password in the URL or in REMO_NEO4J_USER / REMO_NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(
                f"cannot reach the Neo4j server at {self._safe_url} while {doing}: {exc}"
                " (is it running? for development: tools/neo4j/neo4j.sh start)"
            ) from exc
        except Forbidden as exc:
            raise StoreError(f"the Neo4j server at {self._safe_url} forbids {doing}: {exc.message}") from None
        except Neo4jError as exc:
            if (exc.code or "").startswith("Neo.ClientError.Security."):
                raise StoreUnavailable(
                    f"the Neo4j server at {self._safe_url} refused access while {doing}: {exc.message}"
                ) from None
            if exc.code == "Neo.ClientError.Database.DatabaseNotFound":
                raise StoreError(f"the Neo4j server at {self._safe_url} has no database {self.database!r}") from None
            raise StoreError(f"Neo4j store {self._safe_url}: {doing} failed: {exc.code}: {exc.message}") from exc
        except DriverError as exc:
            raise StoreError(f"Neo4j store {self._safe_url}: {doing} failed: {exc}") from exc

    def _read(self, doing: str, work: Callable[[ManagedTransaction], Any]) -> Any:
        with self._errors(doing), self.driver.session(database=self.database, fetch_size=-1) as session:
            return session.execute_read(work)

    def _write(self, doing: str, work: Callable[[Any], Any]) -> Any:
        """Run ``work(tx)`` in one write transaction, retrying transient failures for up to ``max_retry_time``.

        Our own loop rather than ``execute_write``: a transaction that outgrows
        the server's transaction memory fails at once with a clear message
        instead of being retried, and exceptions of ``work`` (`ConflictError`)
        propagate unretried.
        """
        deadline = time.monotonic() + self._max_retry_time
        delay = 0.1
        while True:
            try:
                with self._errors(doing), self.driver.session(database=self.database) as session:
                    with session.begin_transaction() as tx:
                        result = work(tx)
                        tx.commit()
                    return result
            except StoreError as exc:
                cause = exc.__cause__
                if isinstance(cause, Neo4jError) and "MemoryPoolOutOfMemoryError" in (cause.code or ""):
                    raise StoreError(
                        f"Neo4j store {self._safe_url}: {doing} needs more transaction memory than the server allows "
                        f"({cause.message}); nothing was written. Raise dbms.memory.transaction.total.max "
                        "(and the heap) on the server, or write fewer records at once"
                    ) from None
                retryable = isinstance(cause, (DriverError, Neo4jError)) and cause.is_retryable()
                if not retryable or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def _auto(self, doing: str, query: str, **params: Any) -> list[list[Any]]:
        """Run one auto-commit query (schema commands, ``CALL {…} IN TRANSACTIONS``)."""
        with self._errors(doing), self.driver.session(database=self.database) as session:
            return session.run(query, params).values()

    # -- lifecycle ----------------------------------------------------------
    def init(self) -> None:
        """Check the connection and create the constraints, indexes and the meta node (idempotent)."""
        with self._errors("connecting"):
            self.driver.verify_connectivity()
        have = {row[0] for row in self._auto("reading the schema", "SHOW CONSTRAINTS YIELD name")}
        have |= {row[0] for row in self._auto("reading the schema", "SHOW INDEXES YIELD name")}
        created = False
        for name, body in (*_CONSTRAINTS.items(), *_INDEXES.items()):
            if name in have:
                continue
            what = "CONSTRAINT" if name in _CONSTRAINTS else "INDEX"
            try:
                self._auto("creating the schema", f"CREATE {what} {name} IF NOT EXISTS {body}")
            except StoreError as exc:  # an equivalent rule under another name, or a racing init
                if "AlreadyExists" not in str(exc):
                    raise
            created = True
        if created:
            self._auto("waiting for the indexes", "CALL db.awaitIndexes(300)")
        self._write(
            "initialising the store",
            lambda tx: tx.run(
                "MERGE (m:ReMoMeta {key: 'meta'}) ON CREATE SET m.generation = 0, m.seq = 0, m.schema_version = $v",
                v=SCHEMA_VERSION,
            ).consume(),
        )

    def wipe(self) -> None:
        """Delete every node and relationship of the database, then `init` again (for tests!).

        The generation counter goes on from where it was, so that snapshots
        cached by other store objects are not mistaken for current.
        """
        gen = self.generation() if self._has_meta() else 0
        self._auto("wiping the store", "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS")
        self.init()
        self._write("wiping the store", lambda tx: tx.run(f"{_META} SET m.generation = $g", g=gen + 1).consume())

    def _has_meta(self) -> bool:
        return bool(self._read("reading the generation", lambda tx: tx.run(f"{_META} RETURN 1").values()))

    def close(self) -> None:
        """Close the driver and its connections (driver 6.x never does that by itself)."""
        driver, self._driver = self._driver, None
        self._disconnected = False
        if driver is not None:
            driver.close()

    def disconnect(self) -> None:
        """Close the driver; the next call makes a new one (with new connections)."""
        driver, self._driver = self._driver, None
        self._disconnected = driver is not None or self._disconnected
        if driver is not None:
            driver.close()

    # -- reads ----------------------------------------------------------------
    def generation(self) -> int:
        rows = self._read("reading the generation", lambda tx: tx.run(f"{_META} RETURN m.generation").values())
        return int(rows[0][0]) if rows else 0

    @staticmethod
    def _record(kind: str, row: Sequence[Any]) -> Record:
        """A `Record` from ``[id, version, data, updated_at, updated_by]``."""
        return Record(kind, row[0], row[1], json.loads(row[2]), row[3] or "", row[4] or "")

    _FIELDS = "n.id, n.version, n.data, n.updated_at, n.updated_by"

    def get(self, kind: str, id: str) -> Record | None:
        rows = self._read(
            f"reading {kind} {id!r}",
            lambda tx: tx.run(
                f"MATCH (n:Record {{kind: $kind, id: $id}}) RETURN {self._FIELDS}", kind=kind, id=id
            ).values(),
        )
        return self._record(kind, rows[0]) if rows else None

    def list(self, kind: str) -> list[Record]:
        rows = self._read(
            f"listing {kind}",
            lambda tx: _rows(tx, f"{_OF_KIND} {_batched(_FIELDS_OF_X)}", kind=kind),
        )
        rows.sort(key=lambda r: r[0])  # by code point, as SQLite's BINARY collation
        return [self._record(kind, r) for r in rows]

    def due(self, kind: str, until: str, limit: int = 100) -> builtins.list[Record]:
        """Records of ``kind`` due by ``until`` (see `GraphStore.due`), from the ``remo_record_due`` index."""
        check_due_kind(kind)
        rows = self._read(
            f"reading the due {kind} records",
            lambda tx: tx.run(
                f"MATCH (n:Record) WHERE n.kind = $kind AND n.due <= $until RETURN {self._FIELDS} "
                "ORDER BY n.due, n.id LIMIT $limit",
                kind=kind,
                until=until,
                limit=max(0, int(limit)),
            ).values(),
        )
        return [self._record(kind, r) for r in rows]

    def count(self, kind: str) -> int:
        rows = self._read(
            f"counting {kind}",
            lambda tx: tx.run(f"{_OF_KIND} RETURN count(n)", kind=kind).values(),
        )
        return int(rows[0][0])

    def all_records(self) -> Iterable[tuple[str, dict[str, Any]]]:
        return self.network_with_generation(raw=True)[0]

    def network_with_generation(self, raw: bool = False):
        """All records (sorted by kind, id) and the generation, read in one transaction."""
        from ..network import Network

        def work(tx: ManagedTransaction) -> tuple[list[list[Any]], int]:
            gen = tx.run(f"{_META} RETURN m.generation").values()
            rows = _rows(tx, f"MATCH (n:Record) {_batched('x.kind, x.id, x.data')}")
            return rows, int(gen[0][0]) if gen else 0

        rows, gen = self._read("loading the network", work)
        rows.sort(key=lambda r: (r[0], r[1]))
        loads = json.loads
        pairs = [(k, loads(d)) for k, _, d in rows]
        if raw:
            return pairs, gen
        return Network.from_records(pairs), gen

    def export_records(self) -> builtins.list[Record]:
        """Every record of every kind, sorted by (kind, id), read in one transaction (for `graph.migrate`)."""
        rows = self._read(
            "reading all records",
            lambda tx: _rows(tx, f"MATCH (n:Record) {_batched('x.kind, ' + _FIELDS_OF_X)}"),
        )
        rows.sort(key=lambda r: (r[0], r[1]))
        return [self._record(r[0], r[1:]) for r in rows]

    def changes(self, limit: int = 50, kind: str | None = None, id: str | None = None) -> builtins.list[Change]:
        """The newest ``limit`` change-log entries (of ``kind``, of ``id``), newest first.

        Merges the ``:Change`` nodes of small writes with the entries of the
        ``:ChangeBatch`` nodes of large ones; a batch is only read when it can
        still contribute (its ``seq`` range is newer than the ``limit``-th
        entry found so far).
        """
        limit = int(limit)
        if limit <= 0:
            return []
        where = []
        params: dict[str, Any] = {"limit": limit, "kind": kind or None, "id": id or None}
        if kind:
            where.append("c.kind = $kind")
        if id:
            where.append("c.id = $id")
        query = "MATCH (c:Change)" + (" WHERE " + " AND ".join(where) if where else "")
        query += " RETURN c.seq, c.at, c.actor, c.kind, c.id, c.action, c.version ORDER BY c.seq DESC LIMIT $limit"

        def work(tx: ManagedTransaction) -> list[list[Any]]:
            rows = [list(r) for r in tx.run(query, params).values()]
            batches = tx.run(
                "MATCH (b:ChangeBatch) RETURN elementId(b), b.seq, b.seq + size(b.ids) - 1 ORDER BY b.seq DESC"
            ).values()
            for element, _first, last in batches:
                if len(rows) >= limit and rows[limit - 1][0] > last:
                    break  # this batch and all older ones are older than the entries found
                rows += [list(r) for r in tx.run(_BATCH_ENTRIES, params, element=element).values()]
                rows.sort(key=lambda r: r[0], reverse=True)
                del rows[limit:]
            return rows

        rows = self._read("reading the change log", work)
        return [Change(*r) for r in rows]

    def purge_changes(self, before: str) -> int:
        """Delete the change log entries older than ``before`` (ISO time); returns how many."""
        rows = self._auto(
            "purging the change log",
            "MATCH (c:Change) WHERE c.at < $before CALL (c) { DELETE c } IN TRANSACTIONS OF 10000 ROWS RETURN count(*)",
            before=before,
        )
        batched = self._auto(
            "purging the change log",
            "MATCH (b:ChangeBatch) WHERE b.at < $before WITH b, size(b.ids) AS n DELETE b RETURN sum(n)",
            before=before,
        )
        return (int(rows[0][0]) if rows else 0) + (int(batched[0][0] or 0) if batched else 0)

    # -- writes -----------------------------------------------------------
    def apply(
        self,
        ops: Sequence[Op],
        *,
        actor: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> builtins.list[Record | None]:
        """Apply all ``ops`` in one transaction; any error writes nothing."""
        ops = list(ops)
        at = now_iso()
        reporter = _Progress(progress, len(ops))
        with gc_paused(len(ops) >= GC_PAUSE_OPS):
            out = self._write("writing", lambda tx: self._apply(tx, ops, at, actor, reporter))
        reporter.to(1.0)
        return out

    def _apply(
        self, tx: ManagedTransaction, ops: builtins.list[Op], at: str, actor: str, reporter: _Progress
    ) -> builtins.list[Record | None]:
        # lock the meta node first: writers take turns, so the versions read below stay valid
        meta = tx.run(f"{_META} SET m.locked_at = $at RETURN m.seq", at=at).values()
        if not meta:
            raise StoreError(f"the Neo4j store {self._safe_url} is not initialised; run 'remo init'")
        seq = int(meta[0][0] or 0)
        initial, stubs = self._current(tx, ops)
        state: dict[_Key, Record | None] = dict(initial)
        texts: dict[_Key, str] = {}  # the JSON text of each record written
        # new records whose JSON text (and the copy of their data parsed back from it, from which the
        # relationships are derived) are made only when their batch is written: that work then overlaps
        # with the server running the batch before
        pending: set[_Key] = set()

        def settle(key: _Key) -> None:
            pending.discard(key)
            rec = state[key]
            assert rec is not None
            text = texts[key] = _dumps(rec.data)
            check_text(rec.kind, rec.id, rec.data, text)
            state[key] = Record(rec.kind, rec.id, rec.version, json.loads(text), rec.updated_at, rec.updated_by)

        out: list[Record | None] = []
        log: list[dict[str, Any]] = []
        changed: dict[_Key, None] = {}  # ordered set
        for op in ops:
            key = (op.kind, op.id)
            if key in pending:
                settle(key)
            current = state[key]
            check_version(op, current)
            if op.data is None:
                if current is not None:
                    state[key] = None
                    log.append({"kind": op.kind, "id": op.id, "action": "delete", "version": current.version + 1})
                    changed[key] = None
                out.append(None)
                continue
            if current is None:
                state[key] = Record(op.kind, op.id, 1, op.data, at, actor)
                pending.add(key)
                log.append({"kind": op.kind, "id": op.id, "action": "create", "version": 1})
                changed[key] = None
                out.append(Record(op.kind, op.id, 1, op.data, at, actor))
                continue
            text = _dumps(op.data)
            check_text(op.kind, op.id, op.data, text)
            if op.version is ANY and current.data == json.loads(text):
                out.append(current)  # unchanged: keep the version (idempotent imports)
                continue
            version = current.version + 1
            state[key] = Record(op.kind, op.id, version, json.loads(text), at, actor)
            texts[key] = text
            log.append({"kind": op.kind, "id": op.id, "action": "update", "version": version})
            changed[key] = None
            out.append(Record(op.kind, op.id, version, op.data, at, actor))
        if not log:
            return out
        keys = list(changed)
        # nodes that exist (stubs, and from the first query that references them on, the other ends):
        # a new record whose node is not among them is written with a plain CREATE
        existing = stubs
        # a small first batch, so that the server starts working early
        first = max(1, BATCH_SIZE // 5)
        written = 0
        for chunk in [keys[:first], *_chunks(keys[first:], BATCH_SIZE)]:
            if not chunk:
                continue
            for key in chunk:
                if key in pending:
                    settle(key)
            self._write_chunk(tx, chunk, initial, state, texts, existing)
            written += len(chunk)
            reporter.to(0.95 * written / len(keys))
        bump = 1 if touches_snapshot(entry["kind"] for entry in log) else 0
        log = [entry for entry in log if entry["kind"] not in UNLOGGED_KINDS]
        if len(log) >= CHANGE_BATCH_MIN:
            # one node for the whole write: tens of thousands of :Change nodes cost about a quarter of a
            # large import's server time (their properties, index entries and garbage collection)
            tx.run(
                "CREATE (:ChangeBatch {seq: $seq, at: $at, actor: $actor, kinds: $kinds, ids: $ids, "
                "actions: $actions, versions: $versions})",
                seq=seq + 1,
                at=at,
                actor=actor,
                kinds=[e["kind"] for e in log],
                ids=[e["id"] for e in log],
                actions=[e["action"] for e in log],
                versions=[e["version"] for e in log],
            )
        else:
            rows = [[i, e["kind"], e["id"], e["action"], e["version"]] for i, e in enumerate(log, seq + 1)]
            tx.run(
                "UNWIND $rows AS r CREATE (:Change {seq: r[0], at: $at, actor: $actor, kind: r[1], id: r[2], "
                "action: r[3], version: r[4]})",
                rows=rows,
                at=at,
                actor=actor,
            )
        tx.run(f"{_META} SET m.seq = $seq, m.generation = m.generation + $bump", seq=seq + len(log), bump=bump)
        return out

    def _current(
        self, tx: ManagedTransaction, ops: builtins.list[Op]
    ) -> tuple[dict[_Key, Record | None], dict[str, set[str]]]:
        """The stored records for every key in ``ops`` (``None`` where missing), in batched reads.

        Also the stubs among them: label -> ids of nodes without ``:Record``.
        """
        by_kind: dict[str, dict[str, None]] = {}
        for op in ops:
            by_kind.setdefault(op.kind, {})[op.id] = None
        current: dict[_Key, Record | None] = {}
        stubs: dict[str, set[str]] = {}
        for kind, ids in by_kind.items():
            id_list = list(ids)
            label = LABELS.get(kind)
            # domain kinds: found by their label's id, so that stubs show up too
            match = f"MATCH (n:{label} {{id: id}})" if label else "MATCH (n:Record {kind: $kind, id: id})"
            for chunk in _chunks(id_list, BATCH_SIZE):
                rows = _rows(
                    tx,
                    f"UNWIND $ids AS id {match} {_batched('x:Record, ' + _FIELDS_OF_X)}",
                    ids=list(chunk),
                    kind=kind,
                )
                for row in rows:
                    if row[0]:
                        current[(kind, row[1])] = self._record(kind, row[1:])
                    elif label:
                        stubs.setdefault(label, set()).add(row[1])
            for id in id_list:
                current.setdefault((kind, id), None)
        return current, stubs

    def _write_chunk(
        self,
        tx: ManagedTransaction,
        keys: Sequence[_Key],
        initial: dict[_Key, Record | None],
        state: dict[_Key, Record | None],
        texts: dict[_Key, str],
        existing: dict[str, set[str]],
    ) -> None:
        """Write the final state of ``keys``: owned relationships out, nodes, relationships in."""
        by_kind: dict[str, list[str]] = {}
        for kind, id in keys:
            by_kind.setdefault(kind, []).append(id)
        # 1. the relationships the old versions owned (and stubs or terms nothing points at any more)
        for kind, ids in by_kind.items():
            owned = _OWNED.get(kind)
            old = [id for id in ids if initial[(kind, id)] is not None]
            if owned and old:
                ends = "WITH x, y UNWIND [x, y] AS o WITH DISTINCT o" if "(y)" in owned else "WITH DISTINCT x AS o"
                tx.run(
                    f"UNWIND $ids AS id {owned} DELETE r {ends} "
                    "WHERE NOT o:Record AND NOT EXISTS { (o)--() } DELETE o",
                    ids=old,
                )
        # 2. nodes: deletes, then creates and updates together with the relationships they own
        for kind, ids in by_kind.items():
            label = LABELS.get(kind)
            gone = [id for id in ids if state[(kind, id)] is None and initial[(kind, id)] is not None]
            if gone and label is None:
                tx.run("UNWIND $ids AS id MATCH (n:Record {kind: $kind, id: id}) DETACH DELETE n", ids=gone, kind=kind)
            elif gone:
                # still referenced by other records: keep it as a stub, else delete it
                match = f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) WHERE n:Record"
                tx.run(f"{match} AND EXISTS {{ (n)--() }} REMOVE n:Record SET n = {{id: id}}", ids=gone)
                tx.run(f"{match} DELETE n", ids=gone)
            live = [(id, rec) for id in ids if (rec := state[(kind, id)]) is not None]
            if live:
                nodes = existing.get(label or "", set())
                fresh = {id for id, _ in live if initial[(kind, id)] is None and id not in nodes}
                own = {id: texts[(kind, id)] for id, _ in live if (kind, id) in texts}
                query, params = _upsert(kind, label, live, fresh, own, existing)
                tx.run(query, params)
