"""Signed webhooks from the sandbox to a real receiver, and the sandbox's admin surface."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tests.support.sandbox_server import Delivery, RunningSandbox, WebhookRecorder
from tracker.whatsapp.cloud_api import CloudApiProvider
from tracker.whatsapp.updates import ButtonReply, InboundMessage, QuickReply, StatusUpdate, Text
from tracker.whatsapp.webhook import SIGNATURE_HEADER, parse_updates, verify_signature

APP_SECRET = "test-app-secret"  # same as conftest's sandbox configuration
CAROL = "33639984503"


def statuses_for(message_id: str) -> Callable[[Delivery], bool]:
    def matches(delivery: Delivery) -> bool:
        return any(
            isinstance(u, StatusUpdate) and u.message_id == message_id
            for u in parse_updates(delivery.body)
        )

    return matches


def messages_from(phone: str) -> Callable[[Delivery], bool]:
    def matches(delivery: Delivery) -> bool:
        return any(
            isinstance(u, InboundMessage) and u.sender == phone
            for u in parse_updates(delivery.body)
        )

    return matches


def only_update(delivery: Delivery) -> StatusUpdate | InboundMessage:
    [update] = parse_updates(delivery.body)
    assert isinstance(update, StatusUpdate | InboundMessage)
    return update


def test_status_webhooks_arrive_signed_in_order_with_callback_data(
    provider: CloudApiProvider, receiver: WebhookRecorder
) -> None:
    sent = provider.send_template(CAROL, "hello_world", "en_US", callback_data="shipment:7")
    deliveries = receiver.wait_for(statuses_for(sent.message_id), count=3)
    for delivery in deliveries:
        assert verify_signature(delivery.body, delivery.headers[SIGNATURE_HEADER], APP_SECRET)
    updates = [only_update(d) for d in deliveries]
    assert [u.status for u in updates if isinstance(u, StatusUpdate)] == [
        "sent",
        "delivered",
        "read",
    ]
    assert {u.callback_data for u in updates if isinstance(u, StatusUpdate)} == {"shipment:7"}
    assert {u.recipient_id for u in updates if isinstance(u, StatusUpdate)} == {CAROL}


def test_webhook_envelope_is_metas(provider: CloudApiProvider, receiver: WebhookRecorder) -> None:
    sent = provider.send_template(CAROL, "hello_world", "en_US")
    delivery = receiver.wait_for(statuses_for(sent.message_id))[0]
    envelope = json.loads(delivery.body)
    assert envelope["object"] == "whatsapp_business_account"
    [change] = envelope["entry"][0]["changes"]
    assert change["field"] == "messages"
    assert change["value"]["messaging_product"] == "whatsapp"
    assert change["value"]["metadata"]["phone_number_id"] == "106540352242922"


def test_inbound_text_is_delivered_signed(
    contact_writes: Callable[..., str], receiver: WebhookRecorder
) -> None:
    message_id = contact_writes(CAROL, text="Où est 306141411234567891 ?", name="Carole")
    [delivery] = receiver.wait_for(messages_from(CAROL))
    assert verify_signature(delivery.body, delivery.headers[SIGNATURE_HEADER], APP_SECRET)
    assert not verify_signature(delivery.body, delivery.headers[SIGNATURE_HEADER], "other")
    update = only_update(delivery)
    assert isinstance(update, InboundMessage)
    assert (update.message_id, update.sender_name) == (message_id, "Carole")
    assert update.content == Text("Où est 306141411234567891 ?")


def test_tapping_a_template_button_is_a_quick_reply_and_an_interactive_one_a_button_reply(
    provider: CloudApiProvider, contact_writes: Callable[..., str], receiver: WebhookRecorder
) -> None:
    from tracker.whatsapp.provider import ReplyButton

    template = provider.send_template(
        CAROL, "shipment_status_update", "fr", button_payloads=["STOP:306141411234567891"]
    )
    contact_writes(
        CAROL,
        button={"id": "STOP:306141411234567891", "title": "Stop"},
        context_id=template.message_id,
    )
    interactive = provider.send_interactive_buttons(CAROL, "?", [ReplyButton("HELP", "Aide")])
    contact_writes(CAROL, button={"id": "HELP", "title": "Aide"}, context_id=interactive.message_id)
    deliveries = receiver.wait_for(messages_from(CAROL), count=2)
    first, second = (only_update(d) for d in deliveries)
    assert isinstance(first, InboundMessage) and isinstance(second, InboundMessage)
    assert first.content == QuickReply("STOP:306141411234567891", "Stop")
    assert first.context_message_id == template.message_id
    assert second.content == ButtonReply("HELP", "Aide")


def test_failed_deliveries_are_retried(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    receiver: WebhookRecorder,
    http: httpx.Client,
) -> None:
    receiver.fail_next(2)
    sent = provider.send_template(CAROL, "hello_world", "en_US")
    receiver.wait_for(statuses_for(sent.message_id), count=3)
    attempts = http.get(f"{sandbox.url}/_sandbox/deliveries").json()
    assert [a["status"] for a in attempts[:3]] == [500, 500, 200]


def test_inbound_requires_a_sender_and_a_message(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    assert http.post(f"{sandbox.url}/_sandbox/inbound", json={"text": "hi"}).status_code == 400
    assert http.post(f"{sandbox.url}/_sandbox/inbound", json={"from": CAROL}).status_code == 400


@pytest.mark.parametrize("knobs", [{"error_5xx_share": 1.5}, {"latency_ms": -1}])
def test_fault_knobs_are_validated(
    sandbox: RunningSandbox, http: httpx.Client, knobs: dict[str, float]
) -> None:
    assert http.post(f"{sandbox.url}/_sandbox/faults", json=knobs).status_code == 400


def test_fault_knobs_round_trip(sandbox: RunningSandbox, http: httpx.Client) -> None:
    knobs = {"error_5xx_share": 0.25, "rate_limit_share": 0.5, "latency_ms": 0}
    assert http.post(f"{sandbox.url}/_sandbox/faults", json=knobs).json() == knobs
    assert http.get(f"{sandbox.url}/_sandbox/faults").json() == knobs


def test_unknown_graph_version_is_refused(sandbox: RunningSandbox, http: httpx.Client) -> None:
    response = http.post(f"{sandbox.url}/latest/106540352242922/messages", json={})
    assert (response.status_code, response.json()["error"]["code"]) == (400, 2500)


def test_chat_page_is_self_contained(sandbox: RunningSandbox, http: httpx.Client) -> None:
    response = http.get(f"{sandbox.url}/_sandbox/chat", params={"phone": "<b>33639984503"})
    assert response.status_code == 200 and "text/html" in response.headers["Content-Type"]
    page = response.text
    assert "<b>33639984503" not in page  # the phone is escaped
    for external in ('src="http', 'href="http', "<link", "//cdn"):
        assert external not in page


def test_conversation_shows_both_directions(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
) -> None:
    contact_writes(CAROL, text="AIDE")
    provider.send_text(CAROL, "Voici l'aide")
    items = http.get(f"{sandbox.url}/_sandbox/conversation", params={"phone": CAROL}).json()
    assert [(m["direction"], m["text"]) for m in items] == [("in", "AIDE"), ("out", "Voici l'aide")]
