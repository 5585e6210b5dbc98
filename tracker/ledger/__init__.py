"""Ledger client: a thin Hyperledger Fabric Gateway client for the provenance tracker."""

from tracker.ledger.blocks import ChaincodeEvent, DecodedBlock, DecodedTransaction, Write
from tracker.ledger.checkpoint import Checkpointer, FileCheckpointer, InMemoryCheckpointer
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
    "Checkpointer",
    "CommitError",
    "CommitStatusError",
    "Contract",
    "DecodedBlock",
    "DecodedTransaction",
    "EndorseError",
    "ErrorDetail",
    "FileCheckpointer",
    "Gateway",
    "Identity",
    "InMemoryCheckpointer",
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
