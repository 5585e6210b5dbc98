"""Agreement transactions: propose, accept, settle (delivery or not), read, balances.

Same thin path as the shipment writes: parse -> read -> authorize -> replay check ->
pure rule (``settling``) -> canonical JSON -> one event. Time is the proposal's.
"""

from __future__ import annotations

import json
from dataclasses import replace

from chaincode import deal_args, settling
from chaincode.access import Action, authorize, authorize_balances, authorize_confirmation
from chaincode.access import Identity as Caller
from chaincode.errors import ChaincodeError, ErrorCode
from chaincode.events import EventType, build_event
from chaincode.idempotency import caller_of, remember, replay, reporter
from chaincode.state import (
    DISPUTE_REFUND,
    PARTY_SETTLEMENT,
    Ledger,
)
from records import Checkpoint, Shipment, Status, canonical_json, parse_instant
from records.deals import Agreement, Dispute, Settlement
from records.keys import AGREEMENT, DISPUTE, SETTLEMENT

_CLOSED = (Status.DELIVERED.value, Status.RETURNED.value)


def locked(problem: str) -> ChaincodeError:
    """AGREEMENT_LOCKED: the agreement can no longer change this way."""
    return ChaincodeError(ErrorCode.AGREEMENT_LOCKED, problem)


async def get_agreement(ledger: Ledger, sscc: str) -> Agreement | None:
    """The shipment's agreement, or None."""
    return await ledger.get_record(Agreement, AGREEMENT, [sscc])


async def require_agreement(ledger: Ledger, sscc: str) -> Agreement:
    """The shipment's agreement, or AGREEMENT_NOT_FOUND."""
    agreement = await get_agreement(ledger, sscc)
    if agreement is None:
        raise ChaincodeError(ErrorCode.AGREEMENT_NOT_FOUND, f"shipment {sscc} has no agreement")
    return agreement


async def disputes_of(ledger: Ledger, sscc: str) -> list[Dispute]:
    """Every dispute of a shipment, in dispute id order."""
    return await ledger.records(Dispute, DISPUTE, [sscc])


async def refunds_agreed(ledger: Ledger, sscc: str) -> list[tuple[str, int]]:
    """(dispute id, refund) of the refunds agreed before settlement, in dispute id order. Read
    from their own keys, never from the disputes, which anchoring rewrites: a delivery that
    settles must not fail with a phantom read because a conversation was anchored."""
    found = []
    for value in await ledger.index_values(DISPUTE_REFUND, [sscc]):
        refund = json.loads(value)
        found.append((str(refund["dispute_id"]), int(refund["refund_minor"])))
    return found


async def _write(
    ledger: Ledger, caller: Caller, name: str, raw: str, scan_id: str,
    event: EventType, sscc: str, changed: dict[str, object],
) -> str:  # fmt: skip
    """Remember the scan id's result and emit the one event; return the result."""
    result = canonical_json(changed)
    await remember(ledger, caller, scan_id, name, raw, result)
    ledger.emit(build_event(event, sscc, ledger.tx_id(), changed))
    return result


async def propose_agreement(ledger: Ledger, raw: str) -> str:
    """ProposeAgreement: the producer's dispatcher or admin, before departure."""
    sscc, terms, scan_id = deal_args.parse_propose(raw)
    shipment = await ledger.require_shipment(sscc)
    caller = caller_of(ledger)
    authorize(caller, Action.PROPOSE_AGREEMENT, shipment.parties)
    replayed = await replay(ledger, caller, scan_id, "ProposeAgreement", raw)
    if replayed:
        return replayed
    existing = await get_agreement(ledger, sscc)
    if existing is not None and existing.status != "proposed":
        raise locked(f"the agreement of shipment {sscc} is already {existing.status}")
    if shipment.status != Status.CREATED.value:
        raise locked(f"shipment {sscc} is {shipment.status}: agreements are made before departure")
    agreement = settling.new_agreement(
        shipment, terms, reporter(caller), ledger.tx_id(), ledger.tx_time()
    )
    await ledger.put_record(AGREEMENT, [sscc], agreement)
    changed = {"shipment": shipment, "agreement": agreement}
    return await _write(ledger, caller, "ProposeAgreement", raw, scan_id,
                        EventType.AGREEMENT_PROPOSED, sscc, changed)  # fmt: skip


async def accept_agreement(ledger: Ledger, raw: str) -> str:
    """AcceptAgreement: the retailer's receiver or admin, before delivery or return; only the
    proposal the buyer read (its `proposed_tx`), never one the seller replaced meanwhile."""
    request = deal_args.parse_accept(raw)
    shipment = await ledger.require_shipment(request.sscc)
    caller = caller_of(ledger)
    authorize(caller, Action.ACCEPT_AGREEMENT, shipment.parties)
    replayed = await replay(ledger, caller, request.client_scan_id, "AcceptAgreement", raw)
    if replayed:
        return replayed
    agreement = await require_agreement(ledger, shipment.sscc)
    if agreement.status != "proposed":
        raise locked(f"the agreement of shipment {shipment.sscc} is already {agreement.status}")
    if shipment.status in _CLOSED:
        raise locked(f"shipment {shipment.sscc} is already {shipment.status}")
    if request.proposed_tx != agreement.proposed_tx:
        raise ChaincodeError(
            ErrorCode.AGREEMENT_CHANGED,
            f"the agreement of shipment {shipment.sscc} now is the one proposed by "
            f"{agreement.proposed_tx}, not {request.proposed_tx}: read it, then accept it",
        )
    accepted = replace(
        agreement, status="accepted", accepted_tx=ledger.tx_id(),
        accepted_at=ledger.tx_time(), accepted_by=reporter(caller),
    )  # fmt: skip
    await ledger.put_record(AGREEMENT, [shipment.sscc], accepted)
    changed = {"shipment": shipment, "agreement": accepted}
    return await _write(ledger, caller, "AcceptAgreement", raw, request.client_scan_id,
                        EventType.AGREEMENT_ACCEPTED, shipment.sscc, changed)  # fmt: skip


async def _record_settlement(
    ledger: Ledger, agreement: Agreement, settlement: Settlement
) -> Agreement:
    """Write the settlement, its balance index entries and the settled agreement."""
    settled = replace(agreement, status="settled", settled_tx=settlement.settled_tx)
    await ledger.put_record(SETTLEMENT, [agreement.sscc], settlement)
    for msp_id in sorted({agreement.seller, agreement.buyer}):
        await ledger.put_index(PARTY_SETTLEMENT, [msp_id, agreement.sscc], agreement.sscc)
    await ledger.put_record(AGREEMENT, [agreement.sscc], settled)
    return settled


async def delivery_confirmer(
    ledger: Ledger, caller: Caller, shipment: Shipment
) -> Agreement | None:
    """Check ConfirmDelivery's caller against an accepted (or, for a replay, settled)
    agreement's confirm roles; return the agreement the delivery must settle, if any."""
    agreement = await get_agreement(ledger, shipment.sscc)
    if agreement is None or agreement.status == "proposed":
        authorize(caller, Action.CONFIRM_DELIVERY, shipment.parties)
        return None
    authorize_confirmation(caller, shipment.parties, agreement.confirm_roles)
    return agreement


def refuse_if_settled(agreement: Agreement | None, shipment: Shipment) -> None:
    """A delivery of a shipment settled as undelivered (the buyer was refunded in full) is
    refused; a replay of a settling delivery is answered before this is asked, and a closed
    shipment is left to the status machine."""
    if agreement is not None and agreement.status == "settled" and shipment.status not in _CLOSED:
        raise ChaincodeError(
            ErrorCode.ALREADY_SETTLED,
            f"shipment {agreement.sscc} was settled by {agreement.settled_tx}: "
            "a delivery can no longer be confirmed",
        )


async def settle_on_delivery(
    ledger: Ledger, agreement: Agreement, delivered: Shipment, checkpoint: Checkpoint
) -> dict[str, object]:
    """Settle an accepted agreement inside ConfirmDelivery; the records to add to its result."""
    settlement = settling.settle(
        agreement, delivered, outcome="delivered",
        delivered=settling.delivered_at(checkpoint), disposition=checkpoint.disposition,
        dispute_refunds=await refunds_agreed(ledger, delivered.sscc),
        tx_id=ledger.tx_id(), now=ledger.tx_time(),
    )  # fmt: skip
    settled = await _record_settlement(ledger, agreement, settlement)
    return {"agreement": settled, "settlement": settlement}


def _settleable(shipment: Shipment, agreement: Agreement, now: str) -> str:
    """The outcome SettleShipment records, or NOT_SETTLEABLE."""
    if shipment.status == Status.RETURNED.value:
        return "returned"
    if shipment.status == Status.DELIVERED.value:
        raise ChaincodeError(ErrorCode.NOT_SETTLEABLE, "a delivered shipment settles on delivery")
    if parse_instant(now) <= parse_instant(agreement.undelivered_after):
        raise ChaincodeError(
            ErrorCode.NOT_SETTLEABLE,
            f"shipment {shipment.sscc} is {shipment.status}: it can be settled as undelivered "
            f"only after {agreement.undelivered_after}",
        )
    return "undelivered"


async def settle_shipment(ledger: Ledger, raw: str) -> str:
    """SettleShipment: undelivered (buyer, after the deadline) or returned (either party)."""
    request = deal_args.parse_shipment_write(raw)
    shipment = await ledger.require_shipment(request.sscc)
    caller = caller_of(ledger)
    returned = shipment.status == Status.RETURNED.value
    action = Action.SETTLE_RETURNED if returned else Action.SETTLE_UNDELIVERED
    authorize(caller, action, shipment.parties)
    replayed = await replay(ledger, caller, request.client_scan_id, "SettleShipment", raw)
    if replayed:
        return replayed
    agreement = await require_agreement(ledger, shipment.sscc)
    if agreement.status == "settled":
        raise ChaincodeError(
            ErrorCode.ALREADY_SETTLED,
            f"shipment {shipment.sscc} was settled by {agreement.settled_tx}",
        )
    if agreement.status != "accepted":
        raise ChaincodeError(
            ErrorCode.AGREEMENT_NOT_ACCEPTED,
            f"the agreement of shipment {shipment.sscc} is not accepted",
        )
    outcome = _settleable(shipment, agreement, ledger.tx_time())
    settlement = settling.settle(
        agreement, shipment, outcome=outcome, delivered="",
        disposition="returned" if returned else "",
        dispute_refunds=await refunds_agreed(ledger, shipment.sscc),
        tx_id=ledger.tx_id(), now=ledger.tx_time(),
    )  # fmt: skip
    settled = await _record_settlement(ledger, agreement, settlement)
    changed = {"shipment": shipment, "agreement": settled, "settlement": settlement}
    return await _write(ledger, caller, "SettleShipment", raw, request.client_scan_id,
                        EventType.SHIPMENT_SETTLED, shipment.sscc, changed)  # fmt: skip


async def read_agreement(ledger: Ledger, shipment: Shipment) -> str:
    """GetAgreement's result for a readable shipment."""
    agreement = await get_agreement(ledger, shipment.sscc)
    settlement = await ledger.get_record(Settlement, SETTLEMENT, [shipment.sscc])
    disputes = await disputes_of(ledger, shipment.sscc)
    return canonical_json({"agreement": agreement, "settlement": settlement, "disputes": disputes})


async def get_balances(ledger: Ledger, raw: str) -> str:
    """GetBalances: obligations of one organisation, netted per counterparty and currency."""
    caller = caller_of(ledger)
    msp_id = deal_args.parse_balances(raw) or caller.msp_id
    authorize_balances(caller, msp_id)
    settlements: list[Settlement] = []
    disputes: dict[str, list[Dispute]] = {}
    for sscc in await ledger.index_values(PARTY_SETTLEMENT, [msp_id]):
        settlement = await ledger.get_record(Settlement, SETTLEMENT, [sscc])
        if settlement is not None:
            settlements.append(settlement)
            disputes[sscc] = await disputes_of(ledger, sscc)
    rows = settling.balances(msp_id, settlements, disputes)
    return canonical_json({"msp_id": msp_id, "balances": rows})
