"""Pure commercial terms shared by the chaincode and the tracker (no I/O, no clock).

``settlement``: the delivery agreement's settlement rule (integers, basis points);
``certificates``: whether a certificate covers a shipment's dates;
``merkle``: RFC 6962 Merkle tree hashes over conversation messages.
"""

from terms.certificates import Validity, validity
from terms.merkle import leaf_hash, root
from terms.settlement import Reason, SettlementFigures, Terms, compute_settlement, started_hours

__all__ = [
    "Reason",
    "SettlementFigures",
    "Terms",
    "Validity",
    "compute_settlement",
    "leaf_hash",
    "root",
    "started_hours",
    "validity",
]
