"""Sample identifiers and transaction arguments shared by the chaincode tests."""

from __future__ import annotations

import json
from typing import Any

import gs1

PRODUCER, CARRIER, RETAILER = "ProducerMSP", "CarrierMSP", "RetailerMSP"
GTIN = "04006381333931"
ORIGIN_GLN = "0614141000012"
DEST_GLN = "4006381000017"
HUB_GLN = "0614141000029"


def make_sscc(serial: int, company_prefix: str = "0614141") -> str:
    """A valid SSCC: extension digit 3, prefix, serial, computed check digit."""
    body = f"3{company_prefix}{serial:09d}"
    return body + str(gs1.check_digit(body))


def shipment_request(sscc: str, **overrides: Any) -> dict[str, Any]:
    """A valid CreateShipment argument (as a dict) with optional top-level overrides."""
    request: dict[str, Any] = {
        "sscc": sscc,
        "product": {"gtin": GTIN, "lot": "LOT-2025-03", "description": "Organic strawberries"},
        "quantity": 120,
        "unit": "case",
        "origin": {"gln": ORIGIN_GLN, "name": "Farm Huelva"},
        "destination": {"gln": DEST_GLN, "name": "Retail DC Berlin"},
        "parties": {"producer": PRODUCER, "carrier": CARRIER, "retailer": RETAILER},
        "cold_chain": {"min_c": 2, "max_c": 8, "allowed_minutes_outside": 30, "mkt_limit_c": 8},
        "promised_delivery": "2025-03-03T12:00:00Z",
        "certificates": [{"type": "organic", "sha256": "a" * 64}],
    }
    request.update(overrides)
    return request


def scan(sscc: str, scan_id: str, biz_step: str, **extra: Any) -> str:
    """A RecordCheckpoint argument at the hub read point."""
    body = {
        "sscc": sscc,
        "biz_step": biz_step,
        "read_point": {"gln": HUB_GLN, "name": "Hub Lyon", "lat": 45.76, "lon": 4.83},
        "event_time": "2025-03-01T09:00:00+01:00",
        "client_scan_id": scan_id,
    }
    body.update(extra)
    return json.dumps(body)
