"""Server-streaming results (chaincode events, delivered blocks) as closable iterators."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

import grpc
from fabric_protos.common import common_pb2

from tracker.ledger._protos import Proto
from tracker.ledger.errors import LedgerError, translate_rpc_error

T = TypeVar("T")


class EventStream(Generic[T], Iterator[T]):
    """Iterator over a server stream; ``close()`` cancels the call."""

    def __init__(self, call: Any, convert: Callable[[Any], Iterable[T]], step: str) -> None:
        """Wrap a gRPC response stream, converting each response into zero or more items."""
        self._call = call
        self._convert = convert
        self._step = step
        self._pending: deque[T] = deque()
        self._closed = False

    def __next__(self) -> T:
        """Next item; raises a LedgerError if the stream fails."""
        while not self._pending:
            try:
                response = next(self._call)
            except grpc.RpcError as error:
                if self._closed:
                    raise StopIteration from None
                raise translate_rpc_error(error, step=self._step, tx_id=None) from error
            self._pending.extend(self._convert(response))
        return self._pending.popleft()

    def close(self) -> None:
        """Cancel the underlying call."""
        self._closed = True
        self._call.cancel()

    def __enter__(self) -> EventStream[T]:
        """Use as a context manager that cancels the stream."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Cancel the stream."""
        self.close()


def deliver_blocks(response: Any) -> list[Proto]:
    """Blocks carried by one DeliverResponse; a non-SUCCESS status raises LedgerError."""
    if response.WhichOneof("Type") == "block":
        return [response.block]
    if response.WhichOneof("Type") == "status" and response.status != common_pb2.SUCCESS:
        # SUCCESS just marks the end of a bounded seek; anything else is a refusal.
        name = common_pb2.Status.Name(response.status)
        raise LedgerError(f"deliver refused: {name}", grpc_code=None)
    return []
