"""Fixtures for the ledger client tests: identity and an in-process FAKE gateway (the PKI is
tests/conftest.py's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fabricsim.gateway import FakeDeliver, FakeGateway, FakePeer, serving
from fabricsim.pki import MSP_ID, PEER_HOST, SimPki
from fabricsim.wire import Endorser
from tracker.ledger.gateway import Gateway, Timeouts, connect
from tracker.ledger.identity import Identity, Signer, load_enrolment


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
