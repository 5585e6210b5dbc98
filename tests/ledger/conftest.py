"""Fixtures for the ledger client tests: test PKI, identity, and an in-process FAKE gateway."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from fabric_protos.gateway import gateway_pb2_grpc
from fabric_protos.peer import events_pb2_grpc

# Helper modules live next to this file; importlib import mode does not put them on sys.path.
sys.path.insert(0, str(Path(__file__).parent))

from ledger_fakes import FakeDeliver, FakeGateway, FakePeer  # noqa: E402
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
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    fake_gateway, fake_deliver = FakeGateway(endorser), FakeDeliver()
    gateway_pb2_grpc.add_GatewayServicer_to_server(fake_gateway, server)
    events_pb2_grpc.add_DeliverServicer_to_server(fake_deliver, server)
    credentials = grpc.ssl_server_credentials([(pki.tls_server.key_pem, pki.tls_server.cert_pem)])
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    try:
        yield FakePeer(fake_gateway, fake_deliver, f"127.0.0.1:{port}")
    finally:
        server.stop(grace=None).wait()


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
