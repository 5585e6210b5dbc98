"""A shipment with every kind of term, on the simulated ledger (the real chaincode on the
in-memory stub, replayed as blocks), followed into a read model: an accepted agreement, a
delivery 3 h 10 min late (8 % refunded), a dispute with an anchored conversation resolved
with a refund, and an organic certificate of its lot that expired before the journey.

The stub's transactions are stamped from 2025-03-01T08:00Z, a minute apart; the journey's
device times are earlier, so the delivery's own time counts (min(event, recorded))."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fabricsim.callers import caller
from fabricsim.ledger import CHAINCODE, CHANNEL, SimLedger
from terms.merkle import leaf_hash, root
from tests.chaincode.cc_samples import (
    CARRIER,
    PRODUCER,
    RETAILER,
    make_sscc,
    scan,
    shipment_request,
)
from tracker.follow.follower import Follower, FollowerConfig

SSCC = make_sscc(1717)
PRICE = 250_000
DISPUTE_ID = "D-JOURNEY1"
CERTIFICATE = "e" * 64
AGREEMENT = {
    "price_minor": PRICE,
    "currency": "EUR",
    "lateness": {"bp_per_started_hour": 200, "cap_bp": 2000},
    "breach_refund_bp": 1500,
    "damaged_refund_bp": 3000,
    "undelivered_after": "2025-03-05T00:00:00Z",
}
MESSAGES = [
    {"id": "wamid.1", "direction": "in", "time": "2025-03-01T07:20:00Z", "text_sha256": "1" * 64},
    {"id": "wamid.2", "direction": "out", "time": "2025-03-01T07:21:00Z", "text_sha256": "2" * 64},
]


def _steps() -> list[tuple[Any, str, dict[str, Any]]]:
    dispatcher, scanner = caller(PRODUCER, "dispatcher"), caller(CARRIER, "scanner")
    receiver = caller(RETAILER, "receiver")
    leaves = [leaf_hash(m) for m in MESSAGES]
    create = shipment_request(SSCC, promised_delivery="2025-03-01T04:00:00Z", agreement=AGREEMENT)
    dispute = {"sscc": SSCC, "dispute_id": DISPUTE_ID}
    certificate = {
        "sha256": CERTIFICATE,
        "doc_type": "organic",
        "issuer_name": "Ecocert",
        "valid_from": "2024-01-01T00:00:00Z",
        "valid_until": "2025-02-01T00:00:00Z",
        "subject": {"gtin": create["product"]["gtin"], "lot": create["product"]["lot"]},
    }
    delivery = {
        "sscc": SSCC,
        "client_scan_id": "d1",
        "proof_of_delivery_sha256": "c" * 64,
        "event_time": "2025-03-01T07:10:00Z",
    }
    return [
        (dispatcher, "CreateShipment", create),
        (receiver, "AcceptAgreement", {"sscc": SSCC}),
        (scanner, "RecordCheckpoint", json.loads(scan(SSCC, "s1", "departing"))),
        (scanner, "RecordCheckpoint", json.loads(scan(SSCC, "s2", "arriving"))),
        (scanner, "RecordCheckpoint", json.loads(scan(SSCC, "s3", "loading"))),
        (receiver, "OpenDispute", {**dispute, "subject": "damaged", "raised_for": "retailer"}),
        (receiver, "AnchorConversation", {**dispute, "leaves": leaves, "root": root(leaves)}),
        (
            dispatcher,
            "ResolveDispute",
            {**dispute, "outcome": "refund", "refund_minor": 10_000, "reason": "Crushed: 100 EUR"},
        ),
        (receiver, "ConfirmDelivery", delivery),
        (dispatcher, "RegisterCertificate", certificate),
    ]


def run_journey(sim: SimLedger) -> dict[str, str]:
    """Every step, committed; tx ids by transaction name."""
    tx_ids: dict[str, str] = {}
    for who, function, argument in _steps():
        if function == "AcceptAgreement":  # the proposal the buyer read: the creation's
            argument = {**argument, "proposed_tx": tx_ids["CreateShipment"]}
        result = sim.invoke(who, function, json.dumps(argument))
        assert result.ok, (function, result.message)
        tx_ids[function] = result.tx_id
    return tx_ids


def follow(sim: SimLedger, sessions: sessionmaker[Session]) -> None:
    """Mirror every block into the read model."""
    config = FollowerConfig(channel=CHANNEL, chaincode=CHAINCODE)
    Follower(config=config, sessions=sessions, source=sim.source()).run()


def new_sim(root_dir: Path) -> SimLedger:
    """A fresh simulated ledger endorsed by a throwaway peer identity."""
    from fabricsim.pki import MSP_ID, SimPki
    from fabricsim.wire import Endorser

    pki = SimPki(root_dir / "pki")
    return SimLedger(Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key))
