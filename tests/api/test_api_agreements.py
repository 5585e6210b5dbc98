"""Delivery agreements and their settlement over real HTTP, through the SimulatedPeer (FAKE
peer running the real chaincode; real Gateway client over TLS)."""

from __future__ import annotations

from datetime import timedelta

from tests.api.api_stack import ApiStack, scan_id
from tests.api.terms_kit import (
    PRICE,
    breach_file,
    deliver,
    error_code,
    instant,
    now,
    out_for_delivery,
    read,
    terms,
    with_agreement,
)


def test_on_time_delivery_releases_the_full_price(stack: ApiStack) -> None:
    start = now() - timedelta(hours=5)
    sscc = with_agreement(stack, promised=now() + timedelta(hours=2))
    out_for_delivery(stack, sscc, start)
    answer = deliver(stack, sscc, now() - timedelta(minutes=5))
    settlement = answer["settlement"]
    assert settlement["outcome"] == "delivered"
    assert (settlement["released_to_seller_minor"], settlement["refunded_to_buyer_minor"]) == (
        PRICE,
        0,
    )
    assert settlement["reasons"] == [] and settlement["settled_tx"] == answer["tx_id"]
    view = stack.get("auditor", f"/shipments/{sscc}/agreement").json()
    assert view["agreement"]["status"] == "settled" and view["settlement"] == settlement
    assert view["disputes"] == []


def test_three_hours_ten_late_at_two_percent_per_started_hour_refunds_eight(
    stack: ApiStack,
) -> None:
    promised = now() - timedelta(hours=4)
    sscc = with_agreement(stack, promised=promised)
    out_for_delivery(stack, sscc, promised - timedelta(hours=6))
    settlement = deliver(stack, sscc, promised + timedelta(hours=3, minutes=10))["settlement"]
    assert settlement["refund_bp"] == 800
    assert settlement["refunded_to_buyer_minor"] == PRICE * 8 // 100
    assert settlement["released_to_seller_minor"] == PRICE - PRICE * 8 // 100
    ((reason),) = settlement["reasons"]
    assert (reason["code"], reason["bp"], reason["amount_minor"]) == ("late", 800, 8000)


def test_breach_and_lateness_refunds_add_up(stack: ApiStack) -> None:
    promised = now() - timedelta(hours=4)
    start = promised - timedelta(hours=6)
    sscc = with_agreement(stack, promised=promised)
    out_for_delivery(stack, sscc, start)
    logger = stack.post(
        "scanner",
        f"/shipments/{sscc}/temperatures",
        data={"client_scan_id": scan_id()},
        files={"file": ("logger.csv", breach_file(start), "text/csv")},
    )
    assert logger.status_code == 201, logger.text
    settlement = deliver(stack, sscc, promised + timedelta(hours=1, minutes=1))["settlement"]
    codes = {r["code"]: r["bp"] for r in settlement["reasons"]}
    assert codes == {"late": 400, "cold_chain_breach": 1500}  # 2 started hours: 4 %
    assert settlement["refund_bp"] == 1900
    assert settlement["refunded_to_buyer_minor"] == PRICE * 1900 // 10000


def test_a_second_settlement_is_refused(stack: ApiStack) -> None:
    sscc = with_agreement(stack, promised=now() + timedelta(hours=2))
    out_for_delivery(stack, sscc, now() - timedelta(hours=5))
    deliver(stack, sscc, now() - timedelta(minutes=1))
    again = stack.post("receiver", f"/shipments/{sscc}/settlement", json={})
    assert error_code(again) == (409, "ALREADY_SETTLED"), again.text


def test_undelivered_after_the_deadline_refunds_everything(stack: ApiStack) -> None:
    deadline = now() - timedelta(days=1)
    sscc = with_agreement(
        stack, promised=deadline - timedelta(days=1), undelivered_after=instant(deadline)
    )
    answer = stack.post("receiver", f"/shipments/{sscc}/settlement", json={})
    assert answer.status_code == 201, answer.text
    settlement = answer.json()["settlement"]
    assert settlement["outcome"] == "undelivered"
    assert (settlement["refunded_to_buyer_minor"], settlement["released_to_seller_minor"]) == (
        PRICE,
        0,
    )
    balances = stack.get("dispatcher", "/balances").json()
    assert balances["msp_id"] == "ProducerMSP"


def test_propose_accept_and_the_lock_after_acceptance(stack: ApiStack) -> None:
    sscc = stack.created()  # promised 2030-03-03T12:00:00Z
    after = "2030-03-10T00:00:00Z"
    proposed = stack.post(
        "dispatcher", f"/shipments/{sscc}/agreement", json=terms(undelivered_after=after)
    )
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert body["agreement"]["status"] == "proposed" and body["tx_id"]
    assert body["agreement"]["seller"] == "ProducerMSP"
    assert body["agreement"]["buyer"] == "RetailerMSP"
    unread = stack.post("receiver", f"/shipments/{sscc}/agreement/accept", json={})
    assert unread.status_code == 422 and unread.json()["error"]["field"] == "proposed_tx"
    accepted = stack.post("receiver", f"/shipments/{sscc}/agreement/accept", json=read(stack, sscc))
    assert accepted.status_code == 201 and accepted.json()["agreement"]["status"] == "accepted"
    changed = terms(price_minor=5, undelivered_after=after)
    again = stack.post("dispatcher", f"/shipments/{sscc}/agreement", json=changed)
    assert error_code(again) == (409, "AGREEMENT_LOCKED")


def test_a_proposal_replaced_after_the_buyer_read_it_is_not_accepted(stack: ApiStack) -> None:
    sscc, after = stack.created(), "2030-03-10T00:00:00Z"
    first = terms(undelivered_after=after)
    assert stack.post("dispatcher", f"/shipments/{sscc}/agreement", json=first).status_code == 201
    seen = read(stack, sscc)
    replaced = terms(price_minor=5, undelivered_after=after)
    again = stack.post("dispatcher", f"/shipments/{sscc}/agreement", json=replaced)
    assert again.status_code == 201
    refused = stack.post("receiver", f"/shipments/{sscc}/agreement/accept", json=seen)
    assert error_code(refused) == (409, "AGREEMENT_CHANGED")


def test_the_buyer_may_not_propose(stack: ApiStack) -> None:
    sscc = stack.created()
    body = terms(undelivered_after="2030-03-10T00:00:00Z")
    refused = stack.post("receiver", f"/shipments/{sscc}/agreement", json=body)
    assert error_code(refused) == (403, "FORBIDDEN")


def test_no_agreement_to_accept(stack: ApiStack) -> None:
    sscc = stack.created()
    unseen = {"proposed_tx": "0" * 64}
    refused = stack.post("receiver", f"/shipments/{sscc}/agreement/accept", json=unseen)
    assert error_code(refused) == (404, "AGREEMENT_NOT_FOUND")
    view = stack.get("receiver", f"/shipments/{sscc}/agreement").json()
    assert view == {"agreement": None, "settlement": None, "disputes": []}


def test_bad_terms_name_their_field(stack: ApiStack) -> None:
    sscc = stack.created()
    cases = {
        "price_minor": terms(price_minor=12.5),
        "currency": terms(currency="eur"),
        "lateness.cap_bp": terms(lateness={"bp_per_started_hour": 1, "cap_bp": 10001}),
        "breach_refund_bp": terms(breach_refund_bp="15"),
        "undelivered_after": terms(undelivered_after="tomorrow"),
        "surprise": {**terms(), "surprise": 1},
    }
    for field, body in cases.items():
        refused = stack.post("dispatcher", f"/shipments/{sscc}/agreement", json=body)
        assert error_code(refused) == (422, "INVALID_ARGUMENT"), (field, refused.text)
        assert refused.json()["error"]["field"] == field
    create = stack.post(
        "dispatcher", "/shipments", json={**_create(), "agreement": terms(currency="E")}
    )
    assert create.json()["error"]["field"] == "agreement.currency"


def _create() -> dict[str, object]:
    from tests.api.api_stack import create_body, new_sscc

    return create_body(new_sscc())


def test_documented_schemas_accept_real_bodies_and_answers(stack: ApiStack) -> None:
    import jsonschema  # type: ignore[import-untyped]  # no stubs

    schemas = stack.get(None, "/openapi.json").json()["components"]["schemas"]

    def check(instance: object, name: str) -> None:
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
        )
        validator.validate(instance)

    body = terms(undelivered_after="2030-03-10T00:00:00Z")
    check(body, "ProposeAgreement")
    sscc = stack.created()
    proposed = stack.post("dispatcher", f"/shipments/{sscc}/agreement", json=body)
    check(proposed.json(), "TermsCommitted")
    check(stack.get("receiver", f"/shipments/{sscc}/agreement").json(), "AgreementView")
    check(stack.get("receiver", f"/shipments/{sscc}/certificates").json(), "ShipmentCertificates")
    check(stack.get("receiver", "/balances").json(), "Balances")
    check(stack.post("receiver", f"/shipments/{sscc}/settlement", json={}).json(), "Error")
