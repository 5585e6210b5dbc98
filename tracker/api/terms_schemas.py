"""Marshmallow schemas of the agreement, settlement, dispute and certificate endpoints.

Money is an integer in minor units (cents), percentages in basis points (100 bp = 1 %):
`fields.Integer(strict=True)` refuses 1.5 and "12" rather than rounding them. The chaincode
checks every rule again; these catch mistakes early and name the field.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

import gs1
from tracker.api.schemas import SHA256, UtcDateTime, _gs1

BP = validate.Range(0, 10000)
CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="must be 3 upper-case letters (ISO 4217)")
ROLES = ("receiver", "dispatcher", "scanner", "admin")  # the chaincode's CONFIRMING_ROLES
OUTCOMES = ("refund", "rejected")
DOC_TYPE = validate.Regexp(r"^[a-z0-9_]{2,32}$", error="must be 2-32 of a-z 0-9 _")


# Machine-made ids (a UUID, a derived hash): unlike a scan's free-text id, a pattern.
SCAN_ID = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$", error="must be 1-100 of A-Z a-z 0-9 . _ : -"
)


def _scan_id() -> fields.String:
    return fields.String(validate=SCAN_ID)


def _bp(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=BP, **kwargs)


class LatenessSchema(Schema):
    """The lateness refund: basis points per started hour late, capped."""

    bp_per_started_hour = _bp(required=True)
    cap_bp = _bp(required=True)


class AgreementTermsSchema(Schema):
    """An agreement's terms (CreateShipment's optional `agreement`)."""

    price_minor = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=10**15)
    )
    currency = fields.String(required=True, validate=CURRENCY)
    lateness = fields.Nested(LatenessSchema, required=True)
    breach_refund_bp = _bp(required=True)
    damaged_refund_bp = _bp(required=True)
    undelivered_after = UtcDateTime(required=True)
    promised_delivery = UtcDateTime()
    confirm_roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1, max=5)
    )


class ProposeAgreementSchema(AgreementTermsSchema):
    """POST /shipments/{sscc}/agreement body (the seller's dispatcher)."""

    client_scan_id = _scan_id()


class ClientScanIdSchema(Schema):
    """A body with only an optional client scan id (settle)."""

    client_scan_id = _scan_id()


class AcceptAgreementSchema(ClientScanIdSchema):
    """POST /shipments/{sscc}/agreement/accept body (the buyer's receiver): the `proposed_tx`
    of the agreement the buyer read (GET .../agreement), so a proposal the seller replaced in
    the meantime is never accepted unseen (409 AGREEMENT_CHANGED)."""

    proposed_tx = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="must be a transaction id")
    )


class ResolutionSchema(Schema):
    """POST /shipments/{sscc}/disputes/{dispute_id}/resolution body (the seller's staff)."""

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    refund_minor = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**15))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    client_scan_id = _scan_id()

    @validates_schema
    def refund_amount(self, data: dict[str, Any], **_: Any) -> None:
        """A refund names its amount; a rejection refunds nothing."""
        amount = data.get("refund_minor", 0)
        if data.get("outcome") == "refund" and amount <= 0:
            raise ValidationError("a refund needs refund_minor > 0", field_name="refund_minor")
        if data.get("outcome") == "rejected" and amount:
            raise ValidationError("a rejection refunds nothing", field_name="refund_minor")


class SubjectSchema(Schema):
    """What a certificate covers: a lot (`gtin` and `lot`) or one shipment (`sscc`)."""

    gtin = fields.String(validate=_gs1(gs1.validate_gtin14))
    lot = fields.String(validate=validate.Length(min=1, max=20))
    sscc = fields.String(validate=_gs1(gs1.normalize_sscc))

    @validates_schema
    def one_kind(self, data: dict[str, Any], **_: Any) -> None:
        """Either gtin and lot, or sscc alone."""
        if "sscc" in data and ("gtin" in data or "lot" in data):
            raise ValidationError("give either sscc, or gtin and lot", field_name="sscc")
        if "sscc" not in data and not ("gtin" in data and "lot" in data):
            raise ValidationError("give either sscc, or gtin and lot", field_name="gtin")


class RegisterCertificateSchema(Schema):
    """POST /certificates body (a dispatcher, admin or auditor of a channel member)."""

    sha256 = fields.String(required=True, validate=SHA256)
    doc_type = fields.String(required=True, validate=DOC_TYPE)
    issuer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    valid_from = UtcDateTime(required=True)
    valid_until = UtcDateTime(required=True)
    subject = fields.Nested(SubjectSchema, required=True)
    client_scan_id = _scan_id()

    @validates_schema
    def ordered(self, data: dict[str, Any], **_: Any) -> None:
        """A validity period that ends before it starts is a mistake."""
        start, end = data.get("valid_from"), data.get("valid_until")
        if start is not None and end is not None and end < start:
            raise ValidationError("must not be before valid_from", field_name="valid_until")


class BalancesQuerySchema(Schema):
    """GET /balances query: another organisation's (auditors and admins only)."""

    msp_id = fields.String(validate=validate.Length(min=1, max=64))


# Answers (for the OpenAPI document; the ledger's records are passed through as committed).


class TermsCommittedSchema(Schema):
    """An agreement, settlement, dispute or certificate write committed on the ledger."""

    tx_id = fields.String(required=True)
    block_number = fields.Integer(required=True, allow_none=True)
    shipment = fields.Dict()
    agreement = fields.Dict()
    settlement = fields.Dict()
    dispute = fields.Dict()
    certificate = fields.Dict()
    # a shipment's write: the shipment page's path with its link token
    page = fields.String()


class AgreementViewSchema(Schema):
    """A shipment's agreement, its settlement and its disputes, from the ledger."""

    agreement = fields.Dict(required=True, allow_none=True)
    settlement = fields.Dict(required=True, allow_none=True)
    disputes = fields.List(fields.Dict(), required=True)


class CertificateViewSchema(Schema):
    """A registered certificate, as the ledger holds it."""

    certificate = fields.Dict(required=True)


class ShipmentCertificatesSchema(Schema):
    """A shipment's certificates, each checked against the shipment's dates."""

    sscc = fields.String(required=True)
    window = fields.Dict(required=True)
    certificates = fields.List(fields.Dict(), required=True)


class BalanceSchema(Schema):
    """What one organisation and a counterparty owe each other in one currency."""

    counterparty = fields.String(required=True)
    currency = fields.String(required=True)
    due_to = fields.Integer(required=True)
    due_from = fields.Integer(required=True)
    net = fields.Integer(required=True)


class BalancesSchema(Schema):
    """An organisation's balances per counterparty and currency, from the settlements."""

    msp_id = fields.String(required=True)
    balances = fields.List(fields.Nested(BalanceSchema), required=True)
