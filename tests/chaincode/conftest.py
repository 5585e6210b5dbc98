"""Fixtures for the chaincode fast tier (pure logic, in-memory stub, protocol harness)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# --import-mode=importlib does not put test directories on sys.path; the helper
# modules here (cc_certs, cc_memory_stub, peer_protocol_harness) are imported by name.
sys.path.insert(0, str(Path(__file__).parent))

from cc_certs import Caller, caller  # noqa: E402
from cc_memory_stub import InMemoryWorldState  # noqa: E402
from cc_samples import CARRIER, PRODUCER, RETAILER  # noqa: E402


@pytest.fixture
def world() -> InMemoryWorldState:
    """A fresh in-memory world state (fake, not Fabric)."""
    return InMemoryWorldState()


@pytest.fixture
def who() -> Callable[..., Caller]:
    """Factory for callers: who(msp_id, role)."""
    return caller


@pytest.fixture
def dispatcher() -> Caller:
    """The producer's dispatcher."""
    return caller(PRODUCER, "dispatcher")


@pytest.fixture
def scanner() -> Caller:
    """The carrier's scanner."""
    return caller(CARRIER, "scanner")


@pytest.fixture
def receiver() -> Caller:
    """The retailer's receiver."""
    return caller(RETAILER, "receiver")
