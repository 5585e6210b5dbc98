"""Deleting a contact erases the texts of its dispute conversations off-chain; the leaf
hashes and the anchors stay (meaningless without the texts), so the exported transcript can
no longer be proven and says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_stack import RETAILER, ChatStack
from sqlalchemy import select
from tracker_stack import wait_until

from tracker.cli import main
from tracker.store.conversations import ConversationMessageRow

EVE = "+33639982601"


def conversation(chat: ChatStack) -> list[ConversationMessageRow]:
    with chat.stack.sessions() as session:
        query = select(ConversationMessageRow).order_by(ConversationMessageRow.id)
        return list(session.scalars(query))


def test_deleting_the_contact_erases_its_conversation_texts(
    chat: ChatStack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = chat.stack
    sscc = chat.shipment(delivered=True)
    chat.follow()
    eve = stack.contact(RETAILER, EVE, "fr")
    stack.start_worker()
    stack.phone_writes(EVE, text=f"LITIGE {sscc} il manque deux colis")
    stack.wait_received(EVE, 1)
    wait_until(
        lambda: (
            len(conversation(chat)) == 2
            and all(r.leaf_index is not None for r in conversation(chat))
        ),
        "the conversation anchored",
    )
    stack.stop_workers()
    [dispute_id] = {r.dispute_id for r in conversation(chat)}
    leaves_before = [r.leaf_hash for r in conversation(chat)]
    for name, value in stack.env.items():
        monkeypatch.setenv(name, value)

    assert main(["contacts", "delete", str(eve.id)]) == 0
    erased = conversation(chat)
    assert [r.text for r in erased] == [None, None]
    assert [r.leaf_hash for r in erased] == leaves_before  # the anchors' hashes stay
    assert all(r.contact_id is None for r in erased)
    raw = stack.sessions.kw["bind"].raw_connection()
    try:
        dump = "\n".join(raw.iterdump())
    finally:
        raw.close()
    assert EVE[1:] not in dump and "il manque deux colis" not in dump
    assert len(chat.dispute(sscc, dispute_id)["leaves"]) == 2  # the ledger is untouched

    transcript = tmp_path / "erased.json"
    capsys.readouterr()
    assert main(["dispute", "export", sscc, dispute_id, "--output", str(transcript)]) == 0
    document = json.loads(transcript.read_text(encoding="utf-8"))
    assert [m["text"] for m in document["messages"]] == [None, None]
    capsys.readouterr()
    assert main(["verify", "--conversation", str(transcript)]) == 1
    report = capsys.readouterr().out.splitlines()
    first_id = document["messages"][0]["id"]
    assert report[0] == "FAIL 2 message(s), 2 anchored leaf/leaves"
    assert f"  message 0 (id {first_id}): no text to check (erased or malformed)" in report
