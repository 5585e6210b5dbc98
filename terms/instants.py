"""UTC ISO-8601 instants, parsed strictly (an offset is required)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(text: str) -> datetime:
    """An ISO-8601 time with a UTC offset, as an aware UTC datetime; ValueError otherwise."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} must include a UTC offset")
    return moment.astimezone(UTC)
