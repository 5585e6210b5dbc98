"""Ledger client errors, and translation of gRPC failures from the Gateway into them.

    LedgerError (tx_id, grpc_code, details: tuple[ErrorDetail, ...], chaincode_code,
    │            chaincode_message, step, retriable)
    ├── EndorseError        Endorse failed (no chaincode code found)
    ├── SubmitError         Submit (ordering) failed
    ├── CommitStatusError   CommitStatus call failed
    ├── CommitError         tx committed but invalid: validation_code, block_number
    ├── ChaincodeError      the chaincode's coded refusal, e.g. FORBIDDEN
    └── LedgerUnavailable   UNAVAILABLE / DEADLINE_EXCEEDED: peer down or too slow

The Gateway attaches ``gateway.ErrorDetail`` messages, packed as ``Any``, to the
``google.rpc.Status`` sent in the ``grpc-status-details-bin`` trailer (gatewayerror.ts).
This module is the only reader of the Gateway's wording: a chaincode's refusal leaves it as
``chaincode_code`` (``FORBIDDEN``) and ``chaincode_message`` (the text after ``CODE: ``),
which callers use as they are.

``retriable`` answers the one question the API (queue with 202, or answer an error) and the
queued-scan worker (keep retrying, or settle the scan as rejected) both ask: may the same
write, sent again later, still succeed? Only a refusal no retry can cure is final:

* the chaincode's coded refusal (``CODE: text`` in an endorser's detail or the message);
* a refusal of the request or of its signer: gRPC INVALID_ARGUMENT, PERMISSION_DENIED,
  UNAUTHENTICATED, or an endorser's "access denied: channel [...]", "creator certificate is
  not valid", "the supplied identity is not valid", a failed ACL policy check;
* a transaction committed invalid (``CommitError``: ENDORSEMENT_POLICY_FAILURE, MVCC_READ_CONFLICT
  once the gateway client's re-endorsements are spent, ...).

Everything else is "try again": transport failures, UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED
whose details only say that other peers or the chaincode could not be reached, launched or run
in time, and FAILED_PRECONDITION "no combination of peers can be derived ..." (and its kin)
while a restarted peer is not yet known to discovery. A failure at submit or commit status is
always "try again": the transaction may be ordered already, and a resend (the same client scan
id) is answered from the chaincode's idempotency record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import grpc
from fabric_protos.gateway import gateway_pb2
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message, message_factory

STATUS_DETAILS_KEY = "grpc-status-details-bin"
_TRANSPORT_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
# The Gateway wraps a chaincode's message ("evaluate call to endorser returned error: " and
# "chaincode response 500, "); these are peeled so the chaincode's own text starts the string.
_GATEWAY_WRAPPING = re.compile(
    r"^(?:evaluate call to endorser returned error: )?(?:chaincode response \d{3}, )?"
)
_CHAINCODE_CODE = re.compile(r"^([A-Z][A-Z_]+): ")
# gRPC status names some layers put before a transport message ("UNAVAILABLE: io exception");
# never a chaincode's code. (INVALID_ARGUMENT is one of the chaincode's codes, so not listed.)
_GRPC_STATUS_WORDS = frozenset(
    {
        "ABORTED",
        "CANCELLED",
        "DEADLINE_EXCEEDED",
        "FAILED_PRECONDITION",
        "INTERNAL",
        "RESOURCE_EXHAUSTED",
        "UNAVAILABLE",
        "UNIMPLEMENTED",
        "UNKNOWN",
    }
)
# Steps after which the transaction may be ordered or committed already.
_UNCLEAR_STEPS = frozenset({"submit", "commit_status"})
# gRPC codes of a request refused as such: malformed, mis-signed, or from an unknown signer.
_REFUSED_REQUEST_CODES = (
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
)
# An endorser's refusal of the signer (Fabric's endorser, MSP and ACL texts). Searched anywhere
# in a detail: a remote endorser's refusal arrives as "rpc error: code = Unknown desc = ...".
# Narrow on purpose: "pull access denied" (a chaincode image) or a TLS "x509: ..." between
# peers is an outage an operator fixes, not a refusal of this scan.
_SIGNER_REFUSAL = re.compile(
    r"access denied: channel \[|creator certificate is not valid"
    r"|the supplied identity is not valid|failed evaluating policy on signed data"
)


@dataclass(frozen=True)
class ErrorDetail:
    """One endorsing peer's or orderer's error, as reported by the Gateway."""

    address: str
    msp_id: str
    message: str


class LedgerError(Exception):
    """Base of all ledger client errors."""

    # May the same call, made again later, succeed? The class's answer, unless the translator
    # (or whoever raises it) says otherwise for this failure.
    retriable_by_default = False

    def __init__(
        self,
        message: str,
        *,
        tx_id: str | None = None,
        grpc_code: grpc.StatusCode | None = None,
        details: tuple[ErrorDetail, ...] = (),
        chaincode_code: str | None = None,
        chaincode_message: str | None = None,
        step: str | None = None,
        retriable: bool | None = None,
    ) -> None:
        """Record the failure's transaction, gRPC status, per-node details and call step
        (and a chaincode's refusal: its code and its own text after ``CODE: ``)."""
        super().__init__(message)
        # step tells a caller whether the tx may still commit (e.g. "commit_status" timeout).
        self.step = step
        self.tx_id = tx_id
        self.grpc_code = grpc_code
        self.details = details
        self.chaincode_code = chaincode_code
        self.chaincode_message = chaincode_message
        self.retriable = self.retriable_by_default if retriable is None else retriable


class EndorseError(LedgerError):
    """The Gateway could not collect endorsements."""


class SubmitError(LedgerError):
    """The Gateway could not submit the endorsed transaction for ordering."""

    retriable_by_default = True


class CommitStatusError(LedgerError):
    """The commit status of a submitted transaction could not be obtained."""

    retriable_by_default = True


class ChaincodeError(LedgerError):
    """The chaincode refused the call with a coded message (``CODE: text``)."""


class LedgerUnavailable(LedgerError):
    """The peer was unreachable or did not answer within the deadline."""

    retriable_by_default = True


class CommitError(LedgerError):
    """The transaction was ordered and committed, but marked invalid."""

    def __init__(self, tx_id: str, validation_code: str, block_number: int) -> None:
        """Record the validation code and the block holding the invalid transaction."""
        super().__init__(
            f"transaction {tx_id} committed invalid in block {block_number}: {validation_code}",
            tx_id=tx_id,
        )
        self.validation_code = validation_code
        self.block_number = block_number


def _build_status_class() -> type[message.Message]:
    """A wire-compatible ``google.rpc.Status`` (googleapis-common-protos is not installed)."""
    # A private pool, so an installed googleapis-common-protos can never clash with it.
    # (descriptor APIs are untyped in types-protobuf, hence the Any handles)
    pool: Any = descriptor_pool.DescriptorPool()
    any_descriptor: Any = any_pb2.DESCRIPTOR
    any_file = descriptor_pb2.FileDescriptorProto()
    any_descriptor.CopyToProto(any_file)
    pool.Add(any_file)
    status_file = descriptor_pb2.FileDescriptorProto(
        name="google/rpc/status.proto",
        package="google.rpc",
        syntax="proto3",
        dependency=[any_file.name],
    )
    fdp = descriptor_pb2.FieldDescriptorProto
    status = status_file.message_type.add(name="Status")
    status.field.add(name="code", number=1, type=fdp.TYPE_INT32, label=fdp.LABEL_OPTIONAL)
    status.field.add(name="message", number=2, type=fdp.TYPE_STRING, label=fdp.LABEL_OPTIONAL)
    status.field.add(
        name="details",
        number=3,
        type=fdp.TYPE_MESSAGE,
        label=fdp.LABEL_REPEATED,
        type_name=".google.protobuf.Any",
    )
    pool.Add(status_file)
    status_class: type[message.Message] = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("google.rpc.Status")
    )
    return status_class


RpcStatus = _build_status_class()


def decode_error_details(status_bytes: bytes) -> tuple[ErrorDetail, ...]:
    """ErrorDetails packed in a serialized ``google.rpc.Status``; other detail types skipped."""
    status: Any = RpcStatus.FromString(status_bytes)
    found = []
    for packed in status.details:
        if packed.type_url.rsplit("/", 1)[-1] != "gateway.ErrorDetail":
            continue
        detail = gateway_pb2.ErrorDetail.FromString(packed.value)
        found.append(ErrorDetail(detail.address, detail.msp_id, detail.message))
    return tuple(found)


def _details_from_metadata(
    metadata: Iterable[tuple[str, str | bytes]] | None,
) -> tuple[ErrorDetail, ...]:
    details: list[ErrorDetail] = []
    for key, value in metadata or ():
        if key == STATUS_DETAILS_KEY:
            raw = value.encode("latin-1") if isinstance(value, str) else value
            details.extend(decode_error_details(raw))
    return tuple(details)


def chaincode_code(text: str) -> str | None:
    """The leading ``CODE`` of a chaincode message ``CODE: text``, past the Gateway's wrapping."""
    refusal = chaincode_refusal(text)
    return None if refusal is None else refusal[0]


def chaincode_refusal(text: str) -> tuple[str, str] | None:
    """``(CODE, text)`` of a chaincode message ``CODE: text``, past the Gateway's wrapping."""
    unwrapped = _GATEWAY_WRAPPING.sub("", text, count=1)
    match = _CHAINCODE_CODE.match(unwrapped)
    if match is None or match.group(1) in _GRPC_STATUS_WORDS:
        return None
    return match.group(1), unwrapped[match.end() :]


def _find_refusal(details: tuple[ErrorDetail, ...], message_text: str) -> tuple[str, str] | None:
    for detail in details:
        refusal = chaincode_refusal(detail.message)
        if refusal:
            return refusal
    return chaincode_refusal(message_text)


_STEP_ERRORS: dict[str, type[LedgerError]] = {
    "endorse": EndorseError,
    "submit": SubmitError,
    "commit_status": CommitStatusError,
}


def _retriable(
    code: grpc.StatusCode | None,
    step: str,
    details: tuple[ErrorDetail, ...],
    text: str,
    cc_code: str | None,
) -> bool:
    """May the same write, sent again later, succeed? (the rule in the module docstring)"""
    if step in _UNCLEAR_STEPS or code in _TRANSPORT_CODES:
        return True
    if cc_code is not None or code in _REFUSED_REQUEST_CODES:
        return False
    messages = (text, *(d.message for d in details))
    return not any(_SIGNER_REFUSAL.search(m) for m in messages)


def translate_rpc_error(error: grpc.RpcError, *, step: str, tx_id: str | None) -> LedgerError:
    """Map a failed Gateway/Deliver call (at ``step``) onto the LedgerError tree."""
    code: grpc.StatusCode | None = None
    text = str(error)
    metadata = None
    if isinstance(error, grpc.Call):
        code = error.code()
        text = error.details() or ""
        metadata = error.trailing_metadata()
    details = _details_from_metadata(metadata)
    # No chaincode ran at submit or commit status: a CODE-like text there is not its refusal.
    refusal = None if step in _UNCLEAR_STEPS else _find_refusal(details, text)
    cc_code, cc_message = refusal or (None, None)
    retriable = _retriable(code, step, details, text, cc_code)
    if code in _TRANSPORT_CODES:
        cls: type[LedgerError] = LedgerUnavailable
    elif cc_code:
        cls = ChaincodeError
    else:
        cls = _STEP_ERRORS.get(step, LedgerError)
    code_name = code.name if code is not None else "UNKNOWN"
    summary = f"{step} failed for tx {tx_id or '-'}: {code_name}: {text}"
    summary += "".join(f"\n  {d.msp_id}@{d.address}: {d.message}" for d in details)
    return cls(
        summary,
        tx_id=tx_id,
        grpc_code=code,
        details=details,
        chaincode_code=cc_code,
        chaincode_message=cc_message,
        step=step,
        retriable=retriable,
    )
