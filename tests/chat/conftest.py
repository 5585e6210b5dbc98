"""Fixtures of the chat's terms tests: the tracker and the WhatsApp sandbox over real HTTP
(tests/support's stack) in front of a SimulatedPeer (FAKE, not Fabric) running the real
chaincode, with the tracker's own identity to open and anchor disputes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import Enrolment, SimPki
from tests.chat.chat_stack import ChatStack, start_chat_stack


@pytest.fixture(scope="module")
def people(pki: SimPki) -> dict[str, Enrolment]:
    """Staff enrolments by nickname, and the tracker's own identity (no role)."""
    return {
        **pki.staff(),
        "tracker": pki.enrol("CarrierMSP", "tracker", None),
    }


@pytest.fixture
def chat(
    tmp_path: Path, pki: SimPki, peer: SimulatedPeer, people: dict[str, Enrolment]
) -> Iterator[ChatStack]:
    """Tracker, sandbox and peer; the worker is started by each test."""
    running = start_chat_stack(tmp_path, pki, peer, people)
    yield running
    running.close()
