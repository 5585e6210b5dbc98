"""Agreements and settlement through the contract on the in-memory stub (fake, not Fabric)."""

from __future__ import annotations

import json
from typing import Any

import pytest

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
from tests.chaincode.cc_terms import (
    AUDITOR,
    DEADLINE,
    DISPATCHER,
    OUTSIDER,
    PROMISED,
    RECEIVER,
    RETAIL_ADMIN,
    SCANNER,
    THREE_H_TEN_LATE,
    acceptance,
    agreed,
    breach,
    burn,
    call,
    create,
    deliver,
    ok,
    refused,
    terms,
    to_last_mile,
)

SSCC = make_sscc(1701)


def settled(world: InMemoryWorldState, event_time: str, **overrides: object) -> dict[str, Any]:
    agreed(world, SSCC, **overrides)
    to_last_mile(world, SSCC)
    settlement: dict[str, Any] = ok(deliver(world, SSCC, event_time))["settlement"]
    return settlement


def test_on_time_delivery_releases_the_full_price(world: InMemoryWorldState) -> None:
    settlement = settled(world, "2025-03-01T03:59:00Z")
    assert settlement["outcome"] == "delivered"
    assert (settlement["refunded_to_buyer_minor"], settlement["released_to_seller_minor"]) == (
        0,
        100_000,
    )
    assert (settlement["seller"], settlement["buyer"], settlement["currency"]) == (
        PRODUCER,
        RETAILER,
        "EUR",
    )
    assert settlement["reasons"] == []


def test_three_hours_ten_minutes_late_refunds_eight_percent(world: InMemoryWorldState) -> None:
    settlement = settled(world, THREE_H_TEN_LATE)
    assert settlement["delivered_at"] == THREE_H_TEN_LATE
    assert settlement["refund_bp"] == 800
    assert (settlement["refunded_to_buyer_minor"], settlement["released_to_seller_minor"]) == (
        8_000,
        92_000,
    )
    assert [(r["code"], r["bp"], r["amount_minor"]) for r in settlement["reasons"]] == [
        ("late", 800, 8_000)
    ]


def test_breach_and_lateness_combine_by_adding_bp(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    ok(world.invoke(SCANNER, "RecordCheckpoint", _scan("departing")))
    breach(world, SSCC)
    ok(world.invoke(SCANNER, "RecordCheckpoint", _scan("arriving")))
    ok(world.invoke(SCANNER, "RecordCheckpoint", _scan("loading")))
    settlement = ok(deliver(world, SSCC, THREE_H_TEN_LATE))["settlement"]
    assert (settlement["verdict"], settlement["refund_bp"]) == ("breach", 800 + 1500)
    assert settlement["refunded_to_buyer_minor"] == 23_000
    assert [r["code"] for r in settlement["reasons"]] == ["late", "cold_chain_breach"]


def _scan(step: str) -> str:
    return scan(SSCC, f"x-{step}", step)


def test_damaged_delivery_refunds_its_percentage(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    to_last_mile(world, SSCC)
    settlement = ok(deliver(world, SSCC, "2025-03-01T03:00:00Z", disposition="damaged"))[
        "settlement"
    ]
    assert (settlement["disposition"], settlement["refunded_to_buyer_minor"]) == ("damaged", 30_000)


def test_a_later_claimed_delivery_time_counts_as_the_recording_time(
    world: InMemoryWorldState,
) -> None:
    settlement = settled(world, "2025-03-09T00:00:00Z")
    recorded = settlement["settled_at"]
    assert settlement["delivered_at"] == recorded  # min(event_time, recorded_at)
    assert settlement["refund_bp"] == 1000  # 08:0x vs 04:00 promised: 5 started hours


def test_delivery_writes_settlement_agreement_and_one_event(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    to_last_mile(world, SSCC)
    result = deliver(world, SSCC, THREE_H_TEN_LATE)
    body = ok(result)
    assert body["agreement"]["status"] == "settled"
    assert body["agreement"]["settled_tx"] == result.tx_id == body["settlement"]["settled_tx"]
    assert body["settlement"]["agreement_tx"] == body["agreement"]["accepted_tx"]
    assert result.event is not None
    assert result.event.event_name == "DeliveryConfirmed"
    event = json.loads(result.event.payload)
    assert event["data"]["settlement"] == body["settlement"]
    stored = ok(call(world, AUDITOR, "GetAgreement", {"sscc": SSCC}))
    assert stored["settlement"] == body["settlement"]
    assert stored["agreement"]["status"] == "settled"


def test_a_second_settlement_is_refused(world: InMemoryWorldState) -> None:
    settled(world, THREE_H_TEN_LATE)
    refused(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}), "ALREADY_SETTLED")
    refused(deliver(world, SSCC, THREE_H_TEN_LATE, client_scan_id="again"), "INVALID_TRANSITION")


def test_delivery_replay_returns_the_original_settlement(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    to_last_mile(world, SSCC)
    first = deliver(world, SSCC, THREE_H_TEN_LATE)
    again = deliver(world, SSCC, THREE_H_TEN_LATE)
    assert again.ok and again.payload == first.payload and again.event is None


def test_proposed_agreement_does_not_block_delivery_and_is_never_settled(
    world: InMemoryWorldState,
) -> None:
    create(world, SSCC)
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}))
    to_last_mile(world, SSCC)
    body = ok(deliver(world, SSCC, THREE_H_TEN_LATE))
    assert "settlement" not in body
    state = ok(call(world, RECEIVER, "GetAgreement", {"sscc": SSCC}))
    assert (state["agreement"]["status"], state["settlement"]) == ("proposed", None)
    refused(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}), "AGREEMENT_NOT_ACCEPTED")
    refused(call(world, RECEIVER, "AcceptAgreement", acceptance(world, SSCC)), "AGREEMENT_LOCKED")


def test_confirm_roles_decide_who_may_confirm(world: InMemoryWorldState) -> None:
    agreed(world, SSCC, confirm_roles=["admin"])
    to_last_mile(world, SSCC)
    message = refused(deliver(world, SSCC, THREE_H_TEN_LATE), "FORBIDDEN")
    assert "the agreement names admin" in message
    refused(deliver(world, SSCC, THREE_H_TEN_LATE, who=caller(PRODUCER, "admin")), "FORBIDDEN")
    assert ok(deliver(world, SSCC, THREE_H_TEN_LATE, who=RETAIL_ADMIN))["settlement"]


def test_agreement_proposed_with_the_shipment(world: InMemoryWorldState) -> None:
    later = terms(promised_delivery=None, undelivered_after="2025-03-05T00:00:00Z")
    result = call(
        world, DISPATCHER, "CreateShipment", {**shipment_request(SSCC), "agreement": later}
    )
    body = ok(result)
    agreement = body["agreement"]
    assert agreement["promised_delivery"] == "2025-03-03T12:00:00Z"  # the shipment's
    assert (agreement["status"], agreement["confirm_roles"]) == ("proposed", ["receiver"])
    assert (agreement["seller"], agreement["buyer"]) == (PRODUCER, RETAILER)
    assert agreement["proposed_tx"] == result.tx_id
    assert result.event is not None
    assert json.loads(result.event.payload)["data"]["agreement"] == agreement
    assert agreement["accepted_by"] is None and agreement["settled_tx"] == ""


def test_deadline_before_the_promise_is_refused(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    body = {"sscc": SSCC, **terms(undelivered_after="2025-03-01T03:00:00Z")}
    assert "undelivered_after" in refused(
        call(world, DISPATCHER, "ProposeAgreement", body), "INVALID_ARGUMENT"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price_minor": 0}, "price_minor"),
        ({"price_minor": 10.5}, "price_minor"),
        ({"price_minor": True}, "price_minor"),
        ({"currency": "eur"}, "currency"),
        ({"lateness": {"bp_per_started_hour": 200}}, "lateness.cap_bp"),
        ({"lateness": {"bp_per_started_hour": 200, "cap_bp": 10_001}}, "lateness.cap_bp"),
        ({"lateness": {"bp_per_started_hour": 1, "cap_bp": 1, "x": 1}}, "lateness"),
        ({"breach_refund_bp": -1}, "breach_refund_bp"),
        ({"confirm_roles": ["auditor"]}, "confirm_roles[0]"),
        ({"undelivered_after": "tomorrow"}, "undelivered_after"),
        ({"surprise": 1}, "argument"),
    ],
)
def test_bad_terms_are_refused(
    world: InMemoryWorldState, change: dict[str, object], field: str
) -> None:
    create(world, SSCC)
    body = {"sscc": SSCC, **terms(), **change}
    message = refused(call(world, DISPATCHER, "ProposeAgreement", body), "INVALID_ARGUMENT")
    assert message.startswith(f"INVALID_ARGUMENT: {field}")


def test_propose_and_accept_events_and_replay(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    body = {"sscc": SSCC, **terms(), "client_scan_id": "p1"}
    first = call(world, DISPATCHER, "ProposeAgreement", body)
    assert ok(first)["agreement"]["status"] == "proposed"
    assert first.event is not None
    assert first.event.event_name == "AgreementProposed"
    again = call(world, DISPATCHER, "ProposeAgreement", dict(reversed(body.items())))
    assert again.payload == first.payload and again.event is None
    changed = call(world, DISPATCHER, "ProposeAgreement", {**body, "price_minor": 5})
    refused(changed, "SCAN_ID_CONFLICT")
    accept = acceptance(world, SSCC, client_scan_id="a1")
    accepted = call(world, RECEIVER, "AcceptAgreement", accept)
    agreement = ok(accepted)["agreement"]
    assert (agreement["status"], agreement["accepted_tx"]) == ("accepted", accepted.tx_id)
    assert agreement["accepted_by"]["role"] == "receiver"
    assert accepted.event is not None
    assert accepted.event.event_name == "AgreementAccepted"
    replayed = call(world, RECEIVER, "AcceptAgreement", accept)
    assert replayed.payload == accepted.payload and replayed.event is None
    refused(call(world, RECEIVER, "AcceptAgreement", acceptance(world, SSCC)), "AGREEMENT_LOCKED")
    refused(
        call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}), "AGREEMENT_LOCKED"
    )


def test_a_proposal_may_be_replaced_until_accepted(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}))
    second = ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms(price_minor=7)}))
    assert second["agreement"]["price_minor"] == 7


def test_agreements_are_made_before_departure(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    to_last_mile(world, SSCC)
    message = refused(
        call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}), "AGREEMENT_LOCKED"
    )
    assert "before departure" in message


def test_accept_without_agreement_and_after_delivery(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    nothing = acceptance(world, SSCC)
    refused(call(world, RECEIVER, "AcceptAgreement", nothing), "AGREEMENT_NOT_FOUND")
    refused(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}), "AGREEMENT_NOT_FOUND")
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}))
    to_last_mile(world, SSCC)
    ok(deliver(world, SSCC, THREE_H_TEN_LATE))
    refused(call(world, RECEIVER, "AcceptAgreement", acceptance(world, SSCC)), "AGREEMENT_LOCKED")


def test_undelivered_after_the_deadline_refunds_everything(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    ok(world.invoke(SCANNER, "RecordCheckpoint", _scan("departing")))
    early = refused(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}), "NOT_SETTLEABLE")
    assert DEADLINE in early
    burn(world, 30)
    refused(call(world, DISPATCHER, "SettleShipment", {"sscc": SSCC}), "FORBIDDEN")
    result = call(world, RECEIVER, "SettleShipment", {"sscc": SSCC, "client_scan_id": "u1"})
    body = ok(result)
    settlement = body["settlement"]
    assert (settlement["outcome"], settlement["refunded_to_buyer_minor"]) == (
        "undelivered",
        100_000,
    )
    assert (settlement["released_to_seller_minor"], settlement["delivered_at"]) == (0, "")
    assert result.event is not None
    assert result.event.event_name == "ShipmentSettled"
    assert json.loads(result.event.payload)["data"]["settlement"] == settlement
    again = call(world, RECEIVER, "SettleShipment", {"sscc": SSCC, "client_scan_id": "u1"})
    assert again.payload == result.payload
    refused(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}), "ALREADY_SETTLED")


def test_returned_shipment_is_settled_by_either_party(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    ok(world.invoke(SCANNER, "RecordCheckpoint", _scan("departing")))
    ok(world.invoke(SCANNER, "RecordCheckpoint", _scan("arriving")))
    returned = _scan("storing").replace(
        '"client_scan_id"', '"disposition": "returned", "client_scan_id"'
    )
    assert (
        ok(world.invoke(SCANNER, "RecordCheckpoint", returned))["shipment"]["status"] == "returned"
    )
    refused(call(world, SCANNER, "SettleShipment", {"sscc": SSCC}), "FORBIDDEN")
    settlement = ok(call(world, DISPATCHER, "SettleShipment", {"sscc": SSCC}))["settlement"]
    assert (settlement["outcome"], settlement["refund_bp"]) == ("returned", 10_000)
    assert settlement["disposition"] == "returned"
    refused(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}), "ALREADY_SETTLED")


def test_delivered_without_settlement_is_not_settleable(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}))
    to_last_mile(world, SSCC)
    # Accepted while out for delivery, then ... delivery settles it: nothing left to settle.
    ok(call(world, RECEIVER, "AcceptAgreement", acceptance(world, SSCC)))
    ok(deliver(world, SSCC, THREE_H_TEN_LATE))
    refused(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}), "ALREADY_SETTLED")


@pytest.mark.parametrize(
    ("who", "name", "allowed"),
    [
        (DISPATCHER, "ProposeAgreement", True),
        (caller(PRODUCER, "admin"), "ProposeAgreement", True),
        (caller(PRODUCER, "scanner"), "ProposeAgreement", False),
        (caller("OtherProducerMSP", "dispatcher"), "ProposeAgreement", False),
        (RECEIVER, "ProposeAgreement", False),
        (RECEIVER, "AcceptAgreement", True),
        (RETAIL_ADMIN, "AcceptAgreement", True),
        (DISPATCHER, "AcceptAgreement", False),
        (OUTSIDER, "AcceptAgreement", False),
        (caller(CARRIER, "admin"), "AcceptAgreement", False),
    ],
)
def test_access_rows(world: InMemoryWorldState, who: object, name: str, allowed: bool) -> None:
    create(world, SSCC)
    if name == "AcceptAgreement":
        ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}))
    body = {"sscc": SSCC, **terms()} if name == "ProposeAgreement" else acceptance(world, SSCC)
    result = call(world, who, name, body)  # type: ignore[arg-type]
    if allowed:
        ok(result)
    else:
        refused(result, "FORBIDDEN")


def test_get_agreement_reads_like_get_shipment(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    empty = ok(call(world, SCANNER, "GetAgreement", {"sscc": SSCC}))
    assert empty == {"agreement": None, "settlement": None, "disputes": []}
    assert ok(world.invoke(AUDITOR, "GetAgreement", SSCC))["agreement"] is None
    refused(call(world, OUTSIDER, "GetAgreement", {"sscc": SSCC}), "FORBIDDEN")
    refused(call(world, AUDITOR, "GetAgreement", {"sscc": make_sscc(9)}), "SHIPMENT_NOT_FOUND")


def test_promised_delivery_defaults_and_is_stored_in_utc(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    body = {"sscc": SSCC, **terms(promised_delivery="2025-03-01T06:00:00+02:00")}
    agreement = ok(call(world, DISPATCHER, "ProposeAgreement", body))["agreement"]
    assert agreement["promised_delivery"] == PROMISED
