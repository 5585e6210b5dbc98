"""Canonical JSON of the ledger's records and their strict decoding.

Every peer must produce byte-identical writes for the same proposal, so records are
serialised one way only: sorted keys, compact separators, UTF-8 kept as is. Decoding rebuilds
a record from its stored JSON by the field types and refuses anything else (``RecordError``).
"""

from __future__ import annotations

import dataclasses
import json
import types
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


class RecordError(ValueError):
    """A stored value is not the record it should be (not JSON, missing or mistyped field)."""


def to_plain(record: Any) -> Any:
    """Turn a record (or list of records) into JSON-ready dicts and lists."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_plain(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, list | tuple):
        return [to_plain(item) for item in record]
    if isinstance(record, dict):
        return {key: to_plain(value) for key, value in record.items()}
    return record


def canonical_json(value: Any) -> str:
    """The single serialisation used for ledger values, events and results."""
    return json.dumps(
        to_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _decode(hint: Any, value: Any, path: str) -> Any:
    """Rebuild one value of type ``hint`` from stored JSON."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        return None if value is None else _decode(options[0], value, path)
    if origin is tuple:
        if not isinstance(value, list):
            raise RecordError(f"stored {path} is not a list")
        return tuple(_decode(get_args(hint)[0], item, path) for item in value)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise RecordError(f"stored {path} is not an object of strings")
        return dict(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return decode(hint, value, path)
    if hint is bool and isinstance(value, bool):
        return value
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(hint, type) and isinstance(value, hint) and not isinstance(value, bool):
        return value
    raise RecordError(f"stored {path} has an unexpected type")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """A record's field types, resolved once per class: get_type_hints evaluates every
    annotation string again on each call (from __future__ import annotations), which cost
    about 1 ms of the chaincode server's CPU per stored shipment read (bench/profile.py's
    py-spy samples)."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = get_type_hints(cls)
    return found


def decode(cls: type[T], data: Any, path: str = "record") -> T:
    """Rebuild a record from its stored JSON; corrupt data is a RecordError."""
    if not isinstance(data, dict):
        raise RecordError(f"stored {path} is not an object")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in data:
            kwargs[field.name] = _decode(hints[field.name], data[field.name], field.name)
        elif field.default is dataclasses.MISSING:
            raise RecordError(f"stored {path} lacks {field.name}")
    return cls(**kwargs)


def from_json(cls: type[T], raw: bytes | str, path: str = "record") -> T:
    """Parse canonical JSON bytes read from the ledger into a record."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordError(f"stored {path} is not JSON ({exc})") from None
    return decode(cls, data, path)


def encode(record: Any) -> bytes:
    """The bytes a record is stored as: its canonical JSON in UTF-8."""
    return canonical_json(record).encode("utf-8")
