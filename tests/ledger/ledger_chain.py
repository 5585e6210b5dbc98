"""Builds a chain of blocks whose writes look like the provenance chaincode's.

Values are canonical JSON in the chaincode's key layout (composite keys `shipment` and
`checkpoint`), so the follower's projection is exercised on realistic writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import records
from fabricsim.pki import SimPki
from fabricsim.wire import Endorser, Outcome, endorsed_envelope, next_block
from records.keys import composite_key
from tracker.ledger.identity import Identity

CHANNEL, CHAINCODE = "supplychain", "provenance"
VALID, MVCC = 0, 11  # TxValidationCode values


def shipment_doc(sscc: str, status: str, count: int, verdict: str = "ok") -> dict[str, Any]:
    """A whole shipment value; the read model indexes its status, verdict, parties, count."""
    place = records.Place(gln="0614141000012", name="Farm")
    shipment = records.Shipment(
        sscc=sscc,
        product=records.Product(gtin="09506000134352", lot="LOT-7", description="Vaccine"),
        quantity=10.0, unit="case", origin=place, destination=place,
        parties=records.Parties(producer="ProducerMSP", carrier="CarrierMSP",
                                retailer="RetailerMSP"),
        cold_chain=records.ColdChainProfile(min_c=2.0, max_c=8.0, allowed_minutes_outside=30.0),
        promised_delivery="2026-11-30T12:00:00Z", status=status,
        custodian="CarrierMSP" if status != "created" else "ProducerMSP", certificates=(),
        cold_chain_state=records.ColdChainTotals(verdict=verdict), checkpoint_count=count,
        created_tx="tx-created", updated_tx="tx-updated", created_at="2026-11-24T10:00:00Z",
        updated_at=f"2026-11-24T10:{count:02d}:00Z",
    )  # fmt: skip
    document: dict[str, Any] = records.to_plain(shipment)
    return document


def checkpoint_doc(sscc: str, seq: int, status: str) -> dict[str, Any]:
    """A whole checkpoint value; the read model indexes its kind, step, status and reporter."""
    checkpoint = records.Checkpoint(
        sscc=sscc, seq=seq, kind="custody", biz_step="departing", disposition="in_transit",
        read_point=None, event_time=f"2026-11-24T10:{seq:02d}:00Z",
        recorded_at=f"2026-11-24T10:{seq:02d}:00Z",
        reporter=records.Reporter(msp_id="CarrierMSP", enrollment_id="scanner1", role="scanner"),
        status=status, temperature=None, evidence=(), notes="", client_scan_id=f"scan-{seq}",
        tx_id=f"tx-{seq}",
    )  # fmt: skip
    document: dict[str, Any] = records.to_plain(checkpoint)
    return document


@dataclass
class ChainBuilder:
    """Appends blocks of endorsed transactions, keeping the hash chain right."""

    pki: SimPki
    identity: Identity
    endorser: Endorser
    blocks: list[Any] = field(default_factory=list)
    _nonce: int = 0

    def tx(self, writes: list[tuple[str, bytes]]) -> bytes:
        """One endorsed transaction writing the given keys."""
        self._nonce += 1
        return endorsed_envelope(
            client_key=self.pki.client.key,
            creator=self.identity.creator,
            channel=CHANNEL,
            chaincode=CHAINCODE,
            nonce=self._nonce.to_bytes(24, "big"),
            outcome=Outcome(writes=[(k, v, False) for k, v in writes], event=("Evt", b"{}")),
            endorser=self.endorser,
            seconds=1_800_000_000 + self._nonce,
        )

    def block(self, envelopes: list[bytes], flags: list[int] | None = None) -> Any:
        """Appends a block holding the envelopes; all VALID unless flags say otherwise."""
        block = next_block(self.blocks, envelopes, flags or ())
        self.blocks.append(block)
        return block

    def create(self, sscc: str) -> bytes:
        """A CreateShipment-like transaction."""
        return self.tx(
            [
                (
                    composite_key("shipment", sscc),
                    records.canonical_json(shipment_doc(sscc, "created", 0)).encode(),
                )
            ]
        )

    def checkpoint(self, sscc: str, seq: int, status: str, verdict: str = "ok") -> bytes:
        """A RecordCheckpoint-like transaction: the checkpoint key and the updated shipment."""
        return self.tx(
            [
                (
                    composite_key("checkpoint", sscc, f"{seq:06d}"),
                    records.canonical_json(checkpoint_doc(sscc, seq, status)).encode(),
                ),
                (
                    composite_key("shipment", sscc),
                    records.canonical_json(shipment_doc(sscc, status, seq, verdict)).encode(),
                ),
                (composite_key("status~sscc", status, sscc), sscc.encode()),
            ]
        )


def sha(data: bytes) -> str:
    """Hex SHA-256, for comparing documents."""
    return hashlib.sha256(data).hexdigest()


def config_envelope() -> bytes:
    """A CONFIG envelope, as block 0 of a channel holds (its content does not matter here)."""
    from fabric_protos.common import common_pb2, configtx_pb2

    header = common_pb2.ChannelHeader(type=common_pb2.CONFIG, channel_id=CHANNEL, tx_id="")
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=header.SerializeToString()),
        data=configtx_pb2.ConfigEnvelope().SerializeToString(),
    )
    return bytes(common_pb2.Envelope(payload=payload.SerializeToString()).SerializeToString())
