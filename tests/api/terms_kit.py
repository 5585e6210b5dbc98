"""Helpers of the agreement, dispute and certificate API tests: bodies and journeys whose
times are relative to now (the SimulatedPeer stamps transactions with the real clock, and
the settlement takes the earlier of a delivery's event time and its recording time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from demo.scenario import tiny_png
from tests.api.api_stack import ApiStack, checkpoint_body, scan_id

PRICE = 100_000  # 1 000.00 EUR


def instant(moment: datetime) -> str:
    """UTC ISO 8601 with Z, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> datetime:
    """The current second, in UTC."""
    return datetime.now(UTC).replace(microsecond=0)


def terms(**overrides: Any) -> dict[str, Any]:
    """An agreement's terms: 2 %/started hour late capped at 20 %, breach 15 %, damaged 30 %."""
    body: dict[str, Any] = {
        "price_minor": PRICE,
        "currency": "EUR",
        "lateness": {"bp_per_started_hour": 200, "cap_bp": 2000},
        "breach_refund_bp": 1500,
        "damaged_refund_bp": 3000,
        "undelivered_after": instant(now() + timedelta(days=3)),
    }
    body.update(overrides)
    return body


def read(stack: ApiStack, sscc: str) -> dict[str, str]:
    """The accept body of the agreement the buyer reads now: its `proposed_tx`."""
    agreement = stack.get("receiver", f"/shipments/{sscc}/agreement").json()["agreement"]
    return {"proposed_tx": agreement["proposed_tx"]}


def with_agreement(stack: ApiStack, promised: datetime, **overrides: Any) -> str:
    """A shipment created with an agreement (promised at `promised`), accepted by the buyer."""
    sscc = stack.created(promised_delivery=instant(promised), agreement=terms(**overrides))
    accepted = stack.post("receiver", f"/shipments/{sscc}/agreement/accept", json=read(stack, sscc))
    assert accepted.status_code == 201, accepted.text
    return sscc


def out_for_delivery(stack: ApiStack, sscc: str, start: datetime) -> None:
    """Departing, arriving and loading scans an hour apart from `start`."""
    for hour, step in enumerate(("departing", "arriving", "loading")):
        body = checkpoint_body(step, event_time=instant(start + timedelta(hours=hour)))
        response = stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)
        assert response.status_code == 201, response.text


def deliver(stack: ApiStack, sscc: str, when: datetime) -> dict[str, Any]:
    """The receiver's proof of delivery at `when`; the committed answer."""
    response = stack.post(
        "receiver",
        f"/shipments/{sscc}/delivery",
        data={"client_scan_id": scan_id(), "event_time": instant(when)},
        files={"photo": ("pod.png", tiny_png(), "image/png")},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def breach_file(start: datetime) -> bytes:
    """A logger file: two hours at 12 °C, a reading every 15 minutes (limit 30 minutes)."""
    rows = ["time,celsius"] + [
        f"{instant(start + timedelta(minutes=15 * i))},{12.0 if 0 < i < 9 else 5.0}"
        for i in range(10)
    ]
    return "\n".join(rows).encode()


def error_code(response: Any) -> tuple[int, str]:
    """(status, error code) of an error answer."""
    return response.status_code, response.json()["error"]["code"]
