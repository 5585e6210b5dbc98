"""Fixtures for the chaincode fast tier (pure logic, in-memory stub, protocol harness)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fabricsim.callers import Caller, caller
from fabricsim.world import InMemoryWorldState
from tests.chaincode.cc_samples import CARRIER, PRODUCER, RETAILER


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
