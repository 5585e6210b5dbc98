"""(c) The webhook over real HTTP: signatures, redeliveries, the handshake, /healthz."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.tracker_ledger import CARRIER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, Stack, wait_until
from tracker.sandbox.delivery import envelope, message_value
from tracker.store.queues import InboxMessageRow
from tracker.whatsapp.webhook import SIGNATURE_HEADER, sign

SSCC = sscc_with_check_digit("37612345000000003")
CARLA = "+33639983301"
# A user known only by a username: Meta's business-scoped user id, no phone number.
USER_ID = "US.13491208655302741918"
PARENT_USER_ID = "US.ENT.11815799212886844830"


def text_webhook(stack: Stack, phone: str, text: str, message_id: str) -> bytes:
    message = {
        "from": phone.lstrip("+"),
        "id": message_id,
        "timestamp": "1790000000",
        "type": "text",
        "text": {"body": text},
    }
    body = envelope(stack.sandbox.sandbox.identity, message_value(phone[1:], "Carla", message))
    return json.dumps(body).encode()


def inbox_count(stack: Stack) -> int:
    with stack.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(InboxMessageRow)) or 0)


def test_forged_signature_is_refused_and_nothing_is_stored(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    stack.contact(CARRIER, CARLA, "en")
    raw = text_webhook(stack, CARLA, SSCC, "wamid.forged")
    url = f"{stack.tracker_url}/webhook/whatsapp"
    for headers in (
        {SIGNATURE_HEADER: sign(raw, "not-the-app-secret")},
        {SIGNATURE_HEADER: sign(raw + b" ", APP_SECRET)},
        {},
    ):
        response = stack.http.post(url, content=raw, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "BAD_SIGNATURE"
    stack.start_worker()
    stack.phone_writes(CARLA, text="HELP")  # a genuine message after the forged ones
    stack.wait_received(CARLA, 1)
    assert inbox_count(stack) == 1
    assert len(stack.received(CARLA)) == 1  # the HELP answer only, nothing for the forgery


def test_the_same_webhook_twice_gets_one_reply(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    stack.contact(CARRIER, CARLA, "en")
    message_id = stack.phone_writes(CARLA, text=SSCC)  # through the sandbox: window open
    wait_until(lambda: inbox_count(stack) == 1, "the inbound message stored")
    [inbound] = stack.sandbox.sandbox.state.inbound_from(CARLA[1:])
    raw = json.dumps(
        envelope(stack.sandbox.sandbox.identity, message_value(CARLA[1:], "C", inbound.message))
    ).encode()
    again = stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=raw,
        headers={SIGNATURE_HEADER: sign(raw, APP_SECRET), "Content-Type": "application/json"},
    )
    assert again.status_code == 200
    assert again.json() == {"messages": 0, "statuses": 0, "ignored": 1, "skipped": 0}
    assert inbound.message_id == message_id
    stack.start_worker()
    stack.wait_received(CARLA, 1)
    wait_until(lambda: stack.outbox_states()["read"] == 1, "the reply read")
    assert len(stack.received(CARLA)) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"object": "page"}',
        b"not json at all",
        # 100 000 levels exceed Python's recursion limit.
        b'{"object": "whatsapp_business_account", "entry": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
    ],
    ids=["other-object", "not-json", "nested-100000-deep"],
)
def test_a_signed_body_that_does_not_parse_is_answered_200_logged_and_stores_nothing(
    stack: Stack, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    # Signed, so it comes from Meta: refusing it would only make Meta retry it for days.
    caplog.set_level(logging.WARNING, logger="tracker")
    response = stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=raw,
        headers={SIGNATURE_HEADER: sign(raw, APP_SECRET), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"messages": 0, "statuses": 0, "ignored": 0, "skipped": 1}
    assert inbox_count(stack) == 0
    assert any("webhook item skipped: delivery:" in r.getMessage() for r in caplog.records)


def test_subscription_handshake(stack: Stack) -> None:
    url = f"{stack.tracker_url}/webhook/whatsapp"
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    ok = stack.http.get(url, params=params)
    assert (ok.status_code, ok.text) == (200, "42")
    bad = stack.http.get(url, params={**params, "hub.verify_token": "guess"})
    assert bad.status_code == 403
    assert bad.json()["error"]["code"] == "VERIFICATION_FAILED"
    assert stack.http.get(f"{stack.tracker_url}/nowhere").json()["error"]["code"] == "NOT_FOUND"


def test_healthz_reports_database_halt_and_queues(stack: Stack) -> None:
    body = stack.http.get(f"{stack.tracker_url}/healthz").json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["sending"] == {"halted": False}
    assert body["queues"]["outbox_pending"] == 0 and body["queues"]["inbox_pending"] == 0
    assert PHONE_NUMBER_ID not in json.dumps(body)


def test_oversize_webhook_body_is_refused_before_it_is_read(stack: Stack) -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}' + b" " * (2 * 1024 * 1024)
    response = stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "REQUEST_ENTITY_TOO_LARGE"


def post_signed(stack: Stack, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=raw,
        headers={SIGNATURE_HEADER: sign(raw, APP_SECRET), "Content-Type": "application/json"},
    )


def username_only_text(phone_number_id: str, text: str, message_id: str) -> dict[str, Any]:
    """A text from a user known only by a username, shaped as Meta documents it."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "12025550181", "phone_number_id": phone_number_id},
        "contacts": [
            {
                "profile": {"name": "Camille"},
                "user_id": USER_ID,
                "parent_user_id": PARENT_USER_ID,
            }
        ],
        "messages": [
            {
                "from_user_id": USER_ID,
                "id": message_id,
                "timestamp": "1790000000",
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def test_a_username_only_sender_is_stored_and_a_bad_change_beside_it_skipped(
    stack: Stack, ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tracker")
    body = username_only_text(PHONE_NUMBER_ID, SSCC, "wamid.username-only")
    bad = {"field": "messages", "value": {"messages": [{"type": "text"}]}}  # no metadata
    body["entry"][0]["changes"].append(bad)
    response = post_signed(stack, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"messages": 1, "statuses": 0, "ignored": 0, "skipped": 1}
    with stack.sessions() as session:
        [row] = session.scalars(select(InboxMessageRow)).all()
    assert (row.wa_message_id, row.contact_id, row.sender) == ("wamid.username-only", None, None)
    assert json.loads(row.content)["body"] == SSCC
    assert any("webhook item skipped: change:" in r.getMessage() for r in caplog.records)
    assert USER_ID not in caplog.text  # user ids are redacted like phone numbers


def test_a_username_only_user_is_answered_at_their_user_id_which_is_then_forgotten(
    stack: Stack, ledger: Ledger
) -> None:
    ledger.create(SSCC)
    stack.start_worker()
    # Through the sandbox: it delivers Meta's shape (contacts[].user_id, from_user_id, no
    # wa_id nor from) and opens the user's 24-hour window.
    stack.phone_writes(USER_ID, text=f"Where is {SSCC}?")
    [reply] = stack.wait_received(USER_ID, 1)
    assert reply == f"{SSCC}: created. Origin verified ✅: Ferme du Val."  # a stranger's answer
    [inbound] = stack.sandbox.sandbox.state.inbound_from(USER_ID)
    assert "from" not in inbound.message and inbound.message["from_user_id"] == USER_ID
    # The user id was only kept while needed, as a stranger's number is.
    wait_until(lambda: stack.outbox_states()["read"] == 1, "the reply read")
    raw = stack.sessions.kw["bind"].raw_connection()
    try:
        assert USER_ID[3:] not in "\n".join(raw.iterdump())
    finally:
        raw.close()


def test_a_delivery_for_another_phone_number_id_is_logged_and_counted_in_healthz(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tracker")
    other = "109876543219876"
    message = {
        "from": CARLA[1:],
        "id": "wamid.other-number",
        "timestamp": "1790000000",
        "type": "text",
        "text": {"body": "HELP"},
    }
    body = envelope(stack.sandbox.sandbox.identity, message_value(CARLA[1:], "Carla", message))
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = other
    for _ in range(2):
        response = post_signed(stack, body)
        assert response.status_code == 200
        assert response.json() == {"messages": 0, "statuses": 0, "ignored": 1, "skipped": 0}
    assert inbox_count(stack) == 0
    warnings = [
        r.getMessage() for r in caplog.records if "another phone number id" in r.getMessage()
    ]
    assert len(warnings) == 2 and "…9876" in warnings[0]
    assert other not in caplog.text  # redacted
    health = stack.http.get(f"{stack.tracker_url}/healthz").json()
    assert health["webhook"]["other_numbers"]["deliveries"] == 2
    assert health["webhook"]["other_numbers"]["by_phone_number_id"] == {"…9876": 2}
    assert other not in json.dumps(health)
