"""Read-model tables of the delivery terms: agreements, settlements, disputes, certificates.

Mirrored from committed blocks like shipments (`tracker.store.terms_projection`): each row
keeps the ledger's exact JSON (`document`) beside the columns the chat and reports query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.columns import UtcDateTime
from tracker.store.db import Base

# The columns after a row's own: the ledger's exact JSON and where it was committed. Sorted
# last (`sort_order`) so the tables keep the column order of the migration that made them.
LAST = 1


class LatestRecord:
    """A record the ledger rewrites: its JSON and the transaction that last wrote it."""

    document: Mapped[str] = mapped_column(Text, sort_order=LAST)
    last_tx_id: Mapped[str] = mapped_column(String(64), sort_order=LAST)
    last_block: Mapped[int] = mapped_column(Integer, sort_order=LAST)
    committed_at: Mapped[datetime] = mapped_column(UtcDateTime(), sort_order=LAST)


class WrittenOnce:
    """A record the ledger writes once: its JSON and the transaction that wrote it."""

    document: Mapped[str] = mapped_column(Text, sort_order=LAST)
    tx_id: Mapped[str] = mapped_column(String(64), sort_order=LAST)
    block_number: Mapped[int] = mapped_column(Integer, sort_order=LAST)
    committed_at: Mapped[datetime] = mapped_column(UtcDateTime(), sort_order=LAST)


class AgreementRow(LatestRecord, Base):
    """A shipment's delivery agreement, in its latest committed state."""

    __tablename__ = "agreements"

    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    seller: Mapped[str] = mapped_column(String(64), index=True)
    buyer: Mapped[str] = mapped_column(String(64), index=True)
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))


class SettlementRow(WrittenOnce, Base):
    """A shipment's settlement: written once by the ledger, never changed."""

    __tablename__ = "settlements"

    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    price_minor: Mapped[int] = mapped_column(Integer)
    refunded_to_buyer_minor: Mapped[int] = mapped_column(Integer)
    released_to_seller_minor: Mapped[int] = mapped_column(Integer)


class DisputeRow(LatestRecord, Base):
    """A dispute about a shipment, in its latest committed state (leaves, anchors, outcome)."""

    __tablename__ = "disputes"

    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    raised_for: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    leaf_count: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))


class CertificateRow(WrittenOnce, Base):
    """A certificate registered on the ledger, by the SHA-256 of its document."""

    __tablename__ = "certificates"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(32))
    issuer_msp: Mapped[str] = mapped_column(String(64))
    issuer_name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[str] = mapped_column(String(40))
    subject_sscc: Mapped[str | None] = mapped_column(String(18), index=True)
    subject_gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    subject_lot: Mapped[str | None] = mapped_column(String(64))


# Emptied with the rest of the read model by a rebuild (`Follower.reset`).
TERMS_TABLES = (AgreementRow, SettlementRow, DisputeRow, CertificateRow)
