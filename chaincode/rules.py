"""Shipment status machine and what each bizStep/disposition does to it (pure).

The words themselves (statuses, bizSteps, dispositions) are `records.vocabulary`'s.

created -> in_transit <-> at_hub -> out_for_delivery -> delivered, with
exception reachable from every open status and returned as the other end.
delivered and returned are final: nothing moves a shipment out of them.
"""

from __future__ import annotations

from chaincode.errors import ChaincodeError, ErrorCode, invalid_argument, invalid_transition
from records import BIZ_STEPS, DISPOSITIONS, Parties, Status

S = Status

# out_for_delivery -> at_hub is a failed delivery attempt; exception -> exception
# records a further problem. Staying in the same open status (an observation
# or a repeated scan on a multi-leg journey) is allowed by check_transition.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.CREATED: frozenset({S.IN_TRANSIT, S.EXCEPTION}),
    S.IN_TRANSIT: frozenset({S.AT_HUB, S.EXCEPTION}),
    S.AT_HUB: frozenset({S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION, S.RETURNED}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.AT_HUB, S.EXCEPTION, S.RETURNED}),
    S.EXCEPTION: frozenset({S.EXCEPTION, S.IN_TRANSIT, S.AT_HUB, S.OUT_FOR_DELIVERY, S.RETURNED}),
    S.DELIVERED: frozenset(),
    S.RETURNED: frozenset(),
}

FINAL_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if not targets)

# What each of records.MOVING_BIZ_STEPS moves the shipment to (RecordCheckpoint).
# "loading" means loading onto the final-mile vehicle: the one CBV step that
# marks out-for-delivery in this consortium's operating procedure.
STATUS_BY_BIZ_STEP: dict[str, Status] = {
    "shipping": S.IN_TRANSIT,
    "departing": S.IN_TRANSIT,
    "arriving": S.AT_HUB,
    "receiving": S.AT_HUB,
    "storing": S.AT_HUB,
    "unloading": S.AT_HUB,
    "loading": S.OUT_FOR_DELIVERY,
}

_CBV_BIZSTEP_URN = "urn:epcglobal:cbv:bizstep:"
_CBV_DISP_URN = "urn:epcglobal:cbv:disp:"


def parse_status(text: str) -> Status:
    """Status from its stored name, for query filters."""
    try:
        return Status(text)
    except ValueError:
        raise invalid_argument("status", f"unknown status {text!r}") from None


def normalize_biz_step(text: str) -> str:
    """Accept bare CBV names or full URNs; return the bare name."""
    bare = text.removeprefix(_CBV_BIZSTEP_URN)
    if bare not in BIZ_STEPS:
        raise invalid_argument("biz_step", f"unsupported CBV bizStep {text!r}")
    return bare


def normalize_disposition(text: str) -> str:
    """Accept bare CBV names or full URNs; return the bare name."""
    bare = text.removeprefix(_CBV_DISP_URN)
    if bare not in DISPOSITIONS:
        raise invalid_argument("disposition", f"unsupported CBV disposition {text!r}")
    return bare


def target_status(current: Status, biz_step: str, disposition: str) -> Status:
    """Status a checkpoint leads to: disposition 'returned' wins, then the bizStep map."""
    if disposition == "returned":
        return S.RETURNED
    return STATUS_BY_BIZ_STEP.get(biz_step, current)


def check_transition(current: Status, target: Status) -> Status:
    """Return ``target`` if the machine allows it, else raise INVALID_TRANSITION."""
    if current in FINAL_STATUSES:
        raise ChaincodeError(
            ErrorCode.INVALID_TRANSITION,
            f"shipment is {current.value}, a final status: cannot move it to {target.value}",
        )
    if target is not current and target not in TRANSITIONS[current]:
        raise invalid_transition(current.value, target.value)
    return target


def custodian_for(status: Status, parties: Parties, current: str) -> str:
    """Who holds the goods after moving to ``status``."""
    if status in (S.IN_TRANSIT, S.AT_HUB, S.OUT_FOR_DELIVERY):
        return parties.carrier
    if status is S.DELIVERED:
        return parties.retailer
    if status is S.RETURNED:
        return parties.producer
    # created stays with the producer; an exception does not move the goods.
    return current
