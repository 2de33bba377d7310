"""The one reader of JSON text that comes from outside (API bodies, ``remo import``, ``remo restore``).

Python's `json` parser recurses once per nesting level, so ``[`` repeated 50,000 times raises
`RecursionError` (an internal error in the API, a traceback on the command line), and data nested a
few hundred levels deep still passes the parser and then breaks every recursive walk after it
(schema validation, the text rule of `graph.text`). ReMo's own documents are nested at most about
ten levels (a backup line: record, data, list of tables, table, ...), so `loads` measures the
nesting *before* parsing, without recursion, and refuses anything deeper than `MAX_DEPTH` with a
`ValidationError`. It also refuses ``NaN`` and ``Infinity``, which JSON does not know.

Example
-------
>>> loads('{"a": [1, {"b": "[[[["}]}')
{'a': [1, {'b': '[[[['}]}
>>> try:
...     loads("[" * 50_000, where="body")
... except ValidationError as exc:
...     print(exc.issues[0].code, exc.issues[0].reason)
too_deep JSON nested deeper than 32 levels
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._errors import Issue, ValidationError

__all__ = ["MAX_DEPTH", "json_depth", "loads"]

#: the deepest nesting of arrays and objects accepted from outside
MAX_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = str.maketrans({"[": "1", "{": "1", "]": "0", "}": "0"})


def json_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of ``[``/``{`` in JSON ``text`` (strings skipped); stops counting past ``limit``.

    Works on malformed text too (it only counts brackets), in linear time and without recursion.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    # a run of opening brackets longer than the limit is enough to know
    if "1" * (limit + 1) in brackets.translate(_STEP):
        return limit + 1
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes, *, where: str = "", max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON ``text`` from outside; raise `ValidationError` (code ``bad_json``, ``too_deep``,
    ``binary_file``) instead of `json.JSONDecodeError` or `RecursionError`."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                Issue("file", where, "is not UTF-8 text (a binary file?)", where=where, code="binary_file")
            ) from exc
    if json_depth(text, max_depth) > max_depth:
        raise ValidationError(
            Issue("json", None, f"JSON nested deeper than {max_depth} levels", where=where, code="too_deep")
        )
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        reason = f"invalid JSON at line {exc.lineno}, column {exc.colno}"
        raise ValidationError(Issue("json", exc.msg, reason, where=where, code="bad_json")) from exc
    except ValueError as exc:  # NaN, Infinity
        raise ValidationError(Issue("json", str(exc), "invalid JSON", where=where, code="bad_json")) from exc
