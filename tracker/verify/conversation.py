"""Does an exported dispute transcript match what was anchored on the ledger? (pure)

Each message's leaf hash (`terms.merkle.leaf_hash` over its id, direction, time and the
SHA-256 of its text) is compared with the anchored leaf at the same index: a message that
differs is named by index and id; one found at another index is out of order; leaves no
message accounts for are missing, messages beyond the leaves are extra. The ledger's own root
is recomputed over its leaves too, so a dispute document that does not hold together fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from terms.merkle import leaf_hash, root

TRANSCRIPT_FIELDS = ("id", "direction", "time", "text")


class TranscriptError(ValueError):
    """The file is not a transcript as `tracker dispute export` writes them."""


@dataclass(frozen=True)
class Transcript:
    """An exported conversation: the dispute it belongs to and its messages, in leaf order."""

    sscc: str
    dispute_id: str
    messages: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class ConversationCheck:
    """The outcome: PASS with the anchors, or the problems found."""

    messages: int
    leaves: int
    anchors: tuple[Mapping[str, Any], ...]
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """True when every message matches its anchored leaf and nothing is left over."""
        return not self.problems


def parse_transcript(data: object) -> Transcript:
    """A transcript from decoded JSON, or `TranscriptError` saying what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise TranscriptError("not a transcript object with a messages list")
    for key in ("sscc", "dispute_id"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise TranscriptError(f"{key} is missing")
    messages = data["messages"]
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise TranscriptError(f"message {index} is not an object")
        for name in ("id", "direction", "time"):
            if not isinstance(message.get(name), str):
                raise TranscriptError(f"message {index} has no {name}")
    return Transcript(data["sscc"], data["dispute_id"], tuple(messages))


def message_hash(message: Mapping[str, Any]) -> str | None:
    """The leaf a transcript message stands for; None when its text was erased (or malformed)."""
    text = message.get("text")
    if not isinstance(text, str) or message.get("direction") not in ("in", "out"):
        return None
    fields = {name: str(message[name]) for name in ("id", "direction", "time")}
    fields["text_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return leaf_hash(fields)


def check(transcript: Transcript, dispute: Mapping[str, Any]) -> ConversationCheck:
    """Compare a transcript with the dispute document read from the ledger."""
    leaves = [str(leaf) for leaf in dispute.get("leaves") or ()]
    anchors = tuple(dispute.get("anchors") or ())
    problems: list[str] = []
    if root(leaves) != dispute.get("root"):
        problems.append("the ledger's root does not match its own leaves")
    position = {leaf: index for index, leaf in enumerate(leaves)}
    explained: set[int] = set()
    for index, message in enumerate(transcript.messages):
        digest, name = message_hash(message), f"message {index} (id {message.get('id')})"
        if digest is not None and index < len(leaves) and leaves[index] == digest:
            explained.add(index)
        elif digest is None:
            problems.append(f"{name}: no text to check (erased or malformed)")
            explained.add(index)
        elif digest in position:
            problems.append(f"{name}: out of order, anchored as leaf {position[digest]}")
            explained.add(position[digest])
        elif index < len(leaves):
            problems.append(f"{name}: differs from anchored leaf {index}")
            explained.add(index)
        else:
            problems.append(f"{name}: extra, never anchored")
    for index in range(len(leaves)):
        if index not in explained:
            problems.append(f"leaf {index}: missing from the transcript")
    return ConversationCheck(len(transcript.messages), len(leaves), anchors, tuple(problems))


def render(result: ConversationCheck, blocks: Mapping[str, int] | None = None) -> str:
    """`PASS`/`FAIL` with the counts, then the anchors (tx id, block) or each problem."""
    head = f"{result.messages} message(s), {result.leaves} anchored leaf/leaves"
    lines = [("PASS " if result.passed else "FAIL ") + head]
    for anchor in result.anchors:
        tx_id = str(anchor.get("tx_id", ""))
        block = (blocks or {}).get(tx_id)
        first, count = int(anchor.get("first_index", 0)), int(anchor.get("count", 0))
        where = f" block {block}" if block is not None else ""
        lines.append(
            f"  anchor leaves {first}..{first + count - 1}: tx {tx_id}{where} "
            f"at {anchor.get('recorded_at', '')}"
        )
    lines += [f"  {problem}" for problem in result.problems]
    return "\n".join(lines)
