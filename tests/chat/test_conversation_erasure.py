"""Deleting a contact erases its dispute conversations off-chain: texts, provider message ids,
text hashes (a short text's SHA-256 can be guessed) and the DISPUTE message's id; only the leaf
hashes and the anchors stay (meaningless without the texts), so the exported transcript can
no longer be proven and says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.chat.chat_stack import RETAILER, ChatStack
from tests.support.tracker_stack import wait_until
from tracker.cli import main
from tracker.store.conversations import ConversationMessageRow, DisputeChatRow

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
    traces = [r.provider_message_id for r in conversation(chat)]
    traces += [r.text_sha256 for r in conversation(chat)]
    with stack.sessions() as session:
        traces += list(session.scalars(select(DisputeChatRow.source_message_id)))
    assert all(traces) and len(traces) == 5
    for name, value in stack.env.items():
        monkeypatch.setenv(name, value)

    assert main(["contacts", "delete", str(eve.id)]) == 0
    erased = conversation(chat)
    assert [r.text for r in erased] == [None, None]
    assert [r.leaf_hash for r in erased] == leaves_before  # the anchors' hashes stay
    assert all(r.contact_id is None for r in erased)
    assert [(r.provider_message_id, r.text_sha256) for r in erased] == [(None, None)] * 2
    assert [r.time for r in erased] == [r.time for r in conversation(chat)]  # no person in it
    raw = stack.sessions.kw["bind"].raw_connection()
    try:
        dump = "\n".join(raw.iterdump())
    finally:
        raw.close()
    assert EVE[1:] not in dump and "il manque deux colis" not in dump
    kept = "\n".join(
        line
        for line in dump.splitlines()
        if line.startswith(('INSERT INTO "conversation_messages"', 'INSERT INTO "dispute_chats"'))
    )
    assert kept and not [
        t for t in traces if t is not None and t in kept
    ]  # ids and text hashes forgotten
    assert len(chat.dispute(sscc, dispute_id)["leaves"]) == 2  # the ledger is untouched

    transcript = tmp_path / "erased.json"
    capsys.readouterr()
    assert main(["dispute", "export", sscc, dispute_id, "--output", str(transcript)]) == 0
    document = json.loads(transcript.read_text(encoding="utf-8"))
    assert [(m["id"], m["text"]) for m in document["messages"]] == [(None, None)] * 2
    assert [m["direction"] for m in document["messages"]] == ["in", "out"]
    capsys.readouterr()
    assert main(["verify", "--conversation", str(transcript)]) == 1
    report = capsys.readouterr().out.splitlines()
    assert report[0] == "FAIL 2 message(s), 2 anchored leaf/leaves"
    [anchor] = chat.dispute(sscc, dispute_id)["anchors"]
    assert report[1].startswith(f"  anchor leaves 0..1: tx {anchor['tx_id']} block ")
    assert report[2:4] == [
        "  message 0 (id erased): no text to check (erased or malformed)",
        "  message 1 (id erased): no text to check (erased or malformed)",
    ]
