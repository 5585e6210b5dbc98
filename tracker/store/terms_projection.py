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
from tracker.store.agreements import (
    AgreementRow,
    CertificateRow,
    DisputeRow,
    LatestRecord,
    SettlementRow,
    WrittenOnce,
)
from tracker.store.projection_base import Change, ProjectionError, load_document

Putter = Callable[[Session, int, DecodedTransaction, bytes], list[Change]]


# (column, key of the ledger document, conversion) of the columns a putter reads.
Columns = tuple[tuple[str, str, Callable[[Any], Any]], ...]

AGREEMENT_COLUMNS: Columns = (
    ("sscc", "sscc", str),
    ("status", "status", str),
    ("seller", "seller", str),
    ("buyer", "buyer", str),
    ("price_minor", "price_minor", int),
    ("currency", "currency", str),
)
SETTLEMENT_COLUMNS: Columns = (
    ("sscc", "sscc", str),
    ("outcome", "outcome", str),
    ("currency", "currency", str),
    ("price_minor", "price_minor", int),
    ("refunded_to_buyer_minor", "refunded_to_buyer_minor", int),
    ("released_to_seller_minor", "released_to_seller_minor", int),
)
DISPUTE_COLUMNS: Columns = (
    ("sscc", "sscc", str),
    ("dispute_id", "dispute_id", str),
    ("subject", "subject", str),
    ("raised_for", "raised_for", str),
    ("status", "status", str),
    ("leaf_count", "leaves", len),
    ("root", "root", str),
)


def _fields(what: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return read()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProjectionError(f"{what} value lacks {exc}") from None


def _columns(value: bytes, what: str, columns: Columns) -> dict[str, Any]:
    """The columns of a committed `what` value, read in order, or `ProjectionError`."""
    doc = load_document(value, what)
    return _fields(what, lambda: {name: convert(doc[key]) for name, key, convert in columns})


def _mirror(
    session: Session, row: LatestRecord | WrittenOnce, value: bytes, tx: DecodedTransaction,
    block_number: int,
) -> None:  # fmt: skip
    """Merge `row` with the ledger's exact JSON and the transaction that committed it."""
    row.document, row.committed_at = value.decode(), tx.timestamp
    if isinstance(row, LatestRecord):
        row.last_tx_id, row.last_block = tx.tx_id, block_number
    else:
        row.tx_id, row.block_number = tx.tx_id, block_number
    session.merge(row)


def put_agreement(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror an agreement (proposed, accepted or settled)."""
    row = AgreementRow(**_columns(value, "agreement", AGREEMENT_COLUMNS))
    _mirror(session, row, value, tx, block_number)
    return []


def put_settlement(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a settlement; said once, when first seen."""
    fields = _columns(value, "settlement", SETTLEMENT_COLUMNS)
    known = session.get(SettlementRow, fields["sscc"]) is not None
    row = SettlementRow(**fields)
    _mirror(session, row, value, tx, block_number)
    if known:
        return []  # a rebuild or a replayed block: already said
    return [Change("settlement", row.sscc, None, row.outcome, tx.tx_id, block_number)]


def put_dispute(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a dispute; said when opened and when resolved, not when anchored."""
    fields = _columns(value, "dispute", DISPUTE_COLUMNS)
    before = session.get(DisputeRow, (fields["sscc"], fields["dispute_id"]))
    changes: list[Change] = []
    sscc, dispute_id = fields["sscc"], fields["dispute_id"]
    if before is None:
        changes.append(Change("dispute_opened", sscc, None, dispute_id, tx.tx_id, block_number))
    if fields["status"] == "resolved" and (before is None or before.status != "resolved"):
        changes.append(Change("dispute_resolved", sscc, "open", dispute_id, tx.tx_id, block_number))
    _mirror(session, DisputeRow(**fields), value, tx, block_number)
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

    _mirror(session, CertificateRow(**_fields("certificate", read)), value, tx, block_number)
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
