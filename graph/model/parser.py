"""`FieldParser`: reads one field of loosely typed input, appends every problem as an `Issue`, returns a clean value.

The entity parsers (`graph.model`, `graph.events`, `graph.planning`) make one per record
(``FieldParser(data, vocab, where)``), call a method per field and return ``parser.issues``. The
methods come in layers, each a small class: text and lists, ids and addresses, numbers, dates and
flags, vocabulary terms and visibility.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .._errors import Issue
from ..text import FORBIDDEN_REASON, has_forbidden
from ..vocabulary import Vocabulary
from .fields import EMAIL_RE, MAX_TEXT, PHONE_RE, RECORD_ID_RE, SLUG_RE, URL_RE, VISIBILITIES

__all__ = ["FieldParser", "expect_mapping"]


def expect_mapping(data: Any, where: str, what: str) -> list[Issue]:
    """No issues when ``data`` is an object (a mapping), else the one issue saying that ``what`` must be one."""
    if isinstance(data, Mapping):
        return []
    return [Issue(what, data, "must be an object", where=where)]


class _TextFields:
    """The record being read, its issues, and text and list fields."""

    def __init__(self, data: Mapping[str, Any], vocab: Vocabulary | None, where: str):
        self.data = data
        self.vocab = vocab
        self.where = where
        self.issues: list[Issue] = []

    def err(self, field: str, value: Any, reason: str, code: str = "invalid", hint: tuple[str, ...] = ()) -> None:
        self.issues.append(Issue(field, value, reason, where=self.where, code=code, hint=hint))

    def present(self, name: str) -> bool:
        value = self.data.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def text(self, name: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(name, value, "is required", code="required")
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.err(name, value, "must be text")
            return ""
        value = unicodedata.normalize("NFC", value.strip())  # one form for "é" typed on any system
        if len(value) > max_len:
            self.err(name, value, f"is longer than {max_len} characters", code="too_long")
        if has_forbidden(value):
            self.err(name, value, FORBIDDEN_REASON, code="forbidden_character")
        return value

    def listish(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        if isinstance(value, (list, tuple)):
            return list(value)
        self.err(name, value, "must be a list")
        return []

    def no_unknown(self, known: set[str]) -> None:
        for key in self.data:
            if key not in known:
                self.err(str(key), self.data[key], "unknown field", code="unknown_field")


class _IdFields(_TextFields):
    """Ids, references to records, email and web addresses, phone numbers."""

    def ident(self, name: str, pattern: re.Pattern[str] = RECORD_ID_RE, *, required: bool = True) -> str:
        value = self.text(name, required=required, max_len=128)
        if value and not pattern.match(value):
            reason = (
                "ids use lowercase letters, digits and single hyphens (e.g. 'kulturverein-lennep')"
                if pattern is SLUG_RE
                else "ids use letters, digits and . _ : - only"
            )
            self.err(name, value, reason, code="bad_id")
        return value

    def ref(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not RECORD_ID_RE.match(value.strip()):
            self.err(name, value, "must be the id of a record", code="bad_id")
            return ""
        return value.strip()

    def refs(self, name: str) -> list[str]:
        out: list[str] = []
        for v in self.listish(name):
            r = self.ref(name, v)
            if r and r not in out:
                out.append(r)
        return out

    def email(self, name: str) -> str:
        value = self.text(name, max_len=254)
        if value and not EMAIL_RE.match(value):
            self.err(name, value, "is not an email address", code="bad_email")
        return value

    def url(self, name: str) -> str:
        value = self.text(name, max_len=500)
        if value and not URL_RE.match(value):
            if "://" not in value and "." in value and " " not in value:
                return "https://" + value
            self.err(name, value, "is not a web address (http:// or https://)", code="bad_url")
        return value

    def phone(self, name: str) -> str:
        value = self.text(name, max_len=40)
        if value and not PHONE_RE.match(value):
            self.err(name, value, "is not a phone number", code="bad_phone")
        return value


class _ValueFields(_IdFields):
    """Dates, whole and decimal numbers, yes/no flags."""

    def date(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.err(name, value, "is required", code="required")
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            v = value.strip()
            for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m", "%Y"):
                try:
                    parsed = dt.datetime.strptime(v, fmt).date()
                except ValueError:
                    continue
                return parsed.isoformat()
        self.err(name, value, "is not a date (use YYYY-MM-DD or DD.MM.YYYY)", code="bad_date")
        return None

    def integer(self, name: str, *, lo: int | None = None, hi: int | None = None, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.err(name, value, "is required", code="required")
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                number = int(value)
            else:
                number = int(str(value).strip())
        except ValueError:
            self.err(name, value, "must be a whole number", code="bad_number")
            return None
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            self.err(name, value, f"must be between {lo} and {hi}", code="out_of_range")
            return None
        return number

    def number(self, name: str, *, lo: float = 0) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
            if not math.isfinite(number):
                raise ValueError
        except (ValueError, TypeError):  # TypeError: a list or an object
            self.err(name, value, "must be a number", code="bad_number")
            return None
        if number < lo:
            self.err(name, value, f"must be at least {lo:g}", code="out_of_range")
            return None
        return int(number) if number.is_integer() else number

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "ja", "x"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "nein"}:
            return False
        self.err(name, value, "must be true or false")
        return default


class FieldParser(_ValueFields):
    """Every field parser, plus vocabulary terms and per-field visibility."""

    def terms(self, name: str, category: str) -> list[str]:
        values = self.listish(name)
        if self.vocab is None:
            return [str(v) for v in values]
        ids, issues = self.vocab.resolve_many(category, values, field=name, where=self.where)
        self.issues.extend(issues)
        return ids

    def term(self, name: str, category: str, *, required: bool = False, default: str = "") -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(name, value, "is required", code="required")
            return default
        if self.vocab is None:
            return str(value)
        term_id = self.vocab.lookup(category, value) if isinstance(value, str) else None
        if term_id is None:
            self.issues.append(self.vocab.unknown_issue(category, value, field=name, where=self.where))
            return default
        return term_id

    def visibility(self, fields: tuple[str, ...]) -> dict[str, str]:
        value = self.data.get("visibility")
        if value is None or value == "":
            return {}
        if not isinstance(value, Mapping):
            self.err("visibility", value, "must map field names to 'public' or 'internal'")
            return {}
        out: dict[str, str] = {}
        for key, vis in value.items():
            if key not in fields:
                self.err("visibility", key, f"unknown field (fields: {', '.join(fields)})")
            elif vis not in VISIBILITIES:
                self.err(f"visibility.{key}", vis, "must be 'public' or 'internal'")
            else:
                out[key] = vis
        return out
