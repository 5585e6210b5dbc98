"""Pure builders and parsers for the Fabric Gateway protocol messages (no I/O, no gRPC).

Layouts follow the official fabric-gateway clients: pkg/client/proposalbuilder.go,
transactioncontext.go, transaction.go, commit.go, chaincodeeventsbuilder.go,
blockeventsbuilder.go and transactionparser.go.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf import timestamp_pb2

from tracker.ledger._protos import Proto

SignFn = Callable[[bytes], bytes]
Arg = str | bytes

NONCE_LENGTH = 24
# SeekSpecified{MaxUint64} is how the official clients say "never stop delivering".
MAX_BLOCK_NUMBER = 2**64 - 1


def new_nonce() -> bytes:
    """24 random bytes, the nonce size used by the official clients."""
    return secrets.token_bytes(NONCE_LENGTH)


def transaction_id(nonce: bytes, creator: bytes) -> str:
    """hex(SHA-256(nonce || creator)): the tx id peers recompute and check."""
    return hashlib.sha256(nonce + creator).hexdigest()


@dataclass(frozen=True)
class BuiltProposal:
    """A serialized, not yet signed proposal and its transaction id."""

    tx_id: str
    proposal_bytes: bytes


def _as_bytes(arg: Arg) -> bytes:
    return arg.encode("utf-8") if isinstance(arg, str) else arg


def _timestamp(when: datetime | None) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    if when is None:
        stamp.GetCurrentTime()
    else:
        stamp.FromDatetime(when)
    return stamp


def build_proposal(
    *,
    channel: str,
    chaincode: str,
    fn: str,
    args: Sequence[Arg],
    creator: bytes,
    nonce: bytes,
    transient: Mapping[str, bytes] | None = None,
    timestamp: datetime | None = None,
) -> BuiltProposal:
    """Build a chaincode invocation ``peer.Proposal`` exactly as proposalbuilder.go does."""
    tx_id = transaction_id(nonce, creator)
    extension = proposal_pb2.ChaincodeHeaderExtension(
        chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode)
    )
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION,
        timestamp=_timestamp(timestamp),
        channel_id=channel,
        tx_id=tx_id,
        epoch=0,
        extension=extension.SerializeToString(),
    )
    signature_header = common_pb2.SignatureHeader(creator=creator, nonce=nonce)
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    spec = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode),
            input=chaincode_pb2.ChaincodeInput(args=[fn.encode("utf-8"), *map(_as_bytes, args)]),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=spec.SerializeToString(), TransientMap=dict(transient or {})
    )
    proposal = proposal_pb2.Proposal(
        header=header.SerializeToString(), payload=payload.SerializeToString()
    )
    return BuiltProposal(tx_id=tx_id, proposal_bytes=proposal.SerializeToString())


def sign_proposal(proposal: BuiltProposal, sign: SignFn) -> Proto:
    """SignedProposal whose signature covers the proposal bytes."""
    return proposal_pb2.SignedProposal(
        proposal_bytes=proposal.proposal_bytes, signature=sign(proposal.proposal_bytes)
    )


def evaluate_request(tx_id: str, channel: str, signed: Proto) -> Proto:
    """Gateway EvaluateRequest for a signed proposal."""
    return gateway_pb2.EvaluateRequest(
        transaction_id=tx_id, channel_id=channel, proposed_transaction=signed
    )


def endorse_request(tx_id: str, channel: str, signed: Proto) -> Proto:
    """Gateway EndorseRequest for a signed proposal."""
    return gateway_pb2.EndorseRequest(
        transaction_id=tx_id, channel_id=channel, proposed_transaction=signed
    )


def sign_envelope(envelope: Proto, sign: SignFn) -> Proto:
    """Copy of the prepared envelope with a signature over its payload bytes."""
    return common_pb2.Envelope(payload=envelope.payload, signature=sign(envelope.payload))


def submit_request(tx_id: str, channel: str, signed_envelope: Proto) -> Proto:
    """Gateway SubmitRequest carrying the signed prepared transaction."""
    return gateway_pb2.SubmitRequest(
        transaction_id=tx_id, channel_id=channel, prepared_transaction=signed_envelope
    )


def prepared_result(envelope: Proto) -> bytes:
    """The chaincode's return value inside a prepared transaction (transactionparser.go)."""
    payload = common_pb2.Payload.FromString(envelope.payload)
    transaction = transaction_pb2.Transaction.FromString(payload.data)
    for action in transaction.actions:
        action_payload = transaction_pb2.ChaincodeActionPayload.FromString(action.payload)
        response_payload = proposal_response_pb2.ProposalResponsePayload.FromString(
            action_payload.action.proposal_response_payload
        )
        chaincode_action = proposal_pb2.ChaincodeAction.FromString(response_payload.extension)
        return bytes(chaincode_action.response.payload)
    raise ValueError("prepared transaction holds no chaincode action")


def commit_status_request(tx_id: str, channel: str, creator: bytes, sign: SignFn) -> Proto:
    """SignedCommitStatusRequest: signature over the serialized CommitStatusRequest."""
    request = gateway_pb2.CommitStatusRequest(
        transaction_id=tx_id, channel_id=channel, identity=creator
    ).SerializeToString()
    return gateway_pb2.SignedCommitStatusRequest(request=request, signature=sign(request))


def _start_position(start_block: int | None) -> Proto:
    if start_block is None:
        # Official default: only events from blocks committed after the request.
        return ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit())
    return ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block))


def chaincode_events_request(
    *,
    channel: str,
    chaincode: str,
    creator: bytes,
    sign: SignFn,
    start_block: int | None = None,
    after_tx_id: str | None = None,
) -> Proto:
    """SignedChaincodeEventsRequest: signature over the serialized ChaincodeEventsRequest."""
    request = gateway_pb2.ChaincodeEventsRequest(
        channel_id=channel,
        chaincode_id=chaincode,
        identity=creator,
        start_position=_start_position(start_block),
        after_transaction_id=after_tx_id or "",
    ).SerializeToString()
    return gateway_pb2.SignedChaincodeEventsRequest(request=request, signature=sign(request))


def seek_envelope(
    *,
    channel: str,
    creator: bytes,
    sign: SignFn,
    start_block: int | None = None,
    stop_at_newest: bool = False,
    timestamp: datetime | None = None,
) -> Proto:
    """Signed DELIVER_SEEK_INFO envelope asking the peer's Deliver service for full blocks."""
    stop = (
        ab_pb2.SeekPosition(newest=ab_pb2.SeekNewest())
        if stop_at_newest
        else ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=MAX_BLOCK_NUMBER))
    )
    seek_info = ab_pb2.SeekInfo(
        start=_start_position(start_block), stop=stop, behavior=ab_pb2.SeekInfo.BLOCK_UNTIL_READY
    )
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.DELIVER_SEEK_INFO,
        timestamp=_timestamp(timestamp),
        channel_id=channel,
        epoch=0,
    )
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=channel_header.SerializeToString(),
            signature_header=common_pb2.SignatureHeader(creator=creator).SerializeToString(),
        ),
        data=seek_info.SerializeToString(),
    ).SerializeToString()
    return common_pb2.Envelope(payload=payload, signature=sign(payload))
