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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from records import format_instant
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
    TermsCommitted,
    WriteKind,
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


# Agreement, dispute and certificate writes, and the field of their result naming the
# transaction that recorded the change (differs from the submitted tx on a scan-id replay).
_TERMS_WRITES: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "propose_agreement": ("ProposeAgreement", lambda r: str(r["agreement"]["proposed_tx"])),
    "accept_agreement": ("AcceptAgreement", lambda r: str(r["agreement"]["accepted_tx"])),
    "settle_shipment": ("SettleShipment", lambda r: str(r["settlement"]["settled_tx"])),
    "open_dispute": ("OpenDispute", lambda r: str(r["dispute"]["opened_tx"])),
    "anchor_conversation": (
        "AnchorConversation",
        lambda r: str(r["dispute"]["anchors"][-1]["tx_id"]),
    ),
    "resolve_dispute": ("ResolveDispute", lambda r: str(r["dispute"]["resolution"]["resolved_tx"])),
    "register_certificate": (
        "RegisterCertificate",
        lambda r: str(r["certificate"]["registered_tx"]),
    ),
}


def _argument(value: Mapping[str, Any]) -> str:
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
        body.update(biz_step=request.biz_step, event_time=format_instant(request.event_time))
    elif isinstance(request, TemperatureRequest):
        kind, body = WriteKind.TEMPERATURES, _scan_fields(request)
        body["readings"] = [
            {"time": format_instant(r.time), "celsius": r.celsius} for r in request.readings
        ]
        if request.device_id:
            body["device_id"] = request.device_id
    elif isinstance(request, DeliveryRequest):
        kind, body = WriteKind.DELIVERY, _scan_fields(request)
        body.update(
            proof_of_delivery_sha256=request.proof_of_delivery_sha256,
            event_time=format_instant(request.event_time),
        )
    else:
        kind, body = WriteKind.EXCEPTION, _scan_fields(request)
        body.update(reason=request.reason, event_time=format_instant(request.event_time))
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
        settlement = document.get("settlement")
        if recorded_by == outcome.tx_id:
            return Committed(
                outcome.tx_id, outcome.block_number, shipment, checkpoint, False, settlement
            )
        # The chaincode answered from its scan-id record: report the original transaction.
        block = self._block_of(recorded_by)
        return Committed(recorded_by, block, shipment, checkpoint, True, settlement)

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

    # -- agreements, disputes, certificates (arguments are the chaincode's JSON objects) --

    def _terms_write(
        self, actor: Actor, method: str, argument: Mapping[str, Any]
    ) -> TermsCommitted:
        name, recorder = _TERMS_WRITES[method]
        body = _argument(argument)
        outcome = self._call(actor, lambda c: self._submit_named(c, name, body))
        document = json.loads(outcome.result)
        recorded_by = recorder(document)
        if recorded_by == outcome.tx_id:
            return TermsCommitted.from_result(document, outcome.tx_id, outcome.block_number, False)
        return TermsCommitted.from_result(document, recorded_by, self._block_of(recorded_by), True)

    @staticmethod
    def _submit_named(contract: Contract, name: str, argument: str) -> _Outcome:
        submitted = contract.submit(name, argument)
        return _Outcome(submitted.tx_id, submitted.block_number, submitted.result)

    def propose_agreement(self, actor: Actor, argument: Mapping[str, Any]) -> TermsCommitted:
        """ProposeAgreement {sscc, price_minor, currency, lateness, ...} by the seller."""
        return self._terms_write(actor, "propose_agreement", argument)

    def accept_agreement(self, actor: Actor, argument: Mapping[str, Any]) -> TermsCommitted:
        """AcceptAgreement {sscc, proposed_tx, client_scan_id?} by the buyer."""
        return self._terms_write(actor, "accept_agreement", argument)

    def settle_shipment(self, actor: Actor, argument: Mapping[str, Any]) -> TermsCommitted:
        """SettleShipment {sscc, client_scan_id?}: undelivered or returned."""
        return self._terms_write(actor, "settle_shipment", argument)

    def open_dispute(self, actor: Actor, argument: Mapping[str, Any]) -> TermsCommitted:
        """OpenDispute {sscc, dispute_id, subject, raised_for, client_scan_id?}."""
        return self._terms_write(actor, "open_dispute", argument)

    def anchor_conversation(self, actor: Actor, argument: Mapping[str, Any]) -> TermsCommitted:
        """AnchorConversation {sscc, dispute_id, leaves, root}."""
        return self._terms_write(actor, "anchor_conversation", argument)

    def resolve_dispute(self, actor: Actor, argument: Mapping[str, Any]) -> TermsCommitted:
        """ResolveDispute {sscc, dispute_id, outcome, refund_minor?, reason} by the seller."""
        return self._terms_write(actor, "resolve_dispute", argument)

    def register_certificate(self, actor: Actor, argument: Mapping[str, Any]) -> TermsCommitted:
        """RegisterCertificate {sha256, doc_type, issuer_name, valid_from, valid_until, subject}."""
        return self._terms_write(actor, "register_certificate", argument)

    def _read(self, actor: Actor, name: str, argument: Mapping[str, Any]) -> dict[str, Any]:
        raw = self._call(actor, lambda c: c.evaluate(name, _argument(argument)))
        document: dict[str, Any] = json.loads(raw)
        return document

    def get_agreement(self, actor: Actor, sscc: str) -> dict[str, Any]:
        """{"agreement": A|None, "settlement": S|None, "disputes": [D, ...]}."""
        return self._read(actor, "GetAgreement", {"sscc": sscc})

    def get_dispute(self, actor: Actor, sscc: str, dispute_id: str) -> dict[str, Any]:
        """The dispute document (leaves, anchors, resolution)."""
        found = self._read(actor, "GetDispute", {"sscc": sscc, "dispute_id": dispute_id})
        dispute: dict[str, Any] = found["dispute"]
        return dispute

    def get_certificates(self, actor: Actor, sscc: str) -> dict[str, Any]:
        """The shipment's certificates with their check against its dates.

        `window` is {from: created_at, to: delivered_at or updated_at}; `check` is valid,
        expired, not_yet_valid or unregistered.
        """
        return self._read(actor, "GetCertificates", {"sscc": sscc})

    def get_certificate(self, actor: Actor, sha256: str) -> dict[str, Any]:
        """The registered certificate document of a hash (CERTIFICATE_NOT_FOUND otherwise)."""
        certificate: dict[str, Any] = self._read(actor, "GetCertificate", {"sha256": sha256})[
            "certificate"
        ]
        return certificate

    def get_balances(self, actor: Actor, msp_id: str | None = None) -> dict[str, Any]:
        """{"msp_id", "balances": [{counterparty, currency, due_to, due_from, net}]}."""
        return self._read(actor, "GetBalances", _drop_empty({"msp_id": msp_id}))

    def _call(self, actor: Actor, work: Callable[[Contract], Any]) -> Any:
        try:
            return work(self._pool.contract(actor))
        except LedgerUnavailable:
            # A fresh channel next time skips gRPC's reconnect backoff once the peer is back.
            self._pool.discard(actor)
            raise


__all__ = ["GatewayPool", "LedgerFacade", "prepare"]
