"""Instants as the ledger stores them: ISO-8601 UTC with a ``Z`` suffix.

One parser and one formatter for the chaincode and the tracker alike. Both refuse a time
without a UTC offset with ``InvalidInstant`` (a ``ValueError``) naming the field and value.
"""

from __future__ import annotations

from datetime import UTC, datetime


class InvalidInstant(ValueError):
    """A time that is not ISO-8601 or carries no UTC offset; names the field and value."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        super().__init__(f"{field} {value!r}: {problem}")
        self.field = field
        self.value = value
        self.problem = problem


def parse_instant(text: str, field: str = "time") -> datetime:
    """An ISO-8601 time with a UTC offset, as an aware UTC datetime; else InvalidInstant."""
    if not isinstance(text, str):
        raise InvalidInstant(field, text, "not a string")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInstant(field, text, str(exc)) from None
    if moment.tzinfo is None:
        raise InvalidInstant(
            field, text, "time must include a UTC offset, e.g. 2025-01-31T08:00:00Z"
        )
    return moment.astimezone(UTC)


def format_instant(moment: datetime, field: str = "time") -> str:
    """The stored form of an aware time: ISO-8601 UTC with a ``Z`` suffix; naive is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInstant(field, moment, "naive datetime: give a UTC offset")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
