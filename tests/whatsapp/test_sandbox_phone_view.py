"""What the sandbox's phone shows (templates, documents, long links) and users known only by
a username, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.sandbox_server import Delivery, RunningSandbox, WebhookRecorder
from tracker.chat.texts import report_caption
from tracker.whatsapp.cloud_api import CloudApiConfig, CloudApiProvider
from tracker.whatsapp.provider import MediaRef
from tracker.whatsapp.updates import InboundMessage, QuickReply, StatusUpdate, Text
from tracker.whatsapp.webhook import parse_updates

ACCESS_TOKEN, PHONE_NUMBER_ID = "test-access-token", "106540352242922"  # as in conftest
ERIN = "33639984701"
SSCC = "376123450000000016"
USER_ID = "US.13491208655302741918"  # a business-scoped user id: a username, no phone number


def conversation(sandbox: RunningSandbox, http: httpx.Client, phone: str) -> list[dict[str, Any]]:
    response = http.get(f"{sandbox.url}/_sandbox/conversation", params={"phone": phone})
    return list(response.json())


def from_sender(sender: str) -> Callable[[Delivery], bool]:
    def matches(delivery: Delivery) -> bool:
        return any(
            isinstance(u, InboundMessage) and u.sender == sender
            for u in parse_updates(delivery.body)
        )

    return matches


def test_a_template_shows_as_its_approved_body_with_its_buttons(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
    receiver: WebhookRecorder,
) -> None:
    sent = provider.send_template(
        ERIN,
        "shipment_status_update",
        "en_US",
        body_parameters=(SSCC, "at hub", "Hub Lyon", "2026-11-24 10:01 UTC"),
        button_payloads=(f"REPORT:{SSCC}", f"STOP:{SSCC}"),
    )
    [shown] = conversation(sandbox, http, ERIN)
    assert shown["id"] == sent.message_id
    assert shown["text"] == f"🔔 Shipment {SSCC} is now at hub (Hub Lyon, 2026-11-24 10:01 UTC)."
    assert shown["buttons"] == [
        {"id": f"REPORT:{SSCC}", "title": "Report"},
        {"id": f"STOP:{SSCC}", "title": "Stop updates"},
    ]
    french = provider.send_template(
        ERIN, "shipment_cold_chain_alert", "fr", body_parameters=(SSCC, "🛑 Non conforme", "42")
    )
    shown_fr = next(m for m in conversation(sandbox, http, ERIN) if m["id"] == french.message_id)
    assert shown_fr["text"] == (
        f"🛑 Non conforme : expédition {SSCC}, 42 min hors de la plage de température autorisée."
    )
    assert "{{" not in shown_fr["text"] and "[shipment" not in shown_fr["text"]
    # No payload in the send: Meta sends the button's text as its payload.
    assert shown_fr["buttons"] == [
        {"id": "Rapport", "title": "Rapport"},
        {"id": "Arrêter le suivi", "title": "Arrêter le suivi"},
    ]
    # The README's `"button": "<payload>"` taps the template button carrying that payload.
    contact_writes(ERIN, button=f"STOP:{SSCC}", context_id=sent.message_id)
    [delivery] = receiver.wait_for(from_sender(ERIN))
    [update] = parse_updates(delivery.body)
    assert isinstance(update, InboundMessage)
    assert update.content == QuickReply(f"STOP:{SSCC}", "Stop updates")


def test_the_report_document_shows_one_icon_and_long_links_wrap(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
) -> None:
    contact_writes(ERIN)
    media_id = provider.upload_media(b"%PDF-1.4\n%%EOF\n", "application/pdf", "x.pdf")
    provider.send_document(
        ERIN,
        MediaRef.uploaded(media_id),
        filename=f"provenance-{SSCC}.pdf",
        caption=report_caption(SSCC, "en"),
    )
    document = next(m for m in conversation(sandbox, http, ERIN) if m["direction"] == "out")
    assert document["text"] == (
        f"📄 provenance-{SSCC}.pdf\nProvenance report of shipment {SSCC}, read from the ledger."
    )
    assert document["text"].count("📄") == 1
    page = http.get(f"{sandbox.url}/_sandbox/chat", params={"phone": ERIN}).text
    bubble_style = page.split(".msg {", 1)[1].split("}", 1)[0]
    assert "overflow-wrap: anywhere" in bubble_style  # a long URL breaks inside the bubble


def test_a_username_only_user_writes_with_a_user_id_and_is_answered_by_recipient(
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
    receiver: WebhookRecorder,
) -> None:
    message_id = contact_writes(USER_ID, text=SSCC, name="Camille")
    [delivery] = receiver.wait_for(from_sender(USER_ID))
    value = json.loads(delivery.body)["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Camille"}, "user_id": USER_ID}]
    [message] = value["messages"]
    assert "from" not in message and message["from_user_id"] == USER_ID
    [update] = parse_updates(delivery.body)
    assert isinstance(update, InboundMessage) and update.content == Text(SSCC)
    assert update.message_id == message_id

    bodies: list[dict[str, Any]] = []

    def keep(request: httpx.Request) -> None:
        bodies.append(json.loads(request.content))

    config = CloudApiConfig(
        base_url=sandbox.url,
        phone_number_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        timeout=5.0,
    )
    with httpx.Client(timeout=5.0, event_hooks={"request": [keep]}) as client:
        sent = CloudApiProvider(config, client=client).send_text(USER_ID, "answer")
    [body] = bodies
    assert body["recipient"] == USER_ID and "to" not in body  # Meta's field for a user id
    [shown] = [m for m in conversation(sandbox, http, USER_ID) if m["direction"] == "out"]
    assert (shown["id"], shown["to"], shown["text"]) == (sent.message_id, USER_ID, "answer")

    def statuses(delivery: Delivery) -> bool:
        return any(
            isinstance(u, StatusUpdate) and u.message_id == sent.message_id
            for u in parse_updates(delivery.body)
        )

    first = receiver.wait_for(statuses)[0]
    item = json.loads(first.body)["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert item["recipient_user_id"] == USER_ID and "recipient_id" not in item
