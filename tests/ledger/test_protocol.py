"""Pure protocol builders: tx id, proposal layout, signed requests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2, transaction_pb2

from fabricsim.pki import MSP_ID, SimPki
from fabricsim.wire import Endorser, Outcome, chaincode_action_payload, verify_like_peer
from tracker.ledger import protocol
from tracker.ledger.identity import Identity, Signer


def test_nonce_is_24_random_bytes() -> None:
    nonces = {protocol.new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    assert all(len(n) == 24 for n in nonces)


def test_tx_id_is_sha256_of_nonce_and_creator(pki: SimPki, identity: Identity) -> None:
    nonce = bytes(range(24))
    creator = identities_pb2.SerializedIdentity(
        mspid=MSP_ID, id_bytes=pki.client.cert_pem
    ).SerializeToString()
    assert identity.creator == creator
    expected = hashlib.sha256(nonce + creator).hexdigest()
    assert protocol.transaction_id(nonce, identity.creator) == expected
    assert len(expected) == 64


def test_proposal_round_trip(identity: Identity) -> None:
    nonce = b"n" * 24
    when = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
    built = protocol.build_proposal(
        channel="supplychain",
        chaincode="provenance",
        fn="CreateShipment",
        args=["SHP-1", b"\x00\x01"],
        creator=identity.creator,
        nonce=nonce,
        transient={"secret": b"s3"},
        timestamp=when,
    )
    proposal = proposal_pb2.Proposal.FromString(built.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    ch = common_pb2.ChannelHeader.FromString(header.channel_header)
    sh = common_pb2.SignatureHeader.FromString(header.signature_header)
    ext = proposal_pb2.ChaincodeHeaderExtension.FromString(ch.extension)
    payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec

    assert ch.type == common_pb2.ENDORSER_TRANSACTION
    assert ch.channel_id == "supplychain"
    assert ch.tx_id == built.tx_id == hashlib.sha256(nonce + identity.creator).hexdigest()
    assert ch.timestamp.ToDatetime(tzinfo=UTC) == when
    assert ch.epoch == 0
    assert ext.chaincode_id.name == "provenance"
    assert (sh.creator, sh.nonce) == (identity.creator, nonce)
    assert spec.chaincode_id.name == "provenance"
    assert list(spec.input.args) == [b"CreateShipment", b"SHP-1", b"\x00\x01"]
    assert dict(payload.TransientMap) == {"secret": b"s3"}


def test_signed_proposal_signs_proposal_bytes(identity: Identity, signer: Signer) -> None:
    built = protocol.build_proposal(
        channel="c", chaincode="cc", fn="f", args=[], creator=identity.creator, nonce=b"x" * 24
    )
    signed = protocol.sign_proposal(built, signer.sign)
    assert signed.proposal_bytes == built.proposal_bytes
    verify_like_peer(identity.creator, signed.proposal_bytes, signed.signature)
    request = protocol.endorse_request(built.tx_id, "c", signed)
    assert (request.transaction_id, request.channel_id) == (built.tx_id, "c")


def test_envelope_signing_and_result(
    identity: Identity, signer: Signer, endorser: Endorser
) -> None:
    cap = chaincode_action_payload(
        chaincode="cc", tx_id="t", cpp=b"", outcome=Outcome(result=b"ok"), endorser=endorser
    )
    tx = transaction_pb2.Transaction(actions=[transaction_pb2.TransactionAction(payload=cap)])
    payload = common_pb2.Payload(data=tx.SerializeToString()).SerializeToString()
    signed = protocol.sign_envelope(common_pb2.Envelope(payload=payload), signer.sign)
    assert signed.payload == payload
    verify_like_peer(identity.creator, payload, signed.signature)
    assert protocol.prepared_result(signed) == b"ok"


def test_commit_status_request_signs_serialized_request(identity: Identity, signer: Signer) -> None:
    signed = protocol.commit_status_request("tx1", "ch", identity.creator, signer.sign)
    inner = gateway_pb2.CommitStatusRequest.FromString(signed.request)
    assert (inner.transaction_id, inner.channel_id, inner.identity) == (
        "tx1",
        "ch",
        identity.creator,
    )
    verify_like_peer(identity.creator, signed.request, signed.signature)


def test_chaincode_events_request_positions(identity: Identity, signer: Signer) -> None:
    fresh = protocol.chaincode_events_request(
        channel="ch", chaincode="cc", creator=identity.creator, sign=signer.sign
    )
    inner = gateway_pb2.ChaincodeEventsRequest.FromString(fresh.request)
    assert inner.start_position.WhichOneof("Type") == "next_commit"
    verify_like_peer(identity.creator, fresh.request, fresh.signature)
    resumed = protocol.chaincode_events_request(
        channel="ch",
        chaincode="cc",
        creator=identity.creator,
        sign=signer.sign,
        start_block=7,
        after_tx_id="abc",
    )
    inner = gateway_pb2.ChaincodeEventsRequest.FromString(resumed.request)
    assert inner.start_position.specified.number == 7
    assert inner.after_transaction_id == "abc"
    assert (inner.channel_id, inner.chaincode_id) == ("ch", "cc")


def test_seek_envelope(identity: Identity, signer: Signer) -> None:
    for stop_at_newest, stop_kind in ((False, "specified"), (True, "newest")):
        envelope = protocol.seek_envelope(
            channel="ch",
            creator=identity.creator,
            sign=signer.sign,
            start_block=3,
            stop_at_newest=stop_at_newest,
        )
        verify_like_peer(identity.creator, envelope.payload, envelope.signature)
        payload = common_pb2.Payload.FromString(envelope.payload)
        ch = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        assert (ch.type, ch.channel_id) == (common_pb2.DELIVER_SEEK_INFO, "ch")
        seek = ab_pb2.SeekInfo.FromString(payload.data)
        assert seek.start.specified.number == 3
        assert seek.stop.WhichOneof("Type") == stop_kind
        if not stop_at_newest:
            assert seek.stop.specified.number == 2**64 - 1
        assert seek.behavior == ab_pb2.SeekInfo.BLOCK_UNTIL_READY
