"""Caller identity from certificates and the access matrix, driven through the contract.

Table-driven: every role x every transaction x own/foreign shipment, run
through the contract on the in-memory stub, asserting OK or the exact
FORBIDDEN message.
"""

from __future__ import annotations

import json

import pytest

from chaincode.access import Identity, identity_from_creator
from chaincode.errors import ChaincodeError
from fabricsim.callers import caller
from fabricsim.world import InMemoryWorldState
from tests.chaincode.cc_samples import (
    CARRIER,
    PRODUCER,
    RETAILER,
    make_sscc,
    scan,
    shipment_request,
)

ROLES = ["dispatcher", "scanner", "receiver", "auditor", "admin", None]
ORGS = {"producer": PRODUCER, "carrier": CARRIER, "retailer": RETAILER}
FOREIGN = {"producer": "Producer2MSP", "carrier": "Carrier2MSP", "retailer": "Retailer2MSP"}
OWN_CREATED, OWN_OFD = make_sscc(1), make_sscc(2)
FOREIGN_CREATED, FOREIGN_OFD = make_sscc(3), make_sscc(4)
POD = "b" * 64

# The whole matrix, written out: (transaction, org kind, role) -> allowed on own shipment.
WRITES = {
    "CreateShipment": {("producer", "dispatcher")},
    "RecordCheckpoint": {("carrier", "scanner")},
    "RecordTemperatures": {("carrier", "scanner")},
    "ConfirmDelivery": {("retailer", "receiver")},
    "ReportException": {
        (org, role) for org in ORGS for role in ("dispatcher", "scanner", "receiver")
    },
}
READS = ["GetShipment", "GetProvenance", "GetHistory"]
ACTION_TEXT = {
    "CreateShipment": "create shipments",
    "RecordCheckpoint": "record checkpoints",
    "RecordTemperatures": "record temperatures",
    "ConfirmDelivery": "confirm delivery",
    "ReportException": "report exceptions",
}


def _argument(tx: str, own: bool) -> str:
    created = OWN_CREATED if own else FOREIGN_CREATED
    ofd = OWN_OFD if own else FOREIGN_OFD
    if tx == "CreateShipment":
        parties = ORGS if own else FOREIGN
        return json.dumps(shipment_request(make_sscc(99), parties=parties))
    if tx == "RecordCheckpoint":
        return scan(created, "s-1", "departing")
    if tx == "RecordTemperatures":
        readings = [{"time": "2025-03-01T10:00:00Z", "celsius": 4}]
        return json.dumps({"sscc": created, "readings": readings, "client_scan_id": "t-1"})
    if tx == "ConfirmDelivery":
        body = {"sscc": ofd, "proof_of_delivery_sha256": POD, "event_time": "2025-03-02T10:00:00Z"}
        return json.dumps({**body, "client_scan_id": "d-1"})
    if tx == "ReportException":
        body = {"sscc": created, "reason": "pallet damaged", "event_time": "2025-03-01T10:00:00Z"}
        return json.dumps({**body, "client_scan_id": "e-1"})
    return json.dumps({"sscc": created})


def _baseline() -> InMemoryWorldState:
    """Own and foreign shipments, one just created and one out for delivery."""
    world = InMemoryWorldState()
    for parties, created, ofd in (
        (ORGS, OWN_CREATED, OWN_OFD),
        (FOREIGN, FOREIGN_CREATED, FOREIGN_OFD),
    ):
        producer = caller(parties["producer"], "dispatcher")
        carrier = caller(parties["carrier"], "scanner")
        for sscc in (created, ofd):
            assert world.invoke(
                producer, "CreateShipment", json.dumps(shipment_request(sscc, parties=parties))
            ).ok
        for step in ("departing", "arriving", "loading"):
            assert world.invoke(carrier, "RecordCheckpoint", scan(ofd, f"{ofd}-{step}", step)).ok
    return world


BASELINE = _baseline()
CASES = [
    (tx, org, role, own)
    for tx in [*WRITES, *READS]
    for org in ORGS
    for role in ROLES
    for own in (True, False)
]


def _expected(tx: str, org: str, role: str | None, own: bool) -> bool:
    if tx in READS:
        return own or role in ("auditor", "admin")
    return own and (org, role) in WRITES[tx]


@pytest.mark.parametrize(("tx", "org", "role", "own"), CASES)
def test_access_matrix(tx: str, org: str, role: str | None, own: bool) -> None:
    world = BASELINE.copy()
    msp_id = ORGS[org]
    result = world.invoke(caller(msp_id, role), tx, _argument(tx, own))
    if _expected(tx, org, role, own):
        assert result.ok, result.message
    else:
        assert result.message == _refusal(tx, msp_id, role)
        assert world.state == BASELINE.state


def _refusal(tx: str, msp_id: str, role: str | None) -> str:
    """The role when no party may do it with that role, else the caller's organisation."""
    action = ACTION_TEXT.get(tx, "read shipments")
    if tx in READS:
        who_may = "its parties, auditors and admins"
        return f"FORBIDDEN: {msp_id} is not a party to the shipment: only {who_may} may {action}"
    if tx == "ReportException" and role in ("dispatcher", "scanner", "receiver"):
        who_may = "its parties' dispatchers, scanners and receivers"
        return f"FORBIDDEN: {msp_id} is not a party to the shipment: only {who_may} may {action}"
    parties = [party for party, allowed in WRITES[tx] if allowed == role]
    if tx != "ReportException" and parties:
        [party] = parties
        return (
            f"FORBIDDEN: {msp_id} is not the shipment's {party}: "
            f"only its {party}'s {role} may {action}"
        )
    return f"FORBIDDEN: {msp_id} with role {role or '(none)'} may not {action}"


def test_a_dispatcher_of_another_producer_is_told_its_org_is_not_the_producer() -> None:
    world = BASELINE.copy()
    request = shipment_request(make_sscc(98), parties=FOREIGN)  # producer: Producer2MSP
    result = world.invoke(caller(PRODUCER, "dispatcher"), "CreateShipment", json.dumps(request))
    assert result.message == (
        "FORBIDDEN: ProducerMSP is not the shipment's producer: "
        "only its producer's dispatcher may create shipments"
    )
    assert world.state == BASELINE.state


def test_matrix_covers_every_transaction_role_and_ownership() -> None:
    assert len(CASES) == 8 * 3 * 6 * 2


@pytest.mark.parametrize(
    ("who", "argument", "allowed"),
    [
        (caller(PRODUCER, "dispatcher"), {"party": PRODUCER}, True),
        (caller(PRODUCER, "dispatcher"), {"party": CARRIER}, False),
        (caller(PRODUCER, "dispatcher"), {"status": "created"}, False),
        (caller(CARRIER, "auditor"), {"party": PRODUCER}, True),
        (caller("Carrier2MSP", "admin"), {"status": "created"}, True),
    ],
)
def test_listing_access(who, argument, allowed) -> None:  # type: ignore[no-untyped-def]
    result = BASELINE.copy().invoke(who, "ListShipments", json.dumps(argument))
    assert result.ok is allowed, result.message
    if not allowed:
        assert result.message.startswith(f"FORBIDDEN: {who.msp_id} with role")


def test_identity_reads_cn_and_role_attribute() -> None:
    creator = caller(CARRIER, "scanner", "scanner-07").creator()
    assert identity_from_creator(creator) == Identity(CARRIER, "scanner-07", "scanner")


def test_identity_without_role_attribute_has_empty_role() -> None:
    assert identity_from_creator(caller(CARRIER, None, "legacy").creator()).role == ""


@pytest.mark.parametrize(
    ("creator", "message"),
    [
        ({}, "FORBIDDEN: the proposal has no creator identity"),
        (
            {"mspid": CARRIER, "idBytes": b"not a cert"},
            f"FORBIDDEN: {CARRIER} creator is not a PEM",
        ),
    ],
)
def test_unusable_creator_is_forbidden(creator: dict[str, object], message: str) -> None:
    with pytest.raises(ChaincodeError, match=message):
        identity_from_creator(creator)
