"""Projects the delivery-terms records of a block into the read model (see `projection`).

Keys (chaincode/state.py): `agreement [sscc]`, `settlement [sscc]`, `dispute [sscc, id]`,
`certificate [sha256]`. Changes said: a settlement written, a dispute opened, a dispute
resolved; an anchor or an agreement step is mirrored without a notification.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from records import keys
from records.deals import Agreement, Dispute, RegisteredCertificate, Settlement
from tracker.ledger.blocks import DecodedTransaction
from tracker.store.agreements import (
    AgreementRow,
    CertificateRow,
    DisputeRow,
    LatestRecord,
    SettlementRow,
    WrittenOnce,
)
from tracker.store.projection_base import Change, load_record

Putter = Callable[[Session, int, DecodedTransaction, bytes], list[Change]]


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
    agreement = load_record(Agreement, value, "agreement")
    row = AgreementRow(
        sscc=agreement.sscc,
        status=agreement.status,
        seller=agreement.seller,
        buyer=agreement.buyer,
        price_minor=agreement.price_minor,
        currency=agreement.currency,
    )
    _mirror(session, row, value, tx, block_number)
    return []


def put_settlement(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a settlement; said once, when first seen."""
    settlement = load_record(Settlement, value, "settlement")
    known = session.get(SettlementRow, settlement.sscc) is not None
    row = SettlementRow(
        sscc=settlement.sscc,
        outcome=settlement.outcome,
        currency=settlement.currency,
        price_minor=settlement.price_minor,
        refunded_to_buyer_minor=settlement.refunded_to_buyer_minor,
        released_to_seller_minor=settlement.released_to_seller_minor,
    )
    _mirror(session, row, value, tx, block_number)
    if known:
        return []  # a rebuild or a replayed block: already said
    return [Change("settlement", row.sscc, None, row.outcome, tx.tx_id, block_number)]


def put_dispute(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a dispute; said when opened and when resolved, not when anchored."""
    dispute = load_record(Dispute, value, "dispute")
    sscc, dispute_id = dispute.sscc, dispute.dispute_id
    before = session.get(DisputeRow, (sscc, dispute_id))
    changes: list[Change] = []
    if before is None:
        changes.append(Change("dispute_opened", sscc, None, dispute_id, tx.tx_id, block_number))
    if dispute.status == "resolved" and (before is None or before.status != "resolved"):
        changes.append(Change("dispute_resolved", sscc, "open", dispute_id, tx.tx_id, block_number))
    row = DisputeRow(
        sscc=sscc,
        dispute_id=dispute_id,
        subject=dispute.subject,
        raised_for=dispute.raised_for,
        status=dispute.status,
        leaf_count=len(dispute.leaves),
        root=dispute.root,
    )
    _mirror(session, row, value, tx, block_number)
    return changes


def put_certificate(
    session: Session, block_number: int, tx: DecodedTransaction, value: bytes
) -> list[Change]:
    """Mirror a registered certificate."""
    certificate = load_record(RegisteredCertificate, value, "certificate")
    subject = certificate.subject
    row = CertificateRow(
        sha256=certificate.sha256,
        doc_type=certificate.doc_type,
        issuer_msp=certificate.issuer_msp,
        issuer_name=certificate.issuer_name,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        subject_sscc=subject.get("sscc"),
        subject_gtin=subject.get("gtin"),
        subject_lot=subject.get("lot"),
    )
    _mirror(session, row, value, tx, block_number)
    return []


PUTTERS: dict[str, Putter] = {
    keys.AGREEMENT: put_agreement,
    keys.SETTLEMENT: put_settlement,
    keys.DISPUTE: put_dispute,
    keys.CERTIFICATE: put_certificate,
}
