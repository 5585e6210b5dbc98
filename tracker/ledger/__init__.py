"""Ledger client: a thin Hyperledger Fabric Gateway client for the provenance tracker."""

from tracker.ledger.blocks import ChaincodeEvent, DecodedBlock, DecodedTransaction, Write
from tracker.ledger.cursor import Cursor, FileCursor, InMemoryCursor
from tracker.ledger.errors import (
    ChaincodeError,
    CommitError,
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    LedgerError,
    LedgerUnavailable,
    SubmitError,
)
from tracker.ledger.gateway import Contract, Gateway, Network, SubmitResult, Timeouts, connect
from tracker.ledger.identity import Identity, Signer, load_enrolment

__all__ = [
    "ChaincodeError",
    "ChaincodeEvent",
    "CommitError",
    "CommitStatusError",
    "Contract",
    "Cursor",
    "DecodedBlock",
    "DecodedTransaction",
    "EndorseError",
    "ErrorDetail",
    "FileCursor",
    "Gateway",
    "Identity",
    "InMemoryCursor",
    "LedgerError",
    "LedgerUnavailable",
    "Network",
    "Signer",
    "SubmitError",
    "SubmitResult",
    "Timeouts",
    "Write",
    "connect",
    "load_enrolment",
]
