"""Twilio webhook core on real-shaped parameters stored in tests/whatsapp/data/twilio/,
and Twilio's signature over a URL with a query string and repeated parameters."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.whatsapp.twilio import twilio_signature, verify_twilio_signature
from tracker.whatsapp.twilio_webhook import business_id, parse_twilio, signed_url
from tracker.whatsapp.updates import (
    InboundMessage,
    QuickReply,
    StatusUpdate,
    Text,
    Unsupported,
    UpdateError,
)
from tracker.whatsapp.webhook import MalformedPayload

DATA = Path(__file__).parent / "data" / "twilio"
NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


def load(name: str) -> dict[str, str]:
    params: dict[str, str] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return params


def parse(name: str, **changes: str) -> list[object]:
    return list(parse_twilio({**load(name), **changes}, callback_data=None, received_at=NOW))


def test_inbound_text() -> None:
    [message] = parse("inbound_text")
    assert message == InboundMessage(
        message_id="SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        sender="33639982401",
        sender_name="Carla",
        timestamp=NOW,
        phone_number_id="12025550186",
        context_message_id=None,
        content=Text("Où en est 376123450000000078 ?"),
    )


def test_quick_reply_carries_the_button_payload_and_the_message_it_answers() -> None:
    [message] = parse("inbound_button")
    assert isinstance(message, InboundMessage)
    assert message.content == QuickReply("REPORT:376123450000000078", "Rapport")
    assert message.context_message_id == "SM2c3d4e5f60718293a4b5c6d7e8f90a1b"


def test_media_is_kept_as_unsupported() -> None:
    [message] = parse("inbound_image")
    assert isinstance(message, InboundMessage)
    assert message.content == Unsupported("media")


def test_delivered_status_with_the_outbox_callback_data() -> None:
    params = load("status_delivered")
    [status] = parse_twilio(params, callback_data="outbox:7", received_at=NOW)
    assert status == StatusUpdate(
        message_id="SM4e5f60718293a4b5c6d7e8f90a1b2c3d",
        recipient_id="33639982401",
        status="delivered",
        timestamp=NOW,
        phone_number_id="12025550186",
        callback_data="outbox:7",
        errors=(),
    )


def test_undelivered_is_a_final_failure_with_twilios_error_code() -> None:
    [status] = parse("status_undelivered")
    assert isinstance(status, StatusUpdate)
    assert status.status == "failed"
    assert status.errors == (UpdateError(63016, "Twilio error", "Twilio error", ""),)


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("status_queued", {}),
        ("status_queued", {"MessageStatus": "accepted"}),
        ("inbound_text", {"From": "+33639982401"}),  # an SMS to the same number
    ],
    ids=["queued", "accepted", "sms"],
)
def test_what_the_tracker_does_not_use_gives_no_update(name: str, changes: dict[str, str]) -> None:
    assert parse(name, **changes) == []


@pytest.mark.parametrize(
    "changes",
    [{"MessageSid": ""}, {"MessageSid": "SM<script>"}, {"From": "whatsapp:+33 6 39"}],
    ids=["no-sid", "odd-sid", "odd-sender"],
)
def test_malformed_parameters_raise(changes: dict[str, str]) -> None:
    with pytest.raises(MalformedPayload):
        parse("inbound_text", **changes)


@pytest.mark.parametrize(
    ("configured", "query", "signed"),
    [
        ("https://t.example.org/webhook/twilio", "", "https://t.example.org/webhook/twilio"),
        (
            "https://t.example.org/webhook/twilio",
            "cb=outbox%3A7",
            "https://t.example.org/webhook/twilio?cb=outbox%3A7",
        ),
        ("https://t.example.org/webhook/twilio?x=1", "", "https://t.example.org/webhook/twilio"),
    ],
)
def test_signed_url_is_the_public_url_with_the_requests_query(
    configured: str, query: str, signed: str
) -> None:
    assert signed_url(configured, query) == signed


def test_signature_covers_the_query_string_and_every_value_of_a_repeated_name() -> None:
    url = "https://t.example.org/webhook/twilio?cb=outbox%3A7"
    params = {"MessageSid": ["SM1"], "MediaUrl": ["https://b.test", "https://a.test"]}
    # The documented concatenation: URL, then each name+value, names and values sorted.
    expected = twilio_signature(
        url + "MediaUrlhttps://a.test" + "MediaUrlhttps://b.test" + "MessageSidSM1", {}, "tok"
    )
    assert twilio_signature(url, params, "tok") == expected
    assert verify_twilio_signature(url, params, expected, "tok")
    assert not verify_twilio_signature(url.replace("7", "8"), params, expected, "tok")


def test_business_id_keeps_digits_only() -> None:
    assert business_id("+1 202-555-0186") == "12025550186"
