"""Certificates registered by hash and checked against a shipment (in-memory stub, fake)."""

from __future__ import annotations

import json

import pytest

from fabricsim.callers import caller
from fabricsim.world import InMemoryWorldState
from tests.chaincode.cc_samples import GTIN, PRODUCER, make_sscc, shipment_request
from tests.chaincode.cc_terms import (
    AUDITOR,
    DISPATCHER,
    OUTSIDER,
    RECEIVER,
    SCANNER,
    call,
    deliver,
    ok,
    refused,
    to_last_mile,
)

SSCC = make_sscc(1703)
LOT = "LOT-2025-03"
ORGANIC, GDP, EXPIRED, LISTED = "1" * 64, "2" * 64, "3" * 64, "a" * 64


def register(world: InMemoryWorldState, digest: str, who=DISPATCHER, **extra: object):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {
        "sha256": digest,
        "doc_type": "organic",
        "issuer_name": "Ecocert",
        "valid_from": "2025-01-01T00:00:00Z",
        "valid_until": "2025-12-31T23:59:59Z",
        "subject": {"gtin": GTIN, "lot": LOT},
    }
    return call(world, who, "RegisterCertificate", {**body, **extra})


def test_register_and_get_a_certificate(world: InMemoryWorldState) -> None:
    result = register(world, ORGANIC.upper(), client_scan_id="c1")
    certificate = ok(result)["certificate"]
    assert certificate["sha256"] == ORGANIC
    assert (certificate["issuer_msp"], certificate["issuer_name"]) == (PRODUCER, "Ecocert")
    assert certificate["subject"] == {"gtin": GTIN, "lot": LOT}
    assert certificate["registered_tx"] == result.tx_id
    event = json.loads(result.event.payload)
    assert (result.event.event_name, event["sscc"]) == ("CertificateRegistered", "")
    assert register(world, ORGANIC, client_scan_id="c1").payload == result.payload
    refused(register(world, ORGANIC), "CERTIFICATE_EXISTS")
    # anyone holding the document can check it, whatever their role
    assert ok(call(world, caller("StrangerMSP", None), "GetCertificate", {"sha256": ORGANIC}))
    assert ok(world.invoke(OUTSIDER, "GetCertificate", ORGANIC))["certificate"] == certificate
    refused(call(world, OUTSIDER, "GetCertificate", {"sha256": GDP}), "CERTIFICATE_NOT_FOUND")
    refused(call(world, OUTSIDER, "GetCertificate", {"sha256": "xyz"}), "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("dispatcher", True), ("admin", True), ("auditor", True), ("receiver", False),
     ("scanner", False), (None, False)],
)  # fmt: skip
def test_who_may_register(world: InMemoryWorldState, role: str | None, allowed: bool) -> None:
    result = register(world, ORGANIC, who=caller("CertifierMSP", role))
    if allowed:
        assert ok(result)["certificate"]["issuer_msp"] == "CertifierMSP"
    else:
        refused(result, "FORBIDDEN")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"doc_type": "Organic"}, "doc_type"),
        ({"doc_type": "x"}, "doc_type"),
        ({"valid_until": "2024-12-31T00:00:00Z"}, "valid_until"),
        ({"valid_from": "2025-01-01"}, "valid_from"),
        ({"subject": {"gtin": GTIN}}, "subject.lot"),
        ({"subject": {"gtin": "123", "lot": LOT}}, "subject.gtin"),
        ({"subject": {"sscc": SSCC, "lot": LOT}}, "subject"),
        ({"issuer_name": ""}, "issuer_name"),
    ],
)
def test_bad_registrations(
    world: InMemoryWorldState, change: dict[str, object], field: str
) -> None:
    message = refused(register(world, ORGANIC, **change), "INVALID_ARGUMENT")
    assert message.startswith(f"INVALID_ARGUMENT: {field}")


def test_shipment_certificates_are_checked_against_its_dates(world: InMemoryWorldState) -> None:
    request = shipment_request(SSCC)  # lists certificate LISTED (organic), never registered
    ok(call(world, DISPATCHER, "CreateShipment", request))
    ok(register(world, ORGANIC))
    ok(register(world, GDP, doc_type="gdp", subject={"sscc": SSCC},
                valid_from="2025-03-01T08:30:00Z"))  # fmt: skip
    ok(register(world, EXPIRED, valid_until="2025-03-01T08:05:00Z"))
    ok(register(world, "4" * 64, subject={"gtin": GTIN, "lot": "OTHER-LOT"}))
    to_last_mile(world, SSCC)
    # a delivery claimed later than recorded counts at its recording time (08:09)
    recorded = ok(deliver(world, SSCC, "2025-03-09T00:00:00Z"))["checkpoint"]["recorded_at"]
    body = ok(call(world, RECEIVER, "GetCertificates", {"sscc": SSCC}))
    assert body["window"] == {"from": "2025-03-01T08:01:00Z", "to": recorded}
    checks = {
        c["sha256"]: (c["doc_type"], c["registered"], c["check"]) for c in body["certificates"]
    }
    assert checks == {
        ORGANIC: ("organic", True, "valid"),
        GDP: ("gdp", True, "not_yet_valid"),
        EXPIRED: ("organic", True, "expired"),
        LISTED: ("organic", False, "unregistered"),
    }
    assert [c["sha256"] for c in body["certificates"]] == sorted(checks)
    unregistered = next(c for c in body["certificates"] if c["sha256"] == LISTED)
    assert unregistered["certificate"] is None


def test_window_ends_at_the_last_update_before_delivery(world: InMemoryWorldState) -> None:
    created = ok(call(world, DISPATCHER, "CreateShipment", shipment_request(SSCC)))["shipment"]
    body = ok(call(world, AUDITOR, "GetCertificates", {"sscc": SSCC}))
    assert body["window"] == {"from": created["created_at"], "to": created["updated_at"]}
    refused(call(world, OUTSIDER, "GetCertificates", {"sscc": SSCC}), "FORBIDDEN")
    assert ok(call(world, SCANNER, "GetCertificates", {"sscc": SSCC}))["sscc"] == SSCC
