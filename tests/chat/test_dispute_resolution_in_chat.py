"""Once the ledger resolves a dispute opened from the chat, its resolution notice is the last
message of its conversation: anchored, then the dispute is closed. The contact's next words
get the usual answers, not "noted in the dispute", and a new DISPUTE about the same shipment
opens a new dispute instead of naming the resolved one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from tests.chat.chat_stack import RETAILER, ChatStack
from tests.support.tracker_stack import wait_until
from tracker.store.conversations import RESOLVED, ConversationMessageRow, DisputeChatRow
from tracker.whatsapp.messages import help_text

LEA = "+33639982901"


def dispute_id_in(text: str) -> str:
    found = re.search(r"Litige (D-[A-Z0-9]{8})", text)
    assert found, text
    return found.group(1)


def chat_rows(chat: ChatStack, dispute_id: str) -> tuple[str, list[ConversationMessageRow]]:
    with chat.stack.sessions() as session:
        state = session.scalar(
            select(DisputeChatRow.state).where(DisputeChatRow.dispute_id == dispute_id)
        )
        query = select(ConversationMessageRow).where(
            ConversationMessageRow.dispute_id == dispute_id
        )
        return str(state), list(session.scalars(query.order_by(ConversationMessageRow.id)))


def test_a_resolved_dispute_is_closed_after_its_notice_is_anchored(
    chat: ChatStack, tmp_path: Path
) -> None:
    stack = chat.stack
    sscc = chat.shipment(delivered=True)
    chat.follow()
    stack.contact(RETAILER, LEA, "fr")
    stack.start_worker()
    stack.phone_writes(LEA, text=f"LITIGE {sscc} retard")
    first = dispute_id_in(stack.wait_received(LEA, 1)[0])
    wait_until(lambda: len(chat.dispute(sscc, first)["leaves"]) == 2, "the opening anchored")

    resolution = {"outcome": "rejected", "reason": "Livré à l'heure promise"}
    chat.submit("dispatcher", "ResolveDispute", {"sscc": sscc, "dispute_id": first, **resolution})
    chat.follow()
    notice = stack.wait_received(LEA, 2)[1]
    assert notice.startswith(f"⚖️ Litige résolu {sscc} : {first} : rejeté")

    def closed() -> bool:
        state, rows = chat_rows(chat, first)
        return state == RESOLVED and all(r.leaf_index is not None for r in rows)

    wait_until(closed, "the dispute closed once its notice is anchored")
    on_ledger = chat.dispute(sscc, first)
    assert on_ledger["status"] == "resolved" and len(on_ledger["leaves"]) == 3
    _, rows = chat_rows(chat, first)
    assert [r.text for r in rows][2] == notice  # the notice is the last leaf
    assert [r.leaf_hash for r in rows] == on_ledger["leaves"]

    # Free words now get the help, and go into no dispute.
    stack.phone_writes(LEA, text="Merci, bonne journée")
    assert stack.wait_received(LEA, 3)[2] == help_text("fr")
    # A new DISPUTE about the same shipment opens a new dispute.
    stack.phone_writes(LEA, text=f"LITIGE {sscc} manquant")
    second = dispute_id_in(stack.wait_received(LEA, 4)[3])
    assert second != first
    wait_until(lambda: len(chat.dispute(sscc, second)["leaves"]) == 2, "the new one anchored")
    state, rows = chat_rows(chat, first)
    assert state == RESOLVED and len(rows) == 3
    assert len(chat.dispute(sscc, first)["leaves"]) == 3  # the old dispute grew no more

    # The closed dispute's transcript still verifies against the chain.
    transcript = tmp_path / "closed.json"
    exported = stack.cli("dispute", "export", sscc, first, "--output", str(transcript))
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(transcript.read_text(encoding="utf-8"))["messages"]) == 3
    verified = stack.cli("verify", "--conversation", str(transcript))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[0] == "PASS 3 message(s), 3 anchored leaf/leaves"
