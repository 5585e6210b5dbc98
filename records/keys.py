"""The chaincode's ledger keys: Fabric's composite-key encoding and the object types under which
the records are stored (the chaincode writes them, the tracker's follower and verifier read them).

A composite key is U+0000, the object type, then each attribute, each followed by U+0000.
The chaincode's indexes (``status~sscc`` and the like) are its own business and stay there.
"""

from __future__ import annotations

SHIPMENT = "shipment"  # [sscc] -> Shipment
CHECKPOINT = "checkpoint"  # [sscc, seq (SEQ_DIGITS digits)] -> Checkpoint
AGREEMENT = "agreement"  # [sscc] -> Agreement
SETTLEMENT = "settlement"  # [sscc] -> Settlement
DISPUTE = "dispute"  # [sscc, dispute_id] -> Dispute
CERTIFICATE = "certificate"  # [sha256] -> RegisteredCertificate
SEQ_DIGITS = 6

_SEPARATOR = "\x00"


class MalformedKey(ValueError):
    """A key that starts like a composite key but is not one."""


def composite_key(object_type: str, *attributes: str) -> str:
    """Fabric's composite key for an object type and its attributes."""
    return _SEPARATOR + object_type + _SEPARATOR + "".join(a + _SEPARATOR for a in attributes)


def split_composite_key(key: str) -> tuple[str, list[str]] | None:
    """(object type, attributes) of a composite key; None for a simple key; `MalformedKey` for
    a key that starts with U+0000 but does not end a composite key's way."""
    if not key.startswith(_SEPARATOR):
        return None
    parts = key[1:].split(_SEPARATOR)
    if len(parts) < 2 or parts[-1] != "":
        raise MalformedKey(f"malformed composite key {key!r}")
    return parts[0], parts[1:-1]
