"""The ledger facade: business calls in, frozen values out; no protobufs, no tx names above it.

Every call runs with the acting person's own identity (a Contract bound to their Signer), so
the ledger records who scanned. Writes return only once committed VALID. Failures are the
`tracker.ledger.errors` types (ChaincodeError with `.chaincode_code`, LedgerUnavailable, ...).
Request and view types live in `facade_values`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.ledger.errors import LedgerUnavailable
from tracker.ledger.facade_values import (
    Actor,
    CheckpointRequest,
    CheckpointView,
    Committed,
    CreateShipment,
    DeliveryRequest,
    ExceptionRequest,
    PreparedWrite,
    Provenance,
    ShipmentPage,
    ShipmentView,
    TemperatureRequest,
    WriteKind,
    instant,
)
from tracker.ledger.gateway import Contract, Gateway, Timeouts, connect

# The chaincode's transaction names stay in this module.
_TRANSACTIONS = {
    WriteKind.CREATE: "CreateShipment",
    WriteKind.CHECKPOINT: "RecordCheckpoint",
    WriteKind.TEMPERATURES: "RecordTemperatures",
    WriteKind.DELIVERY: "ConfirmDelivery",
    WriteKind.EXCEPTION: "ReportException",
}


def _argument(value: dict[str, Any]) -> str:
    # ASCII-only compact JSON: the bytes sent are the UTF-8 of this exact string, so a hash
    # taken here is the hash the chaincode computes (RecordTemperatures' raw_sha256).
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, "", ())}


def _scan_fields(request: Any) -> dict[str, Any]:
    point = request.read_point
    return _drop_empty(
        {
            "sscc": request.sscc,
            "client_scan_id": request.client_scan_id,
            "read_point": None if point is None else _drop_empty(point.__dict__),
            "disposition": request.disposition,
            "evidence": list(request.evidence) or None,
            "notes": request.notes,
        }
    )


def prepare(
    request: CreateShipment
    | CheckpointRequest
    | TemperatureRequest
    | DeliveryRequest
    | ExceptionRequest,
) -> PreparedWrite:
    """The exact argument a write sends; deterministic, so a retry sends the same bytes."""
    if isinstance(request, CreateShipment):
        kind, body = WriteKind.CREATE, request.argument()
    elif isinstance(request, CheckpointRequest):
        kind, body = WriteKind.CHECKPOINT, _scan_fields(request)
        body.update(biz_step=request.biz_step, event_time=instant(request.event_time))
    elif isinstance(request, TemperatureRequest):
        kind, body = WriteKind.TEMPERATURES, _scan_fields(request)
        body["readings"] = [
            {"time": instant(r.time), "celsius": r.celsius} for r in request.readings
        ]
        if request.device_id:
            body["device_id"] = request.device_id
    elif isinstance(request, DeliveryRequest):
        kind, body = WriteKind.DELIVERY, _scan_fields(request)
        body.update(
            proof_of_delivery_sha256=request.proof_of_delivery_sha256,
            event_time=instant(request.event_time),
        )
    else:
        kind, body = WriteKind.EXCEPTION, _scan_fields(request)
        body.update(reason=request.reason, event_time=instant(request.event_time))
        if request.biz_step:
            body["biz_step"] = request.biz_step
    return PreparedWrite(kind, request.sscc, request.client_scan_id, _argument(body))


class GatewayPool:
    """One Gateway connection per acting identity, opened on first use and reused."""

    def __init__(
        self,
        *,
        endpoint: str,
        tls_root_cert_path: str | Path,
        server_name_override: str | None,
        channel: str,
        chaincode: str,
        timeouts: Timeouts | None = None,
    ) -> None:
        """Remember where the peer is; nothing is dialled until a call needs it."""
        self._connect = dict(
            endpoint=endpoint,
            tls_root_cert_path=tls_root_cert_path,
            server_name_override=server_name_override,
        )
        self._channel, self._chaincode = channel, chaincode
        self._timeouts = timeouts or Timeouts()
        self._gateways: dict[str, Gateway] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(actor: Actor) -> str:
        return hashlib.sha256(actor.identity.creator).hexdigest()

    def contract(self, actor: Actor) -> Contract:
        """The chaincode, reached through a connection that signs as `actor`."""
        key = self._key(actor)
        with self._lock:
            gateway = self._gateways.get(key)
            if gateway is None:
                gateway = connect(
                    **self._connect,  # type: ignore[arg-type]
                    signer=actor.signer,
                    identity=actor.identity,
                    timeouts=self._timeouts,
                )
                self._gateways[key] = gateway
        return gateway.network(self._channel).contract(self._chaincode)

    def discard(self, actor: Actor) -> None:
        """Close an actor's connection, so the next call dials afresh (no reconnect backoff)."""
        with self._lock:
            gateway = self._gateways.pop(self._key(actor), None)
        if gateway is not None:
            gateway.close()

    def close(self) -> None:
        """Close every connection."""
        with self._lock:
            gateways, self._gateways = list(self._gateways.values()), {}
        for gateway in gateways:
            gateway.close()


BlockLookup = Callable[[str], int | None]
"""The block number of a committed transaction id, where known (journal, read model)."""


@dataclass(frozen=True)
class _Outcome:
    tx_id: str
    block_number: int
    result: bytes


class LedgerFacade:
    """Business operations on the provenance chaincode, each as the acting person."""

    def __init__(self, pool: GatewayPool, *, block_of: BlockLookup | None = None) -> None:
        """Use `pool` for connections; `block_of` finds the block of a replayed scan's tx."""
        self._pool = pool
        self._block_of = block_of or (lambda _tx: None)

    def create_shipment(self, actor: Actor, request: CreateShipment) -> Committed:
        """CreateShipment by a producer's dispatcher."""
        return self.commit(actor, prepare(request))

    def record_checkpoint(self, actor: Actor, request: CheckpointRequest) -> Committed:
        """A carrier scanner's checkpoint (departing, arriving, loading, ...)."""
        return self.commit(actor, prepare(request))

    def record_temperatures(self, actor: Actor, request: TemperatureRequest) -> Committed:
        """A logger batch; the ledger keeps the SHA-256 of `prepare(request).argument`."""
        return self.commit(actor, prepare(request))

    def confirm_delivery(self, actor: Actor, request: DeliveryRequest) -> Committed:
        """The retailer receiver's proof of delivery."""
        return self.commit(actor, prepare(request))

    def report_exception(self, actor: Actor, request: ExceptionRequest) -> Committed:
        """A problem reported by any party's staff."""
        return self.commit(actor, prepare(request))

    def commit(self, actor: Actor, prepared: PreparedWrite) -> Committed:
        """Submit a prepared write and wait for its commit; a replayed scan id gives the
        original transaction's result, tx id and (where known) block."""
        outcome = self._call(actor, lambda c: self._submit(c, prepared))
        document = json.loads(outcome.result)
        shipment = ShipmentView.from_document(document["shipment"])
        checkpoint = None
        if document.get("checkpoint") is not None:
            checkpoint = CheckpointView.from_document(document["checkpoint"])
        recorded_by = checkpoint.tx_id if checkpoint else shipment.created_tx
        if recorded_by == outcome.tx_id:
            return Committed(outcome.tx_id, outcome.block_number, shipment, checkpoint, False)
        # The chaincode answered from its scan-id record: report the original transaction.
        return Committed(recorded_by, self._block_of(recorded_by), shipment, checkpoint, True)

    @staticmethod
    def _submit(contract: Contract, prepared: PreparedWrite) -> _Outcome:
        submitted = contract.submit(_TRANSACTIONS[prepared.kind], prepared.argument)
        return _Outcome(submitted.tx_id, submitted.block_number, submitted.result)

    def get_shipment(self, actor: Actor, sscc: str) -> ShipmentView:
        """The shipment's current state, as the ledger holds it."""
        raw = self._call(actor, lambda c: c.evaluate("GetShipment", _argument({"sscc": sscc})))
        return ShipmentView.from_document(json.loads(raw))

    def get_provenance(self, actor: Actor, sscc: str) -> Provenance:
        """The shipment and every checkpoint, in sequence order."""
        raw = self._call(actor, lambda c: c.evaluate("GetProvenance", _argument({"sscc": sscc})))
        document = json.loads(raw)
        return Provenance(
            ShipmentView.from_document(document["shipment"]),
            tuple(CheckpointView.from_document(c) for c in document["checkpoints"]),
        )

    def list_shipments(
        self,
        actor: Actor,
        *,
        party: str | None = None,
        status: str | None = None,
        page_size: int = 20,
        bookmark: str = "",
    ) -> ShipmentPage:
        """One page of shipments by party and/or status."""
        query = _drop_empty(
            {"party": party, "status": status, "page_size": page_size, "bookmark": bookmark}
        )
        raw = self._call(actor, lambda c: c.evaluate("ListShipments", _argument(query)))
        document = json.loads(raw)
        shipments = tuple(ShipmentView.from_document(s) for s in document["shipments"])
        return ShipmentPage(shipments, str(document.get("bookmark", "")))

    def _call(self, actor: Actor, work: Callable[[Contract], Any]) -> Any:
        try:
            return work(self._pool.contract(actor))
        except LedgerUnavailable:
            # A fresh channel next time skips gRPC's reconnect backoff once the peer is back.
            self._pool.discard(actor)
            raise


__all__ = ["GatewayPool", "LedgerFacade", "prepare"]
