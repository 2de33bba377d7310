"""Stores behind one interface, chosen by URL.

``sqlite:///instance/remo.db`` (default, embedded) or ``bolt://host:7687`` /
``neo4j://host:7687`` (a Neo4j 5.x server).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .._errors import StoreError
from .base import ANY, Change, GraphStore, Op, Record, StoreBase
from .sqlite import SQLiteStore

__all__ = [
    "ANY",
    "DEFAULT_STORE_URL",
    "Change",
    "GraphStore",
    "Op",
    "Record",
    "SQLiteStore",
    "StoreBase",
    "open_store",
    "redact_url",
]

DEFAULT_STORE_URL = "sqlite:///instance/remo.db"


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def open_store(url: str | None = None, *, init: bool = True) -> GraphStore:
    """Open the store at ``url`` (default `DEFAULT_STORE_URL`), creating its schema if asked."""
    url = url or DEFAULT_STORE_URL
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        store: GraphStore = SQLiteStore(url)
    elif scheme in {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}:
        try:
            from .neo4j import Neo4jStore
        except ImportError as exc:  # pragma: no cover - backend not written yet / driver missing
            raise StoreError(f"the Neo4j backend is not available: {exc}") from exc
        store = Neo4jStore(url)
    else:
        raise StoreError(
            f"unknown store URL {redact_url(url)!r}: use sqlite:///path/to/remo.db, bolt://host:7687 or neo4j://host:7687"
        )
    if init:
        try:
            store.init()
        except BaseException:
            store.close()
            raise
    return store
