"""Agreement, settlement and dispute-resolution endpoints under `/api/v1/shipments/{sscc}`.

Each write is signed by the signed-in staff member's own identity and answers 201 once
committed; the chaincode decides who may (FORBIDDEN, 403) and when (AGREEMENT_LOCKED,
ALREADY_SETTLED, ... 409). Unlike scans these writes are not queued when the ledger cannot
take them: the answer is then 503 and nothing was recorded (send it again with the same
`client_scan_id`; the chaincode answers a repeat from its record).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

import tracker.api.bodies as bodies
import tracker.api.terms_ledger as ledger
from tracker.api.blueprint import api
from tracker.api.terms_schemas import (
    AcceptAgreementSchema,
    ClientScanIdSchema,
    ProposeAgreementSchema,
    ResolutionSchema,
)
from tracker.api.writes import sscc_of, with_page
from tracker.errors import ApiError

DISPUTE_ID = re.compile(r"[A-Za-z0-9_-]{6,64}")


def json_body() -> dict[str, Any]:
    """The request's JSON object (send `{}` when there is nothing to say)."""
    return bodies.json_object(request.get_data(), request.mimetype)


def dispute_id_of(text: str) -> str:
    """A dispute id as the chaincode takes them, or 422 naming `dispute_id`."""
    bodies.path_text("dispute_id", text)
    if not DISPUTE_ID.fullmatch(text):
        raise ApiError(
            422, "INVALID_ARGUMENT", "dispute_id: 6-64 of A-Z a-z 0-9 _ -", field="dispute_id"
        )
    return text


def _scan_id_only(sscc: str, write: Callable[[str, str], dict[str, Any]]) -> ResponseReturnValue:
    """A write whose body says only its `client_scan_id`: 201 with the committed answer."""
    sscc = sscc_of(sscc)
    data = ClientScanIdSchema().load(json_body())
    return jsonify(with_page(write(sscc, data.get("client_scan_id", "")), sscc)), 201


@api.post("/shipments/<sscc>/agreement")
def propose_agreement(sscc: str) -> ResponseReturnValue:
    """The seller proposes (or, before acceptance, replaces) the shipment's agreement."""
    sscc = sscc_of(sscc)
    data = ProposeAgreementSchema().load(json_body())
    return jsonify(with_page(ledger.propose_agreement(sscc, data), sscc)), 201


@api.post("/shipments/<sscc>/agreement/accept")
def accept_agreement(sscc: str) -> ResponseReturnValue:
    """The buyer accepts the proposal it read (its `proposed_tx`)."""
    sscc = sscc_of(sscc)
    data = AcceptAgreementSchema().load(json_body())
    done = ledger.accept_agreement(sscc, data["proposed_tx"], data.get("client_scan_id", ""))
    return jsonify(with_page(done, sscc)), 201


@api.post("/shipments/<sscc>/settlement")
def settle_shipment(sscc: str) -> ResponseReturnValue:
    """Settle a shipment never delivered (the buyer, after the deadline) or returned."""
    return _scan_id_only(sscc, ledger.settle_shipment)


@api.get("/shipments/<sscc>/agreement")
def get_agreement(sscc: str) -> ResponseReturnValue:
    """The agreement, its settlement and the shipment's disputes, from the ledger."""
    return jsonify(ledger.get_agreement(sscc_of(sscc)))


@api.post("/shipments/<sscc>/disputes/<dispute_id>/resolution")
def resolve_dispute(sscc: str, dispute_id: str) -> ResponseReturnValue:
    """The seller's answer to a dispute: a refund (with its amount) or a rejection (with its
    reason). Recorded on the ledger; the disputing contact is told from the read model."""
    sscc, dispute_id = sscc_of(sscc), dispute_id_of(dispute_id)
    data = ResolutionSchema().load(json_body())
    done = ledger.resolve_dispute(sscc, dispute_id, data)
    return jsonify(with_page(done, sscc)), 201
