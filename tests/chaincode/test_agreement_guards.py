"""Guards a review found missing, each through the contract (in-memory stub, fake): a buyer
cannot take a full refund and the goods, accept a proposal it never read, or see its delivery
replay refused; nobody but the dispute's opener anchors its conversation; only a shipment's
parties attach certificates to it; refunds agreed after settlement stay within what was
released."""

from __future__ import annotations

from fabricsim.callers import caller
from fabricsim.world import InMemoryWorldState
from terms.merkle import root
from tests.chaincode.cc_samples import make_sscc
from tests.chaincode.cc_terms import (
    DISPATCHER,
    RECEIVER,
    RETAIL_ADMIN,
    SCANNER,
    THREE_H_TEN_LATE,
    TRACKER,
    acceptance,
    agreed,
    burn,
    call,
    create,
    deliver,
    ok,
    refused,
    terms,
    to_last_mile,
)

SSCC = make_sscc(1803)
DISPUTE = "disp-guard"
LEAF = "ab" * 32


def test_a_shipment_settled_as_undelivered_cannot_be_delivered_afterwards(
    world: InMemoryWorldState,
) -> None:
    agreed(world, SSCC)
    to_last_mile(world, SSCC)
    burn(world, 30)  # past undelivered_after
    settled = ok(call(world, RECEIVER, "SettleShipment", {"sscc": SSCC}))["settlement"]
    assert settled["refunded_to_buyer_minor"] == 100_000
    message = refused(deliver(world, SSCC, THREE_H_TEN_LATE), "ALREADY_SETTLED")
    assert "can no longer be confirmed" in message
    shipment = ok(call(world, RECEIVER, "GetShipment", {"sscc": SSCC}))
    assert shipment["status"] == "out_for_delivery"


def test_the_buyer_accepts_only_the_proposal_it_read(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms()}))
    read = acceptance(world, SSCC)  # the buyer reads 1 000.00 EUR with 2 % per hour late
    ok(call(world, DISPATCHER, "ProposeAgreement", {"sscc": SSCC, **terms(price_minor=900_000)}))
    message = refused(call(world, RECEIVER, "AcceptAgreement", read), "AGREEMENT_CHANGED")
    assert read["proposed_tx"] in message
    accepted = ok(call(world, RECEIVER, "AcceptAgreement", acceptance(world, SSCC)))
    assert accepted["agreement"]["price_minor"] == 900_000


def test_a_delivery_under_named_confirm_roles_replays_after_settling(
    world: InMemoryWorldState,
) -> None:
    agreed(world, SSCC, confirm_roles=["admin"])
    to_last_mile(world, SSCC)
    first = deliver(world, SSCC, THREE_H_TEN_LATE, who=RETAIL_ADMIN)
    assert ok(first)["settlement"]["refund_bp"] == 800
    again = deliver(world, SSCC, THREE_H_TEN_LATE, who=RETAIL_ADMIN)
    assert again.payload == first.payload and again.event is None


def test_only_the_disputes_opener_anchors_its_conversation(world: InMemoryWorldState) -> None:
    create(world, SSCC)
    body = {"sscc": SSCC, "dispute_id": DISPUTE, "subject": "late", "raised_for": "retailer"}
    ok(call(world, TRACKER, "OpenDispute", body))
    anchor = {"sscc": SSCC, "dispute_id": DISPUTE, "leaves": [LEAF], "root": root([LEAF])}
    for other in (SCANNER, DISPATCHER):  # the carrier, and the seller the dispute is against
        message = refused(call(world, other, "AnchorConversation", anchor), "FORBIDDEN")
        assert "did not open dispute" in message
    assert ok(call(world, RECEIVER, "AnchorConversation", anchor))["dispute"]["leaves"] == [LEAF]


def _certificate(sscc: str) -> dict[str, object]:
    return {
        "sha256": "c4" * 32,
        "doc_type": "organic",
        "issuer_name": "Ecocert",
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2021-01-01T00:00:00Z",
        "subject": {"sscc": sscc},
    }


def test_only_a_shipments_parties_or_an_auditor_attach_certificates_to_it(
    world: InMemoryWorldState,
) -> None:
    create(world, SSCC)
    stranger = caller("OtherRetailMSP", "admin")
    message = refused(call(world, stranger, "RegisterCertificate", _certificate(SSCC)), "FORBIDDEN")
    assert "not a party to the shipment" in message
    missing = _certificate(make_sscc(999_999))
    refused(call(world, DISPATCHER, "RegisterCertificate", missing), "SHIPMENT_NOT_FOUND")
    auditor = caller("AuditorMSP", "auditor")
    assert ok(call(world, auditor, "RegisterCertificate", _certificate(SSCC)))["certificate"]


def test_refunds_agreed_after_settlement_stay_within_what_was_released(
    world: InMemoryWorldState,
) -> None:
    agreed(world, SSCC)
    to_last_mile(world, SSCC)
    released = ok(deliver(world, SSCC, THREE_H_TEN_LATE))["settlement"]
    assert released["released_to_seller_minor"] == 92_000
    for n, refund in enumerate((60_000, 40_000)):
        dispute = {"sscc": SSCC, "dispute_id": f"{DISPUTE}-{n}"}
        opening = {**dispute, "subject": "damaged", "raised_for": "retailer"}
        ok(call(world, TRACKER, "OpenDispute", opening))
        resolution = {**dispute, "outcome": "refund", "refund_minor": refund, "reason": "crushed"}
        result = call(world, DISPATCHER, "ResolveDispute", resolution)
        if n == 0:
            ok(result)
        else:
            message = refused(result, "INVALID_ARGUMENT")
            assert "60000 already agreed after settlement" in message and "92000" in message
