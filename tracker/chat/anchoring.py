"""Anchoring a dispute's conversation on the ledger, after each round of the chat worker.

For each open dispute with complete messages not yet anchored, the dispute is first read
from the ledger: leaves a crashed round already anchored (committed, but not yet marked
here) are recognised by their hashes and adopted at their ledger index, so a retry never
appends a leaf twice. The rest (up to `MAX_LEAVES`, in the order they were kept) go in one
AnchorConversation with the root over all leaves, old and new (`terms.merkle.root`); the
chaincode recomputes that root, so two workers racing cannot both append. Nothing on the
ledger but hashes: a message's id, direction, time and text hash are folded into its leaf.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from terms.merkle import root
from tracker.chat.dispute_ledger import DisputeLedger
from tracker.ledger.errors import LedgerError
from tracker.store.conversations import OPEN, ConversationMessageRow, DisputeChatRow
from tracker.store.db import transaction

log = logging.getLogger(__name__)

MAX_LEAVES = 500  # AnchorConversation's limit per call


@dataclass(frozen=True, slots=True)
class _Pending:
    dispute_id: str
    sscc: str
    rows: tuple[tuple[int, str], ...]  # (row id, leaf hash), in the order kept


def anchor_pending(sessions: sessionmaker[Session], ledger: DisputeLedger) -> int:
    """Anchor every open dispute's new complete messages; returns how many leaves were placed."""
    placed = 0
    for pending in _pending(sessions):
        try:
            placed += _anchor(sessions, ledger, pending)
        except LedgerError as error:  # the next round tries again, from the ledger's state
            log.warning("conversation of %s not anchored yet: %r", pending.dispute_id, error)
    return placed


def _pending(sessions: sessionmaker[Session]) -> list[_Pending]:
    unanchored = (
        ConversationMessageRow.leaf_hash.is_not(None),
        ConversationMessageRow.leaf_index.is_(None),
    )
    with sessions() as session:
        disputes = session.execute(
            select(DisputeChatRow.dispute_id, DisputeChatRow.sscc)
            .where(DisputeChatRow.state == OPEN)
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
