"""Workarounds for defects in fabric-chaincode-python 2.5.4, all in one place.

Nothing here patches the library globally except the log filter: the fixed
handler is a subclass, served by a subclassed service that __main__ mounts on
its own gRPC server. Each defect below cites the library function it fixes.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import fabric_chaincode_python
from fabric_chaincode_python.fabric_shim.handler import Handler
from fabric_chaincode_python.fabric_shim.logging import LOGGER as SHIM_LOGGER
from fabric_chaincode_python.fabric_shim.server import ChaincodeService
from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub
from fabric_protos.peer import chaincode_pb2, proposal_response_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim_pb2

# fabric_protos ships py.typed without stubs; mypy does not follow it (pyproject.toml).
ChaincodeMessage: Any = shim_pb2.ChaincodeMessage
ChaincodeInput: Any = chaincode_pb2.ChaincodeInput
Response: Any = proposal_response_pb2.Response
ERROR_THRESHOLD = 400
_LIBRARY_DIR = str(Path(fabric_chaincode_python.__file__).parent)


class PeerRequestError(Exception):
    """The peer answered a chaincode request (GET_STATE, PUT_STATE, ...) with ERROR."""


class SerialisedWrites:
    """A gRPC servicer context whose ``write`` waits for the previous write to finish."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._lock = asyncio.Lock()

    async def write(self, message: Any) -> None:
        """Send one message on the stream, after any write already in flight."""
        async with self._lock:
            await self._context.write(message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class FixedHandler(Handler):  # type: ignore[misc]
    """The library's stream handler with the stream, event and ERROR-reply defects fixed."""

    # Defect 4 - Handler.chat_with_peer runs every peer message in its own task
    # (Handler._track_task), so concurrent transactions write to the stream at
    # the same time: replies from handle_stub_interaction, GET_STATE/PUT_STATE/...
    # requests from MsgQueueHandler.__send_msg (via __ask_peer_and_listen), the
    # ERROR replies from new_error_msg in handle_message*. A grpc.aio stream takes
    # one write at a time; a second one fails with ExecuteBatchError
    # GRPC_CALL_ERROR_TOO_MANY_OPERATIONS, which loses a COMPLETED (the peer
    # times out) or fails a request (STATE_ERROR). The Go shim serialises its
    # sends the same way (Handler.serialSend). Every library write goes through
    # ``self.context.write`` (MsgQueueHandler keeps the handler's context, taken
    # after it is set here), so one lock per stream around that method covers
    # all of them, the REGISTER included. The library never writes a KEEPALIVE.
    async def chat_with_peer(self, stream: Any, context: Any) -> None:
        """Serve one peer stream, its writes serialised."""
        await super().chat_with_peer(stream, SerialisedWrites(context))

    # Defect 2 - Handler.__ask_peer_and_listen (and so handle_get_state,
    # handle_put_state, handle_delete_state, the range/history/query helpers)
    # returns whatever the peer replied: MsgQueueHandler.handle_msg_response
    # resolves the future with success() even for an ERROR message, and
    # handle_get_state returns its payload (the error text) as if it were the
    # value. The Go shim raises instead. This single choke point is
    # overridden by its mangled name so every request type gets the check.
    async def _Handler__ask_peer_and_listen(self, msg: Any, action: str) -> Any:
        """Send a request to the peer; raise PeerRequestError on an ERROR reply."""
        reply = await super()._Handler__ask_peer_and_listen(msg, action)
        if reply.type == ChaincodeMessage.ERROR:
            detail = bytes(reply.payload).decode("utf-8", errors="replace")
            raise PeerRequestError(f"peer refused {action}: {detail}")
        return reply

    # Defect 1 - Handler.handle_stub_interaction builds the COMPLETED message
    # from the Response only; the events collected by ChaincodeStub.set_event
    # (stub._events, see ChaincodeStub.get_events) are never copied into
    # ChaincodeMessage.chaincode_event, so no event ever reaches the peer.
    # Also, an exception from ChaincodeStub(...) or from invoke() kills the task
    # without any reply, leaving the peer to time out; the Go shim answers ERROR.
    async def handle_stub_interaction(self, msg: Any, action: str = "Invoke") -> None:
        """Run Init/Invoke and reply COMPLETED carrying the chaincode event."""
        try:
            cc_input = ChaincodeInput.FromString(msg.payload)
            stub = ChaincodeStub(self, msg.channel_id, msg.txid, cc_input, msg.proposal)
            if (action or "").lower() == "init":
                response = await self.chaincode.init(stub)
            else:
                response = await self.chaincode.invoke(stub)
        except Exception as exc:
            await self.context.write(_message(ChaincodeMessage.ERROR, str(exc).encode(), msg))
            return
        if response is None or not response.status:
            response = Response(status=500, message="chaincode returned no response")
        completed = _message(ChaincodeMessage.COMPLETED, response.SerializeToString(), msg)
        events = stub.get_events()
        # Fabric keeps one event per transaction and the Go shim's SetEvent
        # overwrites, so the last one wins. A failed transaction has no event.
        if events and response.status < ERROR_THRESHOLD:
            completed.chaincode_event.CopyFrom(events[-1])
        await self.context.write(completed)


def _message(kind: int, payload: bytes, request: Any) -> Any:
    """A reply on the same transaction context as ``request``."""
    return ChaincodeMessage(
        type=kind, payload=payload, txid=request.txid, channel_id=request.channel_id
    )


class FixedChaincodeService(ChaincodeService):  # type: ignore[misc]
    """The library's gRPC ``Chaincode`` service, using FixedHandler per stream."""

    async def Connect(self, request_iterator: Any, context: Any) -> None:  # noqa: N802 - gRPC name
        """Serve one peer stream (REGISTER, then transactions until it closes)."""
        handler = FixedHandler(self._ccid, self._cc)
        await handler.chat_with_peer(request_iterator, context)


class LibraryNoiseFilter(logging.Filter):
    """Drop the shim's own records below ERROR (they include ledger values)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep a record unless it comes from the library and is below ERROR."""
        return record.levelno >= logging.ERROR or not record.pathname.startswith(_LIBRARY_DIR)


# Defect 3 - fabric_shim/logging.py logs through the "asyncio" logger and calls
# logging.basicConfig(level=DEBUG) at import; Handler.chat_with_peer logs every
# received message (proposal bytes, payload) at INFO, Handler.handle_message a
# WARNING "-->> Look out!" per message, and ChaincodeStub.put_state every value
# written at INFO. The filter silences the library below ERROR (its real
# failures, such as Handler._track_task's unhandled exceptions, still show)
# and the root level is reset to what the operator asked for.
def apply_logging_fix(level: int = logging.INFO) -> None:
    """Install the library log filter once and set the root log level."""
    if not any(isinstance(f, LibraryNoiseFilter) for f in SHIM_LOGGER.filters):
        SHIM_LOGGER.addFilter(LibraryNoiseFilter())
    logging.getLogger().setLevel(level)
