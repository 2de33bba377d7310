"""The one rule for characters in stored text: what XML 1.0 can hold.

Every record is exported as XML somewhere (GEXF, GraphML, SVG, XLSX), so text that XML forbids
(control characters other than tab, newline and carriage return; lone surrogates; U+FFFE and
U+FFFF) would break those exports for everybody. `forbidden_issues` finds such characters in a
record's data (every string, keys included, at any depth); the stores call it on every write, and
the field parsers of `graph.model` use `has_forbidden` for their field errors. `xml_safe` drops
such characters from text that is written out, for data stored before the rule.

Example
-------
>>> has_forbidden("Raum\\ufffe frei"), has_forbidden("Zeile 1\\nZeile 2")
(True, False)
>>> xml_safe("a\\x01b")
'ab'
"""

from __future__ import annotations

import re
from typing import Any

from ._errors import Issue

__all__ = [
    "FORBIDDEN_REASON",
    "forbidden_issues",
    "has_forbidden",
    "json_has_forbidden",
    "xml_safe",
    "xml_safe_graph",
]

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# the same characters in JSON text written with ensure_ascii=False: controls appear as escapes
# (\b, \f, \u00XX) after an even number of backslashes, the others as themselves
_FORBIDDEN_JSON = re.compile(
    r"(?<!\\)(?:\\\\)*\\(?:[bf]|u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]))|[\ud800-\udfff\ufffe\uffff]"
)
FORBIDDEN_REASON = "contains a character that is not allowed in text (a control character, U+FFFE or U+FFFF)"


def has_forbidden(text: str) -> bool:
    """Whether ``text`` holds a character that XML 1.0 cannot represent."""
    return _FORBIDDEN.search(text) is not None


def json_has_forbidden(text: str) -> bool:
    """Whether JSON ``text`` (``json.dumps(..., ensure_ascii=False)``) encodes a forbidden character."""
    return _FORBIDDEN_JSON.search(text) is not None


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _FORBIDDEN.sub("", text)


def forbidden_issues(data: Any, where: str = "", path: str = "") -> list[Issue]:
    """One `Issue` per string in ``data`` (nested dicts and lists) holding a forbidden character."""
    issues: list[Issue] = []
    if isinstance(data, str):
        if has_forbidden(data):
            shown = "".join(f"U+{ord(c):04X}" if _FORBIDDEN.match(c) else c for c in data[:80])
            issues.append(Issue(path or "text", shown, FORBIDDEN_REASON, where=where, code="forbidden_character"))
    elif isinstance(data, dict):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            issues += forbidden_issues(key, where, sub) if isinstance(key, str) and has_forbidden(key) else []
            issues += forbidden_issues(value, where, sub)
    elif isinstance(data, (list, tuple)):
        for i, value in enumerate(data):
            issues += forbidden_issues(value, where, f"{path}[{i}]")
    return issues


def xml_safe_graph(g: Any) -> Any:
    """Drop forbidden characters from every text attribute of a NetworkX graph, in place (for the
    GEXF and GraphML writers, which would write broken files or fail)."""

    def clean(attrs: dict[str, Any]) -> None:
        for key, value in attrs.items():
            if isinstance(value, str) and has_forbidden(value):
                attrs[key] = xml_safe(value)

    clean(g.graph)
    for _, attrs in g.nodes(data=True):
        clean(attrs)
    for *_, attrs in g.edges(data=True):
        clean(attrs)
    return g
