"""ReMo's network: domain model, vocabulary, validation, import/export and stores.

The errors, the store and the vocabulary load with the package; the other names on first use (module
``__getattr__``), so that ``import graph`` costs no NetworkX or SciPy (`graph.snapshot`) until a snapshot is built.
"""

from typing import TYPE_CHECKING

from ._errors import (
    ConflictError,
    Issue,
    NotFoundError,
    ReMoError,
    StoreError,
    StoreUnavailable,
    ValidationError,
)
from ._lazy import lazy_names
from .store import DEFAULT_STORE_URL, GraphStore, Op, Record, open_store
from .vocabulary import CATEGORIES, LANGUAGES, Term, Vocabulary

if TYPE_CHECKING:
    from .model import (
        Cooperation,
        FundingProgramme,
        Introduction,
        Meeting,
        Need,
        Offer,
        Organisation,
        Person,
        Project,
        ProjectMember,
    )
    from .network import FORMAT, SECTIONS, Network, parse_network
    from .snapshot import Snapshot, build_snapshot, to_networkx

#: name -> submodule of the names loaded on first use
_LAZY = {
    **dict.fromkeys(
        [
            "Cooperation",
            "FundingProgramme",
            "Introduction",
            "Meeting",
            "Need",
            "Offer",
            "Organisation",
            "Person",
            "Project",
            "ProjectMember",
        ],
        "model",
    ),
    **dict.fromkeys(["FORMAT", "SECTIONS", "Network", "parse_network"], "network"),
    **dict.fromkeys(["Snapshot", "build_snapshot", "to_networkx"], "snapshot"),
}

if not TYPE_CHECKING:  # type checkers see the imports above; a module __getattr__ would hide misspelt names
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


__all__ = [
    "CATEGORIES",
    "DEFAULT_STORE_URL",
    "FORMAT",
    "LANGUAGES",
    "SECTIONS",
    "ConflictError",
    "Cooperation",
    "FundingProgramme",
    "GraphStore",
    "Introduction",
    "Issue",
    "Meeting",
    "Need",
    "Network",
    "NotFoundError",
    "Offer",
    "Op",
    "Organisation",
    "Person",
    "Project",
    "ProjectMember",
    "ReMoError",
    "Record",
    "Snapshot",
    "StoreError",
    "StoreUnavailable",
    "Term",
    "ValidationError",
    "Vocabulary",
    "build_snapshot",
    "open_store",
    "parse_network",
    "to_networkx",
]
