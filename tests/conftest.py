"""Fixtures shared by every test folder: the database backends the store must work on, the
simulated network's PKI and peer, and the tracker stack over real HTTP with its ledger."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import MSP_ID, SimPki
from fabricsim.wire import Endorser
from tests.support.tracker_ledger import PRODUCER, Ledger
from tests.support.tracker_stack import Stack, start_stack
from tracker.ledger.identity import load_enrolment
from tracker.store.db import make_engine
from tracker.store.engine import create_schema, open_database

POSTGRES_ENV = "TRACKER_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database per test: a SQLite file, and a fresh PostgreSQL database.

    scripts/test starts a throwaway PostgreSQL server and sets TRACKER_TEST_POSTGRES_URL;
    a bare `pytest` run without it reports the PostgreSQL variants as skipped, by name.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} not set (scripts/test starts PostgreSQL and sets it)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Every tracker table on an empty test database, opened as the tracker opens it."""
    engine, factory = open_database(database_url)
    create_schema(engine)
    yield factory
    engine.dispose()


# --- the simulated network (fabricsim: FAKE, not Fabric) ------------------------------------


@pytest.fixture(scope="module", name="pki")
def sim_pki(tmp_path_factory: pytest.TempPathFactory) -> SimPki:
    """One CA per organisation, the peer's TLS certificate and an Org1MSP client, per test
    module: enrolments a module's fixtures write never meet another module's."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request access lines
    return SimPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def peer(pki: SimPki) -> Iterator[SimulatedPeer]:
    """A fresh SimulatedPeer running the real chaincode on an empty world state."""
    running = SimulatedPeer(pki).start()
    yield running
    running.stop()


# --- the tracker's app, worker and the WhatsApp sandbox over real HTTP ----------------------


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """Tracker app and sandbox over real HTTP, on a fresh SQLite file."""
    running = start_stack(tmp_path)
    yield running
    running.close()


@pytest.fixture
def ledger_for(pki: SimPki) -> Callable[[Stack], Ledger]:
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
