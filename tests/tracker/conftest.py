"""Fixtures of the tracker's end-to-end tests: a test PKI, the stack, the ledger."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Helpers live beside this file and in tests/ledger; importlib mode does not add them.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "ledger"))

from ledger_pki import MSP_ID, LedgerPki, make_pki  # noqa: E402
from ledger_wire import Endorser  # noqa: E402
from tracker_ledger import PRODUCER, Ledger  # noqa: E402
from tracker_stack import Stack, start_stack  # noqa: E402

from tracker.ledger.identity import load_enrolment  # noqa: E402


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LedgerPki:
    """A throwaway CA and enrolment, shared by the session."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request access lines
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """Tracker app and sandbox over real HTTP, on a fresh SQLite file."""
    running = start_stack(tmp_path)
    yield running
    running.close()


@pytest.fixture
def ledger_for(pki: LedgerPki) -> Callable[[Stack], Ledger]:
    """Build a ledger followed into a given stack's database."""

    def build(stack: Stack) -> Ledger:
        producer, _ = load_enrolment(PRODUCER, pki.msp_dir)
        endorser = Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key)
        return Ledger(pki, producer, endorser, stack.sessions)

    return build


@pytest.fixture
def ledger(ledger_for: Callable[[Stack], Ledger], stack: Stack) -> Ledger:
    """A ledger whose blocks are followed into the stack's database as they are added."""
    return ledger_for(stack)
