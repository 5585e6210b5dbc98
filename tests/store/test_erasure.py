"""(f) Deleting a contact erases it, its subscriptions, inbound messages and unsent queue."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support.tracker_ledger import CARRIER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import Stack, wait_until
from tracker.store.contacts import ContactRow, SubscriptionRow
from tracker.store.queues import InboxMessageRow, OutboxRow

SSCC = sscc_with_check_digit("37612345000000005")
GONE, STAYS = "+33639985501", "+33639985502"


def count(stack: Stack, table: type) -> int:
    with stack.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_deleting_a_contact_erases_it_and_its_queued_messages(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    gone = stack.contact(CARRIER, GONE, "fr", SSCC)
    stack.contact(CARRIER, STAYS, "en", SSCC)
    stack.phone_writes(GONE, text="AIDE")
    wait_until(lambda: count(stack, InboxMessageRow) == 1, "the inbound message stored")
    ledger.checkpoint(SSCC, "in_transit")  # no worker yet: two notifications queued
    assert count(stack, OutboxRow) == 2

    deleted = stack.cli("contacts", "delete", str(gone.id))
    assert deleted.returncode == 0, deleted.stderr
    with stack.sessions() as session:
        assert session.get(ContactRow, gone.id) is None
        assert session.scalars(select(SubscriptionRow.contact_id)).all() == [gone.id + 1]
        assert session.scalars(select(OutboxRow.contact_id)).all() == [gone.id + 1]
    assert count(stack, InboxMessageRow) == 0
    engine = stack.sessions.kw["bind"]
    raw = engine.raw_connection()
    try:
        assert GONE[1:] not in "\n".join(raw.iterdump())
    finally:
        raw.close()

    listing = stack.cli("contacts", "list").stdout
    assert listing.splitlines() == [f"{gone.id + 1}\t{CARRIER}\ten\t*********02\t"]
    stack.start_worker()
    stack.wait_received(STAYS, 1)
    wait_until(lambda: stack.outbox_states()["read"] == 1, "the remaining message read")
    assert stack.per_recipient() == {STAYS[1:]: 1}
