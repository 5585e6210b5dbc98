"""Strict reading of what clients send: JSON bodies, forms, query strings and path texts.

Every refusal is a clean 4xx naming the field, never a 500. A body must be declared JSON
(415 otherwise), be JSON proper (no NaN or Infinity, no key twice in one object, at most
`MAX_DEPTH` levels deep, no number beyond a float's range) and hold a JSON object. Every
text, wherever it comes from, must be storable as sent in SQLite, PostgreSQL and on the
ledger: no control characters other than tab, CR and LF (PostgreSQL refuses NUL), no lone
surrogates (not Unicode text: they cannot be encoded as UTF-8), no bytes that are not
UTF-8. A form or query field may come once only.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from tracker.errors import ApiError

MAX_DEPTH = 32
# An evidence or certificate hash as a path takes it: lower-case hex SHA-256.
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
MAX_INTEGER_DIGITS = 100
# C0 and C1 control characters except tab, LF and CR; the UTF-16 surrogates.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# What Werkzeug puts in a form or query value for bytes that are not UTF-8.
_REPLACEMENT = "\ufffd"


def invalid(field: str, problem: str) -> ApiError:
    """422 INVALID_ARGUMENT naming the field."""
    return ApiError(422, "INVALID_ARGUMENT", f"{field}: {problem}", field=field)


def text_problem(value: str) -> str | None:
    """Why a text cannot be stored as sent (a control character, a lone surrogate), or None."""
    found = _NOT_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"contains U+{ord(char):04X}, {kind}, at position {found.start() + 1}"


class _Duplicated(dict[str, Any]):
    """A JSON object in which `key` came more than once (found by `first_problem`)."""

    def __init__(self, pairs: list[tuple[str, Any]], key: str) -> None:
        super().__init__(pairs)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return _Duplicated(pairs, key)
        seen.add(key)
    return dict(pairs)


def _number(digits: str) -> int | float:
    # Python refuses integers of more than 4300 digits (and reads long ones slowly): one
    # that long is read as the float it stands for, infinite, and refused by name below.
    return int(digits) if len(digits) <= MAX_INTEGER_DIGITS else float(digits)


def loads(text: str, field: str, *, fields_by_path: bool = False) -> Any:
    """Parse strict JSON; 422 naming `field` when it is not JSON or holds what we refuse.

    With `fields_by_path` a problem inside is named by its dotted path (a request body's
    fields); otherwise `field` is named and the path is given in the message (a file).
    """
    try:
        data = json.loads(text, object_pairs_hook=_object, parse_int=_number)
    except RecursionError:
        raise invalid(field, f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # JSONDecodeError included
        raise invalid(field, f"not valid JSON ({error})") from None
    found = first_problem(data)
    if found is not None:
        path, problem = found
        if fields_by_path:
            raise invalid(path or field, problem)
        raise invalid(field, f"{path}: {problem}" if path else problem)
    return data


def first_problem(data: Any) -> tuple[str, str] | None:
    """The first (dotted path, problem) in parsed JSON, in document order, or None."""
    todo: list[tuple[str, Any, int]] = [("", data, 0)]
    while todo:
        path, value, depth = todo.pop()
        if depth > MAX_DEPTH:
            return path, f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return path, problem
        elif isinstance(value, float) and not math.isfinite(value):
            return path, "is not a finite number (JSON has no NaN or Infinity)"
        elif isinstance(value, dict):
            if isinstance(value, _Duplicated):
                return _join(path, value.key), "appears more than once in one object"
            items = [(_join(path, key), item) for key, item in value.items()]
            todo.extend((p, item, depth + 1) for p, item in reversed(items))
        elif isinstance(value, list):
            items = [(_join(path, str(i)), item) for i, item in enumerate(value)]
            todo.extend((p, item, depth + 1) for p, item in reversed(items))
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def is_json(mimetype: str) -> bool:
    """application/json, or a JSON-based type such as application/merge-patch+json."""
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def json_object(raw: bytes, mimetype: str) -> dict[str, Any]:
    """The request body as a JSON object; 415 if not declared JSON, 422 naming the field."""
    if not is_json(mimetype):
        given = mimetype or "no Content-Type"
        message = f"send the body as JSON with Content-Type: application/json, not {given}"
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message)
    encoding = json.detect_encoding(raw)  # UTF-8 (BOM or not), or UTF-16/32 with their BOM
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise invalid("body", f"is not {encoding.upper()} (byte {error.start + 1})") from None
    data = loads(text, "body", fields_by_path=True)
    if not isinstance(data, dict):
        raise invalid("body", f"send a JSON object, not {type(data).__name__}")
    return data


def single_texts(values: MultiDict[str, str]) -> dict[str, str]:
    """Form or query fields, each sent once as storable UTF-8 text; 422 naming the field."""
    found: dict[str, str] = {}
    for key, given in values.lists():
        if len(given) > 1:
            raise invalid(key, f"sent {len(given)} times; send it once")
        found[key] = path_text(key, given[0])
    return found


def form_fields(mimetype: str, form: MultiDict[str, str]) -> dict[str, str]:
    """The text fields of a multipart/form-data upload; 415 for any other body."""
    if mimetype != "multipart/form-data":
        given = mimetype or "no Content-Type"
        message = f"send the file and fields as multipart/form-data, not {given}"
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", message)
    return single_texts(form)


def path_text(field: str, value: str) -> str:
    """A text Werkzeug decoded (path, query, form), checked as body texts are; 422 if not."""
    problem = text_problem(value) or ("is not UTF-8 text" if _REPLACEMENT in value else None)
    if problem is not None:
        raise invalid(field, problem)
    return value
