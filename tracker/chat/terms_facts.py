"""The facts a settlement or dispute notification carries, read from the read model.

Queued in the outbox body (`{"terms": facts}`) so the message says what the block did, even
if the row changes before sending; `chat.terms_texts` words them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tracker.store.agreements import DisputeRow, SettlementRow
from tracker.store.projection import Change
from tracker.store.terms_projection import document_of

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
        doc = document_of(settlement)
        return {
            "event": "settlement",
            "sscc": change.sscc,
            "outcome": settlement.outcome,
            "currency": settlement.currency,
            "price_minor": settlement.price_minor,
            "refunded_minor": settlement.refunded_to_buyer_minor,
            "released_minor": settlement.released_to_seller_minor,
            "reasons": [str(r.get("code", "")) for r in doc.get("reasons", [])],
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
    resolution = document_of(dispute).get("resolution")
    if change.kind == "dispute_resolved" and isinstance(resolution, dict):
        facts.update(
            outcome=str(resolution.get("outcome", "")),
            refund_minor=int(resolution.get("refund_minor") or 0),
            currency=str(resolution.get("currency") or ""),
            reason=str(resolution.get("reason", "")),
        )
    return facts
