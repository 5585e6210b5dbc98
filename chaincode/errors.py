"""Chaincode errors whose text starts with a stable, machine-readable code.

Only the message string of a failed transaction crosses the wire to clients
(Fabric's ``Response.message``), so the code is the prefix of that string:
clients split on the first ``": "`` to get it back.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes; clients match on these, so never rename one."""

    SHIPMENT_NOT_FOUND = "SHIPMENT_NOT_FOUND"
    SHIPMENT_EXISTS = "SHIPMENT_EXISTS"
    FORBIDDEN = "FORBIDDEN"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    INVALID_SSCC = "INVALID_SSCC"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    SCAN_ID_CONFLICT = "SCAN_ID_CONFLICT"
    UNKNOWN_TRANSACTION = "UNKNOWN_TRANSACTION"
    STATE_ERROR = "STATE_ERROR"
    AGREEMENT_NOT_FOUND = "AGREEMENT_NOT_FOUND"
    AGREEMENT_NOT_ACCEPTED = "AGREEMENT_NOT_ACCEPTED"
    AGREEMENT_LOCKED = "AGREEMENT_LOCKED"
    AGREEMENT_CHANGED = "AGREEMENT_CHANGED"
    ALREADY_SETTLED = "ALREADY_SETTLED"
    NOT_SETTLEABLE = "NOT_SETTLEABLE"
    DISPUTE_NOT_FOUND = "DISPUTE_NOT_FOUND"
    DISPUTE_EXISTS = "DISPUTE_EXISTS"
    DISPUTE_RESOLVED = "DISPUTE_RESOLVED"
    CERTIFICATE_EXISTS = "CERTIFICATE_EXISTS"
    CERTIFICATE_NOT_FOUND = "CERTIFICATE_NOT_FOUND"


class ChaincodeError(Exception):
    """A refused transaction: ``str(error)`` is ``"<CODE>: <message>"``."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message


def not_found(sscc: str) -> ChaincodeError:
    """Build the error for a shipment that is not on the ledger."""
    return ChaincodeError(ErrorCode.SHIPMENT_NOT_FOUND, f"no shipment with SSCC {sscc}")


def already_exists(sscc: str) -> ChaincodeError:
    """Build the error for creating a shipment whose SSCC is already used."""
    return ChaincodeError(ErrorCode.SHIPMENT_EXISTS, f"a shipment with SSCC {sscc} already exists")


def forbidden(msp_id: str, role: str, action: str) -> ChaincodeError:
    """Build the error for a caller whose MSP and role may not perform ``action``."""
    shown_role = role or "(none)"
    return ChaincodeError(ErrorCode.FORBIDDEN, f"{msp_id} with role {shown_role} may not {action}")


def not_the_party(msp_id: str, relation: str, who_may: str) -> ChaincodeError:
    """Build the error for a caller whose role fits but whose organisation is not the party."""
    return ChaincodeError(ErrorCode.FORBIDDEN, f"{msp_id} is not {relation}: only {who_may}")


def invalid_transition(current: str, target: str) -> ChaincodeError:
    """Build the error for a status change the state machine does not allow."""
    return ChaincodeError(
        ErrorCode.INVALID_TRANSITION, f"cannot move shipment from {current} to {target}"
    )


def invalid_argument(field: str, problem: str) -> ChaincodeError:
    """Build the error for a bad input field, naming the field (dotted path)."""
    return ChaincodeError(ErrorCode.INVALID_ARGUMENT, f"{field}: {problem}")


def state_error(problem: str) -> ChaincodeError:
    """Build the error for ledger data or peer replies the chaincode cannot use."""
    return ChaincodeError(ErrorCode.STATE_ERROR, problem)
