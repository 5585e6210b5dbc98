"""The OpenAPI paths of the agreement, settlement, dispute, certificate and balance endpoints.

Kept apart from openapi.py (which merges them in) so that document stays readable; the
helpers are openapi.py's own.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema

import tracker.api.terms_schemas as ts

COMPONENTS: tuple[type[Schema], ...] = (
    ts.LatenessSchema,
    ts.AgreementTermsSchema,
    ts.ProposeAgreementSchema,
    ts.ClientScanIdSchema,
    ts.AcceptAgreementSchema,
    ts.ResolutionSchema,
    ts.SubjectSchema,
    ts.RegisterCertificateSchema,
    ts.TermsCommittedSchema,
    ts.AgreementViewSchema,
    ts.CertificateViewSchema,
    ts.ShipmentCertificatesSchema,
    ts.BalanceSchema,
    ts.BalancesSchema,
)
# What the new chaincode codes mean, by HTTP status (README access matrix for who may).
CODES = {
    "404": "SHIPMENT_NOT_FOUND, AGREEMENT_NOT_FOUND, DISPUTE_NOT_FOUND, CERTIFICATE_NOT_FOUND",
    "409": "AGREEMENT_LOCKED, AGREEMENT_CHANGED, AGREEMENT_NOT_ACCEPTED, ALREADY_SETTLED, "
    "NOT_SETTLEABLE, DISPUTE_EXISTS, DISPUTE_RESOLVED, CERTIFICATE_EXISTS, SCAN_ID_CONFLICT, "
    "COMMIT_INVALID",
}
DISPUTE_ID = {
    "name": "dispute_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{6,64}$"},
}
SHA = {"name": "sha256", "in": "path", "required": True, "schema": {"type": "string"}}

Helpers = dict[str, Any]


def _responses(h: Helpers, ok: tuple[str, str, str], *codes: str) -> dict[str, Any]:
    status, name, text = ok
    out = {status: h["json"](name, text), **h["errors"]("401", "403", "422", "503", *codes)}
    for code in ("404", "409"):
        if code in out:
            out[code] = h["json"]("Error", CODES[code])
    return out


def _post(h: Helpers, summary: str, body: str) -> dict[str, Any]:
    committed = ("201", "TermsCommitted", "committed: tx id, block number and the records")
    responses = _responses(h, committed, "404", "409", "415")
    return {"post": {"summary": summary, "requestBody": h["body"](body), "responses": responses}}


def _get(h: Helpers, summary: str, answer: str, *extra: Any) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": _responses(h, ("200", answer, "from the ledger"), "404"),
    }
    if extra:
        operation["parameters"] = list(extra)
    return {"get": operation}


def terms_paths(h: Helpers, sscc: dict[str, Any]) -> dict[str, Any]:
    """The paths, given openapi.py's helpers (`json`, `errors`, `body`, `query`)."""
    shipment = "/shipments/{sscc}"
    return {
        f"{shipment}/agreement": {
            "parameters": [sscc],
            **_post(
                h, "Propose the delivery agreement (the seller's dispatcher)", "ProposeAgreement"
            ),
            **_get(h, "The agreement, its settlement and the disputes", "AgreementView"),
        },
        f"{shipment}/agreement/accept": {
            "parameters": [sscc],
            **_post(
                h, "Accept the agreement the buyer read (the buyer's receiver)", "AcceptAgreement"
            ),
        },
        f"{shipment}/settlement": {
            "parameters": [sscc],
            **_post(
                h,
                "Settle a shipment undelivered by the deadline (the buyer) or returned",
                "ClientScanId",
            ),
        },
        f"{shipment}/disputes/{{dispute_id}}/resolution": {
            "parameters": [sscc, DISPUTE_ID],
            **_post(h, "Resolve a dispute: refund or rejection (the seller)", "Resolution"),
        },
        f"{shipment}/certificates": {
            "parameters": [sscc],
            **_get(
                h, "The shipment's certificates, each checked at its dates", "ShipmentCertificates"
            ),
        },
        "/certificates": _post(
            h, "Register a certificate by its document's SHA-256", "RegisterCertificate"
        ),
        "/certificates/{sha256}": {
            "parameters": [SHA],
            **_get(h, "A registered certificate (any channel member)", "CertificateView"),
        },
        "/balances": _get(
            h,
            "Due to / due from per counterparty and currency",
            "Balances",
            *h["query"](ts.BalancesQuerySchema),
        ),
    }
