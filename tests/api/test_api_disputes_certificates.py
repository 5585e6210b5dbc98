"""Dispute resolutions, certificates and balances over real HTTP, through the SimulatedPeer
(FAKE peer running the real chaincode; real Gateway client over TLS). A dispute is opened
with the ledger facade, as the tracker's chat does (there is no API to open one)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.api_stack import ApiStack, sha256
from tests.api.terms_kit import (
    PRICE,
    deliver,
    error_code,
    instant,
    now,
    out_for_delivery,
    with_agreement,
)
from tracker.store import staff


def open_dispute(stack: ApiStack, sscc: str, dispute_id: str) -> dict[str, Any]:
    """OpenDispute as the retailer's receiver, through the facade."""
    with stack.sessions() as session:
        member = staff.get_member(session, stack.staff_ids["receiver"])
    assert member is not None
    done = stack.state.facade.open_dispute(
        stack.state.actors.actor(member),
        {"sscc": sscc, "dispute_id": dispute_id, "subject": "damaged", "raised_for": "retailer"},
    )
    assert done.dispute is not None
    return done.dispute


def resolution(stack: ApiStack, who: str, sscc: str, dispute_id: str, **body: Any) -> Any:
    """POST the resolution as `who`."""
    return stack.post(who, f"/shipments/{sscc}/disputes/{dispute_id}/resolution", json=body)


def test_a_refund_before_settlement_is_a_reason_of_the_settlement(stack: ApiStack) -> None:
    sscc = with_agreement(stack, promised=now() + timedelta(hours=2))
    out_for_delivery(stack, sscc, now() - timedelta(hours=5))
    open_dispute(stack, sscc, "D-CRUSHED1")
    reason = "Two cases crushed: 150.00 EUR refunded."
    done = resolution(
        stack, "dispatcher", sscc, "D-CRUSHED1", outcome="refund", refund_minor=15000, reason=reason
    )
    assert done.status_code == 201, done.text
    resolved = done.json()["dispute"]["resolution"]
    assert (resolved["outcome"], resolved["refund_minor"], resolved["reason"]) == (
        "refund",
        15000,
        reason,
    )
    assert resolved["resolved_tx"] == done.json()["tx_id"] and not resolved["after_settlement"]
    again = resolution(
        stack, "dispatcher", sscc, "D-CRUSHED1", outcome="rejected", reason="changed my mind"
    )
    assert error_code(again) == (409, "DISPUTE_RESOLVED")
    settlement = deliver(stack, sscc, now() - timedelta(minutes=1))["settlement"]
    assert settlement["refunded_to_buyer_minor"] == 15000
    assert settlement["released_to_seller_minor"] == PRICE - 15000
    assert [r["code"] for r in settlement["reasons"]] == ["dispute_refund"]
    view = stack.get("receiver", f"/shipments/{sscc}/agreement").json()
    assert [d["dispute_id"] for d in view["disputes"]] == ["D-CRUSHED1"]


def test_a_refund_after_settlement_shows_in_the_balances(stack: ApiStack) -> None:
    sscc = with_agreement(stack, promised=now() + timedelta(hours=2))
    out_for_delivery(stack, sscc, now() - timedelta(hours=5))
    deliver(stack, sscc, now() - timedelta(minutes=1))
    open_dispute(stack, sscc, "D-LATER01")
    done = resolution(
        stack, "dispatcher", sscc, "D-LATER01", outcome="refund", refund_minor=2500, reason="ok"
    )
    assert done.json()["dispute"]["resolution"]["after_settlement"] is True
    mine = stack.get("dispatcher", "/balances").json()
    (row,) = [b for b in mine["balances"] if b["counterparty"] == "RetailerMSP"]
    assert row["currency"] == "EUR" and row["net"] == row["due_to"] - row["due_from"]
    assert row["due_from"] >= 2500
    theirs = stack.get("auditor", "/balances", params={"msp_id": "ProducerMSP"}).json()
    assert theirs == mine
    refused = stack.get("receiver", "/balances", params={"msp_id": "ProducerMSP"})
    assert error_code(refused) == (403, "FORBIDDEN")


def test_resolution_checks(stack: ApiStack) -> None:
    sscc = with_agreement(stack, promised=now() + timedelta(hours=2))
    open_dispute(stack, sscc, "D-CHECKS1")
    missing = resolution(stack, "dispatcher", sscc, "D-CHECKS1", outcome="refund", reason="x")
    assert error_code(missing) == (422, "INVALID_ARGUMENT")
    assert missing.json()["error"]["field"] == "refund_minor"
    bad_id = resolution(stack, "dispatcher", sscc, "no", outcome="rejected", reason="x")
    assert bad_id.json()["error"]["field"] == "dispute_id"
    unknown = resolution(stack, "dispatcher", sscc, "D-NOSUCH1", outcome="rejected", reason="x")
    assert error_code(unknown) == (404, "DISPUTE_NOT_FOUND")
    buyer = resolution(stack, "receiver", sscc, "D-CHECKS1", outcome="rejected", reason="x")
    assert error_code(buyer) == (403, "FORBIDDEN")
    rejected = resolution(
        stack, "dispatcher", sscc, "D-CHECKS1", outcome="rejected", reason="Not our fault."
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["dispute"]["resolution"]["outcome"] == "rejected"


def certificate(subject: dict[str, str], days_left: int, content: bytes) -> dict[str, Any]:
    """An organic certificate body, valid from a year ago for `days_left` more days."""
    return {
        "sha256": sha256(content),
        "doc_type": "organic",
        "issuer_name": "Ecocert",
        "valid_from": instant(now() - timedelta(days=365)),
        "valid_until": instant(now() + timedelta(days=days_left)),
        "subject": subject,
    }


def test_certificates_of_a_shipment_and_its_lot_with_their_check(stack: ApiStack) -> None:
    sscc = stack.created()
    lot = {"gtin": "04006381333931", "lot": "LOT-1"}
    expired = certificate(lot, -2, b"organic certificate 2025")
    valid = certificate({"sscc": sscc}, 30, b"GDP certificate " + sscc.encode())
    done_ids = {}
    for body in (expired, valid):
        done = stack.post("dispatcher", "/certificates", json=body)
        assert done.status_code == 201, done.text
        assert done.json()["certificate"]["issuer_msp"] == "ProducerMSP"
        done_ids[body["sha256"]] = done.json()["tx_id"]
    listed = stack.get("receiver", f"/shipments/{sscc}/certificates").json()
    checks = {c["sha256"]: c["check"] for c in listed["certificates"]}
    assert checks == {expired["sha256"]: "expired", valid["sha256"]: "valid"}
    one = stack.get("outsider", f"/certificates/{expired['sha256']}")
    assert one.status_code == 200 and one.json()["certificate"]["valid_until"]
    # The same request again is answered from the ledger's record (a resend); another
    # registration of the same document is refused.
    resent = stack.post("dispatcher", "/certificates", json=expired)
    assert resent.status_code == 201 and resent.json()["tx_id"] == done_ids[expired["sha256"]]
    twice = stack.post("dispatcher", "/certificates", json={**expired, "issuer_name": "Other"})
    assert error_code(twice) == (409, "CERTIFICATE_EXISTS")
    unknown = stack.get("receiver", f"/certificates/{sha256(b'nothing')}")
    assert error_code(unknown) == (404, "CERTIFICATE_NOT_FOUND")


def test_certificate_input_is_checked(stack: ApiStack) -> None:
    body = certificate({"gtin": "04006381333931", "lot": "LOT-1"}, 10, b"x")
    cases = {
        "subject.gtin": {**body, "subject": {"lot": "LOT-1"}},
        "doc_type": {**body, "doc_type": "Organic!"},
        "valid_until": {**body, "valid_until": instant(now() - timedelta(days=400))},
        "sha256": {**body, "sha256": "ABC"},
    }
    for field, sent in cases.items():
        refused = stack.post("dispatcher", "/certificates", json=sent)
        assert error_code(refused) == (422, "INVALID_ARGUMENT"), (field, refused.text)
        assert refused.json()["error"]["field"] == field
    bad = stack.get("receiver", "/certificates/XYZ")
    assert bad.json()["error"]["field"] == "sha256"
    scanner = stack.post("scanner", "/certificates", json=body)
    assert error_code(scanner) == (403, "FORBIDDEN")
