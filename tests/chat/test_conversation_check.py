"""The transcript check (pure): each message against its anchored leaf, by index and id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from terms.merkle import root
from tracker.chat.conversation import message_leaf
from tracker.verify.conversation import (
    ChainRecord,
    Transcript,
    TranscriptError,
    check,
    parse_transcript,
    render,
)

MESSAGES = [
    {"id": f"wamid.{i}", "direction": d, "time": f"2026-12-04T20:0{i}:00Z", "text": t}
    for i, (d, t) in enumerate([("in", "LITIGE 1 retard"), ("out", "Litige D-1"), ("in", "Où ?")])
]


def dispute(messages: list[dict[str, Any]]) -> dict[str, Any]:
    leaves = [message_leaf(m["id"], m["direction"], m["time"], m["text"]) for m in messages]
    anchor = {"first_index": 0, "count": len(leaves), "tx_id": "ab" * 32, "recorded_at": "t"}
    return {"leaves": leaves, "root": root(leaves), "anchors": [{**anchor, "root": root(leaves)}]}


def on_chain(document: dict[str, Any] | None, code: str = "VALID", **over: Any) -> ChainRecord:
    """The chain as `DisputeWalk` saw it: the anchor's tx wrote `document` in block 7."""
    written = None if document is None else json.dumps(document).encode()
    record = {"document": document, "blocks": {"ab" * 32: 7}, "codes": {"ab" * 32: code},
              "writes": {} if written is None else {"ab" * 32: written}}  # fmt: skip
    return ChainRecord(**{**record, **over})


def transcript(messages: list[dict[str, Any]]) -> Transcript:
    return parse_transcript({"sscc": "1", "dispute_id": "D-1", "messages": messages})


def test_an_exact_transcript_passes_with_its_anchors() -> None:
    result = check(transcript(MESSAGES), dispute(MESSAGES))
    assert result.passed
    assert render(result, {"ab" * 32: 7}).splitlines() == [
        "PASS 3 message(s), 3 anchored leaf/leaves",
        f"  anchor leaves 0..2: tx {'ab' * 32} block 7 at t",
    ]


@pytest.mark.parametrize(
    ("exported", "problem"),
    [
        (MESSAGES[:2], "leaf 2: missing from the transcript"),
        ([*MESSAGES, {**MESSAGES[0], "id": "wamid.9"}],
         "message 3 (id wamid.9): extra, never anchored"),
        ([MESSAGES[1], MESSAGES[0], MESSAGES[2]],
         "message 0 (id wamid.1): out of order, anchored as leaf 1"),
        ([MESSAGES[0], {**MESSAGES[1], "time": "2026-12-04T20:01:01Z"}, MESSAGES[2]],
         "message 1 (id wamid.1): differs from anchored leaf 1"),
    ],
)  # fmt: skip
def test_a_difference_is_named(exported: list[dict[str, Any]], problem: str) -> None:
    result = check(transcript(exported), dispute(MESSAGES))
    assert not result.passed
    assert problem in result.problems


def test_a_dispute_whose_root_does_not_hold_fails() -> None:
    broken = {**dispute(MESSAGES), "root": "0" * 64}
    assert (
        "the ledger's root does not match its own leaves"
        in check(transcript(MESSAGES), broken).problems
    )


@pytest.mark.parametrize(
    "data", [[], {"messages": []}, {"sscc": "1", "dispute_id": "D", "messages": [{"id": 1}]}]
)
def test_what_is_not_a_transcript_is_refused(data: object) -> None:
    with pytest.raises(TranscriptError):
        parse_transcript(data)


def test_the_chain_record_passes_with_the_chains_blocks() -> None:
    document = dispute(MESSAGES)
    result = check(transcript(MESSAGES), document, on_chain(document))
    assert result.passed
    assert render(result, on_chain(document).blocks).splitlines()[1].endswith(" block 7 at t")


def test_a_peer_that_lies_is_held_to_the_chain() -> None:
    forged = [{**MESSAGES[0], "text": "LITIGE 1 remboursé"}, *MESSAGES[1:]]
    result = check(transcript(forged), dispute(forged), on_chain(dispute(MESSAGES)))
    assert "the peer's GetDispute differs from the chain's writes (leaves)" in result.problems
    assert "message 0 (id wamid.0): differs from anchored leaf 0" in result.problems


@pytest.mark.parametrize(
    ("chain", "problem"),
    [
        (on_chain(dispute(MESSAGES), code="MVCC_READ_CONFLICT"),
         f"anchor leaves 0..2: tx {'ab' * 32} is not a VALID transaction (MVCC_READ_CONFLICT)"),
        (on_chain(dispute(MESSAGES), codes={}),
         f"anchor leaves 0..2: tx {'ab' * 32} is not on the chain"),
        (on_chain(dispute(MESSAGES), writes={}),
         f"anchor leaves 0..2: tx {'ab' * 32} wrote no such dispute on the chain"),
        (on_chain(dispute(MESSAGES),
                  writes={"ab" * 32: json.dumps(dispute(MESSAGES[:2])).encode()}),
         f"anchor leaves 0..2: tx {'ab' * 32} wrote other leaves than the chain's record holds"),
        (on_chain(dispute(MESSAGES), failures=("chain: block 3: data_hash is wrong",)),
         "chain: block 3: data_hash is wrong"),
        (on_chain(None), "the chain's writes hold no such dispute"),
    ],
)  # fmt: skip
def test_an_anchor_the_chain_does_not_back_fails(chain: ChainRecord, problem: str) -> None:
    result = check(transcript(MESSAGES), dispute(MESSAGES), chain)
    assert not result.passed
    assert problem in result.problems


def test_an_erased_message_has_no_text_to_check() -> None:
    erased = [{**MESSAGES[0], "id": None, "text": None}, *MESSAGES[1:]]
    result = check(parse_transcript({"sscc": "1", "dispute_id": "D-1", "messages": erased}),
                   dispute(MESSAGES))  # fmt: skip
    assert result.problems == ("message 0 (id erased): no text to check (erased or malformed)",)
