"""Translation of gRPC failures (with real google.rpc.Status details) into the error tree."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
import pytest
from google.protobuf import wrappers_pb2

from fabricsim.wire import encode_rpc_status, error_detail
from tests.ledger.gateway_answers import CODED_REFUSAL, IDENTITY_REFUSALS, TRANSIENT, GatewayAnswer
from tracker.ledger.errors import (
    ChaincodeError,
    CommitError,
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    LedgerError,
    LedgerUnavailable,
    SubmitError,
    chaincode_code,
    decode_error_details,
    translate_rpc_error,
)


class FakeRpcError(grpc.RpcError, grpc.Call):
    """Shaped like grpc's own error object: an RpcError that is also a Call."""

    def __init__(
        self, code: grpc.StatusCode, details: str, trailer: Sequence[tuple[str, str | bytes]] = ()
    ) -> None:
        self._code, self._details, self._trailer = code, details, tuple(trailer)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    # grpc-stubs give RpcError's trailer a private _Metadatum type and Call's (key, value)
    # pairs; grpc's real error is both, a tuple of (key, value) namedtuples.
    def trailing_metadata(self) -> grpc.Metadata:  # type: ignore[override]
        return self._trailer

    def initial_metadata(self) -> grpc.Metadata:
        return ()

    def is_active(self) -> bool:
        return False

    # grpc answers None for a call without deadline; the stubs say float.
    def time_remaining(self) -> None:  # type: ignore[override]
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: object) -> bool:
        return False


def _trailer(
    code: grpc.StatusCode, message: str, messages: Sequence[str]
) -> list[tuple[str, str | bytes]]:
    details = [
        error_detail(m, f"Org{i + 1}MSP", f"peer0.org{i + 1}:7051") for i, m in enumerate(messages)
    ]
    return [("grpc-status-details-bin", encode_rpc_status(code.value[0], message, details))]


def test_decode_several_details_and_skip_foreign_types() -> None:
    foreign = wrappers_pb2.StringValue(value="not a gateway detail")
    status = encode_rpc_status(
        10,
        "top",
        [error_detail("a", "Org1MSP", "p1:1"), foreign, error_detail("b", "Org2MSP", "p2:2")],
    )
    assert decode_error_details(status) == (
        ErrorDetail("p1:1", "Org1MSP", "a"),
        ErrorDetail("p2:2", "Org2MSP", "b"),
    )


def test_endorse_chaincode_refusal_in_details() -> None:
    msg = "chaincode response 500, FORBIDDEN: org2 may not ship"
    error = FakeRpcError(
        grpc.StatusCode.ABORTED,
        "failed to endorse transaction, see attached details for more info",
        _trailer(grpc.StatusCode.ABORTED, "failed", [msg, msg]),
    )
    translated = translate_rpc_error(error, step="endorse", tx_id="tx-9")
    assert isinstance(translated, ChaincodeError)
    assert translated.chaincode_code == "FORBIDDEN"
    assert translated.chaincode_message == "org2 may not ship"  # the Gateway's wording peeled
    assert translated.tx_id == "tx-9"
    assert translated.step == "endorse"
    assert translated.grpc_code is grpc.StatusCode.ABORTED
    assert [d.msp_id for d in translated.details] == ["Org1MSP", "Org2MSP"]
    assert translated.details[1].address == "peer0.org2:7051"
    assert "FORBIDDEN" in str(translated)


def test_evaluate_chaincode_refusal_in_message_only() -> None:
    error = FakeRpcError(
        grpc.StatusCode.UNKNOWN,
        "evaluate call to endorser returned error: chaincode response 500, "
        "SHIPMENT_NOT_FOUND: SHP-404",
    )
    translated = translate_rpc_error(error, step="evaluate", tx_id="t")
    assert isinstance(translated, ChaincodeError)
    assert translated.chaincode_code == "SHIPMENT_NOT_FOUND"
    assert translated.chaincode_message == "SHP-404"
    assert translated.details == ()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("INVALID_TRANSITION: DELIVERED -> IN_TRANSIT", "INVALID_TRANSITION"),
        ("chaincode response 500, FORBIDDEN: no", "FORBIDDEN"),
        ("FORBIDDEN:no space", None),
        ("error: FORBIDDEN: not at the start", None),
        ("Forbidden: mixed case", None),
        ("X: single letter", None),
        ("chaincode response 500, failed to parse", None),
        ("", None),
    ],
)
def test_chaincode_code_only_at_message_start(text: str, code: str | None) -> None:
    assert chaincode_code(text) == code


@pytest.mark.parametrize("status", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
@pytest.mark.parametrize("step", ["evaluate", "endorse", "submit", "commit_status"])
def test_transport_failures_are_unavailable(status: grpc.StatusCode, step: str) -> None:
    translated = translate_rpc_error(
        FakeRpcError(status, "connection refused"), step=step, tx_id="t"
    )
    assert isinstance(translated, LedgerUnavailable)
    assert translated.grpc_code is status


@pytest.mark.parametrize(
    ("step", "cls"),
    [
        ("endorse", EndorseError),
        ("submit", SubmitError),
        ("commit_status", CommitStatusError),
        ("evaluate", LedgerError),
    ],
)
def test_uncoded_failures_map_by_step(step: str, cls: type[LedgerError]) -> None:
    error = FakeRpcError(
        grpc.StatusCode.ABORTED, "boom", _trailer(grpc.StatusCode.ABORTED, "boom", ["orderer down"])
    )
    translated = translate_rpc_error(error, step=step, tx_id="t")
    assert type(translated) is cls
    assert translated.chaincode_code is None
    assert translated.details[0].message == "orderer down"


def test_commit_error_carries_code_and_block() -> None:
    error = CommitError("tx", "MVCC_READ_CONFLICT", 42)
    assert (error.tx_id, error.validation_code, error.block_number) == (
        "tx",
        "MVCC_READ_CONFLICT",
        42,
    )
    assert isinstance(error, LedgerError)


# --- May the same write succeed later? (the one rule the API and the scan worker follow) ---


def _answer_error(answer: GatewayAnswer) -> FakeRpcError:
    trailer = [("grpc-status-details-bin", answer.status_bytes())]
    return FakeRpcError(answer.code, answer.message, trailer)


@pytest.mark.parametrize("step", ["endorse", "evaluate"])
@pytest.mark.parametrize("answer", TRANSIENT, ids=lambda a: a.name)
def test_outages_of_other_peers_and_the_chaincode_are_retriable(
    answer: GatewayAnswer, step: str
) -> None:
    translated = translate_rpc_error(_answer_error(answer), step=step, tx_id="t")
    assert translated.retriable, translated
    assert not isinstance(translated, ChaincodeError)
    assert translated.chaincode_code is None
    assert translated.grpc_code is answer.code
    assert len(translated.details) == len(answer.details)


@pytest.mark.parametrize("step", ["endorse", "evaluate"])
def test_a_coded_refusal_is_final_even_beside_an_outage(step: str) -> None:
    translated = translate_rpc_error(_answer_error(CODED_REFUSAL), step=step, tx_id="t")
    assert isinstance(translated, ChaincodeError)
    assert translated.chaincode_code == "INVALID_TRANSITION"
    assert not translated.retriable


@pytest.mark.parametrize("answer", IDENTITY_REFUSALS, ids=lambda a: a.name)
def test_signature_and_identity_refusals_are_final(answer: GatewayAnswer) -> None:
    translated = translate_rpc_error(_answer_error(answer), step="endorse", tx_id="t")
    assert not translated.retriable, translated
    assert not isinstance(translated, ChaincodeError)
    assert isinstance(translated, EndorseError)


@pytest.mark.parametrize(
    "answer", (*TRANSIENT, *IDENTITY_REFUSALS, CODED_REFUSAL), ids=lambda a: a.name
)
@pytest.mark.parametrize("step", ["submit", "commit_status"])
def test_after_endorsement_every_failure_is_retriable(answer: GatewayAnswer, step: str) -> None:
    # The transaction may be ordered already: only a resend (same scan id) can tell.
    translated = translate_rpc_error(_answer_error(answer), step=step, tx_id="t")
    assert translated.retriable
    assert not isinstance(translated, ChaincodeError)


@pytest.mark.parametrize(
    "word", ["UNAVAILABLE", "DEADLINE_EXCEEDED", "FAILED_PRECONDITION", "ABORTED", "UNKNOWN"]
)
def test_a_grpc_status_name_is_no_chaincode_code(word: str) -> None:
    assert chaincode_code(f"{word}: connection refused") is None
    assert chaincode_code(f"chaincode response 500, {word}: x") is None


def test_an_invalid_commit_is_final() -> None:
    for code in ("ENDORSEMENT_POLICY_FAILURE", "MVCC_READ_CONFLICT"):
        assert not CommitError("tx", code, 3).retriable
