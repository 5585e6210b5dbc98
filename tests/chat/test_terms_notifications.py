"""A settlement, an opened and a resolved dispute reach each subscribed contact of a party
exactly once, in their language: text inside the 24-hour window, the approved template
outside it; a replayed block queues nothing new, and an anchor alone notifies no one."""

from __future__ import annotations

import json

from terms.merkle import leaf_hash, root
from tests.chat.chat_stack import PRODUCER, RETAILER, ChatStack
from tests.support.tracker_stack import Stack, wait_until
from tracker.chat.notify import enqueue_changes
from tracker.store.agreements import DisputeRow, SettlementRow
from tracker.store.db import transaction
from tracker.store.projection import Change

PIERRE, RITA, OUTSIDER = "+33639982501", "+12025550152", "+4915110002501"
DISPUTE_ID = "D-NOTIFY01"
AGREEMENT = {
    "price_minor": 250_000,
    "currency": "EUR",
    "lateness": {"bp_per_started_hour": 200, "cap_bp": 2000},
    "breach_refund_bp": 1500,
    "damaged_refund_bp": 3000,
    "undelivered_after": "2025-03-10T00:00:00Z",
}


def terms_messages(stack: Stack, phone: str) -> list[str]:
    return [t for t in stack.texts(phone) if t[:2] in ("💶 ", "⚖️") or "shipment_terms" in t]


def settled(stack: Stack) -> bool:
    states = stack.outbox_states()
    return not states["pending"] and not states["sending"]


def test_settlement_and_dispute_are_notified_once_each(chat: ChatStack) -> None:
    stack = chat.stack
    sscc = chat.shipment(agreement=AGREEMENT)
    read = chat.pool.contract(chat.actors["receiver"]).evaluate("GetAgreement", sscc)
    proposed_tx = json.loads(read)["agreement"]["proposed_tx"]
    chat.submit("receiver", "AcceptAgreement", {"sscc": sscc, "proposed_tx": proposed_tx})
    chat.follow()
    stack.contact(PRODUCER, PIERRE, "fr", sscc)
    stack.contact(RETAILER, RITA, "en", sscc)
    stack.contact("OutsiderMSP", OUTSIDER, "en", sscc)  # not a party: never told
    stack.phone_writes(PIERRE, text="AIDE")  # opens Pierre's 24-hour window
    stack.start_worker()
    stack.wait_received(PIERRE, 1)

    chat.deliver(sscc, event_time="2025-03-03T15:10:00Z")  # 3 h 10 min late: 8 % refunded
    dispute = {"sscc": sscc, "dispute_id": DISPUTE_ID}
    chat.submit(
        "receiver", "OpenDispute", {**dispute, "subject": "damaged", "raised_for": "retailer"}
    )
    chat.follow()
    wait_until(lambda: len(terms_messages(stack, RITA)) == 2, "settlement and dispute to Rita")
    leaf = leaf_hash({"id": "wamid.x", "direction": "in", "time": "2025-03-04T08:00:00Z",
                      "text_sha256": "1" * 64})  # fmt: skip
    chat.submit(
        "receiver", "AnchorConversation", {**dispute, "leaves": [leaf], "root": root([leaf])}
    )
    resolution = {"outcome": "refund", "refund_minor": 5_000, "reason": "Two cases crushed"}
    chat.submit("dispatcher", "ResolveDispute", {**dispute, **resolution})
    chat.follow()
    wait_until(lambda: len(terms_messages(stack, RITA)) == 3, "the resolution to Rita")
    wait_until(lambda: len(terms_messages(stack, PIERRE)) == 3, "all three to Pierre")
    wait_until(lambda: settled(stack), "every message settled")

    nbsp = "\u202f"
    assert terms_messages(stack, PIERRE) == [
        f"💶 Règlement {sscc} : livrée ; remboursé à l'acheteur 200,00 EUR, versé au vendeur "
        f"2{nbsp}300,00 EUR (retard).",
        f"⚖️ Litige ouvert {sscc} : {DISPUTE_ID} (motif : endommagé).",
        f"⚖️ Litige résolu {sscc} : {DISPUTE_ID} : remboursement de 50,00 EUR (Two cases crushed).",
    ]
    tail = f" | REPORT:{sscc} | STOP:{sscc}"
    assert terms_messages(stack, RITA) == [
        f"[template shipment_terms_update en_US] {sscc} | Settlement | delivered; refunded to "
        "the buyer EUR 200.00, released to the seller EUR 2,300.00 (late delivery)" + tail,
        f"[template shipment_terms_update en_US] {sscc} | Dispute opened | {DISPUTE_ID} "
        "(subject: damaged)" + tail,
        f"[template shipment_terms_update en_US] {sscc} | Dispute resolved | {DISPUTE_ID}: "
        "refund of EUR 50.00 (Two cases crushed)" + tail,
    ]
    assert stack.texts(OUTSIDER) == []

    # The same changes handed over again (a replayed block) queue nothing new.
    before = sum(stack.outbox_states().values())
    with transaction(stack.sessions) as session:
        settlement = session.get(SettlementRow, sscc)
        disputed = session.get(DisputeRow, (sscc, DISPUTE_ID))
        assert settlement is not None and disputed is not None
        opened_tx = json.loads(disputed.document)["opened_tx"]
        enqueue_changes(
            session,
            [
                Change("settlement", sscc, None, "delivered", settlement.tx_id, 9),
                Change("dispute_opened", sscc, None, DISPUTE_ID, opened_tx, 10),
                Change("dispute_resolved", sscc, "open", DISPUTE_ID, disputed.last_tx_id, 12),
            ],
        )
    assert sum(stack.outbox_states().values()) == before
    # Pierre: the help reply; each: 3 status changes (hub, loading, delivered) and 3 terms.
    assert stack.per_recipient() == {PIERRE[1:]: 1 + 3 + 3, RITA[1:]: 3 + 3}
