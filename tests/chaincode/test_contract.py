"""The contract end to end through the in-memory stub (a fake, not Fabric)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from fabricsim.callers import Caller, caller
from fabricsim.world import InMemoryWorldState
from tests.chaincode.cc_samples import (
    CARRIER,
    PRODUCER,
    RETAILER,
    make_sscc,
    scan,
    shipment_request,
)

SSCC = make_sscc(42)
POD = "c" * 64


def create(world: InMemoryWorldState, who: Caller, sscc: str = SSCC, **overrides: Any) -> Any:
    result = world.invoke(who, "CreateShipment", json.dumps(shipment_request(sscc, **overrides)))
    assert result.ok, result.message
    return result


def batch_argument(sscc: str, scan_id: str, points: list[tuple[str, float]]) -> str:
    readings = [{"time": t, "celsius": c} for t, c in points]
    return json.dumps(
        {"sscc": sscc, "readings": readings, "client_scan_id": scan_id, "device_id": "LOG-7"}
    )


def delivery_argument(sscc: str, scan_id: str) -> str:
    body = {"sscc": sscc, "proof_of_delivery_sha256": POD, "event_time": "2025-03-02T16:00:00Z"}
    return json.dumps({**body, "client_scan_id": scan_id, "notes": "2 cases dented"})


def test_full_journey(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller, receiver: Caller
) -> None:
    created = create(world, dispatcher, sscc=f"(00) {SSCC[:9]} {SSCC[9:]}").json()["shipment"]
    assert (created["sscc"], created["status"], created["custodian"]) == (SSCC, "created", PRODUCER)
    assert created["created_at"] == "2025-03-01T08:01:00Z"

    assert world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "s1", "departing")).ok
    assert world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "s2", "arriving")).ok
    raw_batch = batch_argument(
        SSCC,
        "t1",
        [("2025-03-01T10:00:00Z", 4), ("2025-03-01T10:20:00Z", 9.5), ("2025-03-01T10:30:00Z", 5)],
    )
    temps = world.invoke(scanner, "RecordTemperatures", raw_batch)
    assert temps.ok, temps.message
    summary = temps.json()["checkpoint"]["temperature"]
    assert summary["raw_sha256"] == hashlib.sha256(raw_batch.encode()).hexdigest()
    assert (summary["minutes_outside"], summary["unit"], summary["count"]) == (10, "CEL", 3)
    assert temps.json()["shipment"]["cold_chain_state"]["verdict"] == "excursion"
    assert world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "s3", "loading")).ok
    delivered = world.invoke(receiver, "ConfirmDelivery", delivery_argument(SSCC, "d1"))
    assert delivered.ok, delivered.message
    shipment = delivered.json()["shipment"]
    assert (shipment["status"], shipment["custodian"], shipment["checkpoint_count"]) == (
        "delivered",
        RETAILER,
        5,
    )
    assert delivered.json()["checkpoint"]["evidence"] == [POD]
    assert delivered.json()["checkpoint"]["reporter"] == {
        "msp_id": RETAILER, "enrollment_id": "receiver@retailermsp", "role": "receiver"
    }  # fmt: skip

    provenance = world.invoke(
        caller(CARRIER, "auditor"), "GetProvenance", json.dumps({"sscc": SSCC})
    ).json()
    steps = [(c["seq"], c["kind"], c["biz_step"], c["status"]) for c in provenance["checkpoints"]]
    assert steps == [
        (1, "checkpoint", "departing", "in_transit"),
        (2, "checkpoint", "arriving", "at_hub"),
        (3, "temperature", "sensor_reporting", "at_hub"),
        (4, "checkpoint", "loading", "out_for_delivery"),
        (5, "delivery", "receiving", "delivered"),
    ]
    assert provenance["checkpoints"][0]["event_time"] == "2025-03-01T08:00:00Z"  # +01:00 normalised
    assert provenance["shipment"] == shipment

    events = [(e.event_name, json.loads(e.payload)["tx_id"]) for e in world.events]
    assert [name for name, _ in events] == [
        "ShipmentCreated", "CheckpointRecorded", "CheckpointRecorded", "TemperaturesRecorded",
        "CheckpointRecorded", "DeliveryConfirmed",
    ]  # fmt: skip
    assert len({tx for _, tx in events}) == 6  # one event per transaction

    history = world.invoke(dispatcher, "GetHistory", SSCC).json()["history"]
    assert [h["shipment"]["status"] for h in history] == [
        "created", "in_transit", "at_hub", "at_hub", "out_for_delivery", "delivered"
    ]  # fmt: skip
    assert [h["tx_id"] for h in history] == [f"tx{n:04d}" for n in range(1, 7)]
    assert history[0]["timestamp"] == "2025-03-01T08:01:00Z"


def test_read_results_are_canonical_json(world: InMemoryWorldState, dispatcher: Caller) -> None:
    create(world, dispatcher)
    payload = world.invoke(dispatcher, "GetShipment", json.dumps({"sscc": SSCC})).payload
    assert payload == json.dumps(json.loads(payload), sort_keys=True, separators=(",", ":"))


def test_scan_id_replay_returns_original_and_writes_nothing(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller
) -> None:
    create(world, dispatcher)
    first = world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "scan-1", "departing"))
    writes, events = world.writes, len(world.events)
    # A retry sends the same object, maybe with its keys in another order.
    reordered = json.dumps(json.loads(scan(SSCC, "scan-1", "departing")), sort_keys=True, indent=2)
    again = world.invoke(scanner, "RecordCheckpoint", reordered)
    assert again.ok and again.payload == first.payload
    assert again.event is None
    assert (world.writes, len(world.events)) == (writes, events)
    conflict = world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "scan-1", "arriving"))
    assert conflict.message.startswith(
        "SCAN_ID_CONFLICT: client_scan_id scan-1 was already used by tx0002"
    )


def test_create_with_scan_id_is_idempotent(world: InMemoryWorldState, dispatcher: Caller) -> None:
    argument = json.dumps(shipment_request(SSCC, client_scan_id="c-1"))
    first = world.invoke(dispatcher, "CreateShipment", argument)
    writes = world.writes
    assert world.invoke(dispatcher, "CreateShipment", argument).payload == first.payload
    assert world.writes == writes
    duplicate = world.invoke(dispatcher, "CreateShipment", json.dumps(shipment_request(SSCC)))
    assert duplicate.message == f"SHIPMENT_EXISTS: a shipment with SSCC {SSCC} already exists"


def test_illegal_transition_is_refused_and_writes_nothing(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller, receiver: Caller
) -> None:
    create(world, dispatcher)
    assert world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "s1", "departing")).ok
    state = dict(world.state)
    refused = world.invoke(receiver, "ConfirmDelivery", delivery_argument(SSCC, "d1"))
    assert refused.status == 500
    assert (
        refused.message == "INVALID_TRANSITION: cannot move shipment from in_transit to delivered"
    )
    assert world.state == state
    skipped = world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "s2", "loading"))
    assert (
        skipped.message
        == "INVALID_TRANSITION: cannot move shipment from in_transit to out_for_delivery"
    )


def test_exception_then_return(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller, receiver: Caller
) -> None:
    create(world, dispatcher)
    body = {
        "sscc": SSCC,
        "reason": "seal broken",
        "event_time": "2025-03-01T11:00:00Z",
        "client_scan_id": "e1",
    }
    reported = world.invoke(receiver, "ReportException", json.dumps(body))
    assert reported.ok, reported.message
    checkpoint = reported.json()["checkpoint"]
    assert (checkpoint["reason"], checkpoint["notes"]) == ("seal broken", "")
    assert reported.json()["shipment"]["status"] == "exception"
    assert reported.event is not None
    assert reported.event.event_name == "ExceptionReported"
    back = world.invoke(
        scanner, "RecordCheckpoint", scan(SSCC, "r1", "receiving", disposition="returned")
    )
    assert back.json()["shipment"]["status"] == "returned"
    assert back.json()["shipment"]["custodian"] == PRODUCER
    final = world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "r2", "departing"))
    assert (
        final.message
        == "INVALID_TRANSITION: shipment is returned, a final status: cannot move it to in_transit"
    )


def test_exception_reason_and_notes_are_kept_apart_exactly(
    world: InMemoryWorldState, dispatcher: Caller, receiver: Caller
) -> None:
    # Both texts may hold newlines: stored as one "reason\nnotes" text they could not be
    # told apart again.
    create(world, dispatcher)
    reason, notes = "seal broken\nat door 3", "photo taken\nby the driver"
    body = {"sscc": SSCC, "reason": reason, "notes": notes, "event_time": "2025-03-01T11:00:00Z"}
    reported = world.invoke(
        receiver, "ReportException", json.dumps({**body, "client_scan_id": "e"})
    )
    assert reported.ok, reported.message
    [stored] = world.invoke(dispatcher, "GetProvenance", SSCC).json()["checkpoints"]
    for checkpoint in (reported.json()["checkpoint"], stored):
        assert (checkpoint["reason"], checkpoint["notes"]) == (reason, notes)
    assert reported.event is not None
    event = json.loads(reported.event.payload)["data"]["checkpoint"]
    assert (event["reason"], event["notes"]) == (reason, notes)


def test_checkpoints_other_than_exceptions_have_an_empty_reason(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller
) -> None:
    create(world, dispatcher)
    recorded = world.invoke(scanner, "RecordCheckpoint", scan(SSCC, "s1", "departing", notes="ok"))
    assert (recorded.json()["checkpoint"]["reason"], recorded.json()["checkpoint"]["notes"]) == (
        "",
        "ok",
    )


def test_list_shipments_paginates_by_status_and_party(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller
) -> None:
    ssccs = sorted(make_sscc(n) for n in range(100, 105))
    for sscc in ssccs:
        create(world, dispatcher, sscc=sscc)
    auditor = caller("AuditMSP", "auditor")
    seen, bookmark, pages = [], "", 0
    while True:
        page = world.invoke(
            auditor,
            "ListShipments",
            json.dumps({"status": "created", "page_size": 2, "bookmark": bookmark}),
        ).json()
        seen += [s["sscc"] for s in page["shipments"]]
        pages += 1
        bookmark = page["bookmark"]
        if not bookmark:
            break
    assert (seen, pages) == (ssccs, 3)

    assert world.invoke(scanner, "RecordCheckpoint", scan(ssccs[1], "x", "departing")).ok
    by_status = world.invoke(auditor, "ListShipments", json.dumps({"status": "in_transit"})).json()
    assert [s["sscc"] for s in by_status["shipments"]] == [ssccs[1]]
    still_created = world.invoke(auditor, "ListShipments", json.dumps({"status": "created"})).json()
    assert ssccs[1] not in [s["sscc"] for s in still_created["shipments"]]
    mine = world.invoke(
        scanner, "ListShipments", json.dumps({"party": CARRIER, "page_size": 100})
    ).json()
    assert mine["count"] == 5 and mine["bookmark"] == ""
    mine_moving = world.invoke(
        scanner, "ListShipments", json.dumps({"party": CARRIER, "status": "in_transit"})
    ).json()
    assert [s["sscc"] for s in mine_moving["shipments"]] == [ssccs[1]]
    bad = world.invoke(
        auditor,
        "ListShipments",
        json.dumps({"party": CARRIER, "bookmark": page["bookmark"] or "AAAA"}),
    )
    assert bad.message == "INVALID_ARGUMENT: bookmark: is not a bookmark from this query"


@pytest.mark.parametrize(
    ("tx", "argument", "message"),
    [
        ("CreateShipment", "not json", "INVALID_ARGUMENT: argument: not valid JSON"),
        ("CreateShipment", "[]", "INVALID_ARGUMENT: argument: must be a JSON object"),
        (
            "CreateShipment",
            json.dumps(shipment_request("376104250021234568")),
            "INVALID_SSCC: sscc: SSCC check digit should be 9, got 8",
        ),
        (
            "CreateShipment",
            json.dumps(shipment_request(SSCC, colour="red")),
            "INVALID_ARGUMENT: argument: unknown field(s) ['colour']",
        ),
        (
            "CreateShipment",
            json.dumps(shipment_request(SSCC, quantity=True)),
            "INVALID_ARGUMENT: quantity: must be a number",
        ),
        (
            "CreateShipment",
            json.dumps(shipment_request(SSCC, quantity=0)),
            "INVALID_ARGUMENT: quantity: must be greater than 0",
        ),
        (
            "CreateShipment",
            json.dumps(shipment_request(SSCC, promised_delivery="tomorrow")),
            "INVALID_ARGUMENT: promised_delivery: not an ISO-8601 time",
        ),
        (
            "CreateShipment",
            json.dumps(shipment_request(SSCC, promised_delivery="2025-03-03T12:00:00")),
            "INVALID_ARGUMENT: promised_delivery: not an ISO-8601 time (time must include a UTC",
        ),
        (
            "CreateShipment",
            json.dumps(shipment_request(SSCC, origin={"gln": "0614141000013", "name": "x"})),
            "INVALID_ARGUMENT: origin.gln: GLN check digit should be 2, got 3",
        ),
        (
            "CreateShipment",
            json.dumps(
                shipment_request(
                    SSCC, cold_chain={"min_c": 8, "max_c": 2, "allowed_minutes_outside": 0}
                )
            ),
            "INVALID_ARGUMENT: cold_chain: min_c must not exceed max_c",
        ),
        (
            "CreateShipment",
            json.dumps(shipment_request(SSCC, certificates=[{"type": "x", "sha256": "zz"}])),
            "INVALID_ARGUMENT: certificates[0].sha256: must be a SHA-256",
        ),
        ("RecordCheckpoint", json.dumps({"sscc": SSCC}), "INVALID_ARGUMENT: biz_step: is required"),
        (
            "RecordTemperatures",
            batch_argument(SSCC, "t", [("2025-03-01T10:00:00Z", 4), ("2025-03-01T10:00:00Z", 5)]),
            "INVALID_ARGUMENT: readings[1].time: must be after the previous reading",
        ),
        (
            "RecordTemperatures",
            json.dumps(
                {
                    "sscc": SSCC,
                    "readings": [{"time": "2025-03-01T10:00:00Z"}],
                    "client_scan_id": "t",
                }
            ),
            "INVALID_ARGUMENT: readings[0].celsius: is required",
        ),
        (
            "GetShipment",
            json.dumps({"sscc": make_sscc(7)}),
            f"SHIPMENT_NOT_FOUND: no shipment with SSCC {make_sscc(7)}",
        ),
        ("Transfer", "{}", "UNKNOWN_TRANSACTION: no transaction named 'Transfer'"),
    ],
)
def test_invalid_requests_are_refused_with_named_field(
    world: InMemoryWorldState, dispatcher: Caller, tx: str, argument: str, message: str
) -> None:
    result = world.invoke(dispatcher, tx, argument)
    assert result.status == 500
    assert result.message.startswith(message), result.message
    assert world.state == {}


def test_wrong_argument_count(world: InMemoryWorldState, dispatcher: Caller) -> None:
    result = world.invoke(dispatcher, "GetShipment", SSCC, SSCC)
    assert (
        result.message == "INVALID_ARGUMENT: arguments: GetShipment takes one JSON argument, got 2"
    )


def test_endorsement_is_deterministic(dispatcher: Caller, scanner: Caller) -> None:
    """Two peers executing the same proposals produce byte-identical state."""
    peers = [InMemoryWorldState(), InMemoryWorldState()]
    for peer in peers:
        create(peer, dispatcher)
        peer.invoke(
            scanner,
            "RecordTemperatures",
            batch_argument(SSCC, "t", [("2025-03-01T10:00:00Z", 4), ("2025-03-01T12:00:00Z", 5)]),
        )
    assert peers[0].state == peers[1].state
    assert [e.payload for e in peers[0].events] == [e.payload for e in peers[1].events]


@pytest.mark.parametrize(
    ("celsius", "shown"),
    [(-273.15, "-273.15"), (-300, "-300.0"), (1000.001, "1000.001"), (1e20, "1e+20")],
)
def test_readings_that_are_not_temperatures_are_refused_naming_the_reading(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller, celsius: float, shown: str
) -> None:
    # A client that reaches the peer without the tracker's API: the chaincode checks itself.
    create(world, dispatcher)
    before = dict(world.state)
    points = [("2025-03-01T10:00:00Z", 4.0), ("2025-03-01T11:00:00Z", celsius)]
    result = world.invoke(scanner, "RecordTemperatures", batch_argument(SSCC, "t", points))
    assert result.message == (
        f"INVALID_ARGUMENT: readings[1].celsius: {shown} is not a temperature: "
        "give one above -273.15 (absolute zero) and at most 1000"
    )
    assert world.state == before


def test_readings_at_the_bounds_are_accepted(
    world: InMemoryWorldState, dispatcher: Caller, scanner: Caller
) -> None:
    create(world, dispatcher)
    points = [("2025-03-01T10:00:00Z", -273.14), ("2025-03-01T11:00:00Z", 1000)]
    result = world.invoke(scanner, "RecordTemperatures", batch_argument(SSCC, "t", points))
    assert result.ok, result.message
    summary = result.json()["checkpoint"]["temperature"]
    # The 1000 degC reading closes the batch; the -273.14 one holds an hour, its weight
    # underflows to 0, so there is no MKT rather than an error.
    assert (summary["min_c"], summary["max_c"], summary["mkt_c"]) == (-273.14, 1000, None)


def test_reading_bounds_are_the_tracker_apis() -> None:
    from chaincode import arguments
    from tracker.api import uploads

    assert (arguments.ABSOLUTE_ZERO_C, arguments.MAX_CELSIUS) == (
        uploads.ABSOLUTE_ZERO_C,
        uploads.MAX_CELSIUS,
    )
