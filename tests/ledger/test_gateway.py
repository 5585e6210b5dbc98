"""The client end to end against the in-process FAKE gateway peer (real gRPC, real TLS)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.peer import transaction_pb2

from fabricsim.gateway import FakePeer
from fabricsim.pki import PEER_HOST, SimPki
from fabricsim.wire import (
    P256_N,
    ChaincodeRefusal,
    Endorser,
    Outcome,
    endorsed_envelope,
    make_block,
)
from tracker.ledger import protocol
from tracker.ledger.blocks import decode_block
from tracker.ledger.cursor import FileCursor
from tracker.ledger.errors import ChaincodeError, CommitError, LedgerError, LedgerUnavailable
from tracker.ledger.gateway import Gateway, Timeouts, connect
from tracker.ledger.identity import Identity, Signer

CHANNEL, CHAINCODE = "supplychain", "provenance"


def _echo(args: list[bytes]) -> Outcome:
    return Outcome(result=b"|".join(args), writes=[(args[0].decode(), b"v", False)] if args else [])


def _refuse(code: str) -> Callable[[list[bytes]], Outcome]:
    def handler(args: list[bytes]) -> Outcome:
        raise ChaincodeRefusal(f"{code}: refused {args[0].decode()}")

    return handler


def test_evaluate_returns_result_after_peer_checks(gateway: Gateway, fake_peer: FakePeer) -> None:
    fake_peer.gateway.handlers["ReadShipment"] = _echo
    contract = gateway.network(CHANNEL).contract(CHAINCODE)
    assert contract.evaluate("ReadShipment", "SHP-1", b"raw") == b"SHP-1|raw"
    assert len(fake_peer.gateway.evaluated) == 1
    assert fake_peer.gateway.rejections == []


def test_submit_endorses_submits_and_waits_for_commit(
    gateway: Gateway, fake_peer: FakePeer
) -> None:
    fake_peer.gateway.handlers["CreateShipment"] = _echo
    result = (
        gateway.network(CHANNEL)
        .contract(CHAINCODE)
        .submit("CreateShipment", "SHP-2", transient={"price": b"12"})
    )
    assert result.validation_code == "VALID"
    assert result.result == b"SHP-2"
    assert result.block_number == 11
    assert fake_peer.gateway.endorsed == fake_peer.gateway.submitted == [result.tx_id]
    assert fake_peer.gateway.transients == [{"price": b"12"}]
    assert fake_peer.gateway.rejections == []


@pytest.mark.parametrize(
    "conflict", [transaction_pb2.MVCC_READ_CONFLICT, transaction_pb2.PHANTOM_READ_CONFLICT]
)
def test_a_read_conflict_is_retried_once_with_a_fresh_endorsement(
    gateway: Gateway, fake_peer: FakePeer, conflict: int
) -> None:
    fake = fake_peer.gateway
    fake.handlers["MoveShipment"] = _echo
    fake.commit_codes = [conflict, transaction_pb2.VALID]
    result = gateway.network(CHANNEL).contract(CHAINCODE).submit("MoveShipment", "SHP-3")
    assert result.validation_code == "VALID"
    assert len(fake.endorsed) == 2  # exactly one retry
    assert fake.endorsed[0] != fake.endorsed[1]  # new nonce, new tx id
    assert result.tx_id == fake.endorsed[1]
    assert result.block_number == 12


def test_mvcc_retries_are_bounded(
    fake_peer: FakePeer, pki: SimPki, identity: Identity, signer: Signer
) -> None:
    fake_peer.gateway.handlers["MoveShipment"] = _echo
    fake_peer.gateway.commit_codes = [transaction_pb2.MVCC_READ_CONFLICT] * 10
    with connect(
        endpoint=fake_peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=signer,
        identity=identity,
        mvcc_retries=1,
    ) as gw:
        with pytest.raises(CommitError) as caught:
            gw.network(CHANNEL).contract(CHAINCODE).submit("MoveShipment", "SHP-4")
    assert caught.value.validation_code == "MVCC_READ_CONFLICT"
    assert len(fake_peer.gateway.endorsed) == 2
    assert caught.value.tx_id == fake_peer.gateway.endorsed[-1]


def test_default_bound_is_three_retries(gateway: Gateway, fake_peer: FakePeer) -> None:
    fake_peer.gateway.handlers["MoveShipment"] = _echo
    fake_peer.gateway.commit_codes = [transaction_pb2.MVCC_READ_CONFLICT] * 10
    with pytest.raises(CommitError):
        gateway.network(CHANNEL).contract(CHAINCODE).submit("MoveShipment", "SHP-5")
    assert len(fake_peer.gateway.endorsed) == 4


def test_other_invalid_commit_is_not_retried(gateway: Gateway, fake_peer: FakePeer) -> None:
    fake_peer.gateway.handlers["MoveShipment"] = _echo
    fake_peer.gateway.commit_codes = [transaction_pb2.ENDORSEMENT_POLICY_FAILURE]
    with pytest.raises(CommitError) as caught:
        gateway.network(CHANNEL).contract(CHAINCODE).submit("MoveShipment", "SHP-6")
    assert caught.value.validation_code == "ENDORSEMENT_POLICY_FAILURE"
    assert caught.value.block_number == 11
    assert len(fake_peer.gateway.endorsed) == 1


def test_chaincode_refusal_on_submit(gateway: Gateway, fake_peer: FakePeer) -> None:
    fake_peer.gateway.handlers["ShipAs"] = _refuse("FORBIDDEN")
    with pytest.raises(ChaincodeError) as caught:
        gateway.network(CHANNEL).contract(CHAINCODE).submit("ShipAs", "SHP-7")
    error = caught.value
    assert error.chaincode_code == "FORBIDDEN"
    assert error.tx_id == fake_peer.gateway.endorsed[0]
    assert {d.msp_id for d in error.details} == {"Org1MSP", "Org2MSP"}
    assert fake_peer.gateway.submitted == []


def test_chaincode_refusal_on_evaluate(gateway: Gateway, fake_peer: FakePeer) -> None:
    fake_peer.gateway.handlers["ReadShipment"] = _refuse("SHIPMENT_NOT_FOUND")
    with pytest.raises(ChaincodeError) as caught:
        gateway.network(CHANNEL).contract(CHAINCODE).evaluate("ReadShipment", "SHP-404")
    assert caught.value.chaincode_code == "SHIPMENT_NOT_FOUND"
    assert caught.value.tx_id == fake_peer.gateway.evaluated[0]


def test_timeout_is_ledger_unavailable(gateway: Gateway, fake_peer: FakePeer) -> None:
    fake_peer.gateway.handlers["ReadShipment"] = _echo
    fake_peer.gateway.delay = 3  # far beyond the 0.1 s deadline: only the deadline ends the call
    with pytest.raises(LedgerUnavailable) as caught:
        gateway.network(CHANNEL).contract(CHAINCODE).evaluate("ReadShipment", "x", timeout=0.1)
    assert caught.value.grpc_code is not None
    assert caught.value.grpc_code.name == "DEADLINE_EXCEEDED"


def test_unreachable_peer_is_ledger_unavailable(
    pki: SimPki, identity: Identity, signer: Signer
) -> None:
    with connect(
        endpoint="127.0.0.1:1",
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=signer,
        identity=identity,
        timeouts=Timeouts(evaluate=1),
    ) as gw:
        with pytest.raises(LedgerUnavailable):
            gw.network(CHANNEL).contract(CHAINCODE).evaluate("ReadShipment")


class HighSSigner(Signer):
    """Deliberately non-canonical: turns every signature into its high-S twin."""

    def sign(self, message: bytes) -> bytes:
        r, s = decode_dss_signature(super().sign(message))
        return encode_dss_signature(r, P256_N - s)


def test_high_s_signature_is_rejected_by_the_peer(
    fake_peer: FakePeer, pki: SimPki, identity: Identity
) -> None:
    fake_peer.gateway.handlers["ReadShipment"] = _echo
    with connect(
        endpoint=fake_peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=HighSSigner(pki.client.key),
        identity=identity,
    ) as gw:
        with pytest.raises(LedgerError) as caught:
            gw.network(CHANNEL).contract(CHAINCODE).evaluate("ReadShipment", "x")
    assert "high-S" in str(caught.value)
    assert fake_peer.gateway.rejections and fake_peer.gateway.evaluated == []


def test_chaincode_events_resume_from_file_cursor(
    gateway: Gateway, fake_peer: FakePeer, tmp_path: Path
) -> None:
    fake_peer.gateway.handlers["Move"] = lambda args: Outcome(event=("Moved", args[0]))
    contract = gateway.network(CHANNEL).contract(CHAINCODE)
    submitted = [contract.submit("Move", f"SHP-{i}") for i in range(3)]
    network = gateway.network(CHANNEL)
    cursor = FileCursor(tmp_path / "cc-events.json")

    with network.chaincode_events(CHAINCODE, start_block=0) as events:
        first = next(events)
    assert (first.tx_id, first.event_name, first.payload) == (submitted[0].tx_id, "Moved", b"SHP-0")
    assert first.block_number == submitted[0].block_number
    cursor.transaction_done(first.block_number, first.tx_id)

    resumed = FileCursor(tmp_path / "cc-events.json")
    with network.chaincode_events(CHAINCODE, cursor=resumed) as events:
        rest = list(events)
    assert [e.payload for e in rest] == [b"SHP-1", b"SHP-2"]


def test_block_events_deliver_full_blocks(
    gateway: Gateway, fake_peer: FakePeer, pki: SimPki, identity: Identity, endorser: Endorser
) -> None:
    envelopes = [
        endorsed_envelope(
            client_key=pki.client.key,
            creator=identity.creator,
            channel=CHANNEL,
            chaincode=CHAINCODE,
            nonce=bytes([n]) * 24,
            outcome=Outcome(writes=[(f"K{n}", b"v", False)]),
            endorser=endorser,
            seconds=n,
        )
        for n in range(3)
    ]
    previous = b""
    for number, envelope in enumerate(envelopes):
        block = make_block(number, previous, [envelope], bytes([transaction_pb2.VALID]))
        fake_peer.deliver.blocks.append(block)
        previous = decode_block(block).header_hash

    with gateway.network(CHANNEL).block_events(start_block=1, stop_at_newest=True) as blocks:
        received = [decode_block(b) for b in blocks]

    assert [b.number for b in received] == [1, 2]
    assert received[1].previous_hash == received[0].header_hash  # the chain links up
    assert received[0].transactions[0].writes[0].key == "K1"
    seek = fake_peer.deliver.seeks[0]
    assert seek.start.specified.number == 1


def test_block_events_stream_error_is_translated(gateway: Gateway, fake_peer: FakePeer) -> None:
    with gateway.network(CHANNEL).block_events(start_block=0) as blocks:
        with pytest.raises(LedgerUnavailable):
            next(blocks)


def test_peer_refuses_a_wrong_tx_id(
    gateway: Gateway, fake_peer: FakePeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_peer.gateway.handlers["ReadShipment"] = _echo
    monkeypatch.setattr(protocol, "transaction_id", lambda nonce, creator: "0" * 64)
    with pytest.raises(LedgerError, match="invalid txID"):
        gateway.network(CHANNEL).contract(CHAINCODE).evaluate("ReadShipment", "x")


def test_peer_refuses_a_signature_by_another_key(
    fake_peer: FakePeer, pki: SimPki, identity: Identity
) -> None:
    fake_peer.gateway.handlers["ReadShipment"] = _echo
    with connect(
        endpoint=fake_peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=Signer(pki.peer.key),  # not the key of the client's certificate
        identity=identity,
    ) as gw:
        with pytest.raises(LedgerError, match="verification failed"):
            gw.network(CHANNEL).contract(CHAINCODE).evaluate("ReadShipment", "x")
