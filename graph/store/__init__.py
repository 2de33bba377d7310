"""Stores behind one interface, chosen by URL.

``sqlite:///instance/remo.db`` (default, embedded) or ``bolt://host:7687`` /
``neo4j://host:7687`` (a Neo4j 5.x server).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from .._errors import StoreError
from .base import ANY, Change, GraphStore, Op, Record, StoreBase

if TYPE_CHECKING:
    from collections.abc import Callable

    from .sqlite import SQLiteStore

__all__ = [
    "ANY",
    "BACKENDS",
    "DEFAULT_STORE_URL",
    "NEO4J_SCHEMES",
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

#: The URL schemes of a Neo4j server (the official driver's: plain, TLS, TLS with a self-signed certificate).
NEO4J_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})

#: The one table of store backends: URL scheme -> ``"module:class"``. A backend's module (and its
#: driver) is imported only when a store of that kind is opened; a new backend is one line here.
BACKENDS: dict[str, str] = {
    "sqlite": f"{__name__}.sqlite:SQLiteStore",
    **{scheme: f"{__name__}.neo4j:Neo4jStore" for scheme in sorted(NEO4J_SCHEMES)},
}


def __getattr__(name: str) -> Any:
    """``SQLiteStore`` on first use: importing the package does not load a store driver."""
    if name == "SQLiteStore":
        from .sqlite import SQLiteStore

        return SQLiteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def backend(scheme: str) -> type[GraphStore]:
    """The store class for a URL scheme (`BACKENDS`), imported now; `StoreError` when unknown or unavailable."""
    target = BACKENDS.get(scheme.lower())
    if target is None:
        raise StoreError(f"unknown store URL scheme {scheme!r}: use one of {', '.join(sorted(BACKENDS))}")
    module, _, cls = target.partition(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:  # the driver is not installed
        raise StoreError(f"the {scheme} store backend is not available: {exc}") from exc


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
    if scheme not in BACKENDS:
        raise StoreError(
            f"unknown store URL {redact_url(url)!r}: use sqlite:///path/to/remo.db, bolt://host:7687 or neo4j://host:7687"
        )
    store: GraphStore = cast("Callable[[str], GraphStore]", backend(scheme))(url)
    if init:
        try:
            store.init()
        except BaseException:
            store.close()
            raise
    return store
