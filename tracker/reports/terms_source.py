"""Reads a shipment's agreement, settlement, disputes and certificates from the read model
(the tables `tracker follow` mirrors them into, tracker/store/agreements.py)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from records import from_json
from records.deals import Agreement, Dispute, RegisteredCertificate, Settlement
from tracker.reports.terms import TermsRecords, checks, delivered_at, records
from tracker.store.agreements import AgreementRow, CertificateRow, DisputeRow, SettlementRow
from tracker.store.readmodel import CheckpointRow, ShipmentRow

T = TypeVar("T")


def _document(row: Any) -> dict[str, Any] | None:
    return None if row is None else dict(json.loads(row.document))


def _record(cls: type[T], row: AgreementRow | SettlementRow | None, what: str) -> T | None:
    """The row's stored value decoded strictly as the chaincode's record (else RecordError)."""
    return None if row is None else from_json(cls, row.document, what)


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
    certificates = {
        row.sha256: from_json(RegisteredCertificate, row.document, "certificate")
        for row in registered
    }
    delivered = delivered_at(shipment, [json.loads(text) for text in checkpoints])
    return records(
        _record(Agreement, session.get(AgreementRow, sscc), "agreement"),
        _record(Settlement, session.get(SettlementRow, sscc), "settlement"),
        [from_json(Dispute, row.document, "dispute") for row in disputes],
        checks(shipment, delivered, certificates),
    )
