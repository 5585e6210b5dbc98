"""Adapts the read model (the ledger's values mirrored in SQL) to the reports' input records.

Who signed each event comes from the transaction's creator certificate as the follower saw it
in the block, not from what the chaincode wrote, so a report shows the ledger's own signer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import records
from records import parse_instant
from tracker.reports import model as m
from tracker.store.evidence import get_evidence
from tracker.store.readmodel import CheckpointRow, ShipmentRow, TransactionRow


class ShipmentNotInReadModel(LookupError):
    """The read model holds no shipment with that SSCC."""


def ledger_ref(session: Session, tx_id: str) -> m.LedgerRef:
    """The transaction's block, signer and validation code, from the followed blocks."""
    tx = session.get(TransactionRow, tx_id)
    if tx is None:
        raise LookupError(f"transaction {tx_id} is not in the read model")
    return m.LedgerRef(
        tx_id=tx.tx_id,
        block_number=tx.block_number,
        msp_id=tx.creator_msp_id,
        role=tx.creator_role,
        enrollment_id=tx.creator_id,
        validation_code=tx.validation_code,
        commit_time=tx.timestamp,
    )


def _location(place: records.Place) -> m.Location:
    return m.Location(place.gln, place.name)


def _read_point(point: records.ReadPoint | None) -> m.Location | None:
    return None if point is None else m.Location(point.gln, point.name, point.lat, point.lon)


def shipment_record(session: Session, shipment: records.Shipment) -> m.ShipmentRecord:
    """A ShipmentRecord from the chaincode's Shipment record."""
    cold, state = shipment.cold_chain, shipment.cold_chain_state
    product, parties = shipment.product, shipment.parties
    return m.ShipmentRecord(
        sscc=shipment.sscc,
        product=m.Product(product.gtin, product.lot, product.description),
        quantity=shipment.quantity,
        unit=shipment.unit,
        origin=_location(shipment.origin),
        destination=_location(shipment.destination),
        parties=m.Parties(parties.producer, parties.carrier, parties.retailer),
        cold_chain=m.ColdChainProfile(
            cold.min_c, cold.max_c, cold.allowed_minutes_outside, cold.mkt_limit_c
        ),
        promised_delivery=parse_instant(shipment.promised_delivery, "promised_delivery"),
        status=shipment.status,
        custodian=shipment.custodian,
        created=ledger_ref(session, shipment.created_tx),
        certificates=tuple(m.Certificate(c.doc_type, c.sha256) for c in shipment.certificates),
        verdict=m.ColdChainVerdict(
            state.verdict, state.minutes_outside, state.min_c, state.max_c, state.mkt_c
        ),
    )


def checkpoint_record(checkpoint: records.Checkpoint, ledger: m.LedgerRef) -> m.CheckpointRecord:
    """A CheckpointRecord from the chaincode's Checkpoint record and its transaction."""
    temp, reporter = checkpoint.temperature, checkpoint.reporter
    return m.CheckpointRecord(
        sscc=checkpoint.sscc,
        sequence=checkpoint.seq,
        biz_step=checkpoint.biz_step,
        disposition=checkpoint.disposition,
        read_point=_read_point(checkpoint.read_point),
        event_time=parse_instant(checkpoint.event_time, "event_time"),
        reporter=m.Reporter(reporter.msp_id, reporter.enrollment_id, reporter.role),
        ledger=ledger,
        temperature=None
        if temp is None
        else m.TemperatureSummary(temp.min_c, temp.max_c, temp.mean_c, temp.count),
        evidence=checkpoint.evidence,
        notes=checkpoint.notes,
        # Checkpoints written before `reason` was its own field have none: their notes are
        # shown as stored (an exception's reason and notes together), never split by guess.
        reason=checkpoint.reason,
    )


def logger_readings(
    session: Session, checkpoints: Sequence[records.Checkpoint]
) -> list[m.TemperatureReading]:
    """Raw readings of every temperature batch whose bytes this tracker holds (by ledger hash)."""
    readings: list[m.TemperatureReading] = []
    for checkpoint in checkpoints:
        temp = checkpoint.temperature
        raw = None if temp is None else get_evidence(session, temp.raw_sha256)
        if raw is not None:
            batch = json.loads(raw)
            readings += [
                m.TemperatureReading(parse_instant(r["time"], "readings.time"), r["celsius"])
                for r in batch["readings"]
            ]
    return readings


def shipment_history(session: Session, sscc: str) -> m.ShipmentHistory:
    """A shipment, its checkpoints in order and its logger readings, from the read model."""
    row = session.get(ShipmentRow, sscc)
    if row is None:
        raise ShipmentNotInReadModel(sscc)
    rows = session.scalars(
        select(CheckpointRow).where(CheckpointRow.sscc == sscc).order_by(CheckpointRow.seq)
    )
    checkpoints = [records.from_json(records.Checkpoint, r.document, "checkpoint") for r in rows]
    return m.ShipmentHistory(
        shipment=shipment_record(session, records.from_json(records.Shipment, row.document)),
        checkpoints=tuple(checkpoint_record(c, ledger_ref(session, c.tx_id)) for c in checkpoints),
        readings=tuple(logger_readings(session, checkpoints)),
    )


def lot_histories(session: Session, gtin: str, lot: str) -> list[m.ShipmentHistory]:
    """Every shipment of a lot (GTIN + lot), oldest SSCC first."""
    ssccs = session.scalars(
        select(ShipmentRow.sscc).where(ShipmentRow.gtin == gtin, ShipmentRow.lot == lot)
    )
    return [shipment_history(session, sscc) for sscc in sorted(ssccs)]


def report_source(session: Session, channel: str) -> m.ReportSource:
    """The block range the read model covers, for the report's re-check instructions."""
    first, last = session.execute(
        select(func.min(TransactionRow.block_number), func.max(TransactionRow.block_number))
    ).one()
    return m.ReportSource(channel=channel, first_block=first or 0, last_block=last or 0)


def histories_between(session: Session, start: datetime, end: datetime) -> list[m.ShipmentHistory]:
    """Every shipment with a checkpoint whose device event time is in [start, end)."""
    # The chaincode stores event times as UTC `...Z` strings, which sort as times do.
    low, high = (t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") for t in (start, end))
    ssccs = session.scalars(
        select(CheckpointRow.sscc)
        .where(CheckpointRow.event_time >= low, CheckpointRow.event_time < high)
        .distinct()
    )
    return [shipment_history(session, sscc) for sscc in sorted(ssccs)]
