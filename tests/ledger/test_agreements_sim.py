"""Agreements and settlement through the project's own Gateway client and ledger facade,
against the SimulatedPeer (a FAKE peer running the real chaincode, not Fabric)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

import gs1
from fabricsim.peer import SimulatedPeer
from fabricsim.pki import PEER_HOST, SimPki
from tests.ledger.facade_journey import (
    CARRIER,
    PRODUCER,
    RETAILER,
    agreement_terms,
    deliver,
    out_for_delivery,
    shipment_request,
)
from tracker.ledger.errors import ChaincodeError
from tracker.ledger.facade import GatewayPool, LedgerFacade
from tracker.ledger.facade_values import Actor
from tracker.ledger.identity import load_enrolment

SSCCS = iter(f"3061414100000{n:04d}" for n in range(1, 9999))


def _sscc() -> str:
    body = next(SSCCS)[:17]
    return body + str(gs1.check_digit(body))


@dataclass
class Ledger:
    """The facade plus one actor per person."""

    facade: LedgerFacade
    dispatcher: Actor
    scanner: Actor
    receiver: Actor
    auditor: Actor


@pytest.fixture(scope="module")
def ledger(pki: SimPki) -> Iterator[Ledger]:
    """A SimulatedPeer with the facade of the tracker in front of it."""
    peer = SimulatedPeer(pki).start()
    pool = GatewayPool(
        endpoint=peer.endpoint, tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST, channel="supplychain", chaincode="provenance",
    )  # fmt: skip

    def actor(msp_id: str, name: str, role: str) -> Actor:
        enrolment = pki.enrol(msp_id, name, role)
        return Actor(*load_enrolment(msp_id, enrolment.msp_dir))

    yield Ledger(
        LedgerFacade(pool),
        actor(PRODUCER, "dispatcher1", "dispatcher"),
        actor(CARRIER, "scanner1", "scanner"),
        actor(RETAILER, "receiver1", "receiver"),
        actor("AuditorMSP", "auditor1", "auditor"),
    )
    pool.close()
    peer.stop()


def _deliver(ledger: Ledger, sscc: str, at: datetime) -> dict[str, object]:
    return deliver(ledger.facade, ledger.receiver, sscc, at)[1]


def _agreed(ledger: Ledger, **overrides: object) -> tuple[str, datetime]:
    """A shipment created with an agreement promised 5 h ago, accepted by the buyer."""
    sscc, promised = _sscc(), datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    created = ledger.facade.create_shipment(
        ledger.dispatcher, shipment_request(sscc, promised, agreement_terms(promised, **overrides))
    )
    assert created.shipment.status == "created"
    read = ledger.facade.get_agreement(ledger.receiver, sscc)["agreement"]
    assert read["proposed_tx"] == created.tx_id  # proposed with the shipment
    accepted = ledger.facade.accept_agreement(
        ledger.receiver,
        {"sscc": sscc, "proposed_tx": read["proposed_tx"], "client_scan_id": f"acc-{sscc}"},
    )
    assert accepted.agreement is not None and accepted.agreement["status"] == "accepted"
    assert accepted.agreement["accepted_tx"] == accepted.tx_id and not accepted.replayed
    return sscc, promised


def test_on_time_delivery_releases_the_full_price(ledger: Ledger) -> None:
    sscc, promised = _agreed(ledger)
    out_for_delivery(ledger.facade, ledger.scanner, sscc)
    settlement = _deliver(ledger, sscc, promised - timedelta(minutes=1))
    assert settlement["refunded_to_buyer_minor"] == 0
    assert settlement["released_to_seller_minor"] == 100_000


def test_three_hours_ten_minutes_late_refunds_8_percent(ledger: Ledger) -> None:
    sscc, promised = _agreed(ledger)
    out_for_delivery(ledger.facade, ledger.scanner, sscc)
    settlement = _deliver(ledger, sscc, promised + timedelta(hours=3, minutes=10))
    assert settlement["refund_bp"] == 800
    assert (settlement["refunded_to_buyer_minor"], settlement["released_to_seller_minor"]) == (
        8_000, 92_000,
    )  # fmt: skip
    stored = ledger.facade.get_agreement(ledger.auditor, sscc)
    assert stored["settlement"] == settlement
    assert stored["agreement"]["status"] == "settled"


def test_breach_and_lateness_combine(ledger: Ledger) -> None:
    sscc, promised = _agreed(ledger)
    out_for_delivery(ledger.facade, ledger.scanner, sscc, breach_at=promised - timedelta(hours=2))
    settlement = _deliver(ledger, sscc, promised + timedelta(hours=3, minutes=10))
    assert settlement["refund_bp"] == 800 + 1500
    assert settlement["refunded_to_buyer_minor"] == 23_000
    assert [r["code"] for r in settlement["reasons"]] == ["late", "cold_chain_breach"]  # type: ignore[attr-defined]


def test_second_settlement_is_refused_and_balances_follow(ledger: Ledger) -> None:
    before = ledger.facade.get_balances(ledger.auditor, PRODUCER)["balances"]
    sscc, promised = _agreed(ledger, currency="CHF")
    out_for_delivery(ledger.facade, ledger.scanner, sscc)
    _deliver(ledger, sscc, promised + timedelta(hours=3, minutes=10))
    with pytest.raises(ChaincodeError) as refused:
        ledger.facade.settle_shipment(ledger.receiver, {"sscc": sscc})
    assert refused.value.chaincode_code == "ALREADY_SETTLED"
    opened = ledger.facade.open_dispute(
        ledger.receiver,
        {"sscc": sscc, "dispute_id": f"d-{sscc}", "subject": "late", "raised_for": "retailer",
         "client_scan_id": f"open-{sscc}"},
    )  # fmt: skip
    assert opened.dispute is not None and opened.dispute["status"] == "open"
    again = ledger.facade.open_dispute(
        ledger.receiver,
        {"sscc": sscc, "dispute_id": f"d-{sscc}", "subject": "late", "raised_for": "retailer",
         "client_scan_id": f"open-{sscc}"},
    )  # fmt: skip
    assert again.replayed and again.tx_id == opened.tx_id
    resolved = ledger.facade.resolve_dispute(
        ledger.dispatcher,
        {"sscc": sscc, "dispute_id": f"d-{sscc}", "outcome": "refund", "refund_minor": 2_000,
         "reason": "goodwill"},
    )  # fmt: skip
    assert resolved.dispute is not None
    assert resolved.dispute["resolution"]["after_settlement"] is True
    seller = ledger.facade.get_balances(ledger.dispatcher)
    assert seller["msp_id"] == PRODUCER
    chf = [row for row in seller["balances"] if row["currency"] == "CHF"]
    assert chf == [{"counterparty": RETAILER, "currency": "CHF", "due_to": 92_000,
                    "due_from": 2_000, "net": 90_000}]  # fmt: skip
    assert [r for r in before if r["currency"] == "CHF"] == []
    dispute = ledger.facade.get_dispute(ledger.auditor, sscc, f"d-{sscc}")
    assert dispute["resolution"]["refund_minor"] == 2_000
