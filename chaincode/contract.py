"""The provenance chaincode: transactions only.

Every write follows the same thin path: parse -> read -> authorize -> replay
check -> pure rule -> write canonical JSON -> one event. Transaction time is
the proposal timestamp; nothing here reads the wall clock or draws randomness,
so every endorsing peer computes the same write set.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from fabric_chaincode_python.fabric_shim.interfaces import Chaincode
from fabric_chaincode_python.fabric_shim.response import error as shim_error
from fabric_chaincode_python.fabric_shim.response import success as shim_success

from chaincode import agreements, arguments, certificates, coldchain, disputes, idempotency, rules
from chaincode.access import Action, authorize, authorize_listing
from chaincode.errors import ChaincodeError, ErrorCode, already_exists, invalid_argument
from chaincode.events import EventType, build_event
from chaincode.settling import new_agreement
from chaincode.state import Ledger
from records import Checkpoint, ColdChainTotals, Shipment, Status, canonical_json
from records import TemperatureSummary as Summary
from records.keys import AGREEMENT

Handler = Callable[[Ledger, str], Awaitable[str]]


_replay = idempotency.replay
_remember = idempotency.remember
_caller = idempotency.caller_of


async def create_shipment(ledger: Ledger, raw: str) -> str:
    """CreateShipment: a producer dispatcher registers a new SSCC."""
    request = arguments.parse_create(raw)
    caller = _caller(ledger)
    authorize(caller, Action.CREATE, request.parties)
    replayed = await _replay(ledger, caller, request.client_scan_id, "CreateShipment", raw)
    if replayed:
        return replayed
    if await ledger.get_shipment(request.sscc) is not None:
        raise already_exists(request.sscc)
    tx_id, now = ledger.tx_id(), ledger.tx_time()
    shipment = Shipment(
        sscc=request.sscc,
        product=request.product,
        quantity=request.quantity,
        unit=request.unit,
        origin=request.origin,
        destination=request.destination,
        parties=request.parties,
        cold_chain=request.cold_chain,
        promised_delivery=request.promised_delivery,
        status=Status.CREATED.value,
        custodian=request.parties.producer,
        certificates=request.certificates,
        cold_chain_state=ColdChainTotals(),
        checkpoint_count=0,
        created_tx=tx_id,
        updated_tx=tx_id,
        created_at=now,
        updated_at=now,
    )
    await ledger.save_shipment(shipment, None)
    created: dict[str, object] = {"shipment": shipment}
    if request.agreement is not None:
        by = idempotency.reporter(caller)
        created["agreement"] = new_agreement(shipment, request.agreement, by, tx_id, now)
        await ledger.put_record(AGREEMENT, [shipment.sscc], created["agreement"])
    result = canonical_json(created)
    await _remember(ledger, caller, request.client_scan_id, "CreateShipment", raw, result)
    ledger.emit(build_event(EventType.SHIPMENT_CREATED, shipment.sscc, tx_id, created))
    return result


async def _append(
    ledger: Ledger,
    raw: str,
    tx_name: str,
    action: Action,
    observation: arguments.Observation,
    kind: str,
    event_type: EventType,
    temperature: arguments.TemperatureRequest | None = None,
    forced_status: Status | None = None,
    reason: str = "",
) -> str:
    """Shared body of the scan transactions: one checkpoint plus the shipment update."""
    shipment = await ledger.require_shipment(observation.sscc)
    caller = _caller(ledger)
    agreement = None
    if kind == "delivery":  # an accepted agreement says who confirms, and settles
        agreement = await agreements.delivery_confirmer(ledger, caller, shipment)
    else:
        authorize(caller, action, shipment.parties)
    replayed = await _replay(ledger, caller, observation.client_scan_id, tx_name, raw)
    if replayed:
        return replayed
    agreements.refuse_if_settled(agreement, shipment)
    current = Status(shipment.status)
    wanted = forced_status or rules.target_status(
        current, observation.biz_step, observation.disposition
    )
    status = rules.check_transition(current, wanted)
    summary, totals = _temperatures(shipment, temperature)
    tx_id, now = ledger.tx_id(), ledger.tx_time()
    checkpoint = Checkpoint(
        sscc=shipment.sscc,
        seq=shipment.checkpoint_count + 1,
        kind=kind,
        biz_step=observation.biz_step,
        disposition=observation.disposition,
        read_point=observation.read_point,
        event_time=observation.event_time,
        recorded_at=now,
        reporter=idempotency.reporter(caller),
        status=status.value,
        temperature=summary,
        evidence=observation.evidence,
        notes=observation.notes,
        client_scan_id=observation.client_scan_id,
        tx_id=tx_id,
        reason=reason,
    )
    updated = replace(
        shipment,
        status=status.value,
        custodian=rules.custodian_for(status, shipment.parties, shipment.custodian),
        cold_chain_state=totals,
        checkpoint_count=checkpoint.seq,
        updated_tx=tx_id,
        updated_at=now,
    )
    await ledger.put_checkpoint(checkpoint)
    await ledger.save_shipment(updated, shipment)
    changed: dict[str, object] = {"shipment": updated, "checkpoint": checkpoint}
    if agreement is not None:
        changed.update(await agreements.settle_on_delivery(ledger, agreement, updated, checkpoint))
    result = canonical_json(changed)
    await _remember(ledger, caller, observation.client_scan_id, tx_name, raw, result)
    ledger.emit(build_event(event_type, shipment.sscc, tx_id, changed))
    return result


def _temperatures(
    shipment: Shipment, request: arguments.TemperatureRequest | None
) -> tuple[Summary | None, ColdChainTotals]:
    """Batch summary and the shipment's new running totals (unchanged without a batch)."""
    if request is None:
        return None, shipment.cold_chain_state
    profile = shipment.cold_chain
    summary, sums = coldchain.summarize_batch(request.readings, profile, request.raw_sha256)
    return summary, coldchain.accumulate(shipment.cold_chain_state, summary, sums, profile)


async def record_checkpoint(ledger: Ledger, raw: str) -> str:
    """RecordCheckpoint: a carrier scanner records an EPCIS event."""
    observation = arguments.parse_checkpoint(raw)
    return await _append(
        ledger, raw, "RecordCheckpoint", Action.RECORD_CHECKPOINT, observation,
        "checkpoint", EventType.CHECKPOINT_RECORDED,
    )  # fmt: skip


async def record_temperatures(ledger: Ledger, raw: str) -> str:
    """RecordTemperatures: a carrier scanner uploads a data-logger batch."""
    request = arguments.parse_temperatures(raw)
    return await _append(
        ledger, raw, "RecordTemperatures", Action.RECORD_TEMPERATURES, request.observation,
        "temperature", EventType.TEMPERATURES_RECORDED, temperature=request,
    )  # fmt: skip


async def confirm_delivery(ledger: Ledger, raw: str) -> str:
    """ConfirmDelivery: the retailer's receiver signs for the goods."""
    observation = arguments.parse_delivery(raw)
    return await _append(
        ledger, raw, "ConfirmDelivery", Action.CONFIRM_DELIVERY, observation,
        "delivery", EventType.DELIVERY_CONFIRMED, forced_status=Status.DELIVERED,
    )  # fmt: skip


async def report_exception(ledger: Ledger, raw: str) -> str:
    """ReportException: any party's operational role flags a problem."""
    observation, reason = arguments.parse_exception(raw)
    return await _append(
        ledger, raw, "ReportException", Action.REPORT_EXCEPTION, observation,
        "exception", EventType.EXCEPTION_REPORTED, forced_status=Status.EXCEPTION, reason=reason,
    )  # fmt: skip


async def _readable(ledger: Ledger, raw: str) -> Shipment:
    """The shipment named by a read request, after the READ check."""
    shipment = await ledger.require_shipment(arguments.parse_sscc(raw))
    authorize(_caller(ledger), Action.READ, shipment.parties)
    return shipment


async def get_shipment(ledger: Ledger, raw: str) -> str:
    """GetShipment: the current shipment record."""
    return canonical_json(await _readable(ledger, raw))


async def get_provenance(ledger: Ledger, raw: str) -> str:
    """GetProvenance: the shipment and all its checkpoints in sequence order."""
    shipment = await _readable(ledger, raw)
    checkpoints = await ledger.checkpoints(shipment.sscc)
    return canonical_json({"shipment": shipment, "checkpoints": checkpoints})


async def get_history(ledger: Ledger, raw: str) -> str:
    """GetHistory: every committed version of the shipment with tx id and time."""
    shipment = await _readable(ledger, raw)
    return canonical_json({"sscc": shipment.sscc, "history": await ledger.history(shipment.sscc)})


async def list_shipments(ledger: Ledger, raw: str) -> str:
    """ListShipments: one page of shipments by party and/or status."""
    request = arguments.parse_list(raw)
    authorize_listing(_caller(ledger), request.party)
    page = await ledger.index_page(
        request.party, request.status, request.page_size, request.bookmark
    )
    shipments = [await ledger.require_shipment(sscc) for sscc in page.ssccs]
    return canonical_json(
        {"shipments": shipments, "count": len(shipments), "bookmark": page.bookmark}
    )


async def get_agreement(ledger: Ledger, raw: str) -> str:
    """GetAgreement: the agreement, its settlement and the disputes of a shipment."""
    return await agreements.read_agreement(ledger, await _readable(ledger, raw))


TRANSACTIONS: dict[str, Handler] = {
    "CreateShipment": create_shipment,
    "RecordCheckpoint": record_checkpoint,
    "RecordTemperatures": record_temperatures,
    "ConfirmDelivery": confirm_delivery,
    "ReportException": report_exception,
    "GetShipment": get_shipment,
    "GetProvenance": get_provenance,
    "GetHistory": get_history,
    "ListShipments": list_shipments,
    "ProposeAgreement": agreements.propose_agreement,
    "AcceptAgreement": agreements.accept_agreement,
    "SettleShipment": agreements.settle_shipment,
    "GetAgreement": get_agreement,
    "GetBalances": agreements.get_balances,
    "OpenDispute": disputes.open_dispute,
    "AnchorConversation": disputes.anchor_conversation,
    "ResolveDispute": disputes.resolve_dispute,
    "GetDispute": disputes.get_dispute,
    "RegisterCertificate": certificates.register_certificate,
    "GetCertificates": certificates.get_certificates,
    "GetCertificate": certificates.get_certificate,
}


async def dispatch(stub: Any) -> tuple[bool, str]:
    """Run the named transaction; return (ok, JSON result or "CODE: message")."""
    ledger = Ledger(stub)
    name, args = ledger.function_and_args()
    try:
        handler = TRANSACTIONS.get(name)
        if handler is None:
            raise ChaincodeError(ErrorCode.UNKNOWN_TRANSACTION, f"no transaction named {name!r}")
        if len(args) != 1:
            raise invalid_argument("arguments", f"{name} takes one JSON argument, got {len(args)}")
        return True, await handler(ledger, args[0])
    except ChaincodeError as exc:
        return False, str(exc)
    except Exception as exc:  # a failed peer request or a bug must fail the tx, not hang it
        return False, f"{ErrorCode.STATE_ERROR.value}: {type(exc).__name__}: {exc}"


class ProvenanceChaincode(Chaincode):  # type: ignore[misc]
    """The Chaincode the shim calls: Init is a no-op, Invoke dispatches by name."""

    async def init(self, stub: Any) -> Any:
        """Nothing to initialise: the ledger starts empty."""
        return shim_success(b"")

    async def invoke(self, stub: Any) -> Any:
        """Run a transaction and wrap the outcome in a Fabric Response."""
        ok, text = await dispatch(stub)
        return shim_success(text) if ok else shim_error(text)
