"""Fixtures for the pipeline tests: the simulated chaincode ledger and a followed read model."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).parent))

from sim_ledger import SimLedger  # noqa: E402

from tracker.store.db import Base, make_engine, session_factory  # noqa: E402


@pytest.fixture
def sim(tmp_path: Path) -> SimLedger:
    """A fresh simulated ledger endorsed by a throwaway peer identity."""
    from ledger_pki import MSP_ID, make_pki
    from ledger_wire import Endorser

    pki = make_pki(tmp_path / "pki")
    return SimLedger(Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key))


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """The tracker's tables on the test database (SQLite and PostgreSQL)."""
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()
