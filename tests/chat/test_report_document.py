"""The Report button answered with the provenance report PDF, and read receipts, over real
HTTP: the tracker's app, the sandbox (upload, document, mark as read), the worker."""

from __future__ import annotations

import io
import json
import logging
import time
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.support.tracker_ledger import CARRIER, RETAILER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import APP_SECRET, Stack, wait_until
from tracker.sandbox.delivery import envelope, message_value
from tracker.sandbox.state import Outbound
from tracker.store.queues import InboxMessageRow, OutboxRow
from tracker.whatsapp.webhook import SIGNATURE_HEADER, sign

SSCC = sscc_with_check_digit("37612345000000009")
CARLA, OLIVER, OUTSIDER, NOBODY = "+33639982301", "+12025550131", "+447700900131", "+12025550132"
REPORT = {"id": f"REPORT:{SSCC}", "title": "Rapport"}


def documents(stack: Stack, phone: str) -> list[Outbound]:
    """Document messages the business sent to a phone."""
    return [m for m in stack.received(phone) if m.type == "document"]


def admin_message(stack: Stack, message_id: str, phone: str) -> dict[str, Any]:
    """A sent message as the sandbox's admin API lists it."""
    listed = stack.http.get(f"{stack.sandbox.url}/_sandbox/messages", params={"to": phone[1:]})
    return next(m for m in listed.json() if m["id"] == message_id)


def read_count(stack: Stack, phone: str, message_id: str) -> int:
    """Mark-as-read calls the sandbox recorded for an inbound message, over its admin API."""
    conversation = stack.http.get(
        f"{stack.sandbox.url}/_sandbox/conversation", params={"phone": phone[1:]}
    ).json()
    return int(next(m["read_count"] for m in conversation if m["id"] == message_id))


def outbox_rows(stack: Stack) -> list[OutboxRow]:
    with stack.sessions() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_report_button_gets_the_pdf_as_a_document_in_the_contacts_language(
    stack: Stack, ledger: Ledger
) -> None:
    ledger.create(SSCC)
    ledger.checkpoint(SSCC, "in_transit")
    stack.contact(CARRIER, CARLA, "fr")
    stack.contact(RETAILER, OLIVER, "en")
    stack.start_worker()
    tapped = stack.phone_writes(CARLA, button=REPORT)
    stack.phone_writes(OLIVER, button={**REPORT, "title": "Report"})
    wait_until(lambda: len(documents(stack, CARLA)) == 1, "Carla's report")
    wait_until(lambda: len(documents(stack, OLIVER)) == 1, "Oliver's report")

    [french] = documents(stack, CARLA)
    assert french.content["filename"] == f"provenance-{SSCC}.pdf"
    assert french.content["caption"] == (
        f"Rapport de provenance de l'expédition {SSCC}, lu sur le registre."
    )
    [english] = documents(stack, OLIVER)
    assert english.content["caption"] == (
        f"Provenance report of shipment {SSCC}, read from the ledger."
    )

    listed = admin_message(stack, french.message_id, CARLA)
    media = stack.http.get(f"{stack.sandbox.url}{listed['media_url']}")
    assert media.status_code == 200
    assert media.headers["content-type"] == "application/pdf"
    assert f'filename="provenance-{SSCC}.pdf"' in media.headers["content-disposition"]
    assert media.content.startswith(b"%PDF")
    assert SSCC.encode() in media.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(media.content)).pages)
    assert SSCC in text and "Shipment provenance report" in text

    # Only the document answered each tap, it went through the outbox, and it was read.
    assert [len(stack.received(p)) for p in (CARLA, OLIVER)] == [1, 1]
    wait_until(lambda: stack.outbox_states() == {"read": 2}, "both reports read")
    assert {row.kind for row in outbox_rows(stack)} == {"reply.report"}
    wait_until(lambda: read_count(stack, CARLA, tapped) == 1, "Carla's tap marked read")


def test_non_party_and_stranger_get_no_report(stack: Stack, ledger: Ledger) -> None:
    ledger.create(SSCC)
    ledger.checkpoint(SSCC, "in_transit")
    stack.contact("OutsiderMSP", OUTSIDER, "en")
    stack.start_worker()
    for phone in (OUTSIDER, NOBODY):
        stack.phone_writes(phone, button={**REPORT, "title": "Report"})
        [answer] = stack.wait_received(phone, 1)
        assert answer == f"{SSCC}: in transit. Origin verified ✅: Ferme du Val."
        assert documents(stack, phone) == []
    assert {row.kind for row in outbox_rows(stack)} == {"reply"}


def test_report_is_durable_and_sent_once_through_redelivery_and_provider_faults(
    stack: Stack, ledger: Ledger
) -> None:
    ledger.create(SSCC)
    stack.contact(CARRIER, CARLA, "en")
    # The webhook is acknowledged while no worker runs: only the database holds the tap.
    stack.phone_writes(CARLA, button=REPORT)

    def stored() -> bool:
        with stack.sessions() as session:
            return session.scalar(select(InboxMessageRow.state)) == "pending"

    wait_until(stored, "the tap stored")
    [inbound] = stack.sandbox.sandbox.state.inbound_from(CARLA[1:])
    raw = json.dumps(
        envelope(stack.sandbox.sandbox.identity, message_value(CARLA[1:], "C", inbound.message))
    ).encode()
    again = stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=raw,
        headers={SIGNATURE_HEADER: sign(raw, APP_SECRET), "Content-Type": "application/json"},
    )
    assert again.json()["ignored"] == 1  # Meta redelivering the same message

    # Every Graph call fails for a while: uploads and sends are retried, never lost.
    stack.http.post(f"{stack.sandbox.url}/_sandbox/faults", json={"error_5xx_share": 1.0})
    stack.start_worker()
    wait_until(lambda: [r.attempts >= 2 for r in outbox_rows(stack)] == [True], "2 attempts")
    assert "131000" in str(outbox_rows(stack)[0].last_error)
    assert stack.received(CARLA) == []
    stack.http.post(f"{stack.sandbox.url}/_sandbox/faults", json={"error_5xx_share": 0.0})
    wait_until(lambda: stack.outbox_states() == {"read": 1}, "the report read")
    assert [m.type for m in stack.received(CARLA)] == ["document"]


def test_messages_are_marked_read_once_and_a_failed_receipt_loses_no_reply(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tracker.chat.receipts")
    stack.contact(CARRIER, CARLA, "en")
    stack.start_worker()
    first = stack.phone_writes(CARLA, text="HELP")
    stack.wait_received(CARLA, 1)
    wait_until(lambda: read_count(stack, CARLA, first) >= 1, "the first message marked read")

    # A message Meta's servers never had (the sandbox refuses to mark it read): the reply
    # still goes, and the refusal is only logged.
    message = {
        "from": CARLA[1:],
        "id": "wamid.unknown-to-the-sandbox",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": "HELP"},
    }
    raw = json.dumps(
        envelope(stack.sandbox.sandbox.identity, message_value(CARLA[1:], "C", message))
    ).encode()
    response = stack.http.post(
        f"{stack.tracker_url}/webhook/whatsapp",
        content=raw,
        headers={SIGNATURE_HEADER: sign(raw, APP_SECRET), "Content-Type": "application/json"},
    )
    assert response.json()["messages"] == 1
    assert stack.wait_received(CARLA, 2)[1].startswith("Send a shipment's SSCC code")
    wait_until(
        lambda: any("wamid.unknown-to-the-sandbox" in r.getMessage() for r in caplog.records),
        "the refused receipt logged",
    )
    assert read_count(stack, CARLA, first) == 1
    wait_until(lambda: stack.outbox_states() == {"read": 2}, "both replies read")
