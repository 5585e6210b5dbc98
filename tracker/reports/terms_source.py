"""Reads a shipment's agreement, settlement, disputes and certificates from the read model
(the tables `tracker follow` mirrors them into, tracker/store/agreements.py)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.reports.terms import TermsRecords, checks, delivered_at, records
from tracker.store.agreements import AgreementRow, CertificateRow, DisputeRow, SettlementRow
from tracker.store.readmodel import CheckpointRow, ShipmentRow


def _document(row: Any) -> dict[str, Any] | None:
    return None if row is None else dict(json.loads(row.document))


def shipment_terms(session: Session, sscc: str) -> TermsRecords:
    """The terms of a shipment the read model holds (empty sections when it has none)."""
    shipment = _document(session.get(ShipmentRow, sscc))
    if shipment is None:
        return TermsRecords()
    disputes = session.scalars(select(DisputeRow).where(DisputeRow.sscc == sscc))
    checkpoints = session.scalars(
        select(CheckpointRow.document).where(CheckpointRow.sscc == sscc).order_by(CheckpointRow.seq)
    )
    product = shipment["product"]
    own = [c["sha256"] for c in shipment.get("certificates") or ()]
    registered = session.scalars(
        select(CertificateRow).where(
            or_(
                CertificateRow.sha256.in_(own),
                CertificateRow.subject_sscc == sscc,
                (CertificateRow.subject_gtin == product["gtin"])
                & (CertificateRow.subject_lot == product["lot"]),
            )
        )
    )
    certificates = {row.sha256: json.loads(row.document) for row in registered}
    delivered = delivered_at(shipment, [json.loads(text) for text in checkpoints])
    return records(
        _document(session.get(AgreementRow, sscc)),
        _document(session.get(SettlementRow, sscc)),
        [json.loads(row.document) for row in disputes],
        checks(shipment, delivered, certificates),
    )
