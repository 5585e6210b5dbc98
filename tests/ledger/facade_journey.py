"""A shipment with a delivery agreement taken out for delivery through the tracker's ledger
facade: shared by the agreement tests against the SimulatedPeer (tests/ledger) and against
the real Fabric network (tests/real)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.ledger.facade import LedgerFacade
from tracker.ledger.facade_values import (
    Actor,
    AgreementTerms,
    CheckpointRequest,
    ColdChain,
    Committed,
    CreateShipment,
    DeliveryRequest,
    Place,
    Reading,
    ReadPoint,
    TemperatureRequest,
)

PRODUCER, CARRIER, RETAILER = "ProducerMSP", "CarrierMSP", "RetailerMSP"
HUB = ReadPoint("0614141000029", "Hub Lyon")


def agreement_terms(promised: datetime, **overrides: object) -> AgreementTerms:
    """1 000.00 EUR, 2 % a started hour late (cap 25 %), breach 15 %, damage 30 %."""
    values: dict[str, object] = dict(
        price_minor=100_000, currency="EUR", bp_per_started_hour=200, cap_bp=2500,
        breach_refund_bp=1500, damaged_refund_bp=3000,
        undelivered_after=promised + timedelta(days=2), promised_delivery=promised,
    )  # fmt: skip
    values.update(overrides)
    return AgreementTerms(**values)  # type: ignore[arg-type]


def shipment_request(
    sscc: str, promised: datetime, agreement: AgreementTerms | None
) -> CreateShipment:
    """CreateShipment of ten cases from the producer to the retailer, by the carrier."""
    return CreateShipment(
        sscc=sscc, gtin="04006381333931", lot="LOT-17", quantity=10, unit="case",
        origin=Place("0614141000012", "Farm"), destination=Place("4006381000017", "DC Berlin"),
        producer=PRODUCER, carrier=CARRIER, retailer=RETAILER,
        cold_chain=ColdChain(2, 8, 30), promised_delivery=promised,
        client_scan_id=f"create-{sscc}", agreement=agreement,
    )  # fmt: skip


def out_for_delivery(
    facade: LedgerFacade, scanner: Actor, sscc: str, breach_at: datetime | None = None
) -> None:
    """Departing, (a batch with an hour at 12 degC from `breach_at`), arriving, loading."""
    now = datetime.now(UTC)
    facade.record_checkpoint(scanner, CheckpointRequest(sscc, f"{sscc}-1", "departing", HUB, now))
    if breach_at is not None:
        readings = tuple(
            Reading(breach_at + timedelta(minutes=m), c)
            for m, c in ((0, 12.0), (60, 12.0), (70, 5.0))
        )
        batch = TemperatureRequest(sscc, f"{sscc}-t", readings)
        assert facade.record_temperatures(scanner, batch).shipment.verdict == "breach"
    facade.record_checkpoint(scanner, CheckpointRequest(sscc, f"{sscc}-2", "arriving", HUB, now))
    facade.record_checkpoint(scanner, CheckpointRequest(sscc, f"{sscc}-3", "loading", HUB, now))


def deliver(
    facade: LedgerFacade, receiver: Actor, sscc: str, at: datetime
) -> tuple[Committed, dict[str, object]]:
    """ConfirmDelivery at `at`: the committed answer (the shipment delivered), its settlement."""
    done = facade.confirm_delivery(receiver, DeliveryRequest(sscc, f"{sscc}-pod", "e" * 64, at))
    assert done.shipment.status == "delivered"
    assert done.settlement is not None
    return done, done.settlement
