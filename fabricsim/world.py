"""FAKE for the fast tier: an in-memory world state and stub, NOT Fabric.

It reproduces the parts of the peer the chaincode relies on: committed-state
reads (a transaction does not see its own writes), writes applied only when
the transaction succeeds, key history, ordered range queries with an
exclusive end key, and one chaincode event per transaction.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fabric_chaincode_python.fabric_shim.stub import ChaincodeStub
from fabric_protos.ledger.queryresult import kv_query_result_pb2 as kv_pb
from fabric_protos.peer import chaincode_event_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from chaincode.contract import ProvenanceChaincode
from fabricsim.callers import Caller

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


class _Iterator:
    """Async iterator with the library iterators' aclose()."""

    def __init__(self, items: list[Any]) -> None:
        self._items = list(items)
        self.closed = False

    def __aiter__(self) -> _Iterator:
        return self

    async def __anext__(self) -> Any:
        if not self._items:
            raise StopAsyncIteration
        return self._items.pop(0)

    async def aclose(self) -> None:
        self.closed = True


class InMemoryStub:
    """One transaction's view of an InMemoryWorldState."""

    # Reuse the library's key builder so composite keys match the real stub's.
    create_composite_key = ChaincodeStub.create_composite_key

    def __init__(self, world: InMemoryWorldState, function: str, args: list[str], caller: Caller,
                 tx_id: str, when: datetime) -> None:  # fmt: skip
        self._world = world
        self._function = function
        self._args = args
        self._caller = caller
        self._tx_id = tx_id
        self._when = when
        self.writes: dict[str, bytes | None] = {}
        self.events: list[Any] = []

    def get_function_and_parameters(self) -> tuple[str, list[str]]:
        return self._function, list(self._args)

    def get_txid(self) -> str:
        return self._tx_id

    def get_tx_timestamp(self) -> Timestamp:
        stamp = Timestamp()
        stamp.FromDatetime(self._when)
        return stamp

    def get_creator(self) -> dict[str, object]:
        return self._caller.creator()

    async def get_state(self, key: str) -> bytes:
        self._world.reads += 1
        return self._world.state.get(key, b"")

    async def put_state(self, key: str, value: bytes | str) -> None:
        data = value.encode() if isinstance(value, str) else bytes(value)
        assert data, "Fabric treats an empty value as a delete"
        self.writes[key] = data

    async def delete_state(self, key: str) -> None:
        self.writes[key] = None

    async def get_state_by_range(self, start: str, end: str) -> _Iterator:
        keys = sorted(k for k in self._world.state if start <= k and (not end or k < end))
        return _Iterator([kv_pb.KV(key=k, value=self._world.state[k]) for k in keys])

    async def get_history_for_key(self, key: str) -> _Iterator:
        return _Iterator(list(self._world.history.get(key, [])))

    def set_event(self, name: str, payload: bytes) -> None:
        event = chaincode_event_pb2.ChaincodeEvent(event_name=name, payload=payload)
        self.events.append(event)


@dataclass
class Result:
    """Outcome of one invoke: status, payload text or error message, event."""

    status: int
    payload: str
    message: str
    event: Any | None
    tx_id: str

    @property
    def ok(self) -> bool:
        return self.status == 200

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class InMemoryWorldState:
    """Committed state, history and events of a fake single-peer channel."""

    state: dict[str, bytes] = field(default_factory=dict)
    history: dict[str, list[Any]] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)
    tx_count: int = 0
    writes: int = 0
    reads: int = 0

    def copy(self) -> InMemoryWorldState:
        """Independent copy (history lists included) for table-driven cases."""
        return InMemoryWorldState(
            state=dict(self.state),
            history={k: list(v) for k, v in self.history.items()},
            events=list(self.events),
            tx_count=self.tx_count,
        )

    def invoke(self, caller: Caller, function: str, *args: str) -> Result:
        """Run one transaction; commit its writes and event only if it succeeded."""
        self.tx_count += 1
        tx_id = f"tx{self.tx_count:04d}"
        when = START + timedelta(minutes=self.tx_count)
        stub = InMemoryStub(self, function, list(args), caller, tx_id, when)
        response = asyncio.run(ProvenanceChaincode().invoke(stub))
        event = stub.events[-1] if stub.events else None
        if response.status == 200:
            self._commit(stub, tx_id, when)
            if event is not None:
                self.events.append(event)
        return Result(response.status, response.payload.decode(), response.message, event, tx_id)

    def _commit(self, stub: InMemoryStub, tx_id: str, when: datetime) -> None:
        stamp = Timestamp()
        stamp.FromDatetime(when)
        for key, value in stub.writes.items():
            self.writes += 1
            if value is None:
                self.state.pop(key, None)
            else:
                self.state[key] = value
            modification = kv_pb.KeyModification(
                tx_id=tx_id, value=value or b"", timestamp=stamp, is_delete=value is None
            )
            self.history.setdefault(key, []).append(modification)
