"""`/webhook/twilio` over real HTTP: signed inbound messages answered through TwilioProvider
(to a FAKE Twilio Messages API, fast tier), forged and missing signatures, redeliveries,
and status callbacks moving the outbox forward only."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.tracker_ledger import CARRIER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import Stack, start_stack, wait_until
from tests.whatsapp.twilio_fake import FakeTwilio, start_fake_twilio
from tracker.store.contacts import SubscriptionRow
from tracker.store.queues import InboxMessageRow, OutboxRow
from tracker.whatsapp.twilio import twilio_signature
from tracker.whatsapp.twilio_webhook import EMPTY_TWIML, SIGNATURE_HEADER

SSCC = sscc_with_check_digit("37612345000000010")
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "tracker-test-twilio-token"
BUSINESS = "+12025550186"
PUBLIC_HOOK = "https://tracker.example.org/webhook/twilio"  # behind a proxy: Twilio signs this
CARLA = "+33639982501"
_SIDS = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_SIDS):032x}"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = start_fake_twilio(ACCOUNT_SID, AUTH_TOKEN)
    yield fake
    fake.stop()


@pytest.fixture
def tstack(tmp_path: Path, twilio: FakeTwilio) -> Iterator[Stack]:
    """The tracker configured for Twilio, sending to the fake Messages API."""
    token = tmp_path / "secrets" / "twilio_auth_token"
    token.parent.mkdir(parents=True)
    token.write_text(AUTH_TOKEN + "\n")
    running = start_stack(
        tmp_path,
        WHATSAPP_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN_FILE=str(token),
        TWILIO_FROM_NUMBER=BUSINESS,
        TWILIO_API_BASE_URL=twilio.url,
        TWILIO_CONTENT_STATUS="HX" + "1" * 32,
        TWILIO_CONTENT_COLD_CHAIN="HX" + "2" * 32,
        TWILIO_WEBHOOK_URL=PUBLIC_HOOK,
    )
    yield running
    running.close()


@pytest.fixture
def tledger(ledger_for: Callable[[Stack], Ledger], tstack: Stack) -> Ledger:
    return ledger_for(tstack)


def inbound(phone: str, sid: str, body: str = "", **extra: str) -> dict[str, str]:
    """An inbound WhatsApp message as Twilio posts it."""
    return {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Carla",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": phone[1:],
        "SmsStatus": "received",
        "Body": body,
        "To": f"whatsapp:{BUSINESS}",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{phone}",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def status(sid: str, value: str, to: str, **extra: str) -> dict[str, str]:
    """A status callback as Twilio posts it."""
    return {
        "ChannelPrefix": "whatsapp",
        "ApiVersion": "2010-04-01",
        "MessageStatus": value,
        "SmsSid": sid,
        "SmsStatus": value,
        "To": to,
        "From": f"whatsapp:{BUSINESS}",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        **extra,
    }


def post(
    stack: Stack,
    params: dict[str, str],
    *,
    query: str = "",
    signed_as: tuple[str, dict[str, str], str] | None = None,
    signature: str | None = "sign",
) -> httpx.Response:
    """POST form parameters to the tracker, signed as Twilio signs (unless told otherwise)."""
    suffix = f"?{query}" if query else ""
    url, signed_params, token = signed_as or (PUBLIC_HOOK + suffix, params, AUTH_TOKEN)
    headers = {}
    if signature == "sign":
        headers[SIGNATURE_HEADER] = twilio_signature(url, signed_params, token)
    elif signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return stack.http.post(
        f"{stack.tracker_url}/webhook/twilio{suffix}", data=params, headers=headers
    )


def inbox_count(stack: Stack) -> int:
    with stack.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(InboxMessageRow)) or 0)


def outbox(stack: Stack, outbox_id: int) -> OutboxRow:
    with stack.sessions() as session:
        row = session.get(OutboxRow, outbox_id)
        assert row is not None
        return row


def bodies(twilio: FakeTwilio, phone: str) -> list[str]:
    return [m["Body"] for m in twilio.messages(f"whatsapp:{phone}")]


def wait_bodies(twilio: FakeTwilio, phone: str, count: int) -> list[str]:
    wait_until(lambda: len(bodies(twilio, phone)) >= count, f"{count} Twilio messages")
    return bodies(twilio, phone)


def test_signed_messages_get_replies_through_twilio(
    tstack: Stack, tledger: Ledger, twilio: FakeTwilio
) -> None:
    tledger.create(SSCC)
    tledger.checkpoint(SSCC, "in_transit")
    tstack.contact(CARRIER, CARLA, "fr")
    tstack.start_worker()
    answer = post(tstack, inbound(CARLA, new_sid(), f"Où en est {SSCC} ?"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert answer.text == EMPTY_TWIML

    [reply] = wait_bodies(twilio, CARLA, 1)
    assert reply.startswith(f"📦 Expédition {SSCC}\nStatut : en transit")
    assert reply.endswith("\n- S'abonner\n- Rapport")  # Twilio gets the buttons as text lines
    [sent] = twilio.messages()
    assert sent["From"] == f"whatsapp:{BUSINESS}"
    assert sent["StatusCallback"] == f"{PUBLIC_HOOK}?cb=outbox%3A1"

    # Quick replies arrive as ButtonPayload: subscribe, then Report (a text on Twilio,
    # which cannot upload the PDF).
    tap = {"MessageType": "button", "ButtonText": "S'abonner"}
    post(tstack, inbound(CARLA, new_sid(), "S'abonner", ButtonPayload=f"SUBSCRIBE:{SSCC}", **tap))
    assert wait_bodies(twilio, CARLA, 2)[1].startswith("C'est noté")
    with tstack.sessions() as session:
        assert session.scalar(select(SubscriptionRow.sscc)) == SSCC
    post(tstack, inbound(CARLA, new_sid(), "Rapport", ButtonPayload=f"REPORT:{SSCC}"))
    assert wait_bodies(twilio, CARLA, 3)[2].startswith(f"📦 Expédition {SSCC}")


def test_forged_and_missing_signatures_are_refused_and_nothing_is_stored(
    tstack: Stack, tledger: Ledger, twilio: FakeTwilio
) -> None:
    tledger.create(SSCC)
    tstack.contact(CARRIER, CARLA, "en")
    params = inbound(CARLA, new_sid(), SSCC)
    local = f"{tstack.tracker_url}/webhook/twilio"
    for signed_as in (
        (PUBLIC_HOOK, params, "not-the-auth-token"),
        (local, params, AUTH_TOKEN),  # the local address, not the public one Twilio signs
        (PUBLIC_HOOK, {**params, "Body": "HELP"}, AUTH_TOKEN),  # body changed after signing
        (PUBLIC_HOOK + "?cb=outbox%3A1", params, AUTH_TOKEN),  # query changed after signing
    ):
        refused = post(tstack, params, signed_as=signed_as)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "BAD_SIGNATURE"
    for signature in (None, "", "bm90IGEgc2lnbmF0dXJl"):
        assert post(tstack, params, signature=signature).status_code == 401
    assert inbox_count(tstack) == 0

    tstack.start_worker()
    post(tstack, inbound(CARLA, new_sid(), "HELP"))  # a genuine message after the forgeries
    [only] = wait_bodies(twilio, CARLA, 1)
    assert only.startswith("Send a shipment's SSCC code")
    assert inbox_count(tstack) == 1


def test_the_same_message_sid_twice_gets_one_reply(
    tstack: Stack, tledger: Ledger, twilio: FakeTwilio
) -> None:
    tledger.create(SSCC)
    tstack.contact(CARRIER, CARLA, "en")
    params = inbound(CARLA, new_sid(), SSCC)
    assert post(tstack, params).status_code == 200
    assert post(tstack, params).status_code == 200  # Twilio retrying after a timeout
    assert inbox_count(tstack) == 1
    tstack.start_worker()
    wait_bodies(twilio, CARLA, 1)
    post(tstack, inbound(CARLA, new_sid(), "HELP"))  # handled after any duplicate would be
    second = wait_bodies(twilio, CARLA, 2)[1]
    assert second.startswith("Send a shipment's SSCC code")
    assert len(bodies(twilio, CARLA)) == 2


def test_status_callbacks_move_the_outbox_row_forward_only(
    tstack: Stack, tledger: Ledger, twilio: FakeTwilio
) -> None:
    tstack.contact(CARRIER, CARLA, "en")
    tstack.start_worker()
    post(tstack, inbound(CARLA, new_sid(), "HELP"))
    post(tstack, inbound(CARLA, new_sid(), "AIDE"))
    wait_bodies(twilio, CARLA, 2)
    wait_until(lambda: tstack.outbox_states() == {"sent": 2}, "both replies accepted")
    first, second = twilio.messages()
    query = urlsplit(first["StatusCallback"]).query
    assert query == "cb=outbox%3A1"
    to = f"whatsapp:{CARLA}"

    def callback(sid: str, value: str, query: str, **extra: str) -> None:
        answer = post(tstack, status(sid, value, to, **extra), query=query)
        assert (answer.status_code, answer.text) == (200, EMPTY_TWIML)

    callback(first["Sid"], "delivered", query)
    assert outbox(tstack, 1).state == "delivered"
    callback(first["Sid"], "sent", query)  # late and out of order: ignored
    callback(first["Sid"], "queued", query)
    assert outbox(tstack, 1).state == "delivered"
    forged = status(first["Sid"], "read", to)
    assert post(tstack, forged, query=query, signature="forged").status_code == 401
    assert outbox(tstack, 1).state == "delivered"
    callback(first["Sid"], "read", query)
    assert outbox(tstack, 1).state == "read"

    second_query = urlsplit(second["StatusCallback"]).query
    callback(second["Sid"], "undelivered", second_query, ErrorCode="63016")
    failed = outbox(tstack, 2)
    assert failed.state == "failed" and "63016" in str(failed.last_error)
    callback(second["Sid"], "delivered", second_query)  # failed is final
    assert outbox(tstack, 2).state == "failed"


def test_twilio_webhook_is_absent_when_twilio_is_not_configured(stack: Stack) -> None:
    response = post(stack, inbound(CARLA, new_sid(), "HELP"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
