"""The domain model: organisations, persons, cooperations, meetings, ...

Each entity is a dataclass with ``to_dict()`` (the canonical JSON shape of the
``remo/1`` interchange format) and a ``parse_*`` function that turns loosely
typed input (JSON, a spreadsheet row) into the entity, resolving vocabulary
labels to ids and collecting every problem as an `Issue`.

The package re-exports every name of its modules, so ``from graph.model import ...`` is all callers
need:

``fields``         the id patterns (`SLUG_RE`, `RECORD_ID_RE`, ...), the limits (`MAX_NAME`,
                   `MAX_TEXT`), the field lists (`ORG_FIELDS`, `PERSON_FIELDS`) and `slugify`
``parser``         `FieldParser`, the field-by-field reader every entity parser uses (also those of
                   `graph.events` and `graph.planning`), and `expect_mapping`
``organisations``  `Organisation` (with its `Offer` and `Need`) and `Person`
``relations``      `Cooperation` and `Introduction`
``meetings``       `Meeting` and its planning settings
``projects``       `Project` (with `ProjectMember`) and `FundingProgramme`

Example
-------
>>> from graph import Vocabulary
>>> org, issues = parse_organisation(
...     {"id": "kulturverein-lennep", "name": "Kulturverein Lennep", "kind": "Migrantenorganisation",
...      "offers": ["Räume"], "needs": [{"capability": "money", "urgency": 3}]},
...     Vocabulary.builtin())
>>> issues
[]
>>> org.kind, org.offers[0].capability, org.needs[0].urgency
('migrant_organisation', 'rooms', 3)
"""

from __future__ import annotations

from .fields import (
    EMAIL_RE,
    MAX_NAME,
    MAX_TEXT,
    ORG_FIELDS,
    ORG_TERM_FIELDS,
    PERSON_FIELDS,
    PERSON_INTERNAL_DEFAULT,
    PHONE_RE,
    RECORD_ID_RE,
    SLUG_RE,
    URL_RE,
    VISIBILITIES,
    slugify,
)
from .meetings import (
    MAX_ROUNDS,
    MEETING_DEFAULTS,
    MEETING_FORMATS,
    MEETING_KEYS,
    TABLE_SIZE_RANGE,
    Meeting,
    parse_meeting,
)
from .organisations import (
    ORG_KEYS,
    Need,
    Offer,
    Organisation,
    Person,
    parse_organisation,
    parse_person,
)
from .parser import (
    FieldParser,
    expect_mapping,
)
from .projects import (
    PROJECT_ROLE_RE,
    FundingProgramme,
    Project,
    ProjectMember,
    parse_funding_programme,
    parse_project,
)
from .relations import (
    COOPERATION_KINDS_DEFAULT,
    INTRODUCTION_STATUSES,
    Cooperation,
    Introduction,
    parse_cooperation,
    parse_introduction,
)

__all__ = [
    "COOPERATION_KINDS_DEFAULT",
    "Cooperation",
    "EMAIL_RE",
    "FieldParser",
    "FundingProgramme",
    "INTRODUCTION_STATUSES",
    "Introduction",
    "MAX_NAME",
    "MAX_ROUNDS",
    "MAX_TEXT",
    "MEETING_DEFAULTS",
    "MEETING_FORMATS",
    "MEETING_KEYS",
    "Meeting",
    "Need",
    "ORG_FIELDS",
    "ORG_TERM_FIELDS",
    "ORG_KEYS",
    "Offer",
    "Organisation",
    "PERSON_FIELDS",
    "PERSON_INTERNAL_DEFAULT",
    "PHONE_RE",
    "PROJECT_ROLE_RE",
    "Person",
    "Project",
    "ProjectMember",
    "RECORD_ID_RE",
    "SLUG_RE",
    "TABLE_SIZE_RANGE",
    "URL_RE",
    "VISIBILITIES",
    "expect_mapping",
    "parse_cooperation",
    "parse_funding_programme",
    "parse_introduction",
    "parse_meeting",
    "parse_organisation",
    "parse_person",
    "parse_project",
    "slugify",
]
