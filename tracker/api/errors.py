"""The API's one error shape, `{"error": {"code", "message", "tx_id"?, "field"?}}`, and the
mapping of ledger and validation failures onto HTTP statuses."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from tracker.ledger.errors import ChaincodeError, CommitError, LedgerError

# Chaincode code -> HTTP status. Anything unknown is the peer's problem: 502.
CHAINCODE_STATUS = {
    "SHIPMENT_NOT_FOUND": 404,
    "FORBIDDEN": 403,
    "INVALID_TRANSITION": 409,
    "SHIPMENT_EXISTS": 409,
    "SCAN_ID_CONFLICT": 409,
    "INVALID_SSCC": 422,
    "INVALID_ARGUMENT": 422,
    # Agreements, settlements, disputes and certificates (issue 17).
    "AGREEMENT_NOT_FOUND": 404,
    "DISPUTE_NOT_FOUND": 404,
    "CERTIFICATE_NOT_FOUND": 404,
    "AGREEMENT_NOT_ACCEPTED": 409,
    "AGREEMENT_LOCKED": 409,
    "AGREEMENT_CHANGED": 409,
    "ALREADY_SETTLED": 409,
    "NOT_SETTLEABLE": 409,
    "DISPUTE_EXISTS": 409,
    "DISPUTE_RESOLVED": 409,
    "CERTIFICATE_EXISTS": 409,
}
_WRAPPING = re.compile(r"^.*?chaincode response \d{3}, ")
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")


class ApiProblem(Exception):
    """An error answer: HTTP status, stable code, message, optional tx id and field."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        tx_id: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Describe the failure (`headers`: sent with it, e.g. Retry-After)."""
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.tx_id, self.field = tx_id, field
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.tx_id:
            error["tx_id"] = self.tx_id
        if self.field:
            error["field"] = self.field
        return {"error": error}


def chaincode_text(error: ChaincodeError) -> str:
    """The chaincode's own `CODE: text`, without the gateway's wrapping."""
    for detail in error.details:
        if error.chaincode_code and error.chaincode_code in detail.message:
            return _WRAPPING.sub("", detail.message, count=1)
    return str(error)


def from_ledger(error: LedgerError) -> ApiProblem:
    """An ApiProblem for a ledger failure: 503 while the ledger cannot take the call now
    (``error.retriable``; a write is queued instead, see writes.submit), else the refusal."""
    if error.retriable:
        return ApiProblem(503, "LEDGER_UNAVAILABLE", "ledger unavailable; try again shortly")
    if isinstance(error, ChaincodeError) and error.chaincode_code:
        code = error.chaincode_code
        text = chaincode_text(error)
        message = text.split(": ", 1)[1] if text.startswith(code + ": ") else text
        field = None
        if code == "INVALID_ARGUMENT" and ": " in message:
            field = message.split(": ", 1)[0]
        if code == "INVALID_SSCC":
            field = "sscc"
        return ApiProblem(CHAINCODE_STATUS.get(code, 502), code, message, field=field)
    if isinstance(error, CommitError):
        return ApiProblem(
            409,
            "COMMIT_INVALID",
            f"the ledger marked the transaction {error.validation_code}; nothing was recorded",
            tx_id=error.tx_id,
        )
    return ApiProblem(502, "LEDGER_ERROR", str(error).splitlines()[0], tx_id=error.tx_id)


def first_field(messages: Any, prefix: str = "") -> tuple[str, str]:
    """The first failing field (dotted path) and its message, from marshmallow's messages."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            return first_field(value, path)
    if isinstance(messages, list) and messages:
        if isinstance(messages[0], str):
            return prefix or "body", messages[0]
        return first_field(messages[0], prefix)
    return prefix or "body", str(messages)


def _problem(problem: ApiProblem) -> ResponseReturnValue:
    return jsonify(problem.body()), problem.status, problem.headers


def _invalid(error: ValidationError) -> ResponseReturnValue:
    field, message = first_field(error.messages)
    return _problem(ApiProblem(422, "INVALID_ARGUMENT", f"{field}: {message}", field=field))


def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    message = "request body exceeds the upload limit; send a smaller file"
    return _problem(ApiProblem(413, "PAYLOAD_TOO_LARGE", message))


def http_problem(error: HTTPException) -> ResponseReturnValue:
    """Any HTTP error in the one shape, coded like the API's own (NOT_FOUND, METHOD_NOT_ALLOWED).

    The app's handler calls it too, for the routing errors under `/api/v1` (no route matched,
    or not with that method): those belong to no blueprint, so `install`'s never sees them.
    """
    code = (error.name or "error").upper().replace(" ", "_")
    problem = ApiProblem(error.code or 500, code, error.description or code)
    response = jsonify(problem.body())
    response.status_code = problem.status
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110: a 405 names them
    return response


def install(blueprint: Blueprint) -> None:
    """Answer every error raised in the blueprint's views with the one shape."""
    blueprint.register_error_handler(ApiProblem, _problem)
    blueprint.register_error_handler(ValidationError, _invalid)
    blueprint.register_error_handler(RequestEntityTooLarge, _too_large)
    blueprint.register_error_handler(HTTPException, http_problem)
