"""Certificate transactions: register a document by hash, check a shipment's certificates.

Anyone holding a document can check it: GetCertificate needs only channel membership.
"""

from __future__ import annotations

from typing import Any

from chaincode import arguments, deal_args
from chaincode.access import Action, authorize, authorize_attachment, authorize_registration
from chaincode.errors import ChaincodeError, ErrorCode
from chaincode.events import EventType, build_event
from chaincode.idempotency import caller_of, remember, replay, reporter
from chaincode.settling import delivered_at
from chaincode.state import LOT_CERTIFICATE, SSCC_CERTIFICATE, Ledger
from records import Shipment, Status, canonical_json
from records.deals import RegisteredCertificate
from records.keys import CERTIFICATE
from terms.certificates import validity


async def register_certificate(ledger: Ledger, raw: str) -> str:
    """RegisterCertificate: a dispatcher, admin or auditor of any channel member."""
    request = deal_args.parse_certificate(raw)
    caller = caller_of(ledger)
    authorize_registration(caller)
    name = "RegisterCertificate"
    replayed = await replay(ledger, caller, request.client_scan_id, name, raw)
    if replayed:
        return replayed
    sscc = request.subject.get("sscc", "")
    if sscc:  # a shipment's certificate: the shipment exists and the caller takes part in it
        authorize_attachment(caller, (await ledger.require_shipment(sscc)).parties)
    if await ledger.get_record(RegisteredCertificate, CERTIFICATE, [request.sha256]):
        raise ChaincodeError(
            ErrorCode.CERTIFICATE_EXISTS, f"a certificate with hash {request.sha256} is registered"
        )
    certificate = RegisteredCertificate(
        sha256=request.sha256, doc_type=request.doc_type, issuer_msp=caller.msp_id,
        issuer_name=request.issuer_name, valid_from=request.valid_from,
        valid_until=request.valid_until, subject=request.subject,
        registered_tx=ledger.tx_id(), registered_at=ledger.tx_time(),
        registered_by=reporter(caller),
    )  # fmt: skip
    await ledger.put_record(CERTIFICATE, [certificate.sha256], certificate)
    subject = certificate.subject
    if sscc:
        await ledger.put_index(SSCC_CERTIFICATE, [sscc, certificate.sha256], certificate.sha256)
    else:
        attributes = [subject["gtin"], subject["lot"], certificate.sha256]
        await ledger.put_index(LOT_CERTIFICATE, attributes, certificate.sha256)
    changed = {"certificate": certificate}
    result = canonical_json(changed)
    await remember(ledger, caller, request.client_scan_id, name, raw, result)
    ledger.emit(build_event(EventType.CERTIFICATE_REGISTERED, sscc, ledger.tx_id(), changed))
    return result


async def get_certificate(ledger: Ledger, raw: str) -> str:
    """GetCertificate: the registration of one document hash (any channel member)."""
    digest = deal_args.parse_hash(raw)
    caller_of(ledger)  # a creator identity is required, as for every transaction
    certificate = await ledger.get_record(RegisteredCertificate, CERTIFICATE, [digest])
    if certificate is None:
        raise ChaincodeError(
            ErrorCode.CERTIFICATE_NOT_FOUND, f"no certificate with hash {digest} is registered"
        )
    return canonical_json({"certificate": certificate})


async def _window_end(ledger: Ledger, shipment: Shipment) -> str:
    """Delivery time (as the settlement rule takes it) or the last update."""
    if shipment.status == Status.DELIVERED.value:
        for checkpoint in reversed(await ledger.checkpoints(shipment.sscc)):
            if checkpoint.kind == "delivery":
                return delivered_at(checkpoint)
    return shipment.updated_at


async def get_certificates(ledger: Ledger, raw: str) -> str:
    """GetCertificates: the shipment's documents and those registered for it or its lot."""
    shipment = await ledger.require_shipment(arguments.parse_sscc(raw))
    authorize(caller_of(ledger), Action.READ, shipment.parties)
    start, end = shipment.created_at, await _window_end(ledger, shipment)
    listed = {c.sha256: c.doc_type for c in shipment.certificates}
    hashes = set(listed)
    hashes.update(await ledger.index_values(SSCC_CERTIFICATE, [shipment.sscc]))
    lot = [shipment.product.gtin, shipment.product.lot]
    hashes.update(await ledger.index_values(LOT_CERTIFICATE, lot))
    entries: list[dict[str, Any]] = []
    for digest in sorted(hashes):
        found = await ledger.get_record(RegisteredCertificate, CERTIFICATE, [digest])
        check = "unregistered"
        if found is not None:
            check = validity(found.valid_from, found.valid_until, start, end)
        entries.append(
            {"sha256": digest, "doc_type": found.doc_type if found else listed[digest],
             "registered": found is not None, "certificate": found, "check": check}
        )  # fmt: skip
    window = {"from": start, "to": end}
    return canonical_json({"sscc": shipment.sscc, "window": window, "certificates": entries})
