"""Whether a certificate's validity period covers a shipment's window (pure).

A certificate is valid for a shipment when ``valid_from <= start`` and
``end <= valid_until``. When it fails both ways the expiry is reported: a
certificate that lapsed during the journey is the finding that matters to a buyer.
"""

from __future__ import annotations

from typing import Literal

from records import parse_instant

Validity = Literal["valid", "expired", "not_yet_valid"]


def validity(valid_from: str, valid_until: str, start: str, end: str) -> Validity:
    """``valid``, ``expired`` (valid_until < end) or ``not_yet_valid`` (valid_from > start)."""
    if parse_instant(valid_until) < parse_instant(end):
        return "expired"
    if parse_instant(valid_from) > parse_instant(start):
        return "not_yet_valid"
    return "valid"
