"""The chaincode's ledger records, shared by the chaincode and the tracker (pure, no I/O).

``shipments``: Shipment and Checkpoint and their parts; ``deals``: Agreement, Settlement,
Dispute and RegisteredCertificate; ``codec``: their one canonical JSON form and strict
decoding; ``instants``: the one parse and format of stored times; ``vocabulary``: statuses,
bizSteps, dispositions and verdicts; ``keys``: the composite keys the records are stored
under. The rules over them stay in the chaincode.
"""

from records.codec import RecordError, canonical_json, decode, encode, from_json, to_plain
from records.instants import InvalidInstant, format_instant, parse_instant
from records.shipments import (
    Certificate,
    Checkpoint,
    ColdChainProfile,
    ColdChainTotals,
    Parties,
    Place,
    Product,
    ReadPoint,
    Reporter,
    Shipment,
    TemperatureSummary,
)
from records.vocabulary import (
    BIZ_STEPS,
    DISPOSITIONS,
    MOVING_BIZ_STEPS,
    OBSERVATION_BIZ_STEPS,
    VERDICTS,
    Status,
)

__all__ = [
    "BIZ_STEPS",
    "DISPOSITIONS",
    "MOVING_BIZ_STEPS",
    "OBSERVATION_BIZ_STEPS",
    "VERDICTS",
    "Certificate",
    "Checkpoint",
    "ColdChainProfile",
    "ColdChainTotals",
    "InvalidInstant",
    "Parties",
    "Place",
    "Product",
    "ReadPoint",
    "RecordError",
    "Reporter",
    "Shipment",
    "Status",
    "TemperatureSummary",
    "canonical_json",
    "decode",
    "encode",
    "format_instant",
    "from_json",
    "parse_instant",
    "to_plain",
]
