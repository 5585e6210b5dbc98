"""Off-chain evidence kept by its SHA-256 (logger files and batches, proof-of-delivery photos),
and the ledger records that reference each hash.

The ledger holds only the hash; whoever holds the bytes can prove them by hashing them again.

Bytes are kept only for a write the ledger committed, or one this tracker queued durably (the
202 of the staff API) and will submit later: never for a refused or impossible write. Who may
read them follows from the ledger, not from who sent them first:

- `evidence_refs`: (hash, SSCC) for every committed ledger record that binds the bytes to a
  shipment: a delivery's proof-of-delivery photo, a temperature batch's logger file and its
  batch argument (`temperature.raw_sha256`). Written with the bytes when the API's write
  commits, and filled from the read model's checkpoints too (`sync_from_read_model`), so a
  commit this tracker did not see through (a crash between commit and noting it) still counts.
  A hash referenced by several shipments is readable by the parties of any of them.
- `evidence_queued`: the hashes a queued (not yet committed) write carries, with the
  organisation of the person who sent it: only that organisation may read them meanwhile.
  When the queued write commits they become references; when it is refused they go, and the
  bytes with them unless something else references them.

A checkpoint's free-form `evidence` list (custody scans, exceptions) names hashes without
proving the sender held the bytes, so it grants no read: anyone who saw a hash could
otherwise attach it to a shipment of their own and read another shipment's photo.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, Table, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import Base, transaction
from tracker.store.readmodel import CheckpointRow, FollowerState, TransactionRow

# Checkpoint kinds (the chaincode's) whose hashes are bound to bytes the writer held.
DELIVERY_KIND, TEMPERATURE_KIND = "delivery", "temperature"
# Blocks of the read model indexed per transaction by sync_from_read_model.
SYNC_BLOCKS = 500


class EvidenceBlob(Base):
    """Bytes stored under their own SHA-256 (content-addressed, so storing twice is a no-op)."""

    __tablename__ = "evidence"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EvidenceRef(Base):
    """A committed ledger record of shipment `sscc` that references the bytes `sha256`."""

    __tablename__ = "evidence_refs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EvidenceQueued(Base):
    """Bytes a queued write (scan journal row `queue_id`) of organisation `msp_id` carries."""

    __tablename__ = "evidence_queued"

    queue_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    msp_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EvidenceSync(Base):
    """How far `sync_from_read_model` has read the read model: the next block, per channel."""

    __tablename__ = "evidence_sync"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_block: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Upload:
    """Bytes a write carries, and the media type they are served as."""

    content: bytes
    media_type: str

    @property
    def sha256(self) -> str:
        """The hash the ledger holds for these bytes."""
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Readers:
    """What grants a read of one hash: the shipments whose committed records reference it,
    and the organisations whose queued writes carry it."""

    ssccs: tuple[str, ...]
    queued_by: frozenset[str]

    @property
    def any(self) -> bool:
        """Referenced at all (unreferenced bytes are served to no one)."""
        return bool(self.ssccs or self.queued_by)


def _insert_ignoring_duplicates(session: Session, table: Table, values: dict[str, Any]) -> None:
    """INSERT that does nothing when the primary key is taken (by a concurrent writer too)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - the tracker runs on SQLite and PostgreSQL only
        keys = {column.name: values[column.name] for column in table.primary_key.columns}
        found = session.execute(
            select(*table.primary_key.columns).filter_by(**keys).limit(1)
        ).first()
        if found is None:
            session.execute(table.insert().values(**values))


def _lock_blob(session: Session, sha256: str) -> bool:
    """Lock the bytes' row until this transaction ends; False when they are not held.

    The lock orders keeping bytes against dropping them (`_drop_if_unreferenced`): on
    PostgreSQL a drop waits for a concurrent keep and then sees its reference. (SQLite's
    transactions take the database's write lock up front: they never interleave.)
    """
    query = select(EvidenceBlob.sha256).where(EvidenceBlob.sha256 == sha256).with_for_update()
    return session.scalar(query) is not None


def put_evidence(session: Session, content: bytes, media_type: str) -> str:
    """Stores the bytes (once) and locks them for this transaction; returns their hash.

    Callers link them in the same transaction (`keep_for_shipment`, `keep_queued`): bytes
    nothing references are served to no one.
    """
    digest = hashlib.sha256(content).hexdigest()
    for _attempt in range(5):
        row = {"sha256": digest, "media_type": media_type, "content": content}
        _insert_ignoring_duplicates(session, _table(EvidenceBlob), {**row, "stored_at": utcnow()})
        if _lock_blob(session, digest):
            return digest
        # Dropped by a concurrent transaction between the insert and the lock: insert again.
    raise RuntimeError(f"evidence {digest} could not be stored")


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _reference(session: Session, sha256: str, sscc: str) -> None:
    values = {"sha256": sha256, "sscc": sscc, "recorded_at": utcnow()}
    _insert_ignoring_duplicates(session, _table(EvidenceRef), values)


def keep_for_shipment(session: Session, sscc: str, uploads: Iterable[Upload]) -> None:
    """Keep the bytes of a write the ledger committed on `sscc`, referenced by it."""
    for upload in uploads:
        digest = put_evidence(session, upload.content, upload.media_type)
        _reference(session, digest, sscc)


def keep_queued(session: Session, queue_id: int, msp_id: str, uploads: Iterable[Upload]) -> None:
    """Keep the bytes of a write queued durably (journal row `queue_id`) by `msp_id`."""
    for upload in uploads:
        digest = put_evidence(session, upload.content, upload.media_type)
        values = {"queue_id": queue_id, "sha256": digest, "msp_id": msp_id}
        _insert_ignoring_duplicates(
            session, _table(EvidenceQueued), {**values, "recorded_at": utcnow()}
        )


def settle_queued(session: Session, queue_id: int, sscc: str, *, committed: bool) -> None:
    """A queued write settled: its bytes become references of `sscc` once committed; once
    refused they go, with the bytes when nothing else references them."""
    query = select(EvidenceQueued.sha256).where(EvidenceQueued.queue_id == queue_id)
    digests = list(session.scalars(query))
    if not digests:
        return
    session.execute(delete(EvidenceQueued).where(EvidenceQueued.queue_id == queue_id))
    for digest in digests:
        if committed:
            _reference(session, digest, sscc)
        else:
            _drop_if_unreferenced(session, digest)


def _drop_if_unreferenced(session: Session, sha256: str) -> None:
    if not _lock_blob(session, sha256):
        return
    for model in (EvidenceRef, EvidenceQueued):
        if session.scalar(select(model.sha256).where(model.sha256 == sha256).limit(1)):
            return
    session.execute(delete(EvidenceBlob).where(EvidenceBlob.sha256 == sha256))


def media_type_of(session: Session, sha256: str) -> str | None:
    """The media type the bytes are served as; None when they are not held here."""
    query = select(EvidenceBlob.media_type).where(EvidenceBlob.sha256 == sha256)
    return session.scalar(query)


def get_evidence(session: Session, sha256: str) -> bytes | None:
    """The bytes stored under a hash, checked against it; None when not held here."""
    blob = session.get(EvidenceBlob, sha256)
    if blob is None:
        return None
    if hashlib.sha256(blob.content).hexdigest() != sha256:
        # Someone changed the stored bytes: never serve them as the ledger's evidence.
        raise ValueError(f"evidence {sha256} does not match its hash")
    return blob.content


def readers(session: Session, sha256: str) -> Readers:
    """The shipments and queued writes that grant reading the bytes `sha256`."""
    ssccs = session.scalars(
        select(EvidenceRef.sscc).where(EvidenceRef.sha256 == sha256).order_by(EvidenceRef.sscc)
    )
    queued = session.scalars(select(EvidenceQueued.msp_id).where(EvidenceQueued.sha256 == sha256))
    return Readers(tuple(ssccs), frozenset(queued))


def _sha256_text(value: object) -> str | None:
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def checkpoint_references(kind: str, document: dict[str, Any]) -> set[str]:
    """The hashes a committed checkpoint binds to its shipment (see the module's docstring):
    a delivery's proof-of-delivery photo (the first of its evidence), a temperature batch's
    logger file (its evidence) and its batch argument (`temperature.raw_sha256`)."""
    found: list[object] = []
    evidence = document.get("evidence")
    evidence = evidence if isinstance(evidence, list) else []
    if kind == DELIVERY_KIND:
        found.extend(evidence[:1])
    elif kind == TEMPERATURE_KIND:
        found.extend(evidence)
        temperature = document.get("temperature")
        if isinstance(temperature, dict):
            found.append(temperature.get("raw_sha256"))
    return {digest for digest in map(_sha256_text, found) if digest is not None}


def sync_from_read_model(sessions: sessionmaker[Session], channel: str) -> int:
    """Record the references the read model's checkpoints hold, from where the last call
    stopped up to the follower's position; returns how many checkpoints it read.

    Only blocks below the follower's `next_block` are read: the follower commits a block's
    rows with that position, so every one of them is there. A read model rebuilt from an
    earlier block (its position behind ours) is read again from block 0.
    """
    read = 0
    while True:
        with transaction(sessions) as session:
            follower = session.get(FollowerState, channel)
            if follower is None:
                return read
            cursor = session.get(EvidenceSync, channel)
            if cursor is None:
                cursor = EvidenceSync(channel=channel, next_block=0)
                session.add(cursor)
            elif cursor.next_block > follower.next_block:
                cursor.next_block = 0
            start = cursor.next_block
            end = min(follower.next_block, start + SYNC_BLOCKS)
            if start >= end:
                return read
            rows = session.execute(
                select(CheckpointRow.sscc, CheckpointRow.kind, CheckpointRow.document)
                .join(TransactionRow, TransactionRow.tx_id == CheckpointRow.tx_id)
                .where(TransactionRow.block_number >= start, TransactionRow.block_number < end)
                .where(CheckpointRow.kind.in_((DELIVERY_KIND, TEMPERATURE_KIND)))
            )
            for sscc, kind, text in rows:
                read += 1
                try:
                    document = json.loads(text)
                except ValueError:
                    continue  # the projection stores the ledger's JSON; be safe all the same
                if isinstance(document, dict):
                    for digest in sorted(checkpoint_references(kind, document)):
                        _reference(session, digest, sscc)
            cursor.next_block = end
