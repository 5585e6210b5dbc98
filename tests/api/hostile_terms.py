"""Base requests of the agreement, settlement, dispute and certificate writes for the hostile
sweeps (hostile_kit.BASES): each call makes the state its write needs afresh (a proposed
agreement to accept, a dispute to resolve, ...), so every valid base is accepted (201)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tests.api.api_stack import ApiStack, create_body, new_sscc
from tests.api.terms_kit import read
from tracker.store import staff

# create_body promises delivery on 2030-03-03; the buyer may call it undelivered after this.
UNDELIVERED_AFTER = "2030-03-10T00:00:00Z"


class HasStack(Protocol):
    """hostile_kit.Writer, as far as these bases use it."""

    stack: ApiStack


def terms(**overrides: Any) -> dict[str, Any]:
    """Valid agreement terms for create_body's shipments."""
    body: dict[str, Any] = {
        "price_minor": 100_000,
        "currency": "EUR",
        "lateness": {"bp_per_started_hour": 200, "cap_bp": 2000},
        "breach_refund_bp": 1500,
        "damaged_refund_bp": 3000,
        "undelivered_after": UNDELIVERED_AFTER,
    }
    body.update(overrides)
    return body


def scan_id() -> str:
    """A client scan id as the new writes take them (letters, digits, . _ : -)."""
    return str(uuid.uuid4())


def _created(stack: ApiStack, accepted: bool, **overrides: Any) -> str:
    sscc = new_sscc()
    body = create_body(sscc, agreement=terms(**overrides.pop("terms", {})), **overrides)
    created = stack.post("dispatcher", "/shipments", json=body)
    assert created.status_code == 201, created.text
    if accepted:
        done = stack.post("receiver", f"/shipments/{sscc}/agreement/accept", json=read(stack, sscc))
        assert done.status_code == 201, done.text
    return sscc


def propose(writer: HasStack) -> tuple[str, str, dict[str, Any]]:
    """(who, url, body) of ProposeAgreement on a fresh shipment."""
    sscc = writer.stack.created()
    return "dispatcher", f"/shipments/{sscc}/agreement", {**terms(), "client_scan_id": scan_id()}


def accept(writer: HasStack) -> tuple[str, str, dict[str, Any]]:
    """AcceptAgreement of a fresh shipment created with an agreement."""
    sscc = _created(writer.stack, accepted=False)
    body = {**read(writer.stack, sscc), "client_scan_id": scan_id()}
    return "receiver", f"/shipments/{sscc}/agreement/accept", body


def settle(writer: HasStack) -> tuple[str, str, dict[str, Any]]:
    """SettleShipment of a fresh shipment whose undelivered deadline has passed."""
    now = datetime.now(UTC).replace(microsecond=0)
    past = {
        "promised_delivery": (now - timedelta(days=2)).isoformat(),
        "terms": {"undelivered_after": (now - timedelta(days=1)).isoformat()},
    }
    sscc = _created(writer.stack, accepted=True, **past)
    return "receiver", f"/shipments/{sscc}/settlement", {"client_scan_id": scan_id()}


def resolve(writer: HasStack) -> tuple[str, str, dict[str, Any]]:
    """ResolveDispute (a refund) of a dispute opened on a fresh shipment's agreement."""
    stack = writer.stack
    sscc = _created(stack, accepted=True)
    with stack.sessions() as session:
        member = staff.get_member(session, stack.staff_ids["receiver"])
    assert member is not None
    dispute_id = "D-" + uuid.uuid4().hex[:12]
    stack.state.facade.open_dispute(
        stack.state.actors.actor(member),
        {"sscc": sscc, "dispute_id": dispute_id, "subject": "damaged", "raised_for": "retailer"},
    )
    body = {"outcome": "refund", "refund_minor": 100, "reason": "ok", "client_scan_id": scan_id()}
    return "dispatcher", f"/shipments/{sscc}/disputes/{dispute_id}/resolution", body


def register(writer: HasStack) -> tuple[str, str, dict[str, Any]]:
    """RegisterCertificate of a fresh document hash, for a lot."""
    body = {
        "sha256": hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        "doc_type": "organic",
        "issuer_name": "Ecocert",
        "valid_from": "2029-01-01T00:00:00Z",
        "valid_until": "2031-01-01T00:00:00Z",
        "subject": {"gtin": "04006381333931", "lot": "LOT-1"},
        "client_scan_id": scan_id(),
    }
    return "dispatcher", "/certificates", body


def strings_in(value: Any) -> Iterator[str]:
    """Every string (values, not keys) of a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def stored_strings(stack: ApiStack, answer: dict[str, Any]) -> set[str]:
    """What the ledger holds of a terms write, read back through the API."""
    if "certificate" in answer:
        sha = answer["certificate"]["sha256"]
        read = stack.get("auditor", f"/certificates/{sha}")
    else:
        sscc = (answer.get("dispute") or answer.get("agreement") or answer["settlement"])["sscc"]
        read = stack.get("auditor", f"/shipments/{sscc}/agreement")
    assert read.status_code == 200, read.text
    return set(strings_in(read.json()))
