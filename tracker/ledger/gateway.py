"""Thin Fabric Gateway client: connect → network(channel) → contract(chaincode) → calls.

This is the only module that talks gRPC (Gateway and Deliver stubs). Message layouts are in
``protocol``; failures are translated by ``errors.translate_rpc_error``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from fabric_protos.gateway import gateway_pb2_grpc
from fabric_protos.peer import events_pb2_grpc

import tracker.ledger.protocol as protocol
from tracker.ledger._protos import Proto
from tracker.ledger.blocks import ChaincodeEvent, validation_code_name
from tracker.ledger.cursor import Cursor
from tracker.ledger.errors import CommitError, translate_rpc_error
from tracker.ledger.identity import Identity, Signer
from tracker.ledger.streams import EventStream, deliver_blocks

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Timeouts:
    """Per-step deadlines in seconds; defaults are those recommended for the official clients."""

    evaluate: float = 5.0
    endorse: float = 15.0
    submit: float = 5.0
    commit_status: float = 60.0


@dataclass(frozen=True)
class SubmitResult:
    """A transaction committed VALID: its id, block, validation code and chaincode result."""

    tx_id: str
    block_number: int
    validation_code: str
    result: bytes


@dataclass
class _Session:
    """What every call needs: the stubs, the signing identity and the defaults."""

    channel: grpc.Channel
    identity: Identity
    signer: Signer
    timeouts: Timeouts
    mvcc_retries: int
    gateway: Any = field(init=False)
    deliver: Any = field(init=False)

    def __post_init__(self) -> None:
        self.gateway = gateway_pb2_grpc.GatewayStub(self.channel)
        self.deliver = events_pb2_grpc.DeliverStub(self.channel)


def connect(
    *,
    endpoint: str,
    tls_root_cert_path: str | Path,
    server_name_override: str | None = None,
    signer: Signer,
    identity: Identity,
    timeouts: Timeouts | None = None,
    mvcc_retries: int = 3,
) -> Gateway:
    """Open a TLS gRPC channel to a peer's Gateway service."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=Path(tls_root_cert_path).read_bytes()
    )
    options: list[tuple[str, Any]] = list(KEEPALIVE)
    if server_name_override:
        # The peer's TLS cert names its host alias, not the address we dial (e.g. localhost).
        options.append(("grpc.ssl_target_name_override", server_name_override))
    channel = grpc.secure_channel(endpoint, credentials, options=options)
    session = _Session(channel, identity, signer, timeouts or Timeouts(), mvcc_retries)
    return Gateway(session)


# HTTP/2 pings on open calls, so a Deliver stream to a peer whose host vanished without a TCP
# reset (power loss, a NAT timeout, a cut link) fails with UNAVAILABLE instead of waiting
# forever. 60 s is the shortest interval a Fabric peer accepts (peer.keepalive.minInterval);
# pings go on while a stream carries no data (no block for a while).
KEEPALIVE: tuple[tuple[str, int], ...] = (
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.http2.max_pings_without_data", 0),
)


# Validation codes of a transaction that read what another one changed before it committed:
# endorsing again reads the new state (a key's version, or a range query's result).
READ_CONFLICTS = frozenset({"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT"})


class Gateway:
    """A connection to one Gateway peer on behalf of one identity."""

    def __init__(self, session: _Session) -> None:
        """Wrap an open session; use ``connect`` to build one."""
        self._session = session

    def network(self, channel: str) -> Network:
        """The named channel."""
        return Network(self._session, channel)

    def close(self) -> None:
        """Close the gRPC channel."""
        self._session.channel.close()

    def __enter__(self) -> Gateway:
        """Use as a context manager that closes the channel."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the channel."""
        self.close()


def _chaincode_events(response: Any) -> list[ChaincodeEvent]:
    number = int(response.block_number)
    return [
        ChaincodeEvent(number, e.tx_id, e.chaincode_id, e.event_name, bytes(e.payload))
        for e in response.events
    ]


class Network:
    """One channel, seen through the Gateway."""

    def __init__(self, session: _Session, channel: str) -> None:
        """Bind a session to a channel name."""
        self._session = session
        self.name = channel

    def contract(self, chaincode: str) -> Contract:
        """The named chaincode on this channel."""
        return Contract(self._session, self.name, chaincode)

    def chaincode_events(
        self,
        chaincode: str,
        *,
        start_block: int | None = None,
        cursor: Cursor | None = None,
    ) -> EventStream[ChaincodeEvent]:
        """Events of ``chaincode``: from the cursor, else start_block, else the next commit."""
        after_tx_id = None
        if cursor is not None and cursor.block_number is not None:
            start_block, after_tx_id = cursor.block_number, cursor.tx_id
        session = self._session
        request = protocol.chaincode_events_request(
            channel=self.name,
            chaincode=chaincode,
            creator=session.identity.creator,
            sign=session.signer.sign,
            start_block=start_block,
            after_tx_id=after_tx_id,
        )

        call = session.gateway.ChaincodeEvents(request)
        return EventStream(call, _chaincode_events, "chaincode_events")

    def block_events(
        self,
        *,
        start_block: int | None = None,
        cursor: Cursor | None = None,
        stop_at_newest: bool = False,
    ) -> EventStream[Proto]:
        """Full blocks from the peer's Deliver service; never ends unless ``stop_at_newest``."""
        if cursor is not None and cursor.block_number is not None:
            start_block = cursor.block_number
        session = self._session
        envelope = protocol.seek_envelope(
            channel=self.name,
            creator=session.identity.creator,
            sign=session.signer.sign,
            start_block=start_block,
            stop_at_newest=stop_at_newest,
        )
        # One request, then half-close: the peer only reads again after finishing this seek.
        call = session.deliver.Deliver(iter([envelope]))
        return EventStream(call, deliver_blocks, "deliver")


class Contract:
    """A chaincode on a channel: evaluate (query) and submit (endorse, order, commit)."""

    def __init__(self, session: _Session, channel: str, chaincode: str) -> None:
        """Bind a session to a channel and chaincode."""
        self._session = session
        self.channel = channel
        self.chaincode = chaincode

    def _proposal(
        self, fn: str, args: tuple[protocol.Arg, ...], transient: Mapping[str, bytes] | None
    ) -> protocol.BuiltProposal:
        return protocol.build_proposal(
            channel=self.channel,
            chaincode=self.chaincode,
            fn=fn,
            args=args,
            creator=self._session.identity.creator,
            nonce=protocol.new_nonce(),
            transient=transient,
        )

    def evaluate(self, fn: str, *args: protocol.Arg, timeout: float | None = None) -> bytes:
        """Run ``fn`` on one peer without ordering it; return the chaincode's result."""
        session = self._session
        built = self._proposal(fn, args, None)
        signed = protocol.sign_proposal(built, session.signer.sign)
        request = protocol.evaluate_request(built.tx_id, self.channel, signed)
        try:
            deadline = session.timeouts.evaluate if timeout is None else timeout
            response = session.gateway.Evaluate(request, timeout=deadline)
        except grpc.RpcError as error:
            raise translate_rpc_error(error, step="evaluate", tx_id=built.tx_id) from error
        return bytes(response.result.payload)

    def submit(
        self,
        fn: str,
        *args: protocol.Arg,
        transient: Mapping[str, bytes] | None = None,
        timeout: Timeouts | None = None,
    ) -> SubmitResult:
        """Endorse, submit and wait for commit; re-endorse on a read conflict (bounded).

        ``timeout`` replaces the gateway's per-step deadlines (endorse, submit, commit status)
        for this call only.
        """
        timeouts = timeout or self._session.timeouts
        retries = self._session.mvcc_retries
        for attempt in range(retries + 1):
            outcome = self._submit_once(fn, args, transient, timeouts)
            if outcome.validation_code == "VALID":
                return outcome
            conflict = outcome.validation_code in READ_CONFLICTS
            if not conflict or attempt == retries:
                raise CommitError(outcome.tx_id, outcome.validation_code, outcome.block_number)
            # Another tx changed a key (or a range) we read; a fresh endorsement reads anew.
            log.warning("tx %s hit %s; re-endorsing", outcome.tx_id, outcome.validation_code)
        raise AssertionError("unreachable")  # pragma: no cover

    def _submit_once(
        self,
        fn: str,
        args: tuple[protocol.Arg, ...],
        transient: Mapping[str, bytes] | None,
        timeouts: Timeouts,
    ) -> SubmitResult:
        session, sign = self._session, self._session.signer.sign
        built = self._proposal(fn, args, transient)
        tx_id = built.tx_id
        signed = protocol.sign_proposal(built, sign)
        step = "endorse"
        try:
            endorsed = session.gateway.Endorse(
                protocol.endorse_request(tx_id, self.channel, signed), timeout=timeouts.endorse
            )
            envelope = protocol.sign_envelope(endorsed.prepared_transaction, sign)
            step = "submit"
            session.gateway.Submit(
                protocol.submit_request(tx_id, self.channel, envelope), timeout=timeouts.submit
            )
            step = "commit_status"
            status_request = protocol.commit_status_request(
                tx_id, self.channel, session.identity.creator, sign
            )
            status = session.gateway.CommitStatus(status_request, timeout=timeouts.commit_status)
        except grpc.RpcError as error:
            raise translate_rpc_error(error, step=step, tx_id=tx_id) from error
        return SubmitResult(
            tx_id=tx_id,
            block_number=int(status.block_number),
            validation_code=validation_code_name(status.result),
            result=protocol.prepared_result(endorsed.prepared_transaction),
        )
