"""Ledger client errors, and translation of gRPC failures from the Gateway into them.

    LedgerError (tx_id, grpc_code, details: tuple[ErrorDetail, ...], chaincode_code, step)
    ├── EndorseError        Endorse rejected (no chaincode code found)
    ├── SubmitError         Submit (ordering) rejected
    ├── CommitStatusError   CommitStatus call failed
    ├── CommitError         tx committed but invalid: validation_code, block_number
    ├── ChaincodeError      the chaincode's coded refusal, e.g. FORBIDDEN
    └── LedgerUnavailable   UNAVAILABLE / DEADLINE_EXCEEDED: peer down or too slow

The Gateway attaches ``gateway.ErrorDetail`` messages, packed as ``Any``, to the
``google.rpc.Status`` sent in the ``grpc-status-details-bin`` trailer (gatewayerror.ts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message, message_factory

from tracker.ledger._protos import gateway_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"
_TRANSPORT_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
# The Gateway wraps a chaincode's message ("evaluate call to endorser returned error: " and
# "chaincode response 500, "); these are peeled so the chaincode's own text starts the string.
_GATEWAY_WRAPPING = re.compile(
    r"^(?:evaluate call to endorser returned error: )?(?:chaincode response \d{3}, )?"
)
_CHAINCODE_CODE = re.compile(r"^([A-Z][A-Z_]+): ")


@dataclass(frozen=True)
class ErrorDetail:
    """One endorsing peer's or orderer's error, as reported by the Gateway."""

    address: str
    msp_id: str
    message: str


class LedgerError(Exception):
    """Base of all ledger client errors."""

    def __init__(
        self,
        message: str,
        *,
        tx_id: str | None = None,
        grpc_code: grpc.StatusCode | None = None,
        details: tuple[ErrorDetail, ...] = (),
        chaincode_code: str | None = None,
        step: str | None = None,
    ) -> None:
        """Record the failure's transaction, gRPC status, per-node details and call step."""
        super().__init__(message)
        # step tells a caller whether the tx may still commit (e.g. "commit_status" timeout).
        self.step = step
        self.tx_id = tx_id
        self.grpc_code = grpc_code
        self.details = details
        self.chaincode_code = chaincode_code


class EndorseError(LedgerError):
    """The Gateway could not collect endorsements."""


class SubmitError(LedgerError):
    """The Gateway could not submit the endorsed transaction for ordering."""


class CommitStatusError(LedgerError):
    """The commit status of a submitted transaction could not be obtained."""


class ChaincodeError(LedgerError):
    """The chaincode refused the call with a coded message (``CODE: text``)."""


class LedgerUnavailable(LedgerError):
    """The peer was unreachable or did not answer within the deadline."""


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
    unwrapped = _GATEWAY_WRAPPING.sub("", text, count=1)
    match = _CHAINCODE_CODE.match(unwrapped)
    return match.group(1) if match else None


def _find_chaincode_code(details: tuple[ErrorDetail, ...], message_text: str) -> str | None:
    for detail in details:
        code = chaincode_code(detail.message)
        if code:
            return code
    return chaincode_code(message_text)


_STEP_ERRORS: dict[str, type[LedgerError]] = {
    "endorse": EndorseError,
    "submit": SubmitError,
    "commit_status": CommitStatusError,
}


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
    cc_code = _find_chaincode_code(details, text)
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
        summary, tx_id=tx_id, grpc_code=code, details=details, chaincode_code=cc_code, step=step
    )
