"""Fixtures of the crash tier: the tracker's processes in front of a SimulatedPeer (FAKE,
not Fabric) and the WhatsApp sandbox, both kept in the test process to outlive `kill -9`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crash.crash_stack import CrashStack, start_crash_stack


@pytest.fixture
def crash_stack(tmp_path: Path, database_url: str) -> Iterator[CrashStack]:
    """The running stack on an empty database (SQLite file, or PostgreSQL when configured)."""
    stack = start_crash_stack(tmp_path, database_url)
    try:
        yield stack
    finally:
        stack.close()
