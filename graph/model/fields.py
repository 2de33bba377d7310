"""Id patterns, limits, the field lists and `slugify`: the one home the parsers, forms and API schemas share."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "EMAIL_RE",
    "MAX_NAME",
    "MAX_TEXT",
    "ORG_FIELDS",
    "ORG_TERM_FIELDS",
    "PERSON_FIELDS",
    "PERSON_INTERNAL_DEFAULT",
    "PHONE_RE",
    "RECORD_ID_RE",
    "SLUG_RE",
    "URL_RE",
    "VISIBILITIES",
    "slugify",
]

#: The one home of the id patterns: the API schemas (`web.api.schemas.SLUG`, ``RECORD_ID``) and the
#: forms' validators use these very objects (their ``.pattern``), never a copy of the text.
#: An organisation (and cooperation end) id: lowercase letters, digits and single hyphens.
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Any other record id (persons, meetings, projects, ...).
RECORD_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[0-9 ()/\-]{5,30}$")

VISIBILITIES = ("public", "internal")

#: Organisation fields that carry a visibility; all are public unless marked internal.
ORG_FIELDS = (
    "name",
    "kind",
    "description",
    "topics",
    "offers",
    "needs",
    "districts",
    "languages",
    "target_groups",
    "legal_form",
    "founded",
    "website",
    "email",
    "phone",
    "address",
)
#: Organisation fields that list vocabulary terms, each named as its vocabulary category
ORG_TERM_FIELDS = ("topics", "districts", "languages", "target_groups")
#: Person fields with a visibility, and those internal unless marked public.
PERSON_FIELDS = ("name", "role", "email", "phone")
PERSON_INTERNAL_DEFAULT = frozenset({"phone"})
MAX_TEXT = 5000
MAX_NAME = 200


def slugify(text: str) -> str:
    """A URL-safe id from a name.

    >>> slugify("Türkischer Elternverein Lüttringhausen e.V.")
    'tuerkischer-elternverein-luettringhausen-e-v'
    """
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", text).translate(table))  # NFD "ü" too
    text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "org"
