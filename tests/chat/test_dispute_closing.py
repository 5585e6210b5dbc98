"""A dispute the ledger resolved takes no new message: it is `closing` until its last messages
(the resolution notice to its contact among them) are anchored, exactly once even when an
anchor's answer is lost, then `resolved`; a message that will never be sent is not waited for.
Unit tier: the store on each backend, a dispute ledger kept in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from terms.merkle import root
from tracker.chat.anchoring import anchor_pending, close_resolved
from tracker.chat.compose import Outgoing
from tracker.chat.conversation import complete_outbound, dispute_for, message_leaf, track_outbound
from tracker.chat.dispute_ledger import Written
from tracker.ledger.errors import LedgerUnavailable
from tracker.store.agreements import DisputeRow
from tracker.store.contacts import add_contact
from tracker.store.conversations import (
    CLOSING,
    OPEN,
    RESOLVED,
    ConversationMessageRow,
    DisputeChatRow,
)
from tracker.store.db import transaction
from tracker.store.queues import OutboxRow, enqueue

SSCC = "376123450000000078"
AT = datetime(2026, 12, 4, 20, tzinfo=UTC)


@dataclass
class MemoryLedger:
    """AnchorConversation and GetDispute over one dict; `lose` answers are lost after commit."""

    leaves: list[str] = field(default_factory=list)
    anchors: list[dict[str, Any]] = field(default_factory=list)
    lose: int = 0

    def open_dispute(self, **argument: Any) -> Written:
        raise AssertionError("not opened here")

    def dispute(self, *, sscc: str, dispute_id: str) -> dict[str, Any]:
        return {"leaves": list(self.leaves), "anchors": list(self.anchors)}

    def anchor(self, *, sscc: str, dispute_id: str, leaves: list[str], root: str) -> Written:
        assert root == _root(self.leaves + leaves)  # the chaincode's own check
        tx_id = f"{len(self.anchors) + 1:064x}"
        self.anchors.append({"first_index": len(self.leaves), "count": len(leaves), "tx_id": tx_id})
        self.leaves += leaves
        if self.lose:
            self.lose -= 1
            raise LedgerUnavailable("commit status lost (test)", step="commit_status")
        return Written(tx_id, None, {})


def _root(leaves: list[str]) -> str:
    return root(leaves)


def dispute(session: Session, contact_id: int, dispute_id: str, ledger_status: str) -> None:
    session.add(
        DisputeChatRow(
            dispute_id=dispute_id, sscc=SSCC, contact_id=contact_id, subject="late",
            raised_for="retailer", language="fr", source_message_id=f"wamid.{dispute_id}",
            state=OPEN, attempts=0, next_attempt_at=AT, created_at=AT,
        )
    )  # fmt: skip
    session.add(
        DisputeRow(
            sscc=SSCC, dispute_id=dispute_id, subject="late", raised_for="retailer",
            status=ledger_status, leaf_count=0, root=root([]), document="{}",
            last_tx_id="ab" * 32, last_block=3, committed_at=AT,
        )
    )  # fmt: skip
    session.flush()


def inbound(session: Session, dispute_id: str, contact_id: int, n: int) -> None:
    time = f"2026-12-04T20:0{n}:00Z"
    session.add(
        ConversationMessageRow(
            dispute_id=dispute_id, contact_id=contact_id, direction="in",
            provider_message_id=f"wamid.in{n}", time=time, text=f"message {n}",
            leaf_hash=message_leaf(f"wamid.in{n}", "in", time, f"message {n}"), created_at=AT,
        )
    )  # fmt: skip


def notice(session: Session, dispute_id: str, contact_id: int, key: str) -> int:
    enqueue(session, dedupe_key=key, kind="notify.dispute_resolved", body={}, contact_id=contact_id)
    track_outbound(session, dispute_id, contact_id, key)
    outbox_id = session.scalar(select(OutboxRow.id).where(OutboxRow.dedupe_key == key))
    assert outbox_id is not None
    return outbox_id


def state(sessions: sessionmaker[Session], dispute_id: str) -> str:
    with sessions() as session:
        row = session.scalar(select(DisputeChatRow).where(DisputeChatRow.dispute_id == dispute_id))
        assert row is not None
        return row.state


def test_a_resolved_dispute_closes_once_its_notice_is_anchored_exactly_once(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        contact = add_contact(
            session, org_msp_id="RetailerMSP", phone="+33639982701", language="fr"
        )
        dispute(session, contact.id, "D-CLOSE001", "open")
        inbound(session, "D-CLOSE001", contact.id, 1)
        assert dispute_for(session, contact.id, None) is not None
    ledger = MemoryLedger()
    assert anchor_pending(sessions, ledger) == 1 and state(sessions, "D-CLOSE001") == OPEN

    # The follower mirrors the resolution and queues its notice, tracked in the conversation.
    with transaction(sessions) as session:
        row = session.get(DisputeRow, (SSCC, "D-CLOSE001"))
        assert row is not None
        row.status = "resolved"
        outbox_id = notice(session, "D-CLOSE001", contact.id, "notify:resolved")
    with sessions() as session:  # no new message goes into it, with or without a code
        assert dispute_for(session, contact.id, None) is None
        assert dispute_for(session, contact.id, SSCC) is None
    assert close_resolved(sessions) == 0 and state(sessions, "D-CLOSE001") == CLOSING

    # The notice is sent; its anchor commits but the answer is lost: still closing.
    with transaction(sessions) as session:
        complete_outbound(session, outbox_id, Outgoing("", "text", text="résolu"), "wamid.n", AT)
    ledger.lose = 1
    assert anchor_pending(sessions, ledger) == 0
    assert state(sessions, "D-CLOSE001") == CLOSING and len(ledger.leaves) == 2
    # The next round adopts the leaf from the ledger, appends nothing, and closes.
    assert anchor_pending(sessions, ledger) == 1 + 1
    assert state(sessions, "D-CLOSE001") == RESOLVED
    assert len(ledger.leaves) == 2 and len(ledger.anchors) == 2
    with sessions() as session:
        kept = session.scalars(select(ConversationMessageRow).order_by(ConversationMessageRow.id))
        assert [r.leaf_index for r in kept] == [0, 1]
    assert anchor_pending(sessions, ledger) == 0  # nothing more, ever


def test_a_notice_that_will_never_be_sent_is_not_waited_for(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        contact = add_contact(
            session, org_msp_id="RetailerMSP", phone="+33639982702", language="en"
        )
        dispute(session, contact.id, "D-CLOSE002", "resolved")
        dispute(session, contact.id, "D-CLOSE003", "open")
        dead = notice(session, "D-CLOSE002", contact.id, "notify:dead")
        notice(session, "D-CLOSE003", contact.id, "notify:pending")
        outbox = session.get(OutboxRow, dead)
        assert outbox is not None
        outbox.state = "dead"
        # The newest active dispute is the one the ledger has not resolved.
        found = dispute_for(session, contact.id, None)
        assert found is not None and found.dispute_id == "D-CLOSE003"
    assert anchor_pending(sessions, MemoryLedger()) == 1
    assert (state(sessions, "D-CLOSE002"), state(sessions, "D-CLOSE003")) == (RESOLVED, OPEN)
