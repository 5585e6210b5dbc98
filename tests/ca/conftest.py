"""Fixtures of the Fabric CA client tests: a FAKE Fabric CA (not fabric-ca) over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ca.fake_ca import FakeFabricCa


@pytest.fixture
def fake_ca(tmp_path: Path) -> Iterator[FakeFabricCa]:
    """A fresh FAKE Fabric CA served on 127.0.0.1 over TLS, with its bootstrap registrar."""
    running = FakeFabricCa(tmp_path / "fake-ca").start()
    yield running
    running.stop()
