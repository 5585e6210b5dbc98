"""An anchor whose answer was lost (committed on the ledger, never marked here, as after a
crash between the two) is recognised on the next round from the ledger's own leaves: no leaf
is appended twice and no message is left unanchored."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from tests.chat.chat_stack import RETAILER, ChatStack
from tests.support.tracker_stack import WAIT_S, wait_until
from tracker.chat.dispute_ledger import FacadeDisputeLedger, Written
from tracker.chat.worker import Worker
from tracker.ledger.errors import LedgerUnavailable
from tracker.store.conversations import ConversationMessageRow

ROSE = "+33639982301"


class LostAnswers:
    """The real dispute ledger, except that the first anchor's answer never comes back."""

    def __init__(self, real: FacadeDisputeLedger) -> None:
        self.real, self.anchors, self.lost = real, 0, 1

    def open_dispute(self, **argument: Any) -> Written:
        return self.real.open_dispute(**argument)

    def dispute(self, **argument: Any) -> dict[str, Any]:
        return self.real.dispute(**argument)

    def anchor(self, **argument: Any) -> Written:
        written = self.real.anchor(**argument)  # committed on the ledger...
        self.anchors += 1
        if self.lost:
            self.lost -= 1  # ...but the tracker never hears of it
            raise LedgerUnavailable("commit status lost (test)", step="commit_status")
        return written


def rows(chat: ChatStack) -> list[ConversationMessageRow]:
    with chat.stack.sessions() as session:
        return list(session.scalars(select(ConversationMessageRow)))


def test_a_lost_anchor_answer_is_adopted_not_appended_again(chat: ChatStack) -> None:
    stack = chat.stack
    sscc = chat.shipment(delivered=True)
    chat.follow()
    stack.contact(RETAILER, ROSE, "fr")
    ledger = LostAnswers(FacadeDisputeLedger(chat.facade, chat.actors["tracker"]))
    worker = Worker(stack.config, stack.sessions, ledger=ledger)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        stack.phone_writes(ROSE, text=f"LITIGE {sscc} retard")
        stack.wait_received(ROSE, 1)
        wait_until(
            lambda: len(rows(chat)) == 2 and all(r.leaf_index is not None for r in rows(chat)),
            "both messages marked anchored",
        )
    finally:
        worker.stop()
        thread.join(timeout=WAIT_S)

    [dispute_id] = {r.dispute_id for r in rows(chat)}
    on_ledger = chat.dispute(sscc, dispute_id)
    assert ledger.anchors == 1  # the retry read the ledger and adopted, it did not anchor
    assert len(on_ledger["leaves"]) == 2 and len(on_ledger["anchors"]) == 1
    kept = sorted(rows(chat), key=lambda r: r.leaf_index or 0)
    assert [r.leaf_hash for r in kept] == on_ledger["leaves"]
    assert [r.direction for r in kept] == ["in", "out"]
    assert {r.anchor_tx for r in kept} == {on_ledger["anchors"][0]["tx_id"]}
