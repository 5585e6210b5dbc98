"""FAKE of the peer side of the chaincode gRPC protocol, for the fast tier.

This is NOT a Fabric peer: no endorsement, no MSP validation, no ledger. It
speaks just enough of the ``protos.Chaincode/Connect`` bidi stream to drive
the real chaincode server: read REGISTER, answer REGISTERED and READY, send a
TRANSACTION carrying a SignedProposal, answer the chaincode's GET_STATE /
PUT_STATE / DEL_STATE / range requests from a dict, and return the final
COMPLETED (or ERROR) message.

Like the peer, it multiplexes transactions on the one stream: after
``register`` a reader task hands each chaincode message to the transaction
with its txid, so several ``transact`` calls can run at once (``asyncio.gather``),
and the peer's own writes on the stream go one at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import (
    chaincode_pb2,
    chaincode_shim_pb2,
    chaincode_shim_pb2_grpc,
    proposal_pb2,
)

Msg = chaincode_shim_pb2.ChaincodeMessage
CHANNEL = "supplychain"
READ_TIMEOUT = 10.0
PROPOSAL_TIME = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def signed_proposal(msp_id: str, pem: bytes, tx_id: str, function: str, args: list[str]) -> Any:
    """A SignedProposal as a client SDK would build it (the signature is not checked here)."""
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.HeaderType.ENDORSER_TRANSACTION, channel_id=CHANNEL, tx_id=tx_id
    )
    channel_header.timestamp.FromDatetime(PROPOSAL_TIME)
    creator = identities_pb2.SerializedIdentity(mspid=msp_id, id_bytes=pem)
    signature_header = common_pb2.SignatureHeader(
        creator=creator.SerializeToString(), nonce=b"nonce"
    )
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    spec = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            chaincode_id=chaincode_pb2.ChaincodeID(name="provenance"),
            input=_input(function, args),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(input=spec.SerializeToString())
    proposal = proposal_pb2.Proposal(
        header=header.SerializeToString(), payload=payload.SerializeToString()
    )
    return proposal_pb2.SignedProposal(
        proposal_bytes=proposal.SerializeToString(), signature=b"fake"
    )


def _input(function: str, args: list[str]) -> Any:
    return chaincode_pb2.ChaincodeInput(args=[function.encode(), *(a.encode() for a in args)])


@dataclass
class FakePeer:
    """Peer side of one Connect stream; ``fail`` decides which requests get ERROR."""

    address: str
    state: dict[str, bytes] = field(default_factory=dict)
    fail: Callable[[Any], bool] = lambda msg: False
    requests: list[tuple[str, str]] = field(default_factory=list)
    registered_as: str = ""

    async def __aenter__(self) -> FakePeer:
        self._channel = grpc.aio.insecure_channel(self.address)
        self._call = chaincode_shim_pb2_grpc.ChaincodeStub(self._channel).Connect()
        # grpc.aio allows one write in flight per call, as on the chaincode's side.
        self._write_lock = asyncio.Lock()
        self._inboxes: dict[str, asyncio.Queue[Any]] = {}
        self._reader: asyncio.Task[grpc.StatusCode] | None = None
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._call.done():
            await self._call.done_writing()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self._channel.close(None)  # grpc-stubs make `grace` required

    async def leave(self) -> None:
        """Drop the connection without ending the stream, as a peer being shut down does."""
        await self._channel.close(None)  # grpc-stubs make `grace` required

    async def _read(self) -> Any:
        return await asyncio.wait_for(self._call.read(), READ_TIMEOUT)

    async def send(self, msg: Any) -> None:
        """Write one message on the stream, never two at once."""
        async with self._write_lock:
            await self._call.write(msg)

    async def register(self) -> None:
        """Expect REGISTER, then move the chaincode to ready as the peer does."""
        first = await self._read()
        assert first.type == Msg.REGISTER, first
        self.registered_as = chaincode_pb2.ChaincodeID.FromString(first.payload).name
        await self.send(Msg(type=Msg.REGISTERED))
        await self.send(Msg(type=Msg.READY))
        self._reader = asyncio.create_task(self._route())

    def _inbox(self, tx_id: str) -> asyncio.Queue[Any]:
        return self._inboxes.setdefault(tx_id, asyncio.Queue())

    async def _route(self) -> grpc.StatusCode:
        """Hand each chaincode message to its transaction until the stream ends."""
        try:
            while (msg := await self._call.read()) is not grpc.aio.EOF:  # type: ignore[attr-defined]  # grpc-stubs lack aio.EOF
                self._inbox(msg.txid).put_nowait(msg)
            code: grpc.StatusCode = await self._call.code()
            return code
        except grpc.aio.AioRpcError as exc:
            return exc.code()
        finally:
            for inbox in self._inboxes.values():
                inbox.put_nowait(None)

    async def stream_end(self, timeout: float = READ_TIMEOUT) -> grpc.StatusCode:
        """Wait for the chaincode to end the stream; the gRPC status it ended with."""
        assert self._reader is not None, "register() first"
        return await asyncio.wait_for(asyncio.shield(self._reader), timeout)

    async def start(self, msp_id: str, pem: bytes, tx_id: str, function: str, *args: str) -> None:
        """Send a TRANSACTION without serving its requests (see ``transact``)."""
        self._inbox(tx_id)
        await self.send(
            Msg(
                type=Msg.TRANSACTION,
                payload=_input(function, list(args)).SerializeToString(),
                txid=tx_id,
                channel_id=CHANNEL,
                proposal=signed_proposal(msp_id, pem, tx_id, function, list(args)),
            )
        )

    async def next_request(self, tx_id: str) -> Any:
        """The chaincode's next message for ``tx_id`` (fails if the stream ended)."""
        inbox = self._inbox(tx_id)
        ended = self._reader is not None and self._reader.done() and inbox.empty()
        msg = None if ended else await asyncio.wait_for(inbox.get(), READ_TIMEOUT)
        assert msg is not None, f"stream ended while {tx_id} was in flight"
        return msg

    async def transact(self, msp_id: str, pem: bytes, tx_id: str, function: str, *args: str) -> Any:
        """Send a TRANSACTION and serve the chaincode's requests until it finishes."""
        await self.start(msp_id, pem, tx_id, function, *args)
        while True:
            msg = await self.next_request(tx_id)
            if msg.type in (Msg.COMPLETED, Msg.ERROR):
                self._inboxes.pop(tx_id, None)
                return msg
            await self.send(self._answer(msg))

    def _answer(self, msg: Any) -> Any:
        """Reply to one chaincode request from the in-memory dict (or with ERROR)."""
        kind = Msg.Type.Name(msg.type)
        reply = {"txid": msg.txid, "channel_id": msg.channel_id}
        if msg.type == Msg.GET_STATE:
            key = chaincode_shim_pb2.GetState.FromString(msg.payload).key
        elif msg.type == Msg.PUT_STATE:
            key = chaincode_shim_pb2.PutState.FromString(msg.payload).key
        elif msg.type == Msg.DEL_STATE:
            key = chaincode_shim_pb2.DelState.FromString(msg.payload).key
        else:
            key = ""
        self.requests.append((kind, key))
        if self.fail(msg):
            return Msg(type=Msg.ERROR, payload=f"{kind} rejected by fake peer".encode(), **reply)
        if msg.type == Msg.GET_STATE:
            return Msg(type=Msg.RESPONSE, payload=self.state.get(key, b""), **reply)
        if msg.type == Msg.PUT_STATE:
            self.state[key] = chaincode_shim_pb2.PutState.FromString(msg.payload).value
        elif msg.type == Msg.DEL_STATE:
            self.state.pop(key, None)
        elif msg.type == Msg.GET_STATE_BY_RANGE:
            empty = chaincode_shim_pb2.QueryResponse(has_more=False, id="q1")
            return Msg(type=Msg.RESPONSE, payload=empty.SerializeToString(), **reply)
        return Msg(type=Msg.RESPONSE, **reply)


def completed_response(msg: Any) -> Any:
    """The chaincode's Response inside a COMPLETED message."""
    from fabric_protos.peer import proposal_response_pb2

    assert msg.type == Msg.COMPLETED, msg
    return proposal_response_pb2.Response.FromString(msg.payload)
