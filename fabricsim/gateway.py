"""FAKE Fabric Gateway and Deliver services for the fast test tier — not a peer.

The fake checks what a real gateway peer checks on every request: the tx id is recomputed
from nonce + creator, every signature is verified against the creator's certificate with
ECDSA/SHA-256, and high-S signatures are refused. It is written from the protocol
definitions, independently of tracker.ledger, so the tests are not circular.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    chaincode_pb2,
    events_pb2,
    events_pb2_grpc,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)

from fabricsim.wire import (
    ChaincodeRefusal,
    Endorser,
    Outcome,
    Rejected,
    chaincode_action_payload,
    encode_rpc_status,
    error_detail,
    verify_like_peer,
)


def abort_with_details(
    context: grpc.ServicerContext, code: grpc.StatusCode, message: str, details: list[Any]
) -> None:
    """Abort the RPC the way the Fabric gateway does: status details in the trailer."""
    status = encode_rpc_status(code.value[0], message, details)
    context.set_trailing_metadata((("grpc-status-details-bin", status),))
    context.abort(code, message)


Handler = Callable[[list[bytes]], Outcome]


@dataclass
class CheckedProposal:
    """A proposal that passed the peer checks, unpacked."""

    tx_id: str
    header: Any
    channel_header: Any
    signature_header: Any
    payload: Any
    spec: Any


def check_signed_proposal(signed: Any, request_tx_id: str) -> CheckedProposal:
    """Unpack a SignedProposal and apply the peer's tx id and signature checks."""
    proposal = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
    signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
    expected = hashlib.sha256(signature_header.nonce + signature_header.creator).hexdigest()
    if channel_header.tx_id != expected or request_tx_id != expected:
        raise Rejected(f"invalid txID: got {channel_header.tx_id}, expected {expected}")
    verify_like_peer(signature_header.creator, signed.proposal_bytes, signed.signature)
    payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input)
    return CheckedProposal(expected, header, channel_header, signature_header, payload, spec)


class FakeGateway(gateway_pb2_grpc.GatewayServicer):  # type: ignore[misc]  # generated, untyped
    """FAKE gateway.Gateway service backed by scripted chaincode functions."""

    def __init__(self, endorser: Endorser) -> None:
        self.endorser = endorser
        self.handlers: dict[str, Handler] = {}
        self.commit_codes: list[int] = []  # scripted CommitStatus results, VALID when empty
        self.delay = 0.0
        self.prepared: dict[str, bytes] = {}
        self.submitted: list[str] = []
        self.endorsed: list[str] = []
        self.evaluated: list[str] = []
        self.transients: list[dict[str, bytes]] = []
        self.rejections: list[str] = []
        self.events: list[tuple[int, Any]] = []  # (block number, protos.ChaincodeEvent)
        self.block_number = 10
        self._lock = threading.Lock()

    def _run(self, checked: CheckedProposal, context: grpc.ServicerContext, step: str) -> Outcome:
        time.sleep(self.delay)
        args = list(checked.spec.chaincode_spec.input.args)
        fn, rest = args[0].decode(), args[1:]
        try:
            return self.call_chaincode(checked, fn, rest, step)
        except ChaincodeRefusal as refusal:
            msg = f"chaincode response 500, {refusal}"
            details = [error_detail(msg), error_detail(msg, "Org2MSP", "peer0.org2:9051")]
            if step == "evaluate":
                top = f"evaluate call to endorser returned error: {msg}"
                abort_with_details(context, grpc.StatusCode.UNKNOWN, top, details[:1])
            top = "failed to endorse transaction, see attached details for more info"
            abort_with_details(context, grpc.StatusCode.ABORTED, top, details)
        raise AssertionError("unreachable")

    def call_chaincode(
        self, checked: CheckedProposal, fn: str, args: list[bytes], step: str
    ) -> Outcome:
        """Run one chaincode function; subclasses see the creator and tx id in `checked`."""
        return self.handlers[fn](args)

    def _check(self, check: Callable[[], Any], context: grpc.ServicerContext) -> Any:
        try:
            return check()
        except Rejected as rejected:
            self.rejections.append(str(rejected))
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(rejected))

    def Evaluate(self, request: Any, context: grpc.ServicerContext) -> Any:
        checked = self._check(
            lambda: check_signed_proposal(request.proposed_transaction, request.transaction_id),
            context,
        )
        self.evaluated.append(checked.tx_id)
        outcome = self._run(checked, context, "evaluate")
        response = proposal_response_pb2.Response(status=200, payload=outcome.result)
        return gateway_pb2.EvaluateResponse(result=response)

    def Endorse(self, request: Any, context: grpc.ServicerContext) -> Any:
        checked = self._check(
            lambda: check_signed_proposal(request.proposed_transaction, request.transaction_id),
            context,
        )
        self.endorsed.append(checked.tx_id)
        self.transients.append(dict(checked.payload.TransientMap))
        outcome = self._run(checked, context, "endorse")
        # Like the real gateway, the prepared transaction carries no transient data.
        cpp = proposal_pb2.ChaincodeProposalPayload(input=checked.payload.input)
        cap = chaincode_action_payload(
            chaincode=checked.spec.chaincode_spec.chaincode_id.name,
            tx_id=checked.tx_id,
            cpp=cpp.SerializeToString(),
            outcome=outcome,
            endorser=self.endorser,
        )
        tx = transaction_pb2.Transaction(
            actions=[
                transaction_pb2.TransactionAction(
                    header=checked.header.signature_header, payload=cap
                )
            ]
        )
        payload = common_pb2.Payload(header=checked.header, data=tx.SerializeToString())
        payload_bytes = payload.SerializeToString()
        self.prepared[checked.tx_id] = payload_bytes
        if outcome.event:
            # Lands in the block the next CommitStatus reports (the fake commits serially).
            event = chaincode_event_pb2.ChaincodeEvent(
                chaincode_id=checked.spec.chaincode_spec.chaincode_id.name,
                tx_id=checked.tx_id,
                event_name=outcome.event[0],
                payload=outcome.event[1],
            )
            self.events.append((self.block_number + 1, event))
        return gateway_pb2.EndorseResponse(
            prepared_transaction=common_pb2.Envelope(payload=payload_bytes)
        )

    def _check_envelope(self, tx_id: str, envelope: Any) -> None:
        if self.prepared.get(tx_id) != envelope.payload:
            raise Rejected("submitted payload differs from the prepared transaction")
        payload = common_pb2.Payload.FromString(envelope.payload)
        creator = common_pb2.SignatureHeader.FromString(payload.header.signature_header).creator
        verify_like_peer(creator, envelope.payload, envelope.signature)

    def Submit(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._check(
            lambda: self._check_envelope(request.transaction_id, request.prepared_transaction),
            context,
        )
        self.submitted.append(request.transaction_id)
        return gateway_pb2.SubmitResponse()

    def CommitStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        inner = gateway_pb2.CommitStatusRequest.FromString(request.request)
        self._check(
            lambda: verify_like_peer(inner.identity, request.request, request.signature), context
        )
        if inner.transaction_id not in self.submitted:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown tx {inner.transaction_id}")
        with self._lock:
            code = self.commit_codes.pop(0) if self.commit_codes else transaction_pb2.VALID
            self.block_number += 1
            return gateway_pb2.CommitStatusResponse(result=code, block_number=self.block_number)

    def ChaincodeEvents(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        inner = gateway_pb2.ChaincodeEventsRequest.FromString(request.request)
        self._check(
            lambda: verify_like_peer(inner.identity, request.request, request.signature), context
        )
        start = inner.start_position.specified.number
        skipping = bool(inner.after_transaction_id)
        for number in sorted({n for n, _ in self.events if n >= start}):
            found = []
            for n, event in self.events:
                if n != number or event.chaincode_id != inner.chaincode_id:
                    continue
                if skipping and number == start:
                    skipping = event.tx_id != inner.after_transaction_id
                    continue
                found.append(event)
            if found:
                yield gateway_pb2.ChaincodeEventsResponse(events=found, block_number=number)


class FakeDeliver(events_pb2_grpc.DeliverServicer):  # type: ignore[misc]  # generated, untyped
    """FAKE protos.Deliver service streaming scripted blocks."""

    def __init__(self) -> None:
        self.blocks: list[Any] = []
        self.seeks: list[Any] = []

    def Deliver(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Any:
        envelope = next(request_iterator)
        payload = common_pb2.Payload.FromString(envelope.payload)
        creator = common_pb2.SignatureHeader.FromString(payload.header.signature_header).creator
        try:
            verify_like_peer(creator, envelope.payload, envelope.signature)
        except Rejected as rejected:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, str(rejected))
        header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        assert header.type == common_pb2.DELIVER_SEEK_INFO
        seek = ab_pb2.SeekInfo.FromString(payload.data)
        self.seeks.append(seek)
        yield from self.stream(seek, context)

    def stream(self, seek: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        """The responses for one seek; subclasses may wait for blocks still to come."""
        for block in self.blocks:
            if block.header.number >= seek.start.specified.number:
                yield events_pb2.DeliverResponse(block=block)
        if seek.stop.WhichOneof("Type") == "newest":
            yield events_pb2.DeliverResponse(status=common_pb2.SUCCESS)
        else:
            context.abort(grpc.StatusCode.UNAVAILABLE, "fake peer has no more blocks")


@dataclass
class FakePeer:
    """A running FAKE peer (Gateway + Deliver) on a TLS port."""

    gateway: FakeGateway
    deliver: FakeDeliver
    endpoint: str


@contextmanager
def serving(
    tls_key_pem: bytes,
    tls_cert_pem: bytes,
    *,
    gateway: FakeGateway | None = None,
    deliver: FakeDeliver | None = None,
) -> Iterator[str]:
    """Serve the given FAKE services over TLS on a free 127.0.0.1 port; yields host:port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    if gateway is not None:
        gateway_pb2_grpc.add_GatewayServicer_to_server(gateway, server)
    if deliver is not None:
        events_pb2_grpc.add_DeliverServicer_to_server(deliver, server)
    port = server.add_secure_port(
        "127.0.0.1:0", grpc.ssl_server_credentials([(tls_key_pem, tls_cert_pem)])
    )
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None).wait()
