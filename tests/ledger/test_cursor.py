"""Event cursors: semantics and FileCursor persistence."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.ledger.cursor import Cursor, FileCursor, InMemoryCursor


def test_in_memory_semantics() -> None:
    cursor = InMemoryCursor()
    assert isinstance(cursor, Cursor)
    assert (cursor.block_number, cursor.tx_id) == (None, None)
    cursor.transaction_done(5, "tx-a")
    assert (cursor.block_number, cursor.tx_id) == (5, "tx-a")
    cursor.block_done(5)
    assert (cursor.block_number, cursor.tx_id) == (6, None)


def test_file_cursor_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state" / "events.json"
    first = FileCursor(path)
    assert isinstance(first, Cursor)
    assert first.block_number is None and not path.exists()
    first.transaction_done(12, "tx-b")

    reopened = FileCursor(path)
    assert (reopened.block_number, reopened.tx_id) == (12, "tx-b")
    reopened.block_done(12)

    again = FileCursor(path)
    assert (again.block_number, again.tx_id) == (13, None)
    assert json.loads(path.read_text()) == {"blockNumber": 13, "transactionId": None}
    # Atomic replace leaves no temporary files behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["events.json"]
