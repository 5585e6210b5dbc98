"""Agreements, settlements and balances as pure functions of ledger records.

The rule itself lives in ``terms.settlement`` (shared with the tracker); this module
feeds it what is on the ledger alone, so every endorsing peer computes the same record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chaincode.deal_args import AgreementTerms, check_deadline
from records import Checkpoint, Reporter, Shipment, parse_instant
from records.deals import Agreement, Dispute, Lateness, Settlement, SettlementReason
from terms.settlement import Terms, compute_settlement


def new_agreement(
    shipment: Shipment, terms: AgreementTerms, by: Reporter, tx_id: str, now: str
) -> Agreement:
    """A proposed agreement between the shipment's producer (seller) and retailer (buyer)."""
    promised = terms.promised_delivery or shipment.promised_delivery
    check_deadline(promised, terms.undelivered_after)
    return Agreement(
        sscc=shipment.sscc,
        seller=shipment.parties.producer,
        buyer=shipment.parties.retailer,
        price_minor=terms.price_minor,
        currency=terms.currency,
        promised_delivery=promised,
        lateness=Lateness(terms.bp_per_started_hour, terms.cap_bp),
        breach_refund_bp=terms.breach_refund_bp,
        damaged_refund_bp=terms.damaged_refund_bp,
        confirm_roles=terms.confirm_roles,
        undelivered_after=terms.undelivered_after,
        status="proposed",
        proposed_tx=tx_id,
        proposed_at=now,
        proposed_by=by,
    )


def delivered_at(checkpoint: Checkpoint) -> str:
    """The earlier of the claimed event time and the recording time (no later claims)."""
    event, recorded = checkpoint.event_time, checkpoint.recorded_at
    return event if parse_instant(event) <= parse_instant(recorded) else recorded


def settle(
    agreement: Agreement,
    shipment: Shipment,
    *,
    outcome: str,
    delivered: str,
    disposition: str,
    dispute_refunds: Sequence[tuple[str, int]],
    tx_id: str,
    now: str,
) -> Settlement:
    """The settlement record of an accepted agreement (terms.settlement's rule)."""
    schedule = Terms(
        price_minor=agreement.price_minor,
        bp_per_started_hour=agreement.lateness.bp_per_started_hour,
        cap_bp=agreement.lateness.cap_bp,
        breach_refund_bp=agreement.breach_refund_bp,
        damaged_refund_bp=agreement.damaged_refund_bp,
    )
    verdict = shipment.cold_chain_state.verdict
    figures = compute_settlement(
        outcome=outcome,
        terms=schedule,
        promised_delivery=agreement.promised_delivery,
        delivered_at=delivered,
        verdict=verdict,
        disposition=disposition,
        dispute_refunds=list(dispute_refunds),
    )
    return Settlement(
        sscc=agreement.sscc,
        outcome=outcome,
        currency=agreement.currency,
        price_minor=figures.price_minor,
        seller=agreement.seller,
        buyer=agreement.buyer,
        refund_bp=figures.refund_bp,
        refunded_to_buyer_minor=figures.refunded_to_buyer_minor,
        released_to_seller_minor=figures.released_to_seller_minor,
        reasons=tuple(
            SettlementReason(r.code, r.bp, r.amount_minor, r.detail) for r in figures.reasons
        ),
        delivered_at=delivered,
        verdict=verdict,
        disposition=disposition,
        agreement_tx=agreement.accepted_tx,
        settled_tx=tx_id,
        settled_at=now,
    )


def balances(
    msp_id: str, settlements: Iterable[Settlement], disputes: Mapping[str, Sequence[Dispute]]
) -> list[dict[str, Any]]:
    """Per counterparty and currency: what is due to ``msp_id``, due from it, and the net.

    A settlement makes the buyer owe the seller the released amount; a refund agreed
    after settlement makes the seller owe the buyer the refund.
    """
    totals: dict[tuple[str, str], list[int]] = {}

    def owe(debtor: str, creditor: str, currency: str, amount: int) -> None:
        if creditor == msp_id:
            totals.setdefault((debtor, currency), [0, 0])[0] += amount
        if debtor == msp_id:
            totals.setdefault((creditor, currency), [0, 0])[1] += amount

    for settlement in settlements:
        owe(settlement.buyer, settlement.seller, settlement.currency,
            settlement.released_to_seller_minor)  # fmt: skip
        for dispute in disputes.get(settlement.sscc, ()):
            resolution = dispute.resolution
            if resolution and resolution.outcome == "refund" and resolution.after_settlement:
                owe(settlement.seller, settlement.buyer, resolution.currency,
                    resolution.refund_minor)  # fmt: skip
    return [
        {
            "counterparty": party,
            "currency": currency,
            "due_to": due_to,
            "due_from": due_from,
            "net": due_to - due_from,
        }  # fmt: skip
        for (party, currency), (due_to, due_from) in sorted(totals.items())
    ]
