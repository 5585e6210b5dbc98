"""Event cursors: remember how far event processing got, so a listener can resume.

The official clients call these checkpointers (pkg/client/filecheckpointer.go, node
checkpointers.ts); here "checkpoint" is a custody scan, so the listener's place is a cursor.
Semantics follow those clients: ``block_number`` is the block in which the next event is
expected and ``tx_id`` the last processed transaction within it; ``block_done(n)`` moves on
to block n + 1. The caller moves the cursor after it has processed an event, never before.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Cursor(Protocol):
    """Where to resume: block_number (None when fresh) and last processed tx_id in it."""

    @property
    def block_number(self) -> int | None:
        """Block in which the next event is expected, or None when nothing was processed."""

    @property
    def tx_id(self) -> str | None:
        """Last processed transaction within ``block_number``, if any."""

    def block_done(self, block_number: int) -> None:
        """Record that every event of ``block_number`` has been processed."""

    def transaction_done(self, block_number: int, tx_id: str) -> None:
        """Record that the events of ``tx_id`` in ``block_number`` have been processed."""


class InMemoryCursor:
    """Cursor that lives as long as the process."""

    def __init__(self) -> None:
        """Start at no position."""
        self._block_number: int | None = None
        self._tx_id: str | None = None

    @property
    def block_number(self) -> int | None:
        """Block in which the next event is expected."""
        return self._block_number

    @property
    def tx_id(self) -> str | None:
        """Last processed transaction within ``block_number``."""
        return self._tx_id

    def block_done(self, block_number: int) -> None:
        """Move on to the block after ``block_number``."""
        self._block_number, self._tx_id = block_number + 1, None

    def transaction_done(self, block_number: int, tx_id: str) -> None:
        """Remember the last processed transaction."""
        self._block_number, self._tx_id = block_number, tx_id


class FileCursor(InMemoryCursor):
    """Cursor persisted as JSON, in the official clients' file format; each update is an
    atomic replace of the file."""

    def __init__(self, path: str | Path) -> None:
        """Load the cursor at ``path`` if it exists (it is created on first update)."""
        super().__init__()
        self._path = Path(path)
        if self._path.exists() and self._path.stat().st_size > 0:
            state = json.loads(self._path.read_text(encoding="utf-8"))
            number = state.get("blockNumber")
            self._block_number = int(number) if number is not None else None
            self._tx_id = state.get("transactionId") or None

    @property
    def path(self) -> Path:
        """File holding the cursor."""
        return self._path

    def block_done(self, block_number: int) -> None:
        """Move on to the block after ``block_number`` and persist."""
        super().block_done(block_number)
        self._save()

    def transaction_done(self, block_number: int, tx_id: str) -> None:
        """Remember the last processed transaction and persist."""
        super().transaction_done(block_number, tx_id)
        self._save()

    def _save(self) -> None:
        # Write-then-rename: a crash leaves either the old or the new cursor, never half.
        state = {"blockNumber": self._block_number, "transactionId": self._tx_id}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self._path.name}.", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._fsync_dir()

    def _fsync_dir(self) -> None:
        # The rename itself is only durable once the directory entry is flushed.
        dir_fd = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
