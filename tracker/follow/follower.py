"""The block follower: full blocks from a peer, applied to the read model exactly once.

Each block is applied in one database transaction together with the follower's position
(and whatever `on_changes` writes, e.g. notification outbox rows), so a crash at any point
neither skips nor repeats a block: the next run starts at the position.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from tracker.ledger.blocks import DecodedBlock, decode_block
from tracker.store.agreements import TERMS_TABLES
from tracker.store.db import transaction
from tracker.store.projection import Change, apply_block
from tracker.store.readmodel import (
    BlockRow,
    CheckpointRow,
    FollowerState,
    ShipmentRow,
    TransactionRow,
)

log = logging.getLogger(__name__)

BlockSource = Callable[[int], Iterable[Any]]
"""Given the first block number wanted, yields raw `common.Block` messages in order."""

ChangeHandler = Callable[[Session, list[Change]], None]


class ChainBroken(RuntimeError):
    """A block does not follow the one before it (wrong number or previous hash)."""


def position(sessions: sessionmaker[Session], channel: str) -> int:
    """The follower's position on a channel: the number of the next block to apply."""
    with sessions() as session:
        state = session.get(FollowerState, channel)
        return 0 if state is None else state.next_block


@dataclass(frozen=True)
class FollowerConfig:
    """Which channel and chaincode to follow."""

    channel: str
    chaincode: str


class Follower:
    """Reads blocks from a source and mirrors them into the read model."""

    def __init__(
        self,
        *,
        config: FollowerConfig,
        sessions: sessionmaker[Session],
        source: BlockSource,
        on_changes: ChangeHandler | None = None,
        after_commit: Callable[[list[Change]], None] | None = None,
    ) -> None:
        """Wires the follower; nothing runs until `run`.

        `on_changes` runs inside each block's transaction; `after_commit` once it committed.
        """
        self._config = config
        self._sessions = sessions
        self._source = source
        self._on_changes = on_changes
        self._after_commit = after_commit

    def next_block(self) -> int:
        """The position: the number of the next block to apply."""
        return position(self._sessions, self._config.channel)

    def run(self, *, until_block: int | None = None) -> int:
        """Applies blocks from the position on; returns how many were applied.

        Stops after `until_block` when given, otherwise when the source ends.
        """
        applied = 0
        start = self.next_block()
        if until_block is not None and start > until_block:
            return 0
        for raw in self._source(start):
            block = decode_block(raw)
            self.apply(block)
            applied += 1
            if until_block is not None and block.number >= until_block:
                break
        return applied

    def apply(self, block: DecodedBlock) -> list[Change]:
        """Applies one block and advances the position, all in one transaction."""
        with transaction(self._sessions) as session:
            state = session.get(FollowerState, self._config.channel, with_for_update=True)
            expected = 0 if state is None else state.next_block
            if block.number != expected:
                raise ChainBroken(f"expected block {expected}, got block {block.number}")
            self._check_link(session, block)
            changes = apply_block(session, block, chaincode=self._config.chaincode)
            if self._on_changes is not None and changes:
                self._on_changes(session, changes)
            if state is None:
                session.add(FollowerState(channel=self._config.channel, next_block=1))
            else:
                state.next_block = block.number + 1
        log.info("block %d applied (%d tx)", block.number, len(block.transactions))
        if self._after_commit is not None and changes:
            self._after_commit(changes)
        return changes

    def _check_link(self, session: Session, block: DecodedBlock) -> None:
        # Checked as we go, so a peer serving a forked or altered chain is noticed at once.
        if not block.data_hash_matches:
            raise ChainBroken(f"block {block.number}: data hash does not match its envelopes")
        if block.number == 0:
            return
        before = session.get(BlockRow, block.number - 1)
        if before is not None and before.header_hash != block.previous_hash:
            raise ChainBroken(f"block {block.number}: previous hash is not block {before.number}'s")

    def reset(self) -> None:
        """Empties the read model and the position, so `run` rebuilds it from block 0."""
        with transaction(self._sessions) as session:
            for table in (*TERMS_TABLES, CheckpointRow, ShipmentRow, TransactionRow, BlockRow):
                session.execute(delete(table))
            channel = FollowerState.channel == self._config.channel
            session.execute(delete(FollowerState).where(channel))
