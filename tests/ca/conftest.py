"""Fixtures of the Fabric CA client tests: a FAKE Fabric CA (not fabric-ca) over HTTPS."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for folder in ("ca", "ledger"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from fake_ca import FakeFabricCa  # noqa: E402


@pytest.fixture
def fake_ca(tmp_path: Path) -> Iterator[FakeFabricCa]:
    """A fresh FAKE Fabric CA served on 127.0.0.1 over TLS, with its bootstrap registrar."""
    running = FakeFabricCa(tmp_path / "fake-ca").start()
    yield running
    running.stop()
