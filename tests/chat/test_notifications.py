"""(a) Ledger changes reach each subscribed contact exactly once, in their language:
text inside the 24-hour window, the approved template outside it."""

from __future__ import annotations

from records import ColdChainTotals
from tests.support.tracker_ledger import CARRIER, PRODUCER, RETAILER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import Stack, wait_until
from tracker.chat.notify import enqueue_changes
from tracker.store.db import transaction
from tracker.store.projection import Change

SSCC = sscc_with_check_digit("37612345000000001")
INSIDE_FR, OUTSIDE_EN, OUTSIDE_FR, OUTSIDER = (
    "+33639981101",
    "+12025550102",
    "+33639981103",
    "+4915110004",
)


def settled(stack: Stack) -> bool:
    states = stack.outbox_states()
    return sum(states.values()) > 0 and not states["pending"] and not states["sending"]


def test_a_checkpoint_reaches_every_subscriber_once_in_their_language(
    stack: Stack, ledger: Ledger
) -> None:
    ledger.create(SSCC)
    stack.contact(CARRIER, INSIDE_FR, "fr", SSCC)
    stack.contact(RETAILER, OUTSIDE_EN, "en", SSCC)
    stack.contact(PRODUCER, OUTSIDE_FR, "fr", SSCC)
    stack.contact("OutsiderMSP", OUTSIDER, "en", SSCC)  # not a party: never notified
    stack.phone_writes(INSIDE_FR, text="AIDE")  # opens this contact's 24-hour window
    stack.start_worker()
    stack.wait_received(INSIDE_FR, 1)  # the help reply

    tx_id = ledger.checkpoint(SSCC, "in_transit")
    inside = stack.wait_received(INSIDE_FR, 2)
    outside_en = stack.wait_received(OUTSIDE_EN, 1)
    outside_fr = stack.wait_received(OUTSIDE_FR, 1)
    wait_until(lambda: settled(stack), "every notification settled")

    assert inside[1].startswith(f"🔔 {SSCC} est maintenant en transit (Hub Lyon")
    link = inside[1].splitlines()[-1]
    assert link == stack.links().url(SSCC)  # with its token
    assert link.startswith(f"https://tracker.example.org/shipments/{SSCC}?k=")
    assert stack.received(INSIDE_FR)[1].type == "text"
    assert outside_en == [
        f"[template shipment_status_update en_US] {SSCC} | in transit | Hub Lyon | "
        "2026-11-24 10:01 UTC | REPORT:" + SSCC + " | STOP:" + SSCC
    ]
    assert outside_fr[0].startswith(f"[template shipment_status_update fr] {SSCC} | en transit")
    assert stack.texts(OUTSIDER) == []

    # The same changes handed over again (a replayed block) queue nothing new.
    with transaction(stack.sessions) as session:
        enqueue_changes(session, [Change("status", SSCC, "created", "in_transit", tx_id, 2)])
    assert sum(stack.outbox_states().values()) == 4  # 1 help reply + 3 notifications
    assert stack.per_recipient() == {INSIDE_FR[1:]: 2, OUTSIDE_EN[1:]: 1, OUTSIDE_FR[1:]: 1}


def test_cold_chain_alert_and_delivery_are_notified(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    ledger.checkpoint(SSCC, "in_transit")
    stack.contact(RETAILER, OUTSIDE_EN, "en", SSCC)
    stack.start_worker()
    excursion = ColdChainTotals(
        readings=12,
        readings_outside=2,
        minutes_outside=14.0,
        min_c=1.5,
        max_c=9.25,
        mkt_c=5.4,
        verdict="excursion",
    )
    ledger.checkpoint(SSCC, "in_transit", cold=excursion)  # verdict ok -> excursion
    ledger.checkpoint(SSCC, "delivered")
    texts = stack.wait_received(OUTSIDE_EN, 2)
    wait_until(lambda: settled(stack), "notifications settled")
    assert texts[0].startswith(
        f"[template shipment_cold_chain_alert en_US] {SSCC} | ⚠️ Cold-chain excursion | 14"
    )
    assert texts[1].startswith(f"[template shipment_status_update en_US] {SSCC} | delivered")
    assert stack.per_recipient() == {OUTSIDE_EN[1:]: 2}
