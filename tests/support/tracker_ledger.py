"""A hand-built ledger for the tracker tests: real blocks with the chaincode's own documents.

Documents are `records` records serialised with `canonical_json` (tests only: the
tracker never imports `chaincode`), put in endorsed envelopes and blocks by the ledger
tests' wire helpers, and applied through the real `Follower` with the notification hook.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fabricsim.pki import SimPki
from fabricsim.wire import Endorser, Outcome, endorsed_envelope, next_block
from records import (
    Checkpoint,
    ColdChainProfile,
    ColdChainTotals,
    Parties,
    Place,
    Product,
    ReadPoint,
    Reporter,
    Shipment,
    canonical_json,
)
from records.keys import composite_key
from tests.ledger.ledger_chain import config_envelope
from tracker.chat.notify import enqueue_changes
from tracker.follow.follower import Follower, FollowerConfig
from tracker.ledger.identity import Identity

PRODUCER, CARRIER, RETAILER = "ProducerMSP", "CarrierMSP", "RetailerMSP"
ORIGIN = Place("5412345000013", "Ferme du Val")
HUB = ReadPoint("5412345000020", "Hub Lyon")


def sscc_with_check_digit(body17: str) -> str:
    """A valid SSCC from 17 digits."""
    import gs1

    return body17 + str(gs1.check_digit(body17))


@dataclass
class Ledger:
    """Blocks appended one by one and followed into the tracker's database at once."""

    pki: SimPki
    producer: Identity
    endorser: Endorser
    sessions: sessionmaker[Session]
    blocks: list[Any] = field(default_factory=list)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    _nonce: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last: int = 0

    def __post_init__(self) -> None:
        self.follower = Follower(
            config=FollowerConfig("supplychain", "provenance"),
            sessions=self.sessions,
            source=lambda start: iter(self.blocks[start:]),
            on_changes=enqueue_changes,
        )
        self._append([config_envelope()])

    def create(self, sscc: str, *, origin: Place = ORIGIN) -> str:
        """CreateShipment by the producer; returns the tx id."""
        tx_id = self._tx_id()
        shipment = Shipment(
            sscc=sscc,
            product=Product("09506000134352", "LOT-7", "Vaccine"),
            quantity=10.0,
            unit="case",
            origin=origin,
            destination=Place("5412345000037", "Pharmacie Centrale"),
            parties=Parties(PRODUCER, CARRIER, RETAILER),
            cold_chain=ColdChainProfile(2.0, 8.0, 30.0, 8.0),
            promised_delivery="2026-11-30T00:00:00Z",
            status="created",
            custodian=PRODUCER,
            certificates=(),
            cold_chain_state=ColdChainTotals(),
            checkpoint_count=0,
            created_tx=tx_id,
            updated_tx=tx_id,
            created_at="2026-11-24T08:00:00Z",
            updated_at="2026-11-24T08:00:00Z",
        )
        self.shipments[sscc] = shipment
        self._commit(tx_id, [(composite_key("shipment", sscc), canonical_json(shipment))])
        return tx_id

    def checkpoint(
        self,
        sscc: str,
        status: str,
        *,
        cold: ColdChainTotals | None = None,
        read_point: ReadPoint | None = HUB,
    ) -> str:
        """A RecordCheckpoint (or temperature batch when `cold` is given); returns the tx id.

        A temperature batch from a logger may have no read point (`read_point=None`).
        """
        tx_id = self._tx_id()
        before = self.shipments[sscc]
        seq = before.checkpoint_count + 1
        when = f"2026-11-24T10:{seq:02d}:00Z"
        shipment = replace(
            before,
            status=status,
            custodian=RETAILER if status == "delivered" else CARRIER,
            cold_chain_state=cold or before.cold_chain_state,
            checkpoint_count=seq,
            updated_tx=tx_id,
            updated_at=when,
        )
        checkpoint = Checkpoint(
            sscc=sscc,
            seq=seq,
            kind="temperature" if cold else "checkpoint",
            biz_step="sensor_reporting" if cold else "departing",
            disposition="in_transit",
            read_point=read_point,
            event_time=when,
            recorded_at=when,
            reporter=Reporter(CARRIER, "scanner1", "scanner"),
            status=status,
            temperature=None,
            evidence=(),
            notes="",
            client_scan_id=f"scan-{tx_id[:8]}",
            tx_id=tx_id,
        )
        self.shipments[sscc] = shipment
        writes = [
            (composite_key("checkpoint", sscc, f"{seq:06d}"), canonical_json(checkpoint)),
            (composite_key("shipment", sscc), canonical_json(shipment)),
        ]
        self._commit(tx_id, writes)
        return tx_id

    def _tx_id(self) -> str:
        self._last = next(self._nonce)
        return hashlib.sha256(f"tx-{self._last}".encode()).hexdigest()

    def _commit(self, tx_id: str, writes: list[tuple[str, str]]) -> None:
        nonce = self._last.to_bytes(24, "big")
        envelope = endorsed_envelope(
            client_key=self.pki.client.key,
            creator=self.producer.creator,
            channel="supplychain",
            chaincode="provenance",
            nonce=nonce,
            outcome=Outcome(writes=[(k, v.encode(), False) for k, v in writes]),
            endorser=self.endorser,
            seconds=1_800_000_000 + self._last,
            tx_id=tx_id,
        )
        self._append([envelope])

    def _append(self, envelopes: list[bytes]) -> None:
        self.blocks.append(next_block(self.blocks, envelopes))
        self.follower.run()
