"""Projects the delivery-terms records of a block into the read model (see `projection`).

Keys (chaincode/state.py): `agreement [sscc]`, `settlement [sscc]`, `dispute [sscc, id]`,
`certificate [sha256]`. Changes said: a settlement written, a dispute opened, a dispute
resolved; an anchor or an agreement step is mirrored without a notification.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from tracker.ledger.blocks import DecodedTransaction
from tracker.store.agreements import AgreementRow, CertificateRow, DisputeRow, SettlementRow
from tracker.store.projection_base import Change, ProjectionError, load_document

Putter = Callable[[Session, int, DecodedTransaction, bytes], list[Change]]


def _fields(what: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return read()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProjectionError(f"{what} value lacks {exc}") from None


def put_agreement(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror an agreement (proposed, accepted or settled)."""
    doc = load_document(value, "agreement")
    fields = _fields(
        "agreement",
        lambda: {
            "sscc": str(doc["sscc"]),
            "status": str(doc["status"]),
            "seller": str(doc["seller"]),
            "buyer": str(doc["buyer"]),
            "price_minor": int(doc["price_minor"]),
            "currency": str(doc["currency"]),
        },
    )
    row = AgreementRow(**fields)
    row.document, row.last_tx_id, row.last_block = value.decode(), tx.tx_id, block_number
    row.committed_at = tx.timestamp
    session.merge(row)
    return []


def put_settlement(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a settlement; said once, when first seen."""
    doc = load_document(value, "settlement")
    fields = _fields(
        "settlement",
        lambda: {
            "sscc": str(doc["sscc"]),
            "outcome": str(doc["outcome"]),
            "currency": str(doc["currency"]),
            "price_minor": int(doc["price_minor"]),
            "refunded_to_buyer_minor": int(doc["refunded_to_buyer_minor"]),
            "released_to_seller_minor": int(doc["released_to_seller_minor"]),
        },
    )
    known = session.get(SettlementRow, fields["sscc"]) is not None
    row = SettlementRow(**fields)
    row.document, row.tx_id, row.block_number = value.decode(), tx.tx_id, block_number
    row.committed_at = tx.timestamp
    session.merge(row)
    if known:
        return []  # a rebuild or a replayed block: already said
    return [Change("settlement", row.sscc, None, row.outcome, tx.tx_id, block_number)]


def put_dispute(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a dispute; said when opened and when resolved, not when anchored."""
    doc = load_document(value, "dispute")
    fields = _fields(
        "dispute",
        lambda: {
            "sscc": str(doc["sscc"]),
            "dispute_id": str(doc["dispute_id"]),
            "subject": str(doc["subject"]),
            "raised_for": str(doc["raised_for"]),
            "status": str(doc["status"]),
            "leaf_count": len(doc["leaves"]),
            "root": str(doc["root"]),
        },
    )
    before = session.get(DisputeRow, (fields["sscc"], fields["dispute_id"]))
    changes: list[Change] = []
    sscc, dispute_id = fields["sscc"], fields["dispute_id"]
    if before is None:
        changes.append(Change("dispute_opened", sscc, None, dispute_id, tx.tx_id, block_number))
    if fields["status"] == "resolved" and (before is None or before.status != "resolved"):
        changes.append(Change("dispute_resolved", sscc, "open", dispute_id, tx.tx_id, block_number))
    row = DisputeRow(**fields)
    row.document, row.last_tx_id, row.last_block = value.decode(), tx.tx_id, block_number
    row.committed_at = tx.timestamp
    session.merge(row)
    return changes


def put_certificate(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a registered certificate."""
    doc = load_document(value, "certificate")

    def read() -> dict[str, Any]:
        subject = doc["subject"]
        return {
            "sha256": str(doc["sha256"]),
            "doc_type": str(doc["doc_type"]),
            "issuer_msp": str(doc["issuer_msp"]),
            "issuer_name": str(doc["issuer_name"]),
            "valid_from": str(doc["valid_from"]),
            "valid_until": str(doc["valid_until"]),
            "subject_sscc": subject.get("sscc"),
            "subject_gtin": subject.get("gtin"),
            "subject_lot": subject.get("lot"),
        }

    row = CertificateRow(**_fields("certificate", read))
    row.document, row.tx_id, row.block_number = value.decode(), tx.tx_id, block_number
    row.committed_at = tx.timestamp
    session.merge(row)
    return []


PUTTERS: dict[str, Putter] = {
    "agreement": put_agreement,
    "settlement": put_settlement,
    "dispute": put_dispute,
    "certificate": put_certificate,
}


def document_of(row: AgreementRow | SettlementRow | DisputeRow | CertificateRow) -> dict[str, Any]:
    """A mirrored row's ledger JSON as a dict."""
    data = json.loads(row.document)
    assert isinstance(data, dict)  # only the putters above write documents, always objects
    return data
