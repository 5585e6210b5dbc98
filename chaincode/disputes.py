"""Dispute transactions: open, anchor a conversation's Merkle root, resolve, read.

Only hash commitments reach the ledger: leaf hashes of each message's provider id,
direction, time and text hash (``terms.merkle``), never a phone number, name or text.
"""

from __future__ import annotations

from dataclasses import replace

from chaincode import deal_args
from chaincode.access import Action, authorize
from chaincode.access import Identity as Caller
from chaincode.agreements import disputes_of, get_agreement
from chaincode.errors import ChaincodeError, ErrorCode, invalid_argument
from chaincode.events import EventType, build_event
from chaincode.idempotency import caller_of, remember, replay, reporter
from chaincode.state import DISPUTE_REFUND, Ledger
from records import Shipment, canonical_json
from records.deals import Anchor, Dispute, Resolution, Settlement
from records.keys import DISPUTE, SETTLEMENT
from terms import merkle

MAX_LEAVES = 10_000


async def require_dispute(ledger: Ledger, sscc: str, dispute_id: str) -> Dispute:
    """The dispute, or DISPUTE_NOT_FOUND."""
    dispute = await ledger.get_record(Dispute, DISPUTE, [sscc, dispute_id])
    if dispute is None:
        raise ChaincodeError(
            ErrorCode.DISPUTE_NOT_FOUND, f"shipment {sscc} has no dispute {dispute_id}"
        )
    return dispute


async def _party(
    ledger: Ledger, sscc: str, action: Action, tx_name: str, raw: str, scan_id: str
) -> tuple[Shipment, Caller, str]:
    """The shipment, the authorized caller and a replayed result ("" when new)."""
    shipment = await ledger.require_shipment(sscc)
    caller = caller_of(ledger)
    authorize(caller, action, shipment.parties)
    return shipment, caller, await replay(ledger, caller, scan_id, tx_name, raw)


async def _save(
    ledger: Ledger, caller: Caller, tx_name: str, raw: str, scan_id: str,
    event: EventType, dispute: Dispute,
) -> str:  # fmt: skip
    """Write the dispute, remember the scan id and emit the one event."""
    await ledger.put_record(DISPUTE, [dispute.sscc, dispute.dispute_id], dispute)
    result = canonical_json({"dispute": dispute})
    await remember(ledger, caller, scan_id, tx_name, raw, result)
    ledger.emit(build_event(event, dispute.sscc, ledger.tx_id(), {"dispute": dispute}))
    return result


async def open_dispute(ledger: Ledger, raw: str) -> str:
    """OpenDispute: any identity of a party to the shipment."""
    request = deal_args.parse_open(raw)
    shipment, caller, replayed = await _party(
        ledger, request.sscc, Action.DISPUTE, "OpenDispute", raw, request.client_scan_id
    )
    if replayed:
        return replayed
    if await ledger.get_record(Dispute, DISPUTE, [shipment.sscc, request.dispute_id]):
        raise ChaincodeError(
            ErrorCode.DISPUTE_EXISTS,
            f"shipment {shipment.sscc} already has a dispute {request.dispute_id}",
        )
    dispute = Dispute(
        sscc=shipment.sscc, dispute_id=request.dispute_id, subject=request.subject,
        raised_for=request.raised_for, opened_by=reporter(caller), opened_tx=ledger.tx_id(),
        opened_at=ledger.tx_time(), status="open", leaves=(), root=merkle.root([]), anchors=(),
    )  # fmt: skip
    return await _save(ledger, caller, "OpenDispute", raw, request.client_scan_id,
                       EventType.DISPUTE_OPENED, dispute)  # fmt: skip


async def anchor_conversation(ledger: Ledger, raw: str) -> str:
    """AnchorConversation: append leaves; the caller's root must match the recomputed one."""
    request = deal_args.parse_anchor(raw)
    shipment, caller, replayed = await _party(
        ledger, request.sscc, Action.DISPUTE, "AnchorConversation", raw, request.client_scan_id
    )
    if replayed:
        return replayed
    dispute = await require_dispute(ledger, shipment.sscc, request.dispute_id)
    if caller.msp_id != dispute.opened_by.msp_id:  # one conversation, one keeper of its proof
        raise ChaincodeError(
            ErrorCode.FORBIDDEN,
            f"{caller.msp_id} did not open dispute {dispute.dispute_id}: only "
            f"{dispute.opened_by.msp_id}, which keeps its conversation, may anchor it",
        )
    leaves = dispute.leaves + request.leaves
    if len(leaves) > MAX_LEAVES:
        raise invalid_argument("leaves", f"a dispute holds at most {MAX_LEAVES} leaves")
    computed = merkle.root(leaves)
    if computed != request.root:
        raise invalid_argument(
            "root", f"does not match the root over all {len(leaves)} leaves ({computed})"
        )
    anchor = Anchor(
        first_index=len(dispute.leaves), count=len(request.leaves), root=computed,
        tx_id=ledger.tx_id(), recorded_at=ledger.tx_time(), anchored_by=reporter(caller),
    )  # fmt: skip
    anchored = replace(dispute, leaves=leaves, root=computed, anchors=(*dispute.anchors, anchor))
    return await _save(ledger, caller, "AnchorConversation", raw, request.client_scan_id,
                       EventType.CONVERSATION_ANCHORED, anchored)  # fmt: skip


async def resolve_dispute(ledger: Ledger, raw: str) -> str:
    """ResolveDispute: the seller's dispatcher or admin agrees a refund or rejects."""
    request = deal_args.parse_resolve(raw)
    shipment, caller, replayed = await _party(
        ledger, request.sscc, Action.RESOLVE_DISPUTE, "ResolveDispute", raw,
        request.client_scan_id,
    )  # fmt: skip
    if replayed:
        return replayed
    dispute = await require_dispute(ledger, shipment.sscc, request.dispute_id)
    if dispute.resolution is not None:
        raise ChaincodeError(
            ErrorCode.DISPUTE_RESOLVED,
            f"dispute {dispute.dispute_id} was resolved by {dispute.resolution.resolved_tx}",
        )
    agreement = await get_agreement(ledger, shipment.sscc)
    if request.outcome == "refund":
        if agreement is None:
            raise ChaincodeError(
                ErrorCode.AGREEMENT_NOT_FOUND, f"shipment {shipment.sscc} has no agreement"
            )
        if agreement.status == "proposed":
            raise ChaincodeError(
                ErrorCode.AGREEMENT_NOT_ACCEPTED,
                f"the agreement of shipment {shipment.sscc} is not accepted",
            )
        if request.refund_minor > agreement.price_minor:
            raise invalid_argument("refund_minor", "must not exceed the agreement's price")
        if agreement.status == "settled":
            await _within_released(ledger, shipment.sscc, request.refund_minor)
    resolution = Resolution(
        outcome=request.outcome, refund_minor=request.refund_minor,
        currency=agreement.currency if agreement else "", reason=request.reason,
        resolved_by=reporter(caller), resolved_tx=ledger.tx_id(), resolved_at=ledger.tx_time(),
        after_settlement=agreement is not None and agreement.status == "settled",
    )  # fmt: skip
    resolved = replace(dispute, status="resolved", resolution=resolution)
    if resolution.outcome == "refund" and not resolution.after_settlement:
        refund = {"dispute_id": dispute.dispute_id, "refund_minor": resolution.refund_minor}
        key = [dispute.sscc, dispute.dispute_id]
        await ledger.put_index(DISPUTE_REFUND, key, canonical_json(refund))
    return await _save(ledger, caller, "ResolveDispute", raw, request.client_scan_id,
                       EventType.DISPUTE_RESOLVED, resolved)  # fmt: skip


async def _within_released(ledger: Ledger, sscc: str, refund_minor: int) -> None:
    """Refunds agreed after settlement never exceed, together, what the seller was released."""
    settlement = await ledger.get_record(Settlement, SETTLEMENT, [sscc])
    released = settlement.released_to_seller_minor if settlement else 0
    agreed = sum(
        d.resolution.refund_minor
        for d in await disputes_of(ledger, sscc)
        if d.resolution is not None and d.resolution.after_settlement
    )
    if agreed + refund_minor > released:
        raise invalid_argument(
            "refund_minor",
            f"with the {agreed} already agreed after settlement, must not exceed the "
            f"{released} released to the seller",
        )


async def get_dispute(ledger: Ledger, raw: str) -> str:
    """GetDispute: one dispute of a shipment the caller may read."""
    sscc, dispute_id = deal_args.parse_dispute_key(raw)
    shipment = await ledger.require_shipment(sscc)
    authorize(caller_of(ledger), Action.READ, shipment.parties)
    return canonical_json({"dispute": await require_dispute(ledger, sscc, dispute_id)})
