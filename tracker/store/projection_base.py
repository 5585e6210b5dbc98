"""What every projection shares: the `Change` it reports, its error, key and record decoding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import records
from records import keys

T = TypeVar("T")


class ProjectionError(ValueError):
    """A committed value does not have the shape the read model expects."""


@dataclass(frozen=True)
class Change:
    """One fact a block changed that subscribers may be told about.

    `kind`: "created" | "status" | "verdict" | "checkpoint" | "settlement" (new: outcome) |
    "dispute_opened" / "dispute_resolved" (new: the dispute id).
    """

    kind: str
    sscc: str
    old: str | None
    new: str
    tx_id: str
    block_number: int
    seq: int | None = None


def split_composite_key(key: str) -> tuple[str, list[str]] | None:
    """(object type, attributes) of a Fabric composite key, or None for a simple key."""
    try:
        return keys.split_composite_key(key)
    except keys.MalformedKey as exc:
        raise ProjectionError(str(exc)) from None


def load_record(cls: type[T], value: bytes, what: str) -> T:
    """A committed value decoded strictly as the chaincode's record `cls`, or `ProjectionError`."""
    try:
        return records.from_json(cls, value, what)
    except records.RecordError as exc:
        raise ProjectionError(f"{what} value: {exc}") from None
