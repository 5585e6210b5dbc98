"""Typed requests and views of the ledger facade (frozen values at the edge, no protobufs)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from records import (
    Checkpoint,
    ColdChainProfile,
    Shipment,
    decode,
    format_instant,
    to_plain,
)
from records import Place as Place
from records import ReadPoint as ReadPoint
from tracker.ledger.identity import Identity, Signer


@dataclass(frozen=True)
class Actor:
    """The person acting: their enrolment certificate and the signer of its key."""

    identity: Identity
    signer: Signer


# A request's cold-chain profile is the record's own (min/max °C, minutes outside, MKT limit).
ColdChain = ColdChainProfile


@dataclass(frozen=True)
class AgreementTerms:
    """A delivery agreement's terms: price in minor units, refunds in basis points (bp)."""

    price_minor: int
    currency: str
    bp_per_started_hour: int
    cap_bp: int
    breach_refund_bp: int
    damaged_refund_bp: int
    undelivered_after: datetime
    promised_delivery: datetime | None = None  # None: the shipment's
    confirm_roles: tuple[str, ...] = ()  # (): ["receiver"]

    def argument(self) -> dict[str, Any]:
        """The terms as ProposeAgreement (and CreateShipment's `agreement`) take them."""
        body: dict[str, Any] = {
            "price_minor": self.price_minor,
            "currency": self.currency,
            "lateness": {"bp_per_started_hour": self.bp_per_started_hour, "cap_bp": self.cap_bp},
            "breach_refund_bp": self.breach_refund_bp,
            "damaged_refund_bp": self.damaged_refund_bp,
            "undelivered_after": format_instant(self.undelivered_after),
        }
        if self.promised_delivery is not None:
            body["promised_delivery"] = format_instant(self.promised_delivery)
        if self.confirm_roles:
            body["confirm_roles"] = list(self.confirm_roles)
        return body


@dataclass(frozen=True)
class CreateShipment:
    """A new shipment (SSCC) registered by its producer."""

    sscc: str
    gtin: str
    lot: str
    quantity: float
    unit: str
    origin: Place
    destination: Place
    producer: str
    carrier: str
    retailer: str
    cold_chain: ColdChain
    promised_delivery: datetime
    client_scan_id: str
    description: str = ""
    certificates: tuple[tuple[str, str], ...] = ()  # (type, sha256)
    agreement: AgreementTerms | None = None  # proposed with the shipment

    def argument(self) -> dict[str, Any]:
        """The CreateShipment JSON object."""
        cold = {k: v for k, v in self.cold_chain.__dict__.items() if v is not None}
        product = {"gtin": self.gtin, "lot": self.lot}
        if self.description:
            product["description"] = self.description
        body: dict[str, Any] = {
            "sscc": self.sscc,
            "product": product,
            "quantity": self.quantity,
            "unit": self.unit,
            "origin": self.origin.__dict__,
            "destination": self.destination.__dict__,
            "parties": {
                "producer": self.producer,
                "carrier": self.carrier,
                "retailer": self.retailer,
            },
            "cold_chain": cold,
            "promised_delivery": format_instant(self.promised_delivery),
            "client_scan_id": self.client_scan_id,
        }
        if self.certificates:
            body["certificates"] = [{"type": t, "sha256": h} for t, h in self.certificates]
        if self.agreement is not None:
            body["agreement"] = self.agreement.argument()
        return body


@dataclass(frozen=True)
class CheckpointRequest:
    """A custody scan: bizStep (departing, arriving, loading, ...) at a read point."""

    sscc: str
    client_scan_id: str
    biz_step: str
    read_point: ReadPoint
    event_time: datetime
    disposition: str | None = None
    evidence: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Reading:
    """One logger reading."""

    time: datetime
    celsius: float


@dataclass(frozen=True)
class TemperatureRequest:
    """A logger batch; `evidence` usually holds the SHA-256 of the uploaded raw file."""

    sscc: str
    client_scan_id: str
    readings: tuple[Reading, ...]
    device_id: str = ""
    read_point: ReadPoint | None = None
    disposition: str | None = None
    evidence: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class DeliveryRequest:
    """Proof of delivery: the photo's SHA-256 goes on the ledger."""

    sscc: str
    client_scan_id: str
    proof_of_delivery_sha256: str
    event_time: datetime
    read_point: ReadPoint | None = None
    disposition: str | None = None
    evidence: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class ExceptionRequest:
    """A reported problem (damage, temperature, wrong quantity, ...)."""

    sscc: str
    client_scan_id: str
    reason: str
    event_time: datetime
    read_point: ReadPoint | None = None
    biz_step: str | None = None
    disposition: str | None = None
    evidence: tuple[str, ...] = ()
    notes: str = ""


class WriteKind(StrEnum):
    """The kinds of ledger writes (stored in the pending-scan queue)."""

    CREATE = "create"
    CHECKPOINT = "checkpoint"
    TEMPERATURES = "temperatures"
    DELIVERY = "delivery"
    EXCEPTION = "exception"


@dataclass(frozen=True)
class PreparedWrite:
    """A write ready to submit: its kind, SSCC, scan id and the exact JSON argument."""

    kind: WriteKind
    sscc: str
    client_scan_id: str
    argument: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the argument's bytes (what RecordTemperatures records as raw_sha256)."""
        return hashlib.sha256(self.argument.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ShipmentView:
    """A shipment as committed: the chaincode's record, decoded strictly by `records`."""

    record: Shipment

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ShipmentView:
        """Build from the chaincode's Shipment JSON object; a malformed one is a RecordError."""
        return cls(decode(Shipment, document, "shipment"))

    @property
    def sscc(self) -> str:
        """The shipment's SSCC."""
        return self.record.sscc

    @property
    def status(self) -> str:
        """Its current status (`records.Status` values)."""
        return self.record.status

    @property
    def custodian(self) -> str:
        """The MSP id holding the goods."""
        return self.record.custodian

    @property
    def verdict(self) -> str:
        """The cold-chain verdict so far."""
        return self.record.cold_chain_state.verdict

    @property
    def checkpoint_count(self) -> int:
        """How many checkpoints it has."""
        return self.record.checkpoint_count

    @property
    def created_tx(self) -> str:
        """The transaction that created it."""
        return self.record.created_tx

    @property
    def updated_tx(self) -> str:
        """The transaction that last changed it."""
        return self.record.updated_tx

    @property
    def updated_at(self) -> str:
        """When it last changed (the stored instant)."""
        return self.record.updated_at

    def document(self) -> dict[str, Any]:
        """A fresh copy of the full ledger document."""
        value: dict[str, Any] = to_plain(self.record)
        return value


@dataclass(frozen=True)
class CheckpointView:
    """One checkpoint as committed: the chaincode's record, decoded strictly by `records`."""

    record: Checkpoint

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> CheckpointView:
        """Build from the chaincode's Checkpoint JSON object; a malformed one is a RecordError."""
        return cls(decode(Checkpoint, document, "checkpoint"))

    @property
    def sscc(self) -> str:
        """The shipment's SSCC."""
        return self.record.sscc

    @property
    def seq(self) -> int:
        """Its number in the shipment, from 1."""
        return self.record.seq

    @property
    def kind(self) -> str:
        """checkpoint, temperature, delivery or exception."""
        return self.record.kind

    @property
    def biz_step(self) -> str:
        """Its CBV bizStep."""
        return self.record.biz_step

    @property
    def status(self) -> str:
        """The shipment's status after it."""
        return self.record.status

    @property
    def event_time(self) -> str:
        """When the device saw it (the stored instant)."""
        return self.record.event_time

    @property
    def reporter_msp_id(self) -> str:
        """The reporter's MSP id."""
        return self.record.reporter.msp_id

    @property
    def evidence(self) -> tuple[str, ...]:
        """SHA-256 digests of its evidence."""
        return self.record.evidence

    @property
    def client_scan_id(self) -> str:
        """The scan id it was recorded under."""
        return self.record.client_scan_id

    @property
    def tx_id(self) -> str:
        """The transaction that recorded it."""
        return self.record.tx_id

    def document(self) -> dict[str, Any]:
        """A fresh copy of the full ledger document."""
        value: dict[str, Any] = to_plain(self.record)
        return value


@dataclass(frozen=True)
class Committed:
    """A committed write: the transaction that recorded it, its block and the new state."""

    tx_id: str
    # None only for a replayed scan whose original block this tracker has not seen yet:
    # pairing the original tx id with the replay's block would state a false fact.
    block_number: int | None
    shipment: ShipmentView
    checkpoint: CheckpointView | None
    replayed: bool = False  # True when a repeated scan id returned the original record
    # ConfirmDelivery under an accepted agreement: the settlement written with the delivery.
    settlement: dict[str, Any] | None = None


@dataclass(frozen=True)
class Provenance:
    """A shipment and its checkpoints in sequence order."""

    shipment: ShipmentView
    checkpoints: tuple[CheckpointView, ...]


@dataclass(frozen=True)
class ShipmentPage:
    """One page of a listing and the bookmark of the next ('' on the last page)."""

    shipments: tuple[ShipmentView, ...]
    bookmark: str


@dataclass(frozen=True)
class TermsCommitted:
    """A committed agreement, dispute or certificate write and the documents it returned.

    `tx_id`/`block_number` name the transaction that recorded the change (the original one
    when `replayed`); the documents are the chaincode's JSON objects, decoded.
    """

    tx_id: str
    block_number: int | None
    replayed: bool
    shipment: ShipmentView | None = None
    agreement: dict[str, Any] | None = None
    settlement: dict[str, Any] | None = None
    dispute: dict[str, Any] | None = None
    certificate: dict[str, Any] | None = None

    @classmethod
    def from_result(
        cls, document: dict[str, Any], tx_id: str, block_number: int | None, replayed: bool
    ) -> TermsCommitted:
        """Build from a transaction's decoded result."""
        shipment = document.get("shipment")
        return cls(
            tx_id=tx_id,
            block_number=block_number,
            replayed=replayed,
            shipment=None if shipment is None else ShipmentView.from_document(shipment),
            agreement=document.get("agreement"),
            settlement=document.get("settlement"),
            dispute=document.get("dispute"),
            certificate=document.get("certificate"),
        )
