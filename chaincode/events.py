"""Chaincode events: one per write transaction, typed, canonical JSON payload.

Fabric delivers at most one chaincode event per transaction (the last one set
wins), so a transaction builds exactly one event describing what changed.
Replayed scan ids write nothing and therefore emit nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from records import canonical_json


class EventType(StrEnum):
    """Event names as listeners see them (``ChaincodeEvent.event_name``)."""

    SHIPMENT_CREATED = "ShipmentCreated"
    CHECKPOINT_RECORDED = "CheckpointRecorded"
    TEMPERATURES_RECORDED = "TemperaturesRecorded"
    DELIVERY_CONFIRMED = "DeliveryConfirmed"
    EXCEPTION_REPORTED = "ExceptionReported"
    AGREEMENT_PROPOSED = "AgreementProposed"
    AGREEMENT_ACCEPTED = "AgreementAccepted"
    SHIPMENT_SETTLED = "ShipmentSettled"
    DISPUTE_OPENED = "DisputeOpened"
    CONVERSATION_ANCHORED = "ConversationAnchored"
    DISPUTE_RESOLVED = "DisputeResolved"
    CERTIFICATE_REGISTERED = "CertificateRegistered"


@dataclass(frozen=True)
class Event:
    """A chaincode event ready to attach: name plus canonical JSON payload."""

    name: str
    payload: str


def build_event(event_type: EventType, sscc: str, tx_id: str, data: dict[str, Any]) -> Event:
    """Wrap the changed records in the common envelope {type, sscc, tx_id, data}."""
    envelope = {"type": event_type.value, "sscc": sscc, "tx_id": tx_id, "data": data}
    return Event(name=event_type.value, payload=canonical_json(envelope))
