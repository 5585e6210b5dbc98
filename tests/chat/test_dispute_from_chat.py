"""A dispute opened from WhatsApp (command and button, fr and en) is on the ledger, signed by
the tracker for the contact's party; its conversation is kept off-chain and anchored, and an
exported transcript verifies, or names the message that was changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.chat.chat_stack import ChatStack
from tests.support.tracker_stack import wait_until
from tracker.store.conversations import ConversationMessageRow

CLAIRE, DAN = "+33639982201", "+12025550122"


def dispute_id_in(text: str) -> str:
    found = re.search(r"(?:Litige|Dispute) (D-[A-Z0-9]{8})", text)
    assert found, text
    return found.group(1)


def anchored_everything(chat: ChatStack, sscc: str, dispute_id: str, count: int) -> bool:
    with chat.stack.sessions() as session:
        rows = session.query(ConversationMessageRow).filter_by(dispute_id=dispute_id).all()
        done = len(rows) == count and all(r.leaf_index is not None for r in rows)
    return done and len(chat.dispute(sscc, dispute_id)["leaves"]) == count


def test_litige_opens_a_dispute_whose_transcript_verifies(chat: ChatStack, tmp_path: Path) -> None:
    stack = chat.stack
    sscc = chat.disputable(CLAIRE, "fr")

    stack.phone_writes(CLAIRE, text=f"LITIGE {sscc} colis abîmé")
    [opened] = stack.wait_received(CLAIRE, 1)
    dispute_id = dispute_id_in(opened)
    assert opened.startswith(f"⚖️ Litige {dispute_id} ouvert sur le registre pour l'expédition")
    assert "(motif : endommagé, tx " in opened and "ancrée sur le registre" in opened
    stack.phone_writes(CLAIRE, text="Trois cartons écrasés à l'arrivée.")
    noted = stack.wait_received(CLAIRE, 2)[1]
    assert noted == f"Message noté dans le litige {dispute_id} ; il sera ancré sur le registre."
    wait_until(lambda: anchored_everything(chat, sscc, dispute_id, 4), "4 messages anchored")

    on_ledger = chat.dispute(sscc, dispute_id)
    assert (on_ledger["subject"], on_ledger["raised_for"]) == ("damaged", "retailer")
    assert on_ledger["opened_by"]["msp_id"] == "CarrierMSP"  # the tracker's own identity
    assert on_ledger["opened_by"]["enrollment_id"] == "tracker"
    written = json.dumps(on_ledger, ensure_ascii=False)
    for private in (CLAIRE[1:], "cartons", "abîmé", "Litige"):
        assert private not in written  # hashes only: no number, name or text on the ledger

    transcript = tmp_path / "transcript.json"
    exported = stack.cli("dispute", "export", sscc, dispute_id, "--output", str(transcript))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(transcript.read_text(encoding="utf-8"))
    assert [m["direction"] for m in document["messages"]] == ["in", "out", "in", "out"]
    assert document["messages"][2]["text"] == "Trois cartons écrasés à l'arrivée."
    verified = stack.cli("verify", "--conversation", str(transcript))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    lines = verified.stdout.splitlines()
    assert lines[0] == "PASS 4 message(s), 4 anchored leaf/leaves"
    anchor_txs = {a["tx_id"] for a in on_ledger["anchors"]}
    assert all(any(tx in line for line in lines[1:]) for tx in anchor_txs)

    # One character changed in the third message: named, with its provider id.
    document["messages"][2]["text"] = "Trois cartons écrasés à l'arrivée !"
    changed_id = document["messages"][2]["id"]
    transcript.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    failed = stack.cli("verify", "--conversation", str(transcript))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout.splitlines()[0] == "FAIL 4 message(s), 4 anchored leaf/leaves"
    assert f"  message 2 (id {changed_id}): differs from anchored leaf 2" in failed.stdout
    assert "message 0" not in failed.stdout and "message 3" not in failed.stdout


def test_the_dispute_button_opens_one_in_english(chat: ChatStack) -> None:
    stack = chat.stack
    sscc = chat.disputable(DAN, "en")

    message, buttons = chat.first_answer(DAN, f"Where is {sscc}?")
    assert buttons[-1] == {"id": f"DISPUTE:{sscc}", "title": "Dispute"}  # delivered: disputable
    stack.phone_writes(DAN, button=buttons[-1], context_id=message.message_id)
    opened = stack.wait_received(DAN, 2)[1]
    dispute_id = dispute_id_in(opened)
    assert opened.startswith(f"⚖️ Dispute {dispute_id} opened on the ledger for shipment {sscc}")
    assert "This conversation is kept and anchored on the ledger" in opened
    wait_until(lambda: anchored_everything(chat, sscc, dispute_id, 2), "2 messages anchored")
    on_ledger = chat.dispute(sscc, dispute_id)
    assert (on_ledger["subject"], on_ledger["raised_for"], on_ledger["status"]) == (
        "other",
        "retailer",
        "open",
    )

    # Asking again about the same shipment names the open dispute instead of a second one.
    stack.phone_writes(DAN, text=f"DISPUTE {sscc} late")
    again = stack.wait_received(DAN, 3)[2]
    assert again == f"A dispute is already open on {sscc}: {dispute_id}. Write to us here."
    wait_until(lambda: anchored_everything(chat, sscc, dispute_id, 4), "4 messages anchored")
