"""The HTTP service's one error path: every error answers `{"error": {"code", "message"}}`
(plus `tx_id` and `field` when known) with its status, and every code is UPPER_SNAKE_CASE,
as the chaincode's are (`SHIPMENT_NOT_FOUND`).

    ApiError            raised by any view: status, code, message, tx_id?, field?, headers?
    from_ledger()       a LedgerError as an ApiError; the chaincode's code and text come from
                        ChaincodeError as tracker.ledger.errors read them (nothing here reads
                        the Gateway's wording)
    install_app()       the app's handlers: ApiError, any HTTP error (named by its reason:
                        NOT_FOUND, METHOD_NOT_ALLOWED with Allow), anything else (500)
    install_api()       the staff API's own: marshmallow's ValidationError (422) and its
                        upload limit (413 PAYLOAD_TOO_LARGE)
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from tracker.ledger.errors import ChaincodeError, CommitError, LedgerError

log = logging.getLogger(__name__)

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


class ApiError(Exception):
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


def from_ledger(error: LedgerError) -> ApiError:
    """An ApiError for a ledger failure: 503 while the ledger cannot take the call now
    (``error.retriable``; a write is queued instead, see writes.submit), else the refusal."""
    if error.retriable:
        return ApiError(503, "LEDGER_UNAVAILABLE", "ledger unavailable; try again shortly")
    if isinstance(error, ChaincodeError) and error.chaincode_code:
        code = error.chaincode_code
        message = error.chaincode_message or ""
        field = None
        if code == "INVALID_ARGUMENT" and ": " in message:
            field = message.split(": ", 1)[0]
        if code == "INVALID_SSCC":
            field = "sscc"
        return ApiError(CHAINCODE_STATUS.get(code, 502), code, message, field=field)
    if isinstance(error, CommitError):
        return ApiError(
            409,
            "COMMIT_INVALID",
            f"the ledger marked the transaction {error.validation_code}; nothing was recorded",
            tx_id=error.tx_id,
        )
    return ApiError(502, "LEDGER_ERROR", str(error).splitlines()[0], tx_id=error.tx_id)


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


def answer(error: ApiError) -> ResponseReturnValue:
    """The one error shape, with the error's status and headers."""
    return jsonify(error.body()), error.status, error.headers


def _http_error(error: HTTPException) -> ResponseReturnValue:
    code = (error.name or "error").upper().replace(" ", "_")
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110: a 405 names them
    return answer(ApiError(error.code or 500, code, error.description or code, headers=headers))


def _unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error")
    return answer(ApiError(500, "INTERNAL_ERROR", "internal error"))


def _invalid(error: ValidationError) -> ResponseReturnValue:
    field, message = first_field(error.messages)
    return answer(ApiError(422, "INVALID_ARGUMENT", f"{field}: {message}", field=field))


def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    message = "request body exceeds the upload limit; send a smaller file"
    return answer(ApiError(413, "PAYLOAD_TOO_LARGE", message))


def install_app(app: Flask) -> None:
    """Answer every error of the app in the one shape (routing errors included: they reach
    no blueprint's handler)."""
    app.register_error_handler(ApiError, answer)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def install_api(blueprint: Blueprint) -> None:
    """The staff API's own answers: a schema's refusal, and its upload limit."""
    blueprint.register_error_handler(ValidationError, _invalid)
    blueprint.register_error_handler(RequestEntityTooLarge, _too_large)
