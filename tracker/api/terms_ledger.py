"""The agreement, dispute and certificate calls of the ledger facade, as the signed-in person.

The one module of the API that knows these facade methods and the chaincode's argument
fields; it turns a validated request into the transaction's argument and the facade's
answer into the JSON the API sends. Ledger failures become `ApiError`s (tracker.errors).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from records import format_instant
from tracker.api.state import api_state, signed_in
from tracker.api.writes import agreement_terms
from tracker.errors import from_ledger
from tracker.ledger.errors import LedgerError
from tracker.ledger.facade import LedgerFacade
from tracker.ledger.facade_values import Actor, TermsCommitted

Call = Callable[[LedgerFacade, Actor], Any]


def as_json(value: Any) -> Any:
    """A facade answer as plain JSON data (views give their ledger `document()`)."""
    if hasattr(value, "document") and callable(value.document):
        return value.document()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def run(call: Call) -> Any:
    """Run a facade call as the signed-in staff member; ledger failures as API errors."""
    member, state = signed_in(), api_state()
    try:
        return call(state.facade, state.actors.actor(member))
    except LedgerError as error:
        raise from_ledger(error) from error


def scan_id(transaction: str, argument: dict[str, Any]) -> str:
    """The client scan id sent, else one derived from the request itself: a resend of the
    same request is then answered from the chaincode's record instead of done twice."""
    given = argument.get("client_scan_id")
    if given:
        return str(given)
    canonical = json.dumps([transaction, argument], sort_keys=True, separators=(",", ":"))
    return "api-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def _instants(data: dict[str, Any]) -> dict[str, Any]:
    """Validated request data with its times in the ledger's form (UTC, `Z`)."""
    return {k: format_instant(v) if isinstance(v, datetime) else v for k, v in data.items()}


def _committed(done: TermsCommitted) -> dict[str, Any]:
    """A committed write's answer: its tx id and block, and the records it returned."""
    body: dict[str, Any] = {"tx_id": done.tx_id, "block_number": done.block_number}
    if done.shipment is not None:
        body["shipment"] = done.shipment.document()
    for name in ("agreement", "settlement", "dispute", "certificate"):
        if getattr(done, name) is not None:
            body[name] = getattr(done, name)
    return body


def _read(done: Any) -> dict[str, Any]:
    body = as_json(done)
    assert isinstance(body, dict)
    return body


def propose_agreement(sscc: str, data: dict[str, Any]) -> dict[str, Any]:
    """ProposeAgreement; the committed answer.

    Unlike the one-time writes below, no scan id is derived when none is sent: proposing
    terms A, then B, then A again is three decisions, and the third must not be answered
    with the first's record (a resend of the same terms only writes them again).
    """
    terms = agreement_terms(data)
    assert terms is not None
    argument = {"sscc": sscc, **terms.argument()}
    if data.get("client_scan_id"):
        argument["client_scan_id"] = data["client_scan_id"]
    return _committed(run(lambda f, a: f.propose_agreement(a, argument)))


def accept_agreement(sscc: str, proposed_tx: str, client_scan_id: str) -> dict[str, Any]:
    """AcceptAgreement of the proposal `proposed_tx`; the committed answer."""
    argument = {"sscc": sscc, "proposed_tx": proposed_tx, "client_scan_id": client_scan_id}
    argument["client_scan_id"] = scan_id("AcceptAgreement", argument)
    return _committed(run(lambda f, a: f.accept_agreement(a, argument)))


def settle_shipment(sscc: str, client_scan_id: str) -> dict[str, Any]:
    """SettleShipment (undelivered or returned); the committed answer."""
    argument = {"sscc": sscc, "client_scan_id": client_scan_id}
    argument["client_scan_id"] = scan_id("SettleShipment", argument)
    return _committed(run(lambda f, a: f.settle_shipment(a, argument)))


def resolve_dispute(sscc: str, dispute_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """ResolveDispute; the committed answer."""
    argument = {"sscc": sscc, "dispute_id": dispute_id, **data}
    if argument["outcome"] != "refund":
        argument.pop("refund_minor", None)
    argument["client_scan_id"] = scan_id("ResolveDispute", argument)
    return _committed(run(lambda f, a: f.resolve_dispute(a, argument)))


def register_certificate(data: dict[str, Any]) -> dict[str, Any]:
    """RegisterCertificate; the committed answer."""
    argument = _instants(data)
    argument["client_scan_id"] = scan_id("RegisterCertificate", argument)
    return _committed(run(lambda f, a: f.register_certificate(a, argument)))


def get_agreement(sscc: str) -> dict[str, Any]:
    """GetAgreement: agreement, settlement and disputes."""
    return _read(run(lambda f, a: f.get_agreement(a, sscc)))


def get_certificates(sscc: str) -> dict[str, Any]:
    """GetCertificates: the shipment's certificates with their check."""
    return _read(run(lambda f, a: f.get_certificates(a, sscc)))


def get_certificate(sha256: str) -> dict[str, Any]:
    """GetCertificate by its document's hash."""
    return {"certificate": _read(run(lambda f, a: f.get_certificate(a, sha256)))}


def get_balances(msp_id: str | None) -> dict[str, Any]:
    """GetBalances of the caller's organisation, or of `msp_id`."""
    return _read(run(lambda f, a: f.get_balances(a, msp_id)))
