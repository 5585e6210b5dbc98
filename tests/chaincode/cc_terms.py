"""Helpers of the agreement, dispute and certificate chaincode tests (in-memory stub)."""

from __future__ import annotations

import json
from typing import Any

from fabricsim.callers import Caller, caller
from fabricsim.world import InMemoryWorldState, Result
from tests.chaincode.cc_samples import CARRIER, PRODUCER, RETAILER, scan, shipment_request

POD = "d" * 64
# The stub's clock: transaction n runs at 2025-03-01T08:00Z + n minutes.
PROMISED = "2025-03-01T04:00:00Z"
THREE_H_TEN_LATE = "2025-03-01T07:10:00Z"
DEADLINE = "2025-03-01T08:30:00Z"

DISPATCHER = caller(PRODUCER, "dispatcher")
SCANNER = caller(CARRIER, "scanner")
RECEIVER = caller(RETAILER, "receiver")
RETAIL_ADMIN = caller(RETAILER, "admin")
AUDITOR = caller("AuditorMSP", "auditor")
OUTSIDER = caller("OtherRetailMSP", "receiver")
TRACKER = caller(RETAILER, None, "tracker")  # an identity with no role


def terms(**overrides: Any) -> dict[str, Any]:
    """ProposeAgreement's terms (without sscc): 1 000.00 EUR, 2 %/started hour, cap 25 %."""
    body: dict[str, Any] = {
        "price_minor": 100_000,
        "currency": "EUR",
        "lateness": {"bp_per_started_hour": 200, "cap_bp": 2500},
        "breach_refund_bp": 1500,
        "damaged_refund_bp": 3000,
        "undelivered_after": DEADLINE,
        "promised_delivery": PROMISED,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def call(world: InMemoryWorldState, who: Caller, name: str, body: dict[str, Any]) -> Result:
    """Invoke with one JSON argument."""
    return world.invoke(who, name, json.dumps(body))


def ok(result: Result) -> Any:
    """The decoded payload of a successful transaction."""
    assert result.ok, result.message
    return result.json()


def refused(result: Result, code: str) -> str:
    """Assert a refusal with ``code``; return the message."""
    assert not result.ok, result.payload
    assert result.message.startswith(f"{code}: "), result.message
    return result.message


def create(world: InMemoryWorldState, sscc: str, **overrides: Any) -> dict[str, Any]:
    """CreateShipment by the producer's dispatcher."""
    request = shipment_request(sscc, **overrides)
    request.pop("certificates")
    created: dict[str, Any] = ok(
        call(world, DISPATCHER, "CreateShipment", {**request, "certificates": []})
    )
    return created


def acceptance(world: InMemoryWorldState, sscc: str, **extra: Any) -> dict[str, Any]:
    """AcceptAgreement's argument for the agreement the buyer reads now (a made-up
    `proposed_tx` when there is none)."""
    current = ok(call(world, RECEIVER, "GetAgreement", {"sscc": sscc}))["agreement"]
    proposed_tx = current["proposed_tx"] if current else "0" * 64
    return {"sscc": sscc, "proposed_tx": proposed_tx, **extra}


def agreed(world: InMemoryWorldState, sscc: str, **overrides: Any) -> dict[str, Any]:
    """A shipment with a proposed and accepted agreement; returns the accepted agreement."""
    create(world, sscc)
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": sscc, **terms(**overrides)}))
    accepted = ok(call(world, RECEIVER, "AcceptAgreement", acceptance(world, sscc)))
    agreement: dict[str, Any] = accepted["agreement"]
    return agreement


def to_last_mile(world: InMemoryWorldState, sscc: str) -> None:
    """departing, arriving, loading: the shipment is out for delivery."""
    for number, step in enumerate(("departing", "arriving", "loading")):
        ok(world.invoke(SCANNER, "RecordCheckpoint", scan(sscc, f"{sscc}-{number}", step)))


def deliver(
    world: InMemoryWorldState, sscc: str, event_time: str, who: Caller = RECEIVER, **extra: Any
) -> Result:
    """ConfirmDelivery at ``event_time``."""
    body = {"sscc": sscc, "proof_of_delivery_sha256": POD, "event_time": event_time}
    return call(world, who, "ConfirmDelivery", {**body, "client_scan_id": f"{sscc}-pod", **extra})


def breach(world: InMemoryWorldState, sscc: str) -> None:
    """A logger batch with an hour at 12 degC (allowance 30 min): verdict breach."""
    readings = [
        {"time": "2025-03-01T05:00:00Z", "celsius": 12},
        {"time": "2025-03-01T06:00:00Z", "celsius": 12},
        {"time": "2025-03-01T06:10:00Z", "celsius": 5},
    ]
    body = {"sscc": sscc, "readings": readings, "client_scan_id": f"{sscc}-log"}
    assert (
        ok(call(world, SCANNER, "RecordTemperatures", body))["shipment"]["cold_chain_state"][
            "verdict"
        ]
        == "breach"
    )


def burn(world: InMemoryWorldState, minutes: int) -> None:
    """Let the stub's clock advance (each invoke, even a refused one, is one minute)."""
    for _ in range(minutes):
        world.invoke(AUDITOR, "GetShipment", "{}")
