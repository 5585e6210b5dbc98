"""Adapts the read model (the ledger's values mirrored in SQL) to the reports' input records.

Who signed each event comes from the transaction's creator certificate as the follower saw it
in the block, not from what the chaincode wrote, so a report shows the ledger's own signer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.reports import model as m
from tracker.store.evidence import get_evidence
from tracker.store.readmodel import CheckpointRow, ShipmentRow, TransactionRow


class ShipmentNotInReadModel(LookupError):
    """The read model holds no shipment with that SSCC."""


def when(text: str) -> datetime:
    """An ISO-8601 time as stored by the chaincode (UTC, `Z` suffix)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


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


def _place(doc: dict[str, Any] | None) -> m.Location | None:
    if doc is None:
        return None
    return m.Location(doc["gln"], doc["name"], doc.get("lat"), doc.get("lon"))


def shipment_record(session: Session, doc: dict[str, Any]) -> m.ShipmentRecord:
    """A ShipmentRecord from the chaincode's Shipment JSON."""
    cold, state = doc["cold_chain"], doc["cold_chain_state"]
    return m.ShipmentRecord(
        sscc=doc["sscc"],
        product=m.Product(**doc["product"]),
        quantity=float(doc["quantity"]),
        unit=doc["unit"],
        origin=m.Location(doc["origin"]["gln"], doc["origin"]["name"]),
        destination=m.Location(doc["destination"]["gln"], doc["destination"]["name"]),
        parties=m.Parties(**doc["parties"]),
        cold_chain=m.ColdChainProfile(
            cold["min_c"], cold["max_c"], cold["allowed_minutes_outside"], cold.get("mkt_limit_c")
        ),
        promised_delivery=when(doc["promised_delivery"]),
        status=doc["status"],
        custodian=doc["custodian"],
        created=ledger_ref(session, doc["created_tx"]),
        certificates=tuple(m.Certificate(c["doc_type"], c["sha256"]) for c in doc["certificates"]),
        verdict=m.ColdChainVerdict(
            state["verdict"],
            state["minutes_outside"],
            state["min_c"],
            state["max_c"],
            state["mkt_c"],
        ),
    )


def checkpoint_record(session: Session, doc: dict[str, Any]) -> m.CheckpointRecord:
    """A CheckpointRecord from the chaincode's Checkpoint JSON."""
    temp = doc.get("temperature")
    reporter = doc["reporter"]
    return m.CheckpointRecord(
        sscc=doc["sscc"],
        sequence=int(doc["seq"]),
        biz_step=doc["biz_step"],
        disposition=doc["disposition"],
        read_point=_place(doc.get("read_point")),
        event_time=when(doc["event_time"]),
        reporter=m.Reporter(reporter["msp_id"], reporter["enrollment_id"], reporter["role"]),
        ledger=ledger_ref(session, doc["tx_id"]),
        temperature=None
        if temp is None
        else m.TemperatureSummary(temp["min_c"], temp["max_c"], temp["mean_c"], temp["count"]),
        evidence=tuple(doc.get("evidence", ())),
        notes=doc.get("notes", ""),
        # Checkpoints written before `reason` was its own field have none: their notes are
        # shown as stored (an exception's reason and notes together), never split by guess.
        reason=doc.get("reason", ""),
    )


def logger_readings(session: Session, docs: Sequence[dict[str, Any]]) -> list[m.TemperatureReading]:
    """Raw readings of every temperature batch whose bytes this tracker holds (by ledger hash)."""
    readings: list[m.TemperatureReading] = []
    for doc in docs:
        temp = doc.get("temperature")
        raw = None if temp is None else get_evidence(session, temp["raw_sha256"])
        if raw is not None:
            batch = json.loads(raw)
            readings += [
                m.TemperatureReading(when(r["time"]), r["celsius"]) for r in batch["readings"]
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
    docs = [json.loads(r.document) for r in rows]
    return m.ShipmentHistory(
        shipment=shipment_record(session, json.loads(row.document)),
        checkpoints=tuple(checkpoint_record(session, d) for d in docs),
        readings=tuple(logger_readings(session, docs)),
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
