"""The read model: shipments and checkpoints mirrored from committed blocks.

Each row keeps the ledger's exact value (`document`) beside the columns queries need, so
`tracker verify` can compare byte for byte and a rebuild from block 0 gives the same rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.columns import UtcDateTime
from tracker.store.db import Base


class BlockRow(Base):
    """A committed block's header facts, kept for later verification."""

    __tablename__ = "blocks"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    header_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    previous_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    data_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    tx_count: Mapped[int] = mapped_column(Integer)


class TransactionRow(Base):
    """Every transaction of every followed block, valid or not, with who signed it."""

    __tablename__ = "transactions"

    tx_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    block_number: Mapped[int] = mapped_column(ForeignKey("blocks.number"), index=True)
    tx_index: Mapped[int] = mapped_column(Integer)
    creator_msp_id: Mapped[str] = mapped_column(String(64))
    creator_id: Mapped[str] = mapped_column(String(128))
    creator_role: Mapped[str] = mapped_column(String(32))
    validation_code: Mapped[str] = mapped_column(String(48))
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime())
    chaincode: Mapped[str | None] = mapped_column(String(64))
    event_name: Mapped[str | None] = mapped_column(String(64))


class ShipmentRow(Base):
    """A shipment's latest committed state."""

    __tablename__ = "shipments"

    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), index=True)
    lot: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    custodian: Mapped[str] = mapped_column(String(64))
    producer: Mapped[str] = mapped_column(String(64), index=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    retailer: Mapped[str] = mapped_column(String(64), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    checkpoint_count: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    last_tx_id: Mapped[str] = mapped_column(String(64))
    last_block: Mapped[int] = mapped_column(Integer)
    committed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CheckpointRow(Base):
    """One checkpoint of a shipment, in sequence order, with its ledger coordinates."""

    __tablename__ = "checkpoints"

    sscc: Mapped[str] = mapped_column(ForeignKey("shipments.sscc"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    biz_step: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    event_time: Mapped[str] = mapped_column(String(40))
    reporter_msp_id: Mapped[str] = mapped_column(String(64))
    reporter_role: Mapped[str] = mapped_column(String(32))
    document: Mapped[str] = mapped_column(Text)
    tx_id: Mapped[str] = mapped_column(String(64), index=True)
    block_number: Mapped[int] = mapped_column(Integer)
    committed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FollowerState(Base):
    """The follower's position: the next block to read, per channel."""

    __tablename__ = "follower_state"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_block: Mapped[int] = mapped_column(Integer)
