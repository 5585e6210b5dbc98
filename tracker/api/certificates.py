"""Certificate and balance endpoints: register a certificate, check one by its hash, list a
shipment's with their check, and an organisation's balances from its settlements."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

import gs1
import tracker.api.bodies as bodies
import tracker.api.terms_ledger as ledger
from tracker.api.agreements import json_body
from tracker.api.blueprint import api
from tracker.api.terms_schemas import BalancesQuerySchema, RegisterCertificateSchema
from tracker.api.writes import sscc_of
from tracker.errors import ApiError


@api.post("/certificates")
def register_certificate() -> ResponseReturnValue:
    """Register a certificate (its document's SHA-256) for a lot or a shipment."""
    data = RegisterCertificateSchema().load(json_body())
    subject = dict(data["subject"])
    if "sscc" in subject:
        subject["sscc"] = gs1.normalize_sscc(subject["sscc"])  # valid: the schema checked it
    if "gtin" in subject:
        subject["gtin"] = gs1.validate_gtin14(subject["gtin"])
    return jsonify(ledger.register_certificate({**data, "subject": subject})), 201


@api.get("/certificates/<sha256>")
def get_certificate(sha256: str) -> ResponseReturnValue:
    """A registered certificate by its document's SHA-256 (any channel member)."""
    bodies.path_text("sha256", sha256)
    if not bodies.SHA256_PATTERN.fullmatch(sha256):
        raise ApiError(422, "INVALID_ARGUMENT", "sha256: lowercase hex SHA-256", field="sha256")
    return jsonify(ledger.get_certificate(sha256))


@api.get("/shipments/<sscc>/certificates")
def shipment_certificates(sscc: str) -> ResponseReturnValue:
    """The shipment's certificates and those of its lot, each checked at its dates."""
    return jsonify(ledger.get_certificates(sscc_of(sscc)))


@api.get("/balances")
def balances() -> ResponseReturnValue:
    """Due to / due from per counterparty and currency (the caller's organisation unless
    `msp_id` names another, which only auditors and admins may read)."""
    query = BalancesQuerySchema().load(bodies.single_texts(request.args))
    return jsonify(ledger.get_balances(query.get("msp_id")))
