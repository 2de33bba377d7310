"""Spreadsheets as KI staff keep them: CSV (German Excel) and XLSX.

A CSV file holds one table: organisations, cooperations or persons, told apart
by their column headers (German or English). An XLSX workbook may hold all
three, one per sheet. Several values in one cell are separated by commas;
an offer may carry a detail and a need an urgency in parentheses:
``Räume (Saal für 60 Personen), Dolmetschen`` and ``Geld (3, Miete), Räume (2)``.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .._errors import Issue, ValidationError
from ..files import private_file
from ..identity import fold_header
from ..spreadsheet import neutralise_row, restore_cell, xlsx_append
from ..text import xml_safe
from ._xlsx_limits import Deadline, check_xlsx

__all__ = [
    "COLUMNS",
    "Table",
    "read_csv",
    "read_xlsx",
    "rows_to_document",
    "split_cell",
    "write_csv_tables",
    "write_xlsx",
]

#: canonical field -> accepted header spellings (compared case-insensitively)
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "organisations": {
        "id": ("id", "kennung", "kürzel", "kuerzel"),
        "name": ("name", "organisation", "organisationsname", "name der organisation", "verein", "organization"),
        "kind": ("kind", "art", "typ", "type", "organisationsart", "art der organisation"),
        "description": ("description", "beschreibung", "selbstbeschreibung"),
        "topics": ("topics", "themen", "thema", "themenfelder"),
        "offers": ("offers", "angebote", "angebot", "bietet"),
        "needs": ("needs", "bedarfe", "bedarf", "braucht", "unterstützungsbedarf"),
        "districts": ("districts", "district", "stadtbezirk", "stadtbezirke", "stadtteil", "stadtteile"),
        "languages": ("languages", "language", "sprachen", "sprache"),
        "target_groups": ("target_groups", "target groups", "zielgruppen", "zielgruppe"),
        "legal_form": ("legal_form", "legal form", "rechtsform"),
        "founded": ("founded", "gegründet", "gruendungsjahr", "gründungsjahr"),
        "website": ("website", "webseite", "homepage", "internet"),
        "email": ("email", "e-mail", "mail"),
        "phone": ("phone", "telefon", "tel", "tel."),
        "address": ("address", "adresse", "anschrift"),
        "internal": ("internal", "intern", "interne felder", "internal fields"),
    },
    "cooperations": {
        "id": ("id", "kennung"),
        "a": ("a", "organisation a", "organisation_a", "org a", "partner a", "partner 1"),
        "b": ("b", "organisation b", "organisation_b", "org b", "partner b", "partner 2"),
        "kind": ("kind", "art", "art der kooperation", "kooperationsart", "type"),
        "since": ("since", "seit", "beginn", "start", "von"),
        "until": ("until", "bis", "ende", "end"),
        "note": ("note", "notiz", "bemerkung", "anmerkung"),
    },
    "persons": {
        "id": ("id", "kennung"),
        "name": ("name", "person", "ansprechperson", "ansprechpartner", "ansprechpartnerin"),
        "role": ("role", "rolle", "funktion"),
        "email": ("email", "e-mail", "mail"),
        "phone": ("phone", "telefon", "tel", "tel."),
        "organisations": ("organisations", "organisation", "organisationen", "verein"),
        "consent_date": ("consent_date", "consent date", "einwilligung am", "einwilligungsdatum", "einwilligung"),
        "consent_version": ("consent_version", "consent version", "einwilligung version", "version einwilligungstext"),
        "internal": ("internal", "intern", "interne felder"),
    },
}
_REQUIRED = {"organisations": ("name", "kind"), "cooperations": ("a", "b"), "persons": ("name",)}
_SHEET_NAMES = {
    "organisations": ("organisationen", "organisations", "organizations", "orgs"),
    "cooperations": ("kooperationen", "cooperations"),
    "persons": ("personen", "persons", "ansprechpersonen", "kontakte"),
}
_LIST_FIELDS = {"topics", "offers", "needs", "districts", "languages", "target_groups", "organisations", "internal"}


#: how headers, sheet and organisation names are compared (one home: `graph.identity.fold_header`)
_fold = fold_header


class Table:
    """Rows of one sheet with their spreadsheet row numbers and the header map."""

    def __init__(
        self, source: str, section: str, header: list[str], rows: list[tuple[int, list[Any]]], columns: dict[str, int]
    ):
        self.source = source
        self.section = section
        self.header = header
        self.rows = rows
        self.columns = columns  # field -> column index

    def column_name(self, field: str) -> str:
        base = re.split(r"[\[.]", field, maxsplit=1)[0]
        if base in ("consent",):
            base = "consent_date"
        if base == "visibility":
            base = "internal"
        idx = self.columns.get(base)
        if idx is None:
            return field
        return self.header[idx]


def _match_section(header: Sequence[str]) -> tuple[str | None, dict[str, int]]:
    folded = [_fold(h) for h in header]
    best: tuple[int, str | None, dict[str, int]] = (0, None, {})
    for section, cols in COLUMNS.items():
        mapping: dict[str, int] = {}
        for field, names in cols.items():
            wanted = {_fold(n) for n in names}
            for i, h in enumerate(folded):
                if h in wanted and i not in mapping.values():
                    mapping[field] = i
                    break
        required = _REQUIRED[section]
        score = 10 * len(mapping) + (5 if all(r in mapping for r in required) else 0)
        if section == "cooperations" and not all(r in mapping for r in required):
            score = 0
        if score > best[0]:
            best = (score, section, mapping)
    return best[1], best[2]


def _table(source: str, header: list[Any], body: list[tuple[int, list[Any]]], section: str | None = None) -> Table:
    header = [str(h).strip() if h is not None else "" for h in header]
    found, mapping = _match_section(header)
    if section is not None and section != found:
        _, mapping = _match_section_fixed(header, section)
        found = section
    if found is None or not mapping:
        raise ValidationError(
            Issue(
                "header",
                ", ".join(h for h in header if h)[:200],
                "no known columns; expected e.g. Name, Art, Themen, Angebote, Bedarfe (organisations), "
                "Organisation A, Organisation B (cooperations) or Name, Organisation, Einwilligung am (persons)",
                where=f"{source} row 1",
                code="unknown_table",
            )
        )
    missing = [f for f in _REQUIRED[found] if f not in mapping]
    if missing:
        raise ValidationError(
            [
                Issue(
                    "header",
                    ", ".join(h for h in header if h)[:200],
                    f"missing column {m!r} (accepted headers: {', '.join(COLUMNS[found][m][:4])})",
                    where=f"{source} row 1",
                    code="missing_column",
                )
                for m in missing
            ]
        )
    return Table(source, found, header, body, mapping)


def _match_section_fixed(header: Sequence[str], section: str) -> tuple[str, dict[str, int]]:
    folded = [_fold(h) for h in header]
    mapping: dict[str, int] = {}
    for field, names in COLUMNS[section].items():
        wanted = {_fold(n) for n in names}
        for i, h in enumerate(folded):
            if h in wanted and i not in mapping.values():
                mapping[field] = i
                break
    return section, mapping


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), falling back to cp1252 (German Excel)."""
    if not raw.strip():
        raise ValidationError(Issue("file", source, "the file is empty", where=source, code="empty_file"))
    if raw[:4] == b"PK\x03\x04":
        raise ValidationError(
            Issue(
                "file",
                source,
                "this is an Excel workbook, not a CSV text file; name it .xlsx",
                where=source,
                code="binary_file",
            )
        )
    sample = raw[:65536]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 100 + 2:
        raise ValidationError(
            Issue("file", source, "this is a binary file, not a CSV text file", where=source, code="binary_file")
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise _encoding_error(source, line, raw.splitlines()[line - 1] if raw.splitlines() else b"") from exc
    for n, line_text in enumerate(text.splitlines(), start=1):
        if _IMPLAUSIBLE_1252.search(line_text):
            raise _encoding_error(source, n, line_text.encode("cp1252"))
    return text


# Windows-1252 text as German Excel writes it has its non-ASCII letters one or two at a time, and
# quotes, dashes and symbols next to letters or spaces; text in another encoding (Shift-JIS, EUC,
# GBK, Windows-1251/1253/1254, ...) read as Windows-1252 shows runs of such characters, or characters
# hardly ever typed (ƒ ˆ ‰ ‹ › † ‡ ˜ ¤ ¦ ¨ ¯ ¸ ¹ ¾ ¬ ð þ Ð Þ), or a symbol right next to another
# non-ASCII character (a letter after an opening quote is fine).
_W1252_SYMBOLS = "€‚„…†‡ˆ‰‹‘’“”•–—˜™›\xa0¡¢£¤¥¦§¨©ª«¬\xad®¯°±²³´µ¶·¸¹º»¼½¾¿×÷"
_COMMON = "‚„‘’“”«»–—…•·€°§\xa0"  # punctuation that German text puts next to letters
_ODD = "".join(c for c in _W1252_SYMBOLS if c not in _COMMON)
_IMPLAUSIBLE_1252 = re.compile(
    "[^\\x00-\\x7f]{3}"  # three non-ASCII characters in a row
    "|[ƒˆ‰‹›†‡˜¤¦¨¯¸¹¾¬ðþÐÞ]"  # hardly ever typed
    f"|[^\\x00-\\x7f][{_ODD}]|[{_ODD}][^\\x00-\\x7f]"  # an odd symbol next to another non-ASCII character
    f"|[{_COMMON}][{_COMMON}]"
)


def _encoding_error(source: str, line: int, text: bytes) -> ValidationError:
    shown = text[:60].decode("ascii", errors="backslashreplace")
    return ValidationError(
        Issue(
            "file",
            shown,
            f"line {line} is neither UTF-8 nor Windows-1252 text (another encoding, e.g. Shift-JIS or "
            'Windows-1251?); save the file as "CSV UTF-8" and import it again',
            where=f"{source} line {line}",
            code="bad_encoding",
        )
    )


def read_csv(path: str | Path, *, data: bytes | None = None) -> Table:
    """Read one CSV table; the delimiter (``;``, ``,`` or tab) is sniffed from the header."""
    path = Path(path)
    source = path.name
    raw = data if data is not None else path.read_bytes()
    text = decode_text(raw, source)
    first = text.splitlines()[0] if text.splitlines() else ""
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        other = next((d for d in ("|", ":", " ") if d in first.strip()), None)
        extra = f"; it seems to use {other!r}" if other else ""
        raise ValidationError(
            Issue(
                "header",
                first[:200],
                f"cannot find the column separator: the header has a single column{extra}; "
                "separate columns with ';' or ','",
                where=f"{source} row 1",
                code="bad_delimiter",
            )
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        all_rows = list(reader)
    except csv.Error as exc:
        raise ValidationError(Issue("file", source, f"malformed CSV: {exc}", where=source, code="bad_csv")) from exc
    header = all_rows[0]
    body: list[tuple[int, list[Any]]] = []
    for n, row in enumerate(all_rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        body.append((n, [restore_cell(cell) for cell in row]))  # our own exports neutralise formula-like cells
    table = _table(source, header, body)
    for n, row in body:
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            raise ValidationError(
                Issue(
                    "row",
                    delimiter.join(row)[:200],
                    f"has {len(row)} cells but the header has {len(header)} columns (check the separator {delimiter!r} "
                    "and quotes)",
                    where=f"{source} row {n}",
                    code="bad_row",
                )
            )
    return table


def read_xlsx(path: str | Path, *, data: bytes | None = None) -> list[Table]:
    """Read every sheet of a workbook that holds a known table."""
    from openpyxl import load_workbook

    path = Path(path)
    source = path.name
    raw = data if data is not None else path.read_bytes()
    if not raw:
        raise ValidationError(Issue("file", source, "the file is empty", where=source, code="empty_file"))
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            check_xlsx(zf, source)  # zip bombs and far-away cells, before openpyxl unpacks anything
    except zipfile.BadZipFile:
        pass  # openpyxl names it below
    deadline = Deadline(source)
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise ValidationError(
            Issue(
                "file",
                source,
                f"not a readable Excel workbook (.xlsx): {exc.__class__.__name__}",
                where=source,
                code="binary_file",
            )
        ) from exc
    tables: list[Table] = []
    issues: list[Issue] = []
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None or not any(h not in (None, "") for h in header):
                continue
            body = []
            for n, row in enumerate(rows, start=2):
                if not n % 1024:
                    deadline.tick()
                cells = list(row)
                if not any(c not in (None, "") for c in cells):
                    continue
                body.append((n, cells))
            wanted = None
            for section, names in _SHEET_NAMES.items():
                if _fold(ws.title) in names:
                    wanted = section
            try:
                tables.append(_table(f"{source} [{ws.title}]", list(header), body, wanted))
            except ValidationError as exc:
                issues.extend(exc.issues)
    finally:
        wb.close()
    if issues:
        raise ValidationError(issues)
    if not tables:
        raise ValidationError(
            Issue("file", source, "the workbook has no sheet with data", where=source, code="empty_file")
        )
    return tables


# ---------------------------------------------------------------------------
# cells -> interchange document
# ---------------------------------------------------------------------------
def split_cell(value: Any) -> list[str]:
    """Split a cell at commas (and semicolons/newlines) outside parentheses.

    >>> split_cell("Räume (Saal, 60 Plätze), Geld (3)")
    ['Räume (Saal, 60 Plätze)', 'Geld (3)']
    """
    if value is None:
        return []
    text = str(value)
    cur: list[str]
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch in ",;\n" and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return [x for x in out if x]


_ITEM_RE = re.compile(r"^(?P<name>[^()]+?)\s*(?:\((?P<inner>.*)\))?\s*$", re.S)


def _capability_item(text: str, need: bool) -> Any:
    m = _ITEM_RE.match(text)
    if not m:
        return text
    name, inner = m.group("name").strip(), (m.group("inner") or "").strip()
    if not inner:
        return name
    if need:
        first, _, rest = inner.partition(",")
        if first.strip() in {"1", "2", "3"}:
            return {"capability": name, "urgency": int(first.strip()), "detail": rest.strip()}
        if first.strip().isdigit():
            return {"capability": name, "urgency": first.strip(), "detail": rest.strip()}
        return {"capability": name, "detail": inner}
    return {"capability": name, "detail": inner}


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value


def rows_to_document(
    tables: Iterable[Table], *, org_names: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[tuple[str, int], tuple[Table, int]]]:
    """Turn tables into a ``remo/1`` document plus a map from entries to their rows.

    ``org_names`` maps folded organisation names to ids (from the store), so that
    cooperation and person sheets may name organisations instead of ids.
    """
    from ..model import slugify

    doc: dict[str, Any] = {"format": "remo/1"}
    origin: dict[tuple[str, int], tuple[Table, int]] = {}
    names = dict(org_names or {})
    tables = list(tables)
    tables.sort(key=lambda t: 0 if t.section == "organisations" else 1)
    for table in tables:
        entries = doc.setdefault(table.section, [])
        for rownum, row in table.rows:
            values = {f: _cell(row[i]) if i < len(row) else None for f, i in table.columns.items()}
            entry: dict[str, Any] = {}
            if table.section == "organisations":
                for f, v in values.items():
                    if f == "internal":
                        continue
                    if f in ("offers", "needs"):
                        entry[f] = [_capability_item(x, f == "needs") for x in split_cell(v)]
                    elif f in _LIST_FIELDS:
                        entry[f] = split_cell(v)
                    else:
                        entry[f] = v
                if not entry.get("id") and isinstance(entry.get("name"), str) and entry["name"]:
                    entry["id"] = slugify(entry["name"])
                internal = split_cell(values.get("internal"))
                if internal:
                    entry["visibility"] = {_field_from_header(x, "organisations"): "internal" for x in internal}
                if isinstance(entry.get("name"), str) and entry.get("id"):
                    names.setdefault(_fold(entry["name"]), entry["id"])
            elif table.section == "cooperations":
                for f, v in values.items():
                    entry[f] = v
                for side in ("a", "b"):
                    v = entry.get(side)
                    if isinstance(v, str) and _fold(v) in names:
                        entry[side] = names[_fold(v)]
            else:  # persons
                for f, v in values.items():
                    if f in ("consent_date", "consent_version", "internal"):
                        continue
                    entry[f] = split_cell(v) if f == "organisations" else v
                entry["organisations"] = [names.get(_fold(o), o) for o in entry.get("organisations") or []]
                if values.get("consent_date") or values.get("consent_version"):
                    entry["consent"] = {"date": values.get("consent_date"), "version": values.get("consent_version")}
                internal = split_cell(values.get("internal"))
                if internal:
                    entry["visibility"] = {_field_from_header(x, "persons"): "internal" for x in internal}
                if not entry.get("id") and isinstance(entry.get("name"), str) and entry["name"]:
                    entry["id"] = "p-" + slugify(entry["name"])
            origin[(table.section, len(entries))] = (table, rownum)
            entries.append({k: v for k, v in entry.items() if v not in (None, "")})
    return doc, origin


def _field_from_header(text: str, section: str) -> str:
    folded = _fold(text)
    for field, names in COLUMNS[section].items():
        if folded in {_fold(n) for n in names}:
            return field
    return text


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
_EXPORT_HEADERS = {
    "organisations": [
        ("id", "ID"),
        ("name", "Name"),
        ("kind", "Art"),
        ("description", "Beschreibung"),
        ("topics", "Themen"),
        ("offers", "Angebote"),
        ("needs", "Bedarfe"),
        ("districts", "Stadtbezirke"),
        ("languages", "Sprachen"),
        ("target_groups", "Zielgruppen"),
        ("legal_form", "Rechtsform"),
        ("founded", "Gründungsjahr"),
        ("website", "Website"),
        ("email", "E-Mail"),
        ("phone", "Telefon"),
        ("address", "Adresse"),
        ("internal", "Intern"),
    ],
    "cooperations": [
        ("id", "ID"),
        ("a", "Organisation A"),
        ("b", "Organisation B"),
        ("kind", "Art"),
        ("since", "Seit"),
        ("until", "Bis"),
        ("note", "Bemerkung"),
    ],
    "persons": [
        ("id", "ID"),
        ("name", "Name"),
        ("role", "Funktion"),
        ("email", "E-Mail"),
        ("phone", "Telefon"),
        ("organisations", "Organisationen"),
        ("consent_date", "Einwilligung am"),
        ("consent_version", "Einwilligung Version"),
        ("internal", "Intern"),
    ],
}


def _export_rows(doc: dict[str, Any], section: str) -> list[list[Any]]:
    rows = []
    for e in doc.get(section, []):
        row = []
        for field, _ in _EXPORT_HEADERS[section]:
            if field == "internal":
                v = ", ".join(k for k, vis in sorted((e.get("visibility") or {}).items()) if vis == "internal")
            elif field == "offers":
                v = ", ".join(
                    o["capability"] + (f" ({o['detail']})" if o.get("detail") else "") for o in e.get("offers", [])
                )
            elif field == "needs":
                v = ", ".join(
                    n["capability"] + f" ({n['urgency']}" + (f", {n['detail']}" if n.get("detail") else "") + ")"
                    for n in e.get("needs", [])
                )
            elif field in ("consent_date", "consent_version"):
                consent = e.get("consent") or {}
                v = consent.get(field.split("_")[1], "")
            else:
                v = e.get(field)
                if isinstance(v, list):
                    v = ", ".join(v)
            row.append("" if v is None else v)
        rows.append(row)
    return rows


def write_csv_tables(doc: dict[str, Any], path: str | Path) -> list[Path]:
    """Write organisations to ``path`` and cooperations/persons next to it (``;``, UTF-8 with BOM)."""
    path = Path(path)
    written = []
    for section, suffix in (("organisations", ""), ("cooperations", "-kooperationen"), ("persons", "-personen")):
        if section != "organisations" and not doc.get(section):
            continue
        target = path if not suffix else path.with_name(path.stem + suffix + path.suffix)
        with private_file(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow([h for _, h in _EXPORT_HEADERS[section]])
            w.writerows(neutralise_row(row) for row in _export_rows(doc, section))
        written.append(target)
    return written


def write_xlsx(doc: dict[str, Any], path: str | Path) -> None:
    """One workbook: sheets Organisationen, Kooperationen, Personen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for section, title in (
        ("organisations", "Organisationen"),
        ("cooperations", "Kooperationen"),
        ("persons", "Personen"),
    ):
        ws = wb.create_sheet(title)
        ws.append([h for _, h in _EXPORT_HEADERS[section]])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in _export_rows(doc, section):
            xlsx_append(ws, [xml_safe(v) if isinstance(v, str) else v for v in row])  # openpyxl refuses the others
        ws.freeze_panes = "A2"
    wb.save(str(path))
