"""Fixtures for the ledger client tests: test PKI, identity, and an in-process FAKE gateway."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Helper modules live next to this file; importlib import mode does not put them on sys.path.
sys.path.insert(0, str(Path(__file__).parent))

from ledger_fakes import FakeDeliver, FakeGateway, FakePeer, serving  # noqa: E402
from ledger_pki import MSP_ID, PEER_HOST, LedgerPki, make_pki  # noqa: E402
from ledger_wire import Endorser  # noqa: E402

from tracker.ledger.gateway import Gateway, Timeouts, connect  # noqa: E402
from tracker.ledger.identity import Identity, Signer, load_enrolment  # noqa: E402


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LedgerPki:
    """A throwaway CA with client, peer and TLS certificates, and an MSP dir on disk."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def enrolment(pki: LedgerPki) -> tuple[Identity, Signer]:
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
def endorser(pki: LedgerPki) -> Endorser:
    """The fake peer's signing identity."""
    return Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key)


@pytest.fixture
def fake_peer(pki: LedgerPki, endorser: Endorser) -> Iterator[FakePeer]:
    """Start an in-process FAKE gateway peer with TLS; stop it afterwards."""
    fake_gateway, fake_deliver = FakeGateway(endorser), FakeDeliver()
    tls = pki.tls_server
    with serving(tls.key_pem, tls.cert_pem, gateway=fake_gateway, deliver=fake_deliver) as at:
        yield FakePeer(fake_gateway, fake_deliver, at)


@pytest.fixture
def gateway(
    fake_peer: FakePeer, pki: LedgerPki, identity: Identity, signer: Signer
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
