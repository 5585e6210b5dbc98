"""Checkpointers: semantics and FileCheckpointer persistence."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.ledger.checkpoint import Checkpointer, FileCheckpointer, InMemoryCheckpointer


def test_in_memory_semantics() -> None:
    checkpointer = InMemoryCheckpointer()
    assert isinstance(checkpointer, Checkpointer)
    assert (checkpointer.block_number, checkpointer.tx_id) == (None, None)
    checkpointer.checkpoint_transaction(5, "tx-a")
    assert (checkpointer.block_number, checkpointer.tx_id) == (5, "tx-a")
    checkpointer.checkpoint_block(5)
    assert (checkpointer.block_number, checkpointer.tx_id) == (6, None)


def test_file_checkpointer_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state" / "events.json"
    first = FileCheckpointer(path)
    assert isinstance(first, Checkpointer)
    assert first.block_number is None and not path.exists()
    first.checkpoint_transaction(12, "tx-b")

    reopened = FileCheckpointer(path)
    assert (reopened.block_number, reopened.tx_id) == (12, "tx-b")
    reopened.checkpoint_block(12)

    again = FileCheckpointer(path)
    assert (again.block_number, again.tx_id) == (13, None)
    assert json.loads(path.read_text()) == {"blockNumber": 13, "transactionId": None}
    # Atomic replace leaves no temporary files behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["events.json"]
