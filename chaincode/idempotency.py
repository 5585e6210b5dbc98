"""The caller of a transaction and client_scan_id replay, shared by every write.

A retry with the same scan id and request returns the original result byte for
byte and writes nothing; the same scan id with another request is SCAN_ID_CONFLICT.
"""

from __future__ import annotations

from chaincode import arguments
from chaincode.access import Identity, identity_from_creator
from chaincode.errors import ChaincodeError, ErrorCode
from chaincode.state import Ledger, ScanRecord
from records import Reporter


def caller_of(ledger: Ledger) -> Identity:
    """Identity of the proposal's creator."""
    return identity_from_creator(ledger.creator())


def reporter(caller: Identity) -> Reporter:
    """The caller as stored in records (MSP, enrolment id, role)."""
    return Reporter(caller.msp_id, caller.enrollment_id, caller.role)


async def replay(ledger: Ledger, caller: Identity, scan_id: str, tx_name: str, raw: str) -> str:
    """Original result of an already-used scan id ("" if new); a changed request conflicts."""
    if not scan_id:
        return ""
    record = await ledger.get_scan(caller.msp_id, scan_id)
    if record is None:
        return ""
    if record.transaction != tx_name or record.request_sha256 != arguments.request_digest(raw):
        raise ChaincodeError(
            ErrorCode.SCAN_ID_CONFLICT,
            f"client_scan_id {scan_id} was already used by {record.tx_id} for another request",
        )
    return record.result


async def remember(
    ledger: Ledger, caller: Identity, scan_id: str, tx: str, raw: str, result: str
) -> None:
    """Store a scan id's result so a retry returns it and writes nothing."""
    if scan_id:
        digest = arguments.request_digest(raw)
        record = ScanRecord(
            transaction=tx, request_sha256=digest, result=result, tx_id=ledger.tx_id()
        )
        await ledger.put_scan(caller.msp_id, scan_id, record)
