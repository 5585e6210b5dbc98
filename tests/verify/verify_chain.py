"""A realistic channel for the verification tests, built block by block.

Block 0 is a CONFIG block with the consortium's MSPs. Then two shipments travel: each value
is a `records` record serialised with the chaincode's own `canonical_json`, written
under the chaincode's composite keys by transactions that the org's client signs and the
producer's and carrier's peers endorse. Block 3 also holds an MVCC-invalid transaction whose
(conflicting) writes must be ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fabricsim.blocks import config_envelope, endorsed_envelope, sign_block, tx_id_for
from fabricsim.consortium import CARRIER, PRODUCER, RETAILER, Consortium, Member
from fabricsim.wire import next_block
from records import (
    Certificate,
    Checkpoint,
    ColdChainProfile,
    ColdChainTotals,
    Parties,
    Place,
    Product,
    ReadPoint,
    Reporter,
    Shipment,
    TemperatureSummary,
    canonical_json,
)
from records.keys import composite_key
from tracker.follow.follower import FollowerConfig

VALID, MVCC = 0, 11
FOLLOW = FollowerConfig(channel="supplychain", chaincode="provenance")
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
S1, S2 = "306141410000000013", "306141410000000020"  # valid check digits (EPCIS)
HUB = ReadPoint("0614141000029", "Hub Lyon", 45.76, 4.83)
STORE = ReadPoint("4006381000017", "Retail DC Berlin", 52.52, 13.4)


def stamp(moment: datetime) -> str:
    """The chaincode's stored time form (UTC, `Z`)."""
    return moment.isoformat().replace("+00:00", "Z")


def new_shipment(sscc: str, tx_id: str, at: datetime) -> Shipment:
    """A freshly created shipment, as CreateShipment writes it."""
    return Shipment(
        sscc=sscc,
        product=Product("04006381333931", "LOT-2026-11", "Organic strawberries"),
        quantity=120.0,
        unit="case",
        origin=Place("0614141000012", "Farm Huelva"),
        destination=Place("4006381000017", "Retail DC Berlin"),
        parties=Parties(PRODUCER, CARRIER, RETAILER),
        cold_chain=ColdChainProfile(2.0, 8.0, 30.0, 8.0),
        promised_delivery="2026-11-27T12:00:00Z",
        status="created",
        custodian=PRODUCER,
        certificates=(Certificate("organic", "a" * 64),),
        cold_chain_state=ColdChainTotals(),
        checkpoint_count=0,
        created_tx=tx_id,
        updated_tx=tx_id,
        created_at=stamp(at),
        updated_at=stamp(at),
    )


@dataclass
class Journey:
    """The blocks, and the names tests need to tamper with them."""

    consortium: Consortium
    blocks: list[Any] = field(default_factory=list)
    tx_ids: dict[str, str] = field(default_factory=dict)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    _nonce: int = 0

    @property
    def orderer(self) -> Member:
        """The orderer node that signs the journey's blocks."""
        return self.consortium.orderer_node

    def _next(self) -> tuple[bytes, datetime]:
        self._nonce += 1
        return self._nonce.to_bytes(24, "big"), START + timedelta(minutes=self._nonce)

    def tx(self, label: str, creator: Member, writes: list[tuple[str, Any]]) -> bytes:
        """An endorsed transaction writing chaincode records (or raw bytes) under keys."""
        nonce, at = self._next()
        return self._envelope(label, creator, nonce, at, writes)

    def _envelope(
        self, label: str, creator: Member, nonce: bytes, at: datetime, writes: list[tuple[str, Any]]
    ) -> bytes:
        peers = self.consortium.peers
        encoded = [
            (k, v if isinstance(v, bytes) else canonical_json(v).encode()) for k, v in writes
        ]
        self.tx_ids[label] = tx_id_for(creator, nonce)
        return endorsed_envelope(
            creator=creator,
            endorsers=[peers[PRODUCER], peers[CARRIER]],
            nonce=nonce,
            seconds=int(at.timestamp()),
            writes=encoded,
        )

    def block(self, envelopes: list[bytes], flags: list[int] | None = None) -> None:
        """Append a block, linked to the previous one; the orderer signs all but block 0."""
        block = next_block(self.blocks, envelopes, flags or ())
        if self.blocks:  # configtxgen writes the genesis block unsigned
            sign_block(block, self.consortium.orderer_node)
        self.blocks.append(block)

    def create(self, sscc: str) -> bytes:
        """CreateShipment by the producer's dispatcher."""
        nonce, at = self._next()
        creator = self.consortium.dispatcher
        shipment = new_shipment(sscc, tx_id_for(creator, nonce), at)
        self.shipments[sscc] = shipment
        writes = [
            (composite_key("shipment", sscc), shipment),
            (composite_key("status~sscc", "created", sscc), sscc.encode()),
        ]
        return self._envelope(f"create {sscc}", creator, nonce, at, writes)

    def checkpoint(self, sscc: str, who: Member, label: str = "", **values: Any) -> bytes:
        """RecordCheckpoint: the next checkpoint and the shipment it updates."""
        nonce, at = self._next()
        tx_id, before = tx_id_for(who, nonce), self.shipments[sscc]
        seq = before.checkpoint_count + 1
        point = Checkpoint(
            sscc=sscc,
            seq=seq,
            kind=values.pop("kind", "custody"),
            biz_step=values.pop("biz_step", "departing"),
            disposition=values.pop("disposition", "in_transit"),
            read_point=values.pop("read_point", HUB),
            event_time=stamp(at - timedelta(seconds=30)),
            recorded_at=stamp(at),
            reporter=Reporter(who.msp_id, who.enrollment_id, values.pop("role")),
            status=values.pop("status", "in_transit"),
            temperature=values.pop("temperature", None),
            evidence=(),
            notes=values.pop("notes", ""),
            client_scan_id=f"scan-{self._nonce}",
            tx_id=tx_id,
        )
        after = replace(
            before,
            status=point.status,
            custodian=values.pop("custodian", CARRIER),
            checkpoint_count=seq,
            updated_tx=tx_id,
            updated_at=stamp(at),
            cold_chain_state=values.pop("totals", before.cold_chain_state),
        )
        assert not values, f"unknown checkpoint values {values}"
        writes = [
            (composite_key("checkpoint", sscc, f"{seq:06d}"), point),
            (composite_key("shipment", sscc), after),
        ]
        if after.status != before.status:
            writes.append((composite_key("status~sscc", after.status, sscc), sscc.encode()))
        self.shipments[sscc] = after
        return self._envelope(label or f"{sscc} #{seq}", who, nonce, at, writes)


TEMPERATURE = TemperatureSummary(
    min_c=3.5,
    max_c=7.25,
    mean_c=5.1,
    count=36,
    readings_outside=0,
    minutes_outside=0.0,
    duration_minutes=180.0,
    mkt_c=5.3,
    first_reading="2026-11-24T05:00:00Z",
    last_reading="2026-11-24T08:00:00Z",
    raw_sha256="b" * 64,
)


def build_journey(consortium: Consortium) -> Journey:
    """Five blocks: config; two creations; first legs; logger batch and an MVCC loser; arrival."""
    j = Journey(consortium)
    scanner, receiver = consortium.scanner, consortium.receiver
    j.block([config_envelope(consortium.orgs)])
    j.block([j.create(S1), j.create(S2)])
    j.block([j.checkpoint(S1, scanner, role="scanner"), j.checkpoint(S2, scanner, role="scanner")])
    read_version = j.shipments[S1]
    totals = ColdChainTotals(readings=36, duration_minutes=180.0, min_c=3.5, max_c=7.25, mkt_c=5.3)
    logger = j.checkpoint(
        S1,
        scanner,
        role="scanner",
        kind="temperature",
        biz_step="sensor_reporting",
        temperature=TEMPERATURE,
        totals=totals,
    )
    committed = j.shipments[S1]
    # A concurrent delivery scan read the same shipment version, so it writes checkpoint #2 too;
    # ordered after the logger batch, it fails the MVCC check and none of its writes count.
    j.shipments[S1] = read_version
    loser = j.checkpoint(
        S1,
        receiver,
        label="mvcc",
        role="receiver",
        biz_step="receiving",
        status="at_hub",
        disposition="in_progress",
        read_point=STORE,
    )
    j.shipments[S1] = committed
    j.block([logger, loser], flags=[VALID, MVCC])
    arrival = j.checkpoint(
        S1, scanner, role="scanner", biz_step="arriving", status="at_hub", disposition="in_progress"
    )
    j.block([arrival])
    return j
