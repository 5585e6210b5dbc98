"""(c) The webhook over real HTTP: signatures, redeliveries, the handshake, /healthz."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from tracker_ledger import CARRIER, Ledger, sscc_with_check_digit
from tracker_stack import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, Stack, wait_until

from tracker.sandbox.delivery import envelope, message_value
from tracker.store.queues import InboxMessageRow
from tracker.whatsapp.webhook import SIGNATURE_HEADER, sign

SSCC = sscc_with_check_digit("37612345000000003")
CARLA = "+33639983301"


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
        assert response.json()["error"]["code"] == "bad_signature"
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


def test_malformed_signed_body_is_a_400(stack: Stack) -> None:
    raw = b'{"object": "page"}'
    response = stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=raw,
        headers={SIGNATURE_HEADER: sign(raw, APP_SECRET)},
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message"}


def test_deeply_nested_signed_body_is_a_400_and_stores_nothing(stack: Stack) -> None:
    # Signed, so it passes the signature check; 100 000 levels exceed Python's recursion limit.
    raw = b'{"object": "whatsapp_business_account", "entry": ' + b"[" * 100_000
    raw += b"]" * 100_000 + b"}"
    response = stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=raw,
        headers={SIGNATURE_HEADER: sign(raw, APP_SECRET), "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_payload"
    assert inbox_count(stack) == 0


def test_subscription_handshake(stack: Stack) -> None:
    url = f"{stack.tracker_url}/webhook/whatsapp"
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    ok = stack.http.get(url, params=params)
    assert (ok.status_code, ok.text) == (200, "42")
    bad = stack.http.get(url, params={**params, "hub.verify_token": "guess"})
    assert bad.status_code == 403
    assert bad.json()["error"]["code"] == "verification_failed"
    assert stack.http.get(f"{stack.tracker_url}/nowhere").json()["error"]["code"] == "not_found"


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
    assert response.json()["error"]["code"] == "request_entity_too_large"
