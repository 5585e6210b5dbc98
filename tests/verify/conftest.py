"""Fixtures for the verification tests: a consortium, its channel, and a followed read model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Helper modules live beside the tests (and in tests/ledger); importlib mode does not add them.
HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "ledger"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from sqlalchemy.orm import Session, sessionmaker  # noqa: E402
from verify_chain import FOLLOW, Journey, build_journey  # noqa: E402
from verify_pki import Consortium, make_consortium  # noqa: E402

from tracker.follow.follower import Follower  # noqa: E402


@pytest.fixture(scope="session")
def consortium() -> Consortium:
    """Per-org test CAs (Carrier's through an intermediate) and their enrolled members."""
    return make_consortium()


@pytest.fixture(scope="session")
def journey(consortium: Consortium) -> Journey:
    """Block 0 (config), then two shipments' journeys with one MVCC-invalid transaction."""
    return build_journey(consortium)


@pytest.fixture
def followed(journey: Journey, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The read model after the real Follower applied every block of the journey."""
    blocks = journey.blocks
    Follower(config=FOLLOW, sessions=sessions, source=lambda start: iter(blocks[start:])).run()
    return sessions
