"""Fixtures for the verification tests: a consortium, its channel, and a followed read model."""

from __future__ import annotations

import pytest

# Helper modules live beside the tests (and in tests/ledger); importlib mode does not add them.
from sqlalchemy.orm import Session, sessionmaker

from fabricsim.consortium import Consortium, make_consortium
from tests.verify.verify_chain import FOLLOW, Journey, build_journey
from tracker.follow.follower import Follower


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
