"""Fixtures of the staff API tests: a SimulatedPeer (FAKE, not Fabric) over TLS, and the
tracker app with /api/v1 and /scan served over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import Enrolment, SimPki
from tests.api.api_stack import ApiStack, start_stack


@pytest.fixture(scope="module")
def people(pki: SimPki) -> dict[str, Enrolment]:
    """Enrolments shaped like Fabric CA's, with the role attribute, by nickname."""
    return {
        **pki.staff(),
        "auditor": pki.enrol("AuditorMSP", "auditor1", "auditor"),
        # A receiver of a retailer that is no party of the test shipments.
        "outsider": pki.enrol("OtherRetailMSP", "receiver9", "receiver"),
    }


@pytest.fixture
def stack_for(
    tmp_path: Path, pki: SimPki, people: dict[str, Enrolment]
) -> Iterator[Callable[..., ApiStack]]:
    """Build stacks (app over HTTP + staff + tokens) against a given peer."""
    started: list[ApiStack] = []

    def build(peer: SimulatedPeer, **settings: Any) -> ApiStack:
        stack = start_stack(tmp_path / f"stack{len(started)}", pki, peer, people, **settings)
        started.append(stack)
        return stack

    yield build
    for stack in started:
        stack.close()


@pytest.fixture
def stack(stack_for: Callable[..., ApiStack], peer: SimulatedPeer) -> ApiStack:
    """The tracker API in front of the simulated peer, with one token per person."""
    return stack_for(peer)
