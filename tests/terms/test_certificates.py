"""Certificate validity against a shipment's window (terms.certificates, pure)."""

from __future__ import annotations

import pytest

from terms.certificates import validity

START, END = "2025-03-01T08:00:00Z", "2025-03-03T12:00:00Z"


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "expected"),
    [
        ("2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", "valid"),
        (START, END, "valid"),  # bounds are inclusive
        ("2025-01-01T00:00:00Z", "2025-03-03T11:59:59Z", "expired"),  # lapsed on the way
        ("2025-03-01T08:00:01Z", "2025-12-31T00:00:00Z", "not_yet_valid"),
        ("2025-03-02T00:00:00Z", "2025-03-02T12:00:00Z", "expired"),  # both: expiry reported
        ("2025-03-01T09:00:00+01:00", "2025-12-31T00:00:00Z", "valid"),  # offsets compared in UTC
    ],
)
def test_validity(valid_from: str, valid_until: str, expected: str) -> None:
    assert validity(valid_from, valid_until, START, END) == expected


def test_times_need_an_offset() -> None:
    with pytest.raises(ValueError):
        validity("2025-01-01T00:00:00", "2025-12-31T00:00:00Z", START, END)
