"""Instants as the ledger stores them: ISO-8601 UTC with a ``Z`` suffix.

One parser and one formatter for the chaincode and the tracker alike. Both refuse bad input
the same way: ``InvalidInstant`` (a ``ValueError``) naming the field and the value, with a
``kind`` callers can word their own message by (never the prose).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

Kind = Literal["not_text", "not_iso", "no_offset", "out_of_range"]
NO_OFFSET = "time must include a UTC offset, e.g. 2025-01-31T08:00:00Z"


class InvalidInstant(ValueError):
    """A time that is not ISO-8601, carries no UTC offset or has no UTC form."""

    def __init__(self, field: str, value: object, kind: Kind, problem: str) -> None:
        super().__init__(f"{field} {value!r}: {problem}")
        self.field = field
        self.value = value
        self.kind: Kind = kind
        self.problem = problem


def parse_instant(text: str, field: str = "time") -> datetime:
    """An ISO-8601 time with a UTC offset, as an aware UTC datetime; else InvalidInstant."""
    if not isinstance(text, str):
        raise InvalidInstant(field, text, "not_text", "not a string")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInstant(field, text, "not_iso", str(exc)) from None
    if moment.tzinfo is None:
        raise InvalidInstant(field, text, "no_offset", NO_OFFSET)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInstant(field, text, "out_of_range", "out of range in UTC") from None


def format_instant(moment: datetime, field: str = "time") -> str:
    """The stored form of an aware time: ISO-8601 UTC with a ``Z`` suffix; naive is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInstant(field, moment, "no_offset", "naive datetime: give a UTC offset")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
