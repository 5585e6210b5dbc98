"""SimulatedPeer: a FAKE Fabric peer for the fast tier (Gateway + Deliver), NOT Fabric.

It speaks the real gRPC services (gateway.Gateway: Evaluate, Endorse, Submit, CommitStatus;
protos.Deliver) over TLS and makes the checks a gateway peer makes (tx id recomputed from
nonce + creator, ECDSA signatures verified against the creator certificate, high-S refused,
submitted payload identical to the endorsed one, duplicate tx ids refused), by composing the
fabricsim.gateway's FakeGateway/FakeDeliver. Behind them runs the REAL `chaincode` code on the
in-memory world state of fabricsim.world, with the proposal's creator as caller and the
proposal timestamp as transaction time. Endorse only simulates; Submit validates (a read-set
version check standing in for MVCC) and commits in order, cutting one block per transaction
with the client's own signed envelope, which Deliver then serves (waiting for new blocks
like a peer does). Block 0 is a channel configuration naming the members' CAs as MSP roots
and an ordering org, and every later block carries one orderer signature as a Raft orderer
writes it, so `tracker verify` can check the chain end to end. Not simulated: an ordering
service (no consensus, one block per transaction), endorsement policies, several peers,
private data, channel membership checks at the gateway, configuration updates.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import events_pb2, events_pb2_grpc, transaction_pb2

from chaincode.contract import ProvenanceChaincode
from fabricsim.blocks import config_envelope, sign_block
from fabricsim.callers import Caller
from fabricsim.consortium import Member, Org
from fabricsim.gateway import CheckedProposal, FakeDeliver, FakeGateway
from fabricsim.ledger import SimLedger
from fabricsim.pki import ORDERER_MSP, SimPki
from fabricsim.wire import (
    ChaincodeRefusal,
    Endorser,
    Outcome,
    next_block,
    verify_like_peer,
)
from fabricsim.world import InMemoryStub, InMemoryWorldState

VALID: int = transaction_pb2.VALID
MVCC_READ_CONFLICT: int = transaction_pb2.MVCC_READ_CONFLICT


class _TrackingStub(InMemoryStub):
    """The in-memory stub, also noting the committed version of every key it reads."""

    def __init__(self, world: SimWorld, *args: Any) -> None:
        super().__init__(world, *args)
        self.read_versions: dict[str, str | None] = {}
        self._sim_world = world

    async def get_state(self, key: str) -> bytes:
        self.read_versions[key] = self._sim_world.versions.get(key)
        return await super().get_state(key)


@dataclass
class Simulation:
    """One chaincode run against committed state: response, read set and pending writes."""

    tx_id: str
    when: datetime
    stub: _TrackingStub
    status: int
    payload: bytes
    message: str

    @property
    def writes(self) -> list[tuple[str, bytes, bool]]:
        """Write set as (key, value, is_delete), in the order the chaincode wrote them."""
        return [(k, v or b"", v is None) for k, v in self.stub.writes.items()]

    @property
    def event(self) -> tuple[str, bytes] | None:
        """The transaction's (last) chaincode event."""
        if not self.stub.events:
            return None
        last = self.stub.events[-1]
        return str(last.event_name), bytes(last.payload)


@dataclass
class SimWorld(InMemoryWorldState):
    """The in-memory world state plus each key's version (the tx id that last wrote it)."""

    versions: dict[str, str] = field(default_factory=dict)

    def simulate(
        self, caller: Caller, function: str, args: list[str], tx_id: str, when: datetime
    ) -> Simulation:
        """Run the real chaincode on committed state without committing anything."""
        stub = _TrackingStub(self, function, args, caller, tx_id, when)
        response = asyncio.run(ProvenanceChaincode().invoke(stub))
        return Simulation(
            tx_id, when, stub, response.status, bytes(response.payload), response.message
        )

    def validate_and_commit(self, simulation: Simulation) -> int:
        """Commit a simulation unless a key it read changed since (MVCC_READ_CONFLICT)."""
        for key, version in simulation.stub.read_versions.items():
            if self.versions.get(key) != version:
                return MVCC_READ_CONFLICT
        self.tx_count += 1
        self._commit(simulation.stub, simulation.tx_id, simulation.when)
        if simulation.stub.events:
            self.events.append(simulation.stub.events[-1])
        return VALID

    def _commit(self, stub: InMemoryStub, tx_id: str, when: datetime) -> None:
        for key in stub.writes:
            self.versions[key] = tx_id
        super()._commit(stub, tx_id, when)


@dataclass
class PeerLedger(SimLedger):
    """The channel's blocks: genesis config block, then one block per submitted transaction."""

    world: SimWorld = field(default_factory=SimWorld)
    changed: threading.Condition = field(default_factory=threading.Condition)
    genesis: bytes = b""  # block 0's CONFIG envelope
    orderer: Member | None = None  # signs each later block, as a Raft orderer's blockwriter

    def __post_init__(self) -> None:
        self._append([self.genesis])

    def _append(self, envelopes: list[bytes]) -> None:
        with self.changed:
            super()._append(envelopes)
            if self.orderer is not None and len(self.blocks) > 1:
                sign_block(self.blocks[-1], self.orderer)
            self.changed.notify_all()

    def cut(self, envelope: bytes, code: int) -> int:
        """Append a block holding one envelope with its validation code; return its number."""
        with self.changed:
            number = len(self.blocks)
            block = next_block(self.blocks, [envelope], [code])
            self.blocks.append(sign_block(block, self.orderer) if self.orderer else block)
            self.changed.notify_all()
        return number


def _caller(checked: CheckedProposal) -> Caller:
    identity = identities_pb2.SerializedIdentity.FromString(checked.signature_header.creator)
    return Caller(identity.mspid, bytes(identity.id_bytes))


class SimulatedGateway(FakeGateway):
    """FakeGateway whose chaincode is the real one, committing on Submit in order."""

    def __init__(self, endorser: Endorser, ledger: PeerLedger) -> None:
        super().__init__(endorser)
        self.ledger = ledger
        self.simulations: dict[str, Simulation] = {}
        self.statuses: dict[str, tuple[int, int]] = {}  # tx id -> (validation code, block)
        # Events of endorsed, not yet submitted transactions, out of FakeGateway's list: Submit
        # then appends one entry instead of rewriting a list as long as the chain.
        self.unsubmitted_events: dict[str, tuple[int, Any]] = {}
        self.lock = threading.RLock()

    def call_chaincode(
        self, checked: CheckedProposal, fn: str, args: list[bytes], step: str
    ) -> Outcome:
        """Simulate the proposal with the real chaincode; endorsements wait for Submit."""
        when = checked.channel_header.timestamp.ToDatetime(tzinfo=UTC)
        with self.lock:
            simulation = self.ledger.world.simulate(
                _caller(checked), fn, [a.decode() for a in args], checked.tx_id, when
            )
            if simulation.status != 200:
                raise ChaincodeRefusal(simulation.message)
            if step == "endorse":
                self.simulations[checked.tx_id] = simulation
        return Outcome(simulation.payload, simulation.writes, simulation.event)

    def Endorse(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """Refuse a tx id already used, as the peer's duplicate-txid check does."""
        with self.lock:
            duplicate = request.transaction_id in self.statuses
        if duplicate:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, "duplicate transaction found")
        response = super().Endorse(request, context)
        tx_id = request.transaction_id
        with self.lock:
            simulation = self.simulations.get(tx_id)
            if simulation is not None and simulation.event is not None:
                # FakeGateway appended it a moment ago: it is among the last few entries.
                for index in range(len(self.events) - 1, -1, -1):
                    if self.events[index][1].tx_id == tx_id:
                        self.unsubmitted_events[tx_id] = self.events.pop(index)
                        break
        return response

    def Submit(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """Check the envelope (FakeGateway), then validate and commit it into a new block."""
        response = super().Submit(request, context)
        tx_id = request.transaction_id
        with self.lock:
            simulation = self.simulations.pop(tx_id)
            code = self.ledger.world.validate_and_commit(simulation)
            envelope = request.prepared_transaction.SerializeToString()
            number = self.ledger.cut(envelope, code)
            self.statuses[tx_id] = (code, number)
            self.prepared.pop(tx_id, None)
            # FakeGateway guessed the event's block at endorsement; it is known now, and only
            # a VALID transaction's event is served.
            pending = self.unsubmitted_events.pop(tx_id, None)
            if pending is not None and code == VALID:
                self.events.append((number, pending[1]))
            self.block_number = number
        return response

    def CommitStatus(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """The validation code and block of a submitted transaction."""
        inner = gateway_pb2.CommitStatusRequest.FromString(request.request)
        self._check(lambda: _verify(inner.identity, request), context)
        with self.lock:
            found = self.statuses.get(inner.transaction_id)
        if found is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown tx {inner.transaction_id}")
        assert found is not None
        return gateway_pb2.CommitStatusResponse(result=found[0], block_number=found[1])


def _verify(identity: bytes, request: Any) -> None:
    verify_like_peer(identity, request.request, request.signature)


class SimulatedDeliver(FakeDeliver):
    """FakeDeliver over the ledger's blocks that, like a peer, waits for blocks to come."""

    def __init__(self, ledger: PeerLedger) -> None:
        super().__init__()
        self.ledger = ledger
        self.blocks = ledger.blocks  # the same list: new blocks show up at once

    def stream(self, seek: Any, context: grpc.ServicerContext) -> Any:
        """Blocks from the seek's start; stop at the newest or the given end, else wait."""
        changed, blocks = self.ledger.changed, self.ledger.blocks
        with changed:
            newest = len(blocks) - 1
        start_kind = seek.start.WhichOneof("Type")
        number = newest if start_kind == "newest" else 0
        if start_kind == "specified":
            number = seek.start.specified.number
        stop_kind = seek.stop.WhichOneof("Type")
        last = newest if stop_kind == "newest" else seek.stop.specified.number
        while context.is_active() and number <= last:
            with changed:
                changed.wait_for(functools.partial(_longer, blocks, number), timeout=0.2)
                ready = blocks[number : last + 1]
            for block in ready:
                yield events_pb2.DeliverResponse(block=block)
                number += 1
        if number > last:
            yield events_pb2.DeliverResponse(status=common_pb2.SUCCESS)


def _longer(blocks: list[Any], number: int) -> bool:
    return len(blocks) > number


CHANNEL_MEMBERS = ("ProducerMSP", "CarrierMSP", "RetailerMSP", "AuditorMSP")


def channel_genesis(pki: SimPki, members: tuple[str, ...]) -> bytes:
    """Block 0's channel configuration: each member's CA as its MSP root, with node OUs,
    and the ordering org; what `tracker verify` takes its trust roots from."""
    orgs = tuple(Org(msp, f"{msp.lower()}.sim", pki.ca(msp)) for msp in (*members, ORDERER_MSP))
    return config_envelope(orgs)


class SimulatedPeer:
    """A running SimulatedPeer on 127.0.0.1 with TLS; stop() and start() keep its ledger."""

    def __init__(self, pki: SimPki, members: tuple[str, ...] = CHANNEL_MEMBERS) -> None:
        self.pki = pki
        self.ledger = PeerLedger(
            Endorser("CarrierMSP", pki.peer.cert_pem, pki.peer.key),
            genesis=channel_genesis(pki, members),
            orderer=Member(ORDERER_MSP, pki.orderer),
        )
        self.gateway = SimulatedGateway(self.ledger.endorser, self.ledger)
        self.deliver = SimulatedDeliver(self.ledger)
        self.port = 0
        self._server: grpc.Server | None = None

    @property
    def endpoint(self) -> str:
        """host:port to dial."""
        return f"127.0.0.1:{self.port}"

    @property
    def world(self) -> SimWorld:
        """The committed world state."""
        return self.ledger.world

    def start(self) -> SimulatedPeer:
        """Serve on the same port as before (a free one the first time)."""
        # Accept the client's keepalive pings every 60 s on idle streams, as a Fabric peer
        # does (peer.keepalive.minInterval); gRPC's Python default would answer GOAWAY.
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=16),
            options=[
                ("grpc.http2.min_ping_interval_without_data_ms", 30_000),
                ("grpc.keepalive_permit_without_calls", 1),
            ],
        )
        gateway_pb2_grpc.add_GatewayServicer_to_server(self.gateway, server)
        events_pb2_grpc.add_DeliverServicer_to_server(self.deliver, server)
        tls = self.pki.tls_server
        credentials = grpc.ssl_server_credentials([(tls.key_pem, tls.cert_pem)])
        self.port = server.add_secure_port(f"127.0.0.1:{self.port}", credentials)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving at once (open streams are cancelled); the ledger is kept."""
        if self._server is not None:
            self._server.stop(grace=None).wait()
            self._server = None

    def state(self, kind: str, *attributes: str) -> Any:
        """The committed JSON value of a composite key, or None."""
        key = "\x00" + kind + "\x00" + "".join(a + "\x00" for a in attributes)
        raw = self.world.state.get(key)
        return json.loads(raw) if raw else None

    def checkpoints(self, sscc: str) -> list[Any]:
        """The committed checkpoints of a shipment, in order."""
        prefix = "\x00checkpoint\x00" + sscc + "\x00"
        keys = sorted(k for k in self.world.state if k.startswith(prefix))
        return [json.loads(self.world.state[k]) for k in keys]
