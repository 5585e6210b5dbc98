"""Webhook core on real-shaped payloads stored in tests/whatsapp/data/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.whatsapp.updates import (
    ButtonReply,
    ErrorNotice,
    InboundMessage,
    ListReply,
    Location,
    Media,
    QuickReply,
    StatusUpdate,
    Text,
    Unsupported,
    UpdateError,
)
from tracker.whatsapp.webhook import (
    MalformedPayload,
    parse_updates,
    sign,
    verify_signature,
    verify_subscription,
)

DATA = Path(__file__).parent / "data"
SECRET = "app-secret"


def load(name: str) -> bytes:
    return (DATA / f"{name}.json").read_bytes()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("text", Text("Où en est (00) 3 0614141 123456789 1 ?")),
        ("button_reply", ButtonReply("SUBSCRIBE:306141411234567891", "Suivre")),
        (
            "list_reply",
            ListReply("REPORT:306141411234567891", "Rapport", "Rapport de provenance complet"),
        ),
        ("quick_reply", QuickReply("STOP:306141411234567891", "Stop")),
        ("location", Location(48.7566, 2.3522, "MIN de Rungis", "1 Rue de la Tour, 94150 Rungis")),
        (
            "image",
            Media(
                "image",
                "1479537139650973",
                "image/jpeg",
                "ZK7hQdnR0zl3PVu8yEtJ0UXXpRmlkNbnbS5wXpgIQYs=",
                "Palette abîmée",
                None,
            ),
        ),
        ("reaction", Unsupported("reaction")),
    ],
)
def test_inbound_messages(name: str, content: object) -> None:
    [update] = parse_updates(load(name))
    assert isinstance(update, InboundMessage)
    assert update.content == content
    assert (update.sender, update.sender_name) == ("33639985678", "Camille Martin")
    assert update.phone_number_id == "106540352242922"
    assert update.timestamp == datetime(2024, 3, 12, 14, 5, tzinfo=UTC)


def test_replies_carry_the_context_message_id() -> None:
    [update] = parse_updates(load("button_reply"))
    assert isinstance(update, InboundMessage)
    assert update.context_message_id == "wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_statuses_carry_callback_data(status: str) -> None:
    [update] = parse_updates(load(f"status_{status}"))
    assert isinstance(update, StatusUpdate)
    assert (update.status, update.callback_data, update.errors) == (status, "event:42", ())
    assert update.recipient_id == "33639985678"


def test_failed_status_carries_its_errors() -> None:
    [update] = parse_updates(load("status_failed"))
    assert isinstance(update, StatusUpdate) and update.status == "failed"
    [error] = update.errors
    assert (error.code, error.title) == (131047, "Re-engagement message")
    assert "24 hours" in error.details


def test_value_level_errors() -> None:
    [update] = parse_updates(load("value_errors"))
    assert update == ErrorNotice(
        "106540352242922",
        (UpdateError(131000, "Something went wrong", "Something went wrong", "Unknown error"),),
    )


def test_several_entries_and_changes_in_one_post() -> None:
    updates = parse_updates(load("several_entries_and_changes"))
    assert len(updates) == 4
    summary = [
        u.content if isinstance(u, InboundMessage) else u.status
        for u in updates
        if isinstance(u, InboundMessage | StatusUpdate)
    ]
    assert summary == [
        Text("AIDE"),
        "delivered",
        Text("STOP"),
        "read",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"metadata": {"phone_number_id": "1"}, "messages": [{"type": "text"}]}}]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"metadata": {"phone_number_id": "1"}, "statuses": [{"id": "w",'
        b' "status": "exploded", "timestamp": "1", "recipient_id": "3"}]}}]}]}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"object": "whatsapp_business_account", "entry": '
        + b'{"a": ' * 100_000
        + b"1}" * 100_001,
    ],
    ids=[
        "not-json",
        "not-utf8",
        "not-object",
        "other-object",
        "entry-not-list",
        "message-without-sender",
        "unknown-status",
        "nested-arrays-100000-deep",
        "nested-objects-100000-deep",
    ],
)
def test_malformed_payloads_give_a_typed_error(raw: bytes) -> None:
    with pytest.raises(MalformedPayload):
        parse_updates(raw)


def test_other_fields_are_ignored() -> None:
    raw = (
        b'{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes":'
        b' [{"field": "message_template_status_update", "value": {"event": "APPROVED"}}]}]}'
    )
    assert parse_updates(raw) == []


def test_a_genuine_signature_is_accepted() -> None:
    raw = load("text")
    assert verify_signature(raw, sign(raw, SECRET), SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha1=abc",
        "sha256=" + "0" * 64,
        sign(b"{}", SECRET),
        sign(load("text"), "wrong-secret"),
    ],
    ids=[
        "missing",
        "empty",
        "no-digest",
        "wrong-algorithm",
        "forged",
        "other-body",
        "other-secret",
    ],
)
def test_forged_or_missing_signatures_are_rejected(header: str | None) -> None:
    assert not verify_signature(load("text"), header, SECRET)


def test_a_tampered_body_is_rejected() -> None:
    raw = load("text")
    assert not verify_signature(raw.replace(b"Camille", b"Camilla"), sign(raw, SECRET), SECRET)


@pytest.mark.parametrize(
    ("mode", "token", "challenge", "expected"),
    [
        ("subscribe", "verify-me", "1158201444", ("1158201444", 200)),
        ("subscribe", "wrong", "1158201444", ("verification failed", 403)),
        ("unsubscribe", "verify-me", "1158201444", ("verification failed", 403)),
        (
            None,
            "verify-me",
            "1158201444",
            ("missing hub.mode, hub.verify_token or hub.challenge", 400),
        ),
        (
            "subscribe",
            "verify-me",
            None,
            ("missing hub.mode, hub.verify_token or hub.challenge", 400),
        ),
    ],
)
def test_subscription_handshake(
    mode: str | None, token: str, challenge: str | None, expected: tuple[str, int]
) -> None:
    assert verify_subscription(mode, token, challenge, "verify-me") == expected


def test_one_malformed_item_does_not_refuse_the_good_ones_when_skipping() -> None:
    raw = (
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"metadata": {"phone_number_id": "1"}, "messages": ['
        b'{"type": "text"},'
        b'{"from": "33639985678", "id": "wamid.OK", "timestamp": "1710252300", "type": "text",'
        b' "text": {"body": "HELP"}}]}}]}]}'
    )
    with pytest.raises(MalformedPayload):
        parse_updates(raw)  # strict by default
    skipped: list[str] = []
    updates = parse_updates(raw, skipped=skipped)
    assert [u.message_id for u in updates] == ["wamid.OK"]  # type: ignore[union-attr]
    assert len(skipped) == 1 and skipped[0].startswith("message:")


USER_ID = "US.13491208655302741918"


def test_a_contact_with_a_user_id_beside_the_wa_id_is_still_answered_by_phone() -> None:
    [update] = parse_updates(load("text_with_user_id"))
    assert isinstance(update, InboundMessage)
    assert (update.sender, update.sender_user_id, update.sender_name) == (
        "33639985678",
        USER_ID,
        "Camille Martin",
    )


def test_a_username_only_contact_is_parsed_not_refused() -> None:
    # Meta's business-scoped user ids: `user_id` in contacts[], `from_user_id`, no wa_id/from.
    [update] = parse_updates(load("text_username_only"))
    assert isinstance(update, InboundMessage)
    assert (update.sender, update.sender_user_id, update.sender_name) == (
        USER_ID,
        USER_ID,
        "Camille Martin",
    )
    assert update.content == Text("Où en est (00) 3 0614141 123456789 1 ?")


def test_a_status_for_a_username_only_recipient_is_parsed() -> None:
    [update] = parse_updates(load("status_username_only"))
    assert isinstance(update, StatusUpdate)
    assert (update.status, update.recipient_id, update.callback_data) == (
        "sent",
        USER_ID,
        "event:42",
    )


def test_a_malformed_entry_or_change_is_skipped_beside_good_ones() -> None:
    good = load("text_username_only").decode()
    envelope = json.loads(good)
    envelope["entry"].insert(0, {"id": "1", "changes": "not a list"})
    envelope["entry"][1]["changes"].append({"field": "messages", "value": {"messages": []}})
    raw = json.dumps(envelope).encode()
    with pytest.raises(MalformedPayload):
        parse_updates(raw)  # strict by default
    skipped: list[str] = []
    [update] = parse_updates(raw, skipped=skipped)
    assert isinstance(update, InboundMessage) and update.sender == USER_ID
    assert [s.split(":")[0] for s in skipped] == ["entry", "change"]
