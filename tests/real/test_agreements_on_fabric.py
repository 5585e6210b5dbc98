"""Agreements and settlement on the real Fabric network, through the tracker's ledger facade
(the project's own Gateway client): on time, 3 h 10 min late, breach + late, a second
settlement refused, a dispute refund after settlement, and the balances that follow."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from network.topology import Org
from tests.chaincode.cc_samples import make_sscc
from tests.ledger.facade_journey import agreement_terms, deliver, out_for_delivery, shipment_request
from tests.real.fabric_net import FabricNet, org
from tracker.ledger.errors import ChaincodeError
from tracker.ledger.facade import GatewayPool, LedgerFacade
from tracker.ledger.facade_values import Actor
from tracker.ledger.identity import load_enrolment

PRODUCER, CARRIER, RETAILER = org("ProducerMSP"), org("CarrierMSP"), org("RetailerMSP")
LATE = timedelta(hours=3, minutes=10)


@dataclass
class People:
    """The facade on the carrier's peer and one actor per person (enrolled at real CAs)."""

    facade: LedgerFacade
    dispatcher: Actor
    scanner: Actor
    receiver: Actor


@pytest.fixture(scope="module")
def people(fabric: FabricNet) -> Iterator[People]:
    """A dispatcher, a scanner and a receiver, all reaching the ledger through one peer."""
    pool = GatewayPool(
        endpoint=fabric.topology.peer_of(CARRIER).address(),
        tls_root_cert_path=fabric.layout.tls_ca(CARRIER),
        server_name_override=None,
        channel="supplychain",
        chaincode="provenance",
    )

    def actor(member: Org, role: str) -> Actor:
        return Actor(*load_enrolment(member.msp_id, fabric.enrol(member, role)))

    yield People(
        LedgerFacade(pool),
        actor(PRODUCER, "dispatcher"),
        actor(CARRIER, "scanner"),
        actor(RETAILER, "receiver"),
    )
    pool.close()


def _agreed(people: People, **overrides: object) -> tuple[str, datetime]:
    """A shipment created with an agreement promised 5 h ago, accepted by the buyer."""
    sscc = make_sscc(secrets.randbelow(10**9))
    promised = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    request = shipment_request(sscc, promised, agreement_terms(promised, **overrides))
    people.facade.create_shipment(people.dispatcher, request)
    read = people.facade.get_agreement(people.receiver, sscc)["agreement"]
    accepted = people.facade.accept_agreement(
        people.receiver, {"sscc": sscc, "proposed_tx": read["proposed_tx"]}
    )
    assert accepted.agreement is not None and accepted.agreement["status"] == "accepted"
    return sscc, promised


def _deliver(people: People, sscc: str, at: datetime) -> dict[str, object]:
    done, settlement = deliver(people.facade, people.receiver, sscc, at)
    assert settlement["settled_tx"] == done.tx_id
    return settlement


def test_on_time_delivery_releases_the_full_price(people: People) -> None:
    sscc, promised = _agreed(people)
    out_for_delivery(people.facade, people.scanner, sscc)
    settlement = _deliver(people, sscc, promised - timedelta(minutes=1))
    assert (settlement["refunded_to_buyer_minor"], settlement["released_to_seller_minor"]) == (
        0, 100_000,
    )  # fmt: skip


def test_late_and_breach_refunds_and_a_second_settlement_refused(people: People) -> None:
    sscc, promised = _agreed(people)
    out_for_delivery(people.facade, people.scanner, sscc)
    late = _deliver(people, sscc, promised + LATE)
    assert (late["refund_bp"], late["refunded_to_buyer_minor"]) == (800, 8_000)
    assert late["released_to_seller_minor"] == 92_000
    with pytest.raises(ChaincodeError) as refused:
        people.facade.settle_shipment(people.receiver, {"sscc": sscc})
    assert refused.value.chaincode_code == "ALREADY_SETTLED"

    both, promised = _agreed(people)
    out_for_delivery(people.facade, people.scanner, both, breach_at=promised - timedelta(hours=2))
    combined = _deliver(people, both, promised + LATE)
    assert (combined["refund_bp"], combined["refunded_to_buyer_minor"]) == (2300, 23_000)
    assert [r["code"] for r in combined["reasons"]] == ["late", "cold_chain_breach"]  # type: ignore[attr-defined]


def test_refund_after_settlement_shows_in_the_balances(people: People) -> None:
    sscc, promised = _agreed(people, currency="JPY")
    out_for_delivery(people.facade, people.scanner, sscc)
    _deliver(people, sscc, promised + LATE)
    dispute = {"sscc": sscc, "dispute_id": f"d-{sscc}"}
    people.facade.open_dispute(
        people.receiver, {**dispute, "subject": "late", "raised_for": "retailer"}
    )
    resolved = people.facade.resolve_dispute(
        people.dispatcher,
        {**dispute, "outcome": "refund", "refund_minor": 2_000, "reason": "sorry"},
    )
    assert resolved.dispute is not None and resolved.dispute["resolution"]["after_settlement"]
    rows = people.facade.get_balances(people.receiver)["balances"]
    jpy = [row for row in rows if row["currency"] == "JPY"]
    assert jpy == [{"counterparty": PRODUCER.msp_id, "currency": "JPY", "due_to": 2_000,
                    "due_from": 92_000, "net": -90_000}]  # fmt: skip
    state = people.facade.get_agreement(people.dispatcher, sscc)
    assert state["agreement"]["status"] == "settled" and len(state["disputes"]) == 1
