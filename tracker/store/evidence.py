"""Off-chain evidence kept by its SHA-256: logger batches, proof-of-delivery photos.

The ledger holds only the hash; whoever holds the bytes can prove them by hashing them again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import Base


class EvidenceBlob(Base):
    """Bytes stored under their own SHA-256 (content-addressed, so storing twice is a no-op)."""

    __tablename__ = "evidence"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    # The shipment the bytes were uploaded for: reads are authorised as reads of it.
    sscc: Mapped[str | None] = mapped_column(String(18), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime())


def put_evidence(
    session: Session, content: bytes, media_type: str, *, sscc: str | None = None
) -> str:
    """Stores the bytes (once), linked to the shipment they were uploaded for; returns the hash."""
    digest = hashlib.sha256(content).hexdigest()
    blob = session.get(EvidenceBlob, digest)
    if blob is None:
        now = utcnow()
        blob = EvidenceBlob(sha256=digest, media_type=media_type, content=content, stored_at=now)
        session.add(blob)
    if blob.sscc is None:
        blob.sscc = sscc
    return digest


def get_evidence(session: Session, sha256: str) -> bytes | None:
    """The bytes stored under a hash, checked against it; None when not held here."""
    blob = session.get(EvidenceBlob, sha256)
    if blob is None:
        return None
    if hashlib.sha256(blob.content).hexdigest() != sha256:
        # Someone changed the stored bytes: never serve them as the ledger's evidence.
        raise ValueError(f"evidence {sha256} does not match its hash")
    return blob.content
