"""Fixtures of the chat's terms tests: the tracker and the WhatsApp sandbox over real HTTP
(tests/tracker's stack) in front of a SimulatedPeer (FAKE, not Fabric) running the real
chaincode, with the tracker's own identity to open and anchor disputes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for folder in ("chat", "tracker", "sim", "ledger", "chaincode", "pipeline", "verify"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from chat_stack import ChatStack, start_chat_stack  # noqa: E402
from sim_fixtures import sim_peer_fixture, sim_pki_fixture  # noqa: E402, F401
from sim_peer import SimulatedPeer  # noqa: E402
from sim_pki import Enrolment, SimPki  # noqa: E402


@pytest.fixture(scope="session")
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
