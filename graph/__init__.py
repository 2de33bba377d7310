"""ReMo's network: domain model, vocabulary, validation, import/export and stores."""

from ._errors import (
    ConflictError,
    Issue,
    NotFoundError,
    ReMoError,
    StoreError,
    StoreUnavailable,
    ValidationError,
)
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
from .store import DEFAULT_STORE_URL, GraphStore, Op, Record, open_store
from .vocabulary import CATEGORIES, LANGUAGES, Term, Vocabulary

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
