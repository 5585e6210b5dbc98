"""Disputes, conversation anchors and balances through the contract (in-memory stub, fake)."""

from __future__ import annotations

import hashlib
import json

import pytest

from fabricsim.callers import caller
from fabricsim.world import InMemoryWorldState
from terms.merkle import leaf_hash, root
from tests.chaincode.cc_samples import CARRIER, PRODUCER, RETAILER, make_sscc
from tests.chaincode.cc_terms import (
    AUDITOR,
    DISPATCHER,
    OUTSIDER,
    RECEIVER,
    SCANNER,
    THREE_H_TEN_LATE,
    TRACKER,
    agreed,
    call,
    create,
    deliver,
    ok,
    refused,
    terms,
    to_last_mile,
)

SSCC = make_sscc(1702)
DISPUTE = "disp-0001"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def message(n: int, text: str = "late again?") -> dict[str, str]:
    return {
        "id": f"wamid.{n}",
        "direction": "in" if n % 2 else "out",
        "time": f"2025-03-01T09:{n:02d}:00Z",
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


def open_dispute(world: InMemoryWorldState, who=TRACKER, **extra: object):  # type: ignore[no-untyped-def]
    body = {"sscc": SSCC, "dispute_id": DISPUTE, "subject": "late", "raised_for": "retailer"}
    return call(world, who, "OpenDispute", {**body, **extra})


def resolve(world: InMemoryWorldState, outcome: str = "refund", **extra: object):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"sscc": SSCC, "dispute_id": DISPUTE, "outcome": outcome}
    body["reason"] = "agreed on the phone" if outcome == "refund" else "delivered on time"
    if outcome == "refund":
        body["refund_minor"] = 5_000
    return call(world, DISPATCHER, "ResolveDispute", {**body, **extra})


def test_open_dispute_by_any_identity_of_a_party(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    result = open_dispute(world, client_scan_id="o1")
    dispute = ok(result)["dispute"]
    assert (dispute["status"], dispute["leaves"], dispute["root"]) == ("open", [], EMPTY_ROOT)
    assert (dispute["opened_by"]["role"], dispute["opened_tx"]) == ("", result.tx_id)
    assert dispute["resolution"] is None and dispute["anchors"] == []
    assert result.event.event_name == "DisputeOpened"
    assert json.loads(result.event.payload)["data"] == {"dispute": dispute}
    replay = open_dispute(world, client_scan_id="o1")
    assert replay.payload == result.payload and replay.event is None
    refused(open_dispute(world, SCANNER), "DISPUTE_EXISTS")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [(SCANNER, True), (DISPATCHER, True), (caller(CARRIER, None), True), (OUTSIDER, False),
     (AUDITOR, False)],
)  # fmt: skip
def test_open_dispute_access(world: InMemoryWorldState, who: object, allowed: bool) -> None:
    create(world, SSCC)
    result = open_dispute(world, who)
    if allowed:
        ok(result)
    else:
        assert "is not a party to the shipment" in refused(result, "FORBIDDEN")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dispute_id": "abc"}, "dispute_id"),
        ({"dispute_id": "has space!"}, "dispute_id"),
        ({"subject": "price"}, "subject"),
        ({"raised_for": "auditor"}, "raised_for"),
        ({"phone": "+33600000000"}, "argument"),
    ],
)
def test_bad_disputes_are_refused(
    world: InMemoryWorldState, change: dict[str, object], field: str
) -> None:
    create(world, SSCC)
    assert refused(open_dispute(world, **change), "INVALID_ARGUMENT").startswith(
        f"INVALID_ARGUMENT: {field}"
    )


def test_anchors_accumulate_and_the_root_is_checked(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    ok(open_dispute(world))
    first = [leaf_hash(message(n)) for n in range(3)]
    body = {"sscc": SSCC, "dispute_id": DISPUTE, "leaves": first, "root": root(first)}
    result = call(world, RECEIVER, "AnchorConversation", body)
    dispute = ok(result)["dispute"]
    assert dispute["leaves"] == first and dispute["root"] == root(first)
    assert result.event is not None
    assert result.event.event_name == "ConversationAnchored"
    more = [leaf_hash(message(n)) for n in range(3, 5)]
    wrong = {**body, "leaves": more, "root": root(more)}  # root over the new leaves only
    assert "does not match" in refused(
        call(world, RECEIVER, "AnchorConversation", wrong), "INVALID_ARGUMENT"
    )
    right = {**wrong, "root": root(first + more)}
    anchors = ok(call(world, RECEIVER, "AnchorConversation", right))["dispute"]["anchors"]
    assert [(a["first_index"], a["count"]) for a in anchors] == [(0, 3), (3, 2)]
    assert anchors[-1]["root"] == root(first + more)
    stored = ok(call(world, AUDITOR, "GetDispute", {"sscc": SSCC, "dispute_id": DISPUTE}))
    assert stored["dispute"]["leaves"] == first + more


def test_anchor_arguments(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    ok(open_dispute(world))
    base = {"sscc": SSCC, "dispute_id": DISPUTE, "root": root([])}
    refused(call(world, RECEIVER, "AnchorConversation", {**base, "leaves": []}), "INVALID_ARGUMENT")
    refused(call(world, RECEIVER, "AnchorConversation", base), "INVALID_ARGUMENT")
    too_many = {**base, "leaves": ["a" * 64] * 501}
    refused(call(world, RECEIVER, "AnchorConversation", too_many), "INVALID_ARGUMENT")
    other = {**base, "dispute_id": "nope-404", "leaves": ["a" * 64], "root": root(["a" * 64])}
    refused(call(world, RECEIVER, "AnchorConversation", other), "DISPUTE_NOT_FOUND")
    refused(call(world, OUTSIDER, "AnchorConversation", other), "FORBIDDEN")


def test_refund_needs_an_accepted_agreement(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    ok(open_dispute(world))
    refused(resolve(world), "AGREEMENT_NOT_FOUND")
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}))
    refused(resolve(world), "AGREEMENT_NOT_ACCEPTED")
    rejected = ok(resolve(world, "rejected"))["dispute"]
    assert rejected["status"] == "resolved"
    assert rejected["resolution"]["outcome"] == "rejected"
    assert rejected["resolution"]["refund_minor"] == 0
    refused(resolve(world, "rejected"), "DISPUTE_RESOLVED")


def test_resolution_arguments_and_access(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    ok(open_dispute(world))
    refused(resolve(world, refund_minor=0), "INVALID_ARGUMENT")
    refused(resolve(world, "rejected", refund_minor=5), "INVALID_ARGUMENT")
    refused(resolve(world, refund_minor=100_001), "INVALID_ARGUMENT")
    refused(resolve(world, reason="x" * 501), "INVALID_ARGUMENT")
    refused(resolve(world, reason=""), "INVALID_ARGUMENT")
    refused(resolve(world, dispute_id="missing-1"), "DISPUTE_NOT_FOUND")
    refused(call(world, RECEIVER, "ResolveDispute", {"sscc": SSCC}), "INVALID_ARGUMENT")
    body = {"sscc": SSCC, "dispute_id": DISPUTE, "outcome": "rejected", "reason": "no"}
    refused(call(world, RECEIVER, "ResolveDispute", body), "FORBIDDEN")
    refused(call(world, caller("OtherMSP", "dispatcher"), "ResolveDispute", body), "FORBIDDEN")
    result = call(world, caller(PRODUCER, "admin"), "ResolveDispute", body)
    assert ok(result)["dispute"]["resolution"]["resolved_by"]["role"] == "admin"
    assert result.event is not None
    assert result.event.event_name == "DisputeResolved"


def test_refund_before_settlement_is_part_of_the_settlement(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    ok(open_dispute(world))
    resolution = ok(resolve(world, client_scan_id="r1"))["dispute"]["resolution"]
    assert (resolution["after_settlement"], resolution["currency"]) == (False, "EUR")
    to_last_mile(world, SSCC)
    settlement = ok(deliver(world, SSCC, THREE_H_TEN_LATE))["settlement"]
    assert settlement["refunded_to_buyer_minor"] == 8_000 + 5_000
    assert settlement["released_to_seller_minor"] == 87_000
    assert settlement["reasons"][-1]["code"] == "dispute_refund"
    seller = ok(call(world, DISPATCHER, "GetBalances", {}))
    assert seller == {
        "msp_id": PRODUCER,
        "balances": [{"counterparty": RETAILER, "currency": "EUR", "due_to": 87_000,
                      "due_from": 0, "net": 87_000}],
    }  # fmt: skip


def test_refund_after_settlement_is_owed_by_the_seller(world: InMemoryWorldState) -> None:
    agreed(world, SSCC)
    to_last_mile(world, SSCC)
    assert ok(deliver(world, SSCC, THREE_H_TEN_LATE))["settlement"]["released_to_seller_minor"] == (
        92_000
    )
    ok(open_dispute(world))
    resolution = ok(resolve(world))["dispute"]["resolution"]
    assert resolution["after_settlement"] is True
    buyer = ok(call(world, RECEIVER, "GetBalances", {}))["balances"]
    assert buyer == [{"counterparty": PRODUCER, "currency": "EUR", "due_to": 5_000,
                      "due_from": 92_000, "net": -87_000}]  # fmt: skip
    seller = ok(call(world, AUDITOR, "GetBalances", {"msp_id": PRODUCER}))["balances"]
    assert seller == [{"counterparty": RETAILER, "currency": "EUR", "due_to": 92_000,
                       "due_from": 5_000, "net": 87_000}]  # fmt: skip
    state = ok(call(world, RECEIVER, "GetAgreement", {"sscc": SSCC}))
    assert [d["dispute_id"] for d in state["disputes"]] == [DISPUTE]
    assert state["settlement"]["refunded_to_buyer_minor"] == 8_000  # the settlement is immutable


def test_balances_net_per_counterparty_and_currency(world: InMemoryWorldState) -> None:
    for serial, currency in ((1710, "EUR"), (1711, "EUR"), (1712, "USD")):
        sscc = make_sscc(serial)
        agreed(world, sscc, currency=currency)
        to_last_mile(world, sscc)
        ok(deliver(world, sscc, "2025-03-01T03:00:00Z"))
    rows = ok(call(world, DISPATCHER, "GetBalances", {"msp_id": PRODUCER}))["balances"]
    assert [(r["currency"], r["net"]) for r in rows] == [("EUR", 200_000), ("USD", 100_000)]
    assert ok(call(world, SCANNER, "GetBalances", {}))["balances"] == []
    refused(call(world, SCANNER, "GetBalances", {"msp_id": PRODUCER}), "FORBIDDEN")
    refused(call(world, SCANNER, "GetBalances", {"msp": PRODUCER}), "INVALID_ARGUMENT")


def test_get_dispute_access_and_errors(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    ok(open_dispute(world))
    key = {"sscc": SSCC, "dispute_id": DISPUTE}
    assert ok(call(world, SCANNER, "GetDispute", key))["dispute"]["dispute_id"] == DISPUTE
    refused(call(world, OUTSIDER, "GetDispute", key), "FORBIDDEN")
    refused(
        call(world, SCANNER, "GetDispute", {**key, "dispute_id": "other-1"}), "DISPUTE_NOT_FOUND"
    )
    refused(call(world, SCANNER, "GetDispute", {**key, "sscc": make_sscc(3)}), "SHIPMENT_NOT_FOUND")
