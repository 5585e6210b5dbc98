"""Fixtures shared by every test folder: the database backends the store must work on, the
simulated network's PKI, peer and identities (the client's enrolment, the peer's endorser), an
in-process FAKE gateway peer and a client connected to it, and the tracker stack over real
HTTP with its ledger."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fabricsim.gateway import FakeDeliver, FakeGateway, FakePeer, serving
from fabricsim.peer import SimulatedPeer
from fabricsim.pki import MSP_ID, PEER_HOST, SimPki
from fabricsim.wire import Endorser
from tests.support.tracker_ledger import PRODUCER, Ledger
from tests.support.tracker_stack import Stack, start_stack
from tracker.ledger.gateway import Gateway, Timeouts, connect
from tracker.ledger.identity import Identity, Signer, load_enrolment
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


@pytest.fixture(scope="module")
def enrolment(pki: SimPki) -> tuple[Identity, Signer]:
    """The client identity and signer loaded from the test MSP dir."""
    return load_enrolment(MSP_ID, pki.msp_dir)


@pytest.fixture
def identity(enrolment: tuple[Identity, Signer]) -> Identity:
    """The client identity."""
    return enrolment[0]


@pytest.fixture
def signer(enrolment: tuple[Identity, Signer]) -> Signer:
    """The client signer."""
    return enrolment[1]


@pytest.fixture
def endorser(pki: SimPki) -> Endorser:
    """The fake peer's signing identity."""
    return Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key)


@pytest.fixture
def fake_peer(pki: SimPki, endorser: Endorser) -> Iterator[FakePeer]:
    """Start an in-process FAKE gateway peer with TLS; stop it afterwards."""
    fake_gateway, fake_deliver = FakeGateway(endorser), FakeDeliver()
    tls = pki.tls_server
    with serving(tls.key_pem, tls.cert_pem, gateway=fake_gateway, deliver=fake_deliver) as at:
        yield FakePeer(fake_gateway, fake_deliver, at)


@pytest.fixture
def gateway(
    fake_peer: FakePeer, pki: SimPki, identity: Identity, signer: Signer
) -> Iterator[Gateway]:
    """A client Gateway connected to the fake peer through real TLS."""
    with connect(
        endpoint=fake_peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=signer,
        identity=identity,
        timeouts=Timeouts(evaluate=2, endorse=2, submit=2, commit_status=2),
    ) as gw:
        yield gw
