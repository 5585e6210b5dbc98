"""Anchoring a dispute's conversation on the ledger, after each round of the chat worker.

For each open dispute with complete messages not yet anchored, the dispute is first read
from the ledger: leaves a crashed round already anchored (committed, but not yet marked
here) are recognised by their hashes and adopted at their ledger index, so a retry never
appends a leaf twice. The rest (up to `MAX_LEAVES`, in the order they were kept) go in one
AnchorConversation with the root over all leaves, old and new (`terms.merkle.root`); the
chaincode recomputes that root, so two workers racing cannot both append. Nothing on the
ledger but hashes: a message's id, direction, time and text hash are folded into its leaf.

A dispute the ledger resolved (its mirrored record says so) takes no new message; it is
`closing` until every message it still waits for, the resolution notice to its contact among
them, is anchored, then `resolved` (`close_resolved`, after each round's anchoring, in one
transaction with the dispute row locked). A crash anywhere leaves it `open` or `closing`, and
the next round anchors (or adopts) what is left before closing it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from terms.merkle import root
from tracker.chat.dispute_ledger import DisputeLedger
from tracker.ledger.errors import LedgerError
from tracker.store.conversations import (
    CLOSING,
    ON_LEDGER,
    OPEN,
    RESOLVED,
    ConversationMessageRow,
    DisputeChatRow,
    resolved_on_ledger,
    waiting_messages,
)
from tracker.store.db import transaction

log = logging.getLogger(__name__)

MAX_LEAVES = 500  # AnchorConversation's limit per call


@dataclass(frozen=True, slots=True)
class _Pending:
    dispute_id: str
    sscc: str
    rows: tuple[tuple[int, str], ...]  # (row id, leaf hash), in the order kept


def anchor_pending(sessions: sessionmaker[Session], ledger: DisputeLedger) -> int:
    """Anchor every dispute's new complete messages, then close the disputes the ledger
    resolved whose last messages are anchored; returns leaves placed plus disputes closed."""
    placed = 0
    for pending in _pending(sessions):
        try:
            placed += _anchor(sessions, ledger, pending)
        except LedgerError as error:  # the next round tries again, from the ledger's state
            log.warning("conversation of %s not anchored yet: %r", pending.dispute_id, error)
    return placed + close_resolved(sessions)


def close_resolved(sessions: sessionmaker[Session]) -> int:
    """`open` disputes the ledger resolved become `closing`, and `closing` ones with no message
    left to send or anchor become `resolved`; returns how many were closed."""
    with sessions() as session:
        ids = session.scalars(
            select(DisputeChatRow.id)
            .where(DisputeChatRow.state.in_((OPEN, CLOSING)), resolved_on_ledger())
            .order_by(DisputeChatRow.id)
        ).all()
    closed = 0
    for row_id in ids:
        with transaction(sessions) as session:
            row = session.get(DisputeChatRow, row_id, with_for_update=True)
            if row is None or row.state not in (OPEN, CLOSING):
                continue  # another worker closed it meanwhile
            row.state = CLOSING
            waiting = session.scalar(
                select(func.count())
                .select_from(ConversationMessageRow)
                .where(ConversationMessageRow.dispute_id == row.dispute_id, waiting_messages())
            )
            if not waiting:
                row.state = RESOLVED
                closed += 1
                log.info("dispute %s resolved: its conversation is anchored", row.dispute_id)
    return closed


def _pending(sessions: sessionmaker[Session]) -> list[_Pending]:
    unanchored = (
        ConversationMessageRow.leaf_hash.is_not(None),
        ConversationMessageRow.leaf_index.is_(None),
    )
    with sessions() as session:
        disputes = session.execute(
            select(DisputeChatRow.dispute_id, DisputeChatRow.sscc)
            .where(DisputeChatRow.state.in_(ON_LEDGER))
            .where(
                DisputeChatRow.dispute_id.in_(
                    select(ConversationMessageRow.dispute_id).where(*unanchored)
                )
            )
            .order_by(DisputeChatRow.id)
        ).all()
        found = []
        for dispute_id, sscc in disputes:
            of_dispute = ConversationMessageRow.dispute_id == dispute_id
            rows = session.execute(
                select(ConversationMessageRow.id, ConversationMessageRow.leaf_hash)
                .where(of_dispute, *unanchored)
                .order_by(ConversationMessageRow.id)
            ).all()
            pairs = tuple((row_id, str(leaf)) for row_id, leaf in rows)
            found.append(_Pending(dispute_id, sscc, pairs))
    return found


def _anchor(sessions: sessionmaker[Session], ledger: DisputeLedger, pending: _Pending) -> int:
    dispute = ledger.dispute(sscc=pending.sscc, dispute_id=pending.dispute_id)
    leaves = [str(leaf) for leaf in dispute.get("leaves", [])]
    # Adopt what a crashed round anchored: a leaf commits to its provider message id, so an
    # unmarked message whose leaf the ledger holds was anchored by us, at that index.
    index_of = {leaf: i for i, leaf in enumerate(leaves)}
    adopted = {row_id: index_of[leaf] for row_id, leaf in pending.rows if leaf in index_of}
    if adopted:
        _mark(sessions, adopted, _anchor_txs(dispute))
        log.info(
            "%s: %d leaves found anchored by an earlier round", pending.dispute_id, len(adopted)
        )
    new = [(row_id, leaf) for row_id, leaf in pending.rows if row_id not in adopted][:MAX_LEAVES]
    if not new:
        return len(adopted)
    new_leaves = [leaf for _, leaf in new]
    written = ledger.anchor(
        sscc=pending.sscc,
        dispute_id=pending.dispute_id,
        leaves=new_leaves,
        root=root(leaves + new_leaves),
    )
    placed = {row_id: len(leaves) + i for i, (row_id, _) in enumerate(new)}
    _mark(sessions, placed, {i: written.tx_id for i in placed.values()})
    log.info("%s: %d leaves anchored (tx %s)", pending.dispute_id, len(new), written.tx_id)
    return len(adopted) + len(new)


def _anchor_txs(dispute: dict[str, Any]) -> dict[int, str]:
    """Leaf index -> the transaction that anchored it, from the dispute's anchors."""
    txs: dict[int, str] = {}
    for anchor in dispute.get("anchors", []):
        first, count = int(anchor.get("first_index", 0)), int(anchor.get("count", 0))
        for index in range(first, first + count):
            txs[index] = str(anchor.get("tx_id", ""))
    return txs


def _mark(sessions: sessionmaker[Session], placed: dict[int, int], txs: dict[int, str]) -> None:
    with transaction(sessions) as session:
        for row_id, index in placed.items():
            row = session.get(ConversationMessageRow, row_id)
            if row is not None:
                row.leaf_index, row.anchor_tx = index, txs.get(index) or None
