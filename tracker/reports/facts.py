"""The one list of report facts (a row per ledger event) that PDF, CSV and JSON all render."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.reports.coldchain import ColdChainAnalysis, analyse
from tracker.reports.model import (
    CheckpointRecord,
    LedgerRef,
    ReportSource,
    ShipmentRecord,
    TemperatureReading,
)
from tracker.reports.terms import TermsRecords

Scalar = str | int | float | None

# Column order of every tabular rendering; JSON uses the same names as keys.
FACT_FIELDS: tuple[str, ...] = (
    "row",
    "event",
    "sequence",
    "biz_step",
    "disposition",
    "event_time",
    "commit_time",
    "location_gln",
    "location_name",
    "latitude",
    "longitude",
    "reporter_msp",
    "reporter_enrollment",
    "reporter_role",
    "temp_min_c",
    "temp_max_c",
    "temp_mean_c",
    "temp_count",
    "evidence_sha256",
    "reason",
    "notes",
    "tx_id",
    "block_number",
    "signer_msp",
    "signer_role",
    "signer_enrollment",
    "validation_code",
)
CREATED_EVENT = "shipment_created"
CHECKPOINT_EVENT = "checkpoint"


@dataclass(frozen=True)
class ShipmentReport:
    """Everything a shipment provenance report shows, computed once for all formats."""

    shipment: ShipmentRecord
    facts: tuple[dict[str, Scalar], ...]
    source: ReportSource
    inputs_sha256: str
    analysis: ColdChainAnalysis
    readings: tuple[TemperatureReading, ...]
    # Agreement, settlement, disputes and certificate checks (issue 17); empty when none.
    terms: TermsRecords = field(default_factory=TermsRecords)


def iso(value: datetime) -> str:
    """ISO 8601 with the original UTC offset, as the device or peer stated it."""
    return value.isoformat()


def cell_text(value: Scalar) -> str:
    """The CSV text of a fact value: empty for None, repr for floats so values round-trip."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _ledger_cells(ref: LedgerRef) -> dict[str, Scalar]:
    """The signing and validation columns of one ledger event."""
    return {
        "commit_time": iso(ref.commit_time),
        "tx_id": ref.tx_id,
        "block_number": ref.block_number,
        "signer_msp": ref.msp_id,
        "signer_role": ref.role,
        "signer_enrollment": ref.enrollment_id,
        "validation_code": ref.validation_code,
    }


def _created_fact(shipment: ShipmentRecord) -> dict[str, Scalar]:
    """The shipment-creation transaction as the first fact, located at the origin."""
    ref = shipment.created
    product = shipment.product
    return {
        "event": CREATED_EVENT,
        "sequence": 0,
        "biz_step": None,
        "disposition": None,
        "event_time": iso(ref.commit_time),
        "location_gln": shipment.origin.gln,
        "location_name": shipment.origin.name,
        "latitude": shipment.origin.latitude,
        "longitude": shipment.origin.longitude,
        "reporter_msp": ref.msp_id,
        "reporter_enrollment": ref.enrollment_id,
        "reporter_role": ref.role,
        "temp_min_c": None,
        "temp_max_c": None,
        "temp_mean_c": None,
        "temp_count": None,
        "evidence_sha256": ";".join(c.sha256 for c in shipment.certificates) or None,
        "reason": None,
        "notes": f"{shipment.quantity:g} {shipment.unit} of {product.description}",
        **_ledger_cells(ref),
    }


def _checkpoint_fact(cp: CheckpointRecord) -> dict[str, Scalar]:
    """One checkpoint as a fact row."""
    temp, place = cp.temperature, cp.read_point
    return {
        "event": CHECKPOINT_EVENT,
        "sequence": cp.sequence,
        "biz_step": cp.biz_step,
        "disposition": cp.disposition,
        "event_time": iso(cp.event_time),
        "location_gln": None if place is None else place.gln,
        "location_name": None if place is None else place.name,
        "latitude": None if place is None else place.latitude,
        "longitude": None if place is None else place.longitude,
        "reporter_msp": cp.reporter.msp_id,
        "reporter_enrollment": cp.reporter.enrollment_id,
        "reporter_role": cp.reporter.role,
        "temp_min_c": None if temp is None else temp.min_celsius,
        "temp_max_c": None if temp is None else temp.max_celsius,
        "temp_mean_c": None if temp is None else temp.mean_celsius,
        "temp_count": None if temp is None else temp.count,
        "evidence_sha256": ";".join(cp.evidence) or None,
        "reason": cp.reason or None,
        "notes": cp.notes or None,
        **_ledger_cells(cp.ledger),
    }


def ordered_checkpoints(checkpoints: Sequence[CheckpointRecord]) -> list[CheckpointRecord]:
    """Checkpoints in sequence order; ties (a resubmitted step) by block, then tx id."""
    return sorted(checkpoints, key=lambda c: (c.sequence, c.ledger.block_number, c.ledger.tx_id))


def build_facts(
    shipment: ShipmentRecord, checkpoints: Sequence[CheckpointRecord]
) -> list[dict[str, Scalar]]:
    """The ordered facts: the creation transaction, then every checkpoint (invalid ones too)."""
    rows = [_created_fact(shipment)] + [
        _checkpoint_fact(c) for c in ordered_checkpoints(checkpoints)
    ]
    return [{"row": i + 1, **row} for i, row in enumerate(rows)]


def _encode(value: object) -> str:
    """JSON encoding of the non-JSON input types: datetimes keep their stated offset."""
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def canonical_inputs(
    shipment: ShipmentRecord,
    checkpoints: Sequence[CheckpointRecord],
    readings: Sequence[TemperatureReading],
    source: ReportSource,
    terms: TermsRecords | None = None,
) -> bytes:
    """The canonical JSON (sorted keys, no spaces, UTF-8) whose SHA-256 every report embeds.

    A shipment's terms are part of it when it has any (so reports of shipments without an
    agreement, dispute or certificate keep the hash they had before terms existed)."""
    document: dict[str, Any] = {
        "shipment": dataclasses.asdict(shipment),
        "checkpoints": [dataclasses.asdict(c) for c in ordered_checkpoints(checkpoints)],
        # Same shape as dataclasses.asdict, built directly: asdict is slow on 10 000 readings.
        "readings": [
            {"celsius": r.celsius, "time": r.time} for r in sorted(readings, key=lambda r: r.time)
        ],
        "source": dataclasses.asdict(source),
    }
    if terms is not None and terms != TermsRecords():
        document["terms"] = terms.sections()
    text = json.dumps(
        document,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_encode,
    )
    return text.encode("utf-8")


def inputs_sha256(
    shipment: ShipmentRecord,
    checkpoints: Sequence[CheckpointRecord],
    readings: Sequence[TemperatureReading],
    source: ReportSource,
    terms: TermsRecords | None = None,
) -> str:
    """Hex SHA-256 of canonical_inputs: anyone holding the same ledger data gets the same hash."""
    inputs = canonical_inputs(shipment, checkpoints, readings, source, terms)
    return hashlib.sha256(inputs).hexdigest()


def build_report(
    shipment: ShipmentRecord,
    checkpoints: Sequence[CheckpointRecord],
    readings: Sequence[TemperatureReading],
    source: ReportSource,
    terms: TermsRecords | None = None,
) -> ShipmentReport:
    """Builds the facts, the recomputed cold-chain analysis and the inputs hash in one go."""
    mine = [c for c in checkpoints if c.sscc == shipment.sscc]
    if len(mine) != len(checkpoints):
        raise ValueError(f"checkpoints of another shipment passed for {shipment.sscc}")
    return ShipmentReport(
        shipment=shipment,
        facts=tuple(build_facts(shipment, checkpoints)),
        source=source,
        inputs_sha256=inputs_sha256(shipment, checkpoints, readings, source, terms),
        analysis=analyse(readings, shipment.cold_chain),
        readings=tuple(sorted(readings, key=lambda r: r.time)),
        terms=terms or TermsRecords(),
    )
