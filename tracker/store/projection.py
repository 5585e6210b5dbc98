"""Applies a decoded block to the read model and says what changed.

Pure with respect to the outside world: it only reads and writes the session it is given,
so the follower can commit the rows, the notifications and its checkpoint together.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from records import Checkpoint, Shipment, keys
from tracker.ledger.blocks import DecodedBlock, DecodedTransaction, Write
from tracker.ledger.identity import signatory
from tracker.store.projection_base import (
    Change,
    ProjectionError,
    load_record,
    split_composite_key,
)
from tracker.store.readmodel import BlockRow, CheckpointRow, ShipmentRow, TransactionRow
from tracker.store.terms_projection import PUTTERS

__all__ = ["Change", "ProjectionError", "apply_block", "split_composite_key"]

# Object types of the chaincode's composite keys (see chaincode/state.py's key layout).


def apply_block(session: Session, block: DecodedBlock, *, chaincode: str) -> list[Change]:
    """Writes the block's header, transactions and the chaincode's values; returns changes."""
    session.add(
        BlockRow(
            number=block.number,
            header_hash=block.header_hash,
            previous_hash=block.previous_hash,
            data_hash=block.data_hash,
            tx_count=len(block.transactions),
        )
    )
    session.flush()  # the block row must exist before transactions refer to it
    changes: list[Change] = []
    for tx in block.transactions:
        _record_transaction(session, block.number, tx)
        if tx.is_valid and tx.chaincode_name == chaincode:
            for write in tx.writes:
                if write.namespace == chaincode and not write.is_delete:
                    changes.extend(_apply_write(session, block.number, tx, write))
    return changes


def _record_transaction(session: Session, block_number: int, tx: DecodedTransaction) -> None:
    who = signatory(tx.creator_cert_pem)
    session.add(
        TransactionRow(
            tx_id=tx.tx_id,
            block_number=block_number,
            tx_index=tx.index,
            creator_msp_id=tx.creator_msp_id,
            creator_id=who.enrollment_id,
            creator_role=who.role,
            validation_code=tx.validation_code,
            timestamp=tx.timestamp,
            chaincode=tx.chaincode_name,
            event_name=tx.event.event_name if tx.event else None,
        )
    )


def _apply_write(
    session: Session, block_number: int, tx: DecodedTransaction, write: Write
) -> list[Change]:
    parsed = split_composite_key(write.key)
    if parsed is None:
        return []
    kind, _attrs = parsed
    if kind == keys.SHIPMENT:
        return _put_shipment(session, block_number, tx, write.value)
    if kind == keys.CHECKPOINT:
        return _put_checkpoint(session, block_number, tx, write.value)
    if kind in PUTTERS:  # agreements, settlements, disputes, certificates
        return PUTTERS[kind](session, block_number, tx, write.value)
    return []  # indexes and scan-id records are the chaincode's own bookkeeping


def _put_shipment(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    shipment = load_record(Shipment, value, "shipment")
    sscc, status = shipment.sscc, shipment.status
    verdict = shipment.cold_chain_state.verdict
    row = session.get(ShipmentRow, sscc)
    changes = _shipment_changes(row, sscc, status, verdict, tx, block_number)
    if row is None:
        row = ShipmentRow(sscc=sscc)
        session.add(row)
    row.gtin, row.lot = shipment.product.gtin, shipment.product.lot
    row.custodian, row.checkpoint_count = shipment.custodian, shipment.checkpoint_count
    parties = shipment.parties
    row.producer, row.carrier, row.retailer = parties.producer, parties.carrier, parties.retailer
    row.status, row.verdict, row.document = status, verdict, value.decode()
    row.last_tx_id, row.last_block, row.committed_at = tx.tx_id, block_number, tx.timestamp
    return changes


def _shipment_changes(
    row: ShipmentRow | None,
    sscc: str,
    status: str,
    verdict: str,
    tx: DecodedTransaction,
    block_number: int,
) -> list[Change]:
    if row is None:
        return [Change("created", sscc, None, status, tx.tx_id, block_number)]
    changes = []
    if row.status != status:
        changes.append(Change("status", sscc, row.status, status, tx.tx_id, block_number))
    if row.verdict != verdict:
        changes.append(Change("verdict", sscc, row.verdict, verdict, tx.tx_id, block_number))
    return changes


def _put_checkpoint(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    checkpoint = load_record(Checkpoint, value, "checkpoint")
    row = CheckpointRow(
        sscc=checkpoint.sscc,
        seq=checkpoint.seq,
        kind=checkpoint.kind,
        biz_step=checkpoint.biz_step,
        status=checkpoint.status,
        event_time=checkpoint.event_time,
        reporter_msp_id=checkpoint.reporter.msp_id,
        reporter_role=checkpoint.reporter.role,
    )
    row.document, row.tx_id, row.block_number = value.decode(), tx.tx_id, block_number
    row.committed_at = tx.timestamp
    # merge: a rebuild from block 0 into a non-empty table must not fail on the same row
    session.merge(row)
    return [Change("checkpoint", row.sscc, None, row.kind, tx.tx_id, block_number, row.seq)]
