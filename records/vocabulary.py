"""The words the ledger's records use: shipment statuses, CBV bizSteps and dispositions.

Only the vocabulary: which status a bizStep leads to and which moves are allowed are the
chaincode's rules (chaincode/rules.py).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Shipment statuses as stored on the ledger."""

    CREATED = "created"
    IN_TRANSIT = "in_transit"
    AT_HUB = "at_hub"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"


# CBV 2.0 bizSteps that move a shipment when recorded by RecordCheckpoint.
MOVING_BIZ_STEPS = (
    "shipping",
    "departing",
    "arriving",
    "receiving",
    "storing",
    "unloading",
    "loading",
)

# bizSteps recorded without moving the shipment (observations).
OBSERVATION_BIZ_STEPS = ("transporting", "inspecting", "sensor_reporting", "holding")

BIZ_STEPS = (*MOVING_BIZ_STEPS, *OBSERVATION_BIZ_STEPS)

# The subset of CBV 2.0 dispositions this consortium uses.
DISPOSITIONS = (
    "in_transit",
    "in_progress",
    "active",
    "conformant",
    "non_conformant",
    "damaged",
    "expired",
    "stolen",
    "unknown",
    "returned",
    "sellable_not_accessible",
    "sellable_accessible",
    "completeness_verified",
    "mismatch_quantity",
)

# Cold-chain verdicts, from best to worst.
VERDICTS = ("ok", "excursion", "breach")
