"""The transcript check (pure): each message against its anchored leaf, by index and id."""

from __future__ import annotations

from typing import Any

import pytest

from terms.merkle import root
from tracker.chat.conversation import message_leaf
from tracker.verify.conversation import (
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
    return {"leaves": leaves, "root": root(leaves), "anchors": [anchor]}


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
