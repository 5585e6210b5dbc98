"""Does an exported dispute transcript match what was anchored on the ledger? (pure)

Each message's leaf hash (`terms.merkle.leaf_hash` over its id, direction, time and the
SHA-256 of its text) is compared with the anchored leaf at the same index: a message that
differs is named by index and id; one found at another index is out of order; leaves no
message accounts for are missing, messages beyond the leaves are extra. The ledger's own root
is recomputed over its leaves too, so a dispute document that does not hold together fails.
A message whose contact was erased (`"id": null, "text": null`) has no text to check.

The dispute is not taken from one peer's word: `DisputeWalk` rebuilds it from the chain itself,
walked and verified from block 0 as `tracker verify --report` does (`verify.chain.ChainWalk`),
and `check` holds the transcript to the record the chain's VALID writes hold. Each anchor's
transaction must be a VALID one of a verified block that wrote this dispute with exactly the
leaves up to its own and its root; the peer's GetDispute must agree with the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from terms.merkle import leaf_hash, root
from tracker.ledger.blocks import DecodedTransaction
from tracker.verify.chain import VALID, ChainWalk, split_key

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


class DisputeWalk(ChainWalk):
    """A `ChainWalk` that also keeps what each VALID transaction wrote to one dispute's key."""

    def __init__(self, sscc: str, dispute_id: str, *, chaincode: str = "provenance") -> None:
        """Walk the chain of `chaincode`, watching dispute [sscc, dispute_id]."""
        super().__init__(chaincode=chaincode)
        self.watched = (sscc, dispute_id)
        self.dispute_writes: dict[str, bytes | None] = {}  # tx id -> value (None: deleted)

    def _apply(self, number: int, tx: DecodedTransaction, where: str) -> None:
        super()._apply(number, tx, where)
        for write in tx.writes:
            parsed = split_key(write.key) if write.namespace == self.chaincode else None
            if parsed is not None and parsed == ("dispute", list(self.watched)):
                self.dispute_writes[tx.tx_id] = None if write.is_delete else write.value


@dataclass(frozen=True)
class ChainRecord:
    """The dispute as the verified chain holds it: its document (None when the chain's writes
    hold none), where each transaction is, what each wrote to it, and the chain's failures."""

    document: Mapping[str, Any] | None
    blocks: Mapping[str, int]  # tx id -> block number
    codes: Mapping[str, str]  # tx id -> validation code
    writes: Mapping[str, bytes | None]
    failures: tuple[str, ...] = ()


def chain_record(walk: DisputeWalk) -> ChainRecord:
    """What the walked chain says of its watched dispute."""
    entry = walk.state().records("dispute").get(walk.watched)
    document = None if entry is None else json.loads(entry.value)
    return ChainRecord(
        document=document if isinstance(document, dict) else None,
        blocks={tx_id: tx.block_number for tx_id, tx in walk.transactions.items()},
        codes={tx_id: tx.validation_code for tx_id, tx in walk.transactions.items()},
        writes=dict(walk.dispute_writes),
        failures=tuple(f"chain: {f.where}: {f.what}" for f in walk.failures),
    )


def _anchor_problems(anchor: Mapping[str, Any], leaves: list[str], chain: ChainRecord) -> list[str]:
    """Is the anchor's transaction a VALID one that wrote this dispute up to its leaves?"""
    tx_id = str(anchor.get("tx_id", ""))
    first, count = int(anchor.get("first_index", 0)), int(anchor.get("count", 0))
    name = f"anchor leaves {first}..{first + count - 1}: tx {tx_id}"
    if tx_id not in chain.codes:
        return [f"{name} is not on the chain"]
    if chain.codes[tx_id] != VALID:
        return [f"{name} is not a VALID transaction ({chain.codes[tx_id]})"]
    value = chain.writes.get(tx_id)
    if value is None:
        return [f"{name} wrote no such dispute on the chain"]
    written = json.loads(value)
    upto = leaves[: first + count]
    if not isinstance(written, dict) or [str(x) for x in written.get("leaves") or ()] != upto:
        return [f"{name} wrote other leaves than the chain's record holds"]
    if written.get("root") != root(upto) or anchor.get("root", written.get("root")) != root(upto):
        return [f"{name}: its root is not the root over leaves 0..{first + count - 1}"]
    return []


def _chain_problems(dispute: Mapping[str, Any], chain: ChainRecord) -> list[str]:
    problems = list(chain.failures)
    document = chain.document
    if document is None:
        return [*problems, "the chain's writes hold no such dispute"]
    for name in ("leaves", "root", "anchors"):
        if dispute.get(name) != document.get(name):
            problems.append(f"the peer's GetDispute differs from the chain's writes ({name})")
    leaves = [str(leaf) for leaf in document.get("leaves") or ()]
    expected = 0
    for anchor in document.get("anchors") or ():
        if int(anchor.get("first_index", -1)) != expected:
            problems.append(f"anchor of tx {anchor.get('tx_id')} does not follow the one before")
        expected = int(anchor.get("first_index", 0)) + int(anchor.get("count", 0))
        problems += _anchor_problems(anchor, leaves, chain)
    if expected != len(leaves):
        problems.append(f"the anchors cover {expected} leaves, the chain's record {len(leaves)}")
    return problems


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
        erased = message.get("text") is None and message.get("id") is None
        for name in ("direction", "time") if erased else ("id", "direction", "time"):
            if not isinstance(message.get(name), str):
                raise TranscriptError(f"message {index} has no {name}")
    return Transcript(data["sscc"], data["dispute_id"], tuple(messages))


def message_hash(message: Mapping[str, Any]) -> str | None:
    """The leaf a transcript message stands for; None when its text was erased (or malformed)."""
    text, message_id = message.get("text"), message.get("id")
    if not isinstance(text, str) or not isinstance(message_id, str):
        return None
    if message.get("direction") not in ("in", "out"):
        return None
    fields = {name: str(message[name]) for name in ("id", "direction", "time")}
    fields["text_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return leaf_hash(fields)


def check(
    transcript: Transcript, dispute: Mapping[str, Any], chain: ChainRecord | None = None
) -> ConversationCheck:
    """Compare a transcript with the dispute document read from the ledger; with `chain`, with
    the record the verified chain holds (and the peer's document with that record)."""
    problems: list[str] = []
    if chain is not None:
        problems += _chain_problems(dispute, chain)
        dispute = chain.document or {"leaves": [], "root": root([]), "anchors": []}
    leaves = [str(leaf) for leaf in dispute.get("leaves") or ()]
    anchors = tuple(dispute.get("anchors") or ())
    if root(leaves) != dispute.get("root"):
        problems.append("the ledger's root does not match its own leaves")
    position = {leaf: index for index, leaf in enumerate(leaves)}
    explained: set[int] = set()
    for index, message in enumerate(transcript.messages):
        shown = message.get("id") if message.get("id") is not None else "erased"
        digest, name = message_hash(message), f"message {index} (id {shown})"
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
