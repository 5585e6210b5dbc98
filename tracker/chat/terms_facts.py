"""The facts a settlement or dispute notification carries, read from the read model.

Queued in the outbox body (`{"terms": facts}`) so the message says what the block did, even
if the row changes before sending; `chat.terms_texts` words them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from records import from_json
from records.deals import Dispute, Settlement
from tracker.store.agreements import DisputeRow, SettlementRow
from tracker.store.projection import Change

TERMS_KINDS = {
    "settlement": "notify.settlement",
    "dispute_opened": "notify.dispute_opened",
    "dispute_resolved": "notify.dispute_resolved",
}


def terms_facts(session: Session, change: Change) -> dict[str, Any] | None:
    """What to tell about a settlement or dispute change; None when the row is unknown."""
    if change.kind == "settlement":
        settlement = session.get(SettlementRow, change.sscc)
        if settlement is None:
            return None
        record = from_json(Settlement, settlement.document, "settlement")
        return {
            "event": "settlement",
            "sscc": change.sscc,
            "outcome": settlement.outcome,
            "currency": settlement.currency,
            "price_minor": settlement.price_minor,
            "refunded_minor": settlement.refunded_to_buyer_minor,
            "released_minor": settlement.released_to_seller_minor,
            "reasons": [reason.code for reason in record.reasons],
        }
    dispute = session.get(DisputeRow, (change.sscc, change.new))
    if dispute is None:
        return None
    facts: dict[str, Any] = {
        "event": change.kind,
        "sscc": change.sscc,
        "dispute_id": dispute.dispute_id,
        "subject": dispute.subject,
    }
    if change.kind != "dispute_resolved":
        return facts
    resolution = from_json(Dispute, dispute.document, "dispute").resolution
    if resolution is not None:
        facts.update(
            outcome=resolution.outcome,
            refund_minor=resolution.refund_minor,
            currency=resolution.currency,
            reason=resolution.reason,
        )
    return facts
