"""A dispute's notification whose send was settled in doubt (the sender died after the
provider took it; a status webhook told) is completed with the text it was composed with,
whatever its kind, so it is anchored like any other message of the conversation."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tracker.chat import terms_texts
from tracker.chat.conversation import leaf_time, message_leaf, track_outbound
from tracker.chat.links import ShipmentLinks
from tracker.chat.sender import Sender, SenderSettings
from tracker.config import SendTuning, Templates
from tracker.store.contacts import add_contact
from tracker.store.conversations import OPEN, ConversationMessageRow, DisputeChatRow
from tracker.store.db import transaction
from tracker.store.queues import OutboxRow, callback_data_for, enqueue, store_inbound, store_status

NOW = datetime(2026, 12, 4, 20, tzinfo=UTC)
FACTS = {
    "event": "dispute_resolved", "sscc": "376123450000000078", "dispute_id": "D-DOUBT001",
    "subject": "late", "outcome": "refund", "refund_minor": 5000, "currency": "EUR",
    "reason": "Two cases crushed",
}  # fmt: skip


class Silent:
    """A provider never reached: the sender under test dies before calling it."""

    def send_text(self, *args: object, **kw: object) -> NoReturn:
        raise AssertionError("nothing is resent: the provider had it")

    send_template = send_interactive_buttons = send_document = send_text
    upload_media = mark_as_read = send_text

    def close(self) -> None:
        pass


def sender(sessions: sessionmaker[Session], now: datetime) -> Sender:
    tuning = SendTuning(
        max_attempts=3, backoff_base_s=1, backoff_cap_s=4, pacing_s=30, in_doubt_grace_s=60
    )
    settings = SenderSettings(tuning, Templates(), ShipmentLinks("https://t.example", b"k" * 32))
    return Sender(sessions, settings, Silent, clock=lambda: now, rng=random.Random(1))


def test_a_notification_settled_in_doubt_is_completed_with_its_composed_text(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        contact = add_contact(
            session, org_msp_id="RetailerMSP", phone="+33639982801", language="fr"
        )
        store_inbound(  # the contact's window is open: the notice goes as free-form text
            session, wa_message_id="wamid.in", contact_id=contact.id, sender=None,
            sent_at=NOW - timedelta(hours=1), content={"type": "text", "body": "alors ?"},
        )  # fmt: skip
        session.add(
            DisputeChatRow(
                dispute_id="D-DOUBT001", sscc=FACTS["sscc"], contact_id=contact.id,
                subject="late", raised_for="retailer", language="fr",
                source_message_id="wamid.dispute", state=OPEN, attempts=0,
                next_attempt_at=NOW, created_at=NOW,
            )
        )  # fmt: skip
        session.flush()
        key = "notify:tx:notify.dispute_resolved:1"
        enqueue(session, dedupe_key=key, kind="notify.dispute_resolved",
                body={"terms": FACTS}, contact_id=contact.id)  # fmt: skip
        track_outbound(session, "D-DOUBT001", contact.id, key)
        session.execute(update(OutboxRow).values(next_attempt_at=NOW))
    with sessions() as session:
        outbox_id = session.scalar(select(OutboxRow.id))
    assert outbox_id is not None

    # A sender claims the row (composing it) and dies before the provider's answer is kept.
    assert sender(sessions, NOW)._claim(outbox_id) is not None
    with transaction(sessions) as session:
        store_status(
            session, wa_message_id="wamid.notice", status="delivered",
            callback_data=callback_data_for(outbox_id), error_code=None, error_title=None,
            at=NOW + timedelta(seconds=2),
        )  # fmt: skip
    later = NOW + timedelta(seconds=61)
    assert sender(sessions, later).recover_in_doubt() == 1

    with sessions() as session:
        outbox = session.get(OutboxRow, outbox_id)
        assert outbox is not None and (outbox.state, outbox.wamid) == ("delivered", "wamid.notice")
        [message] = session.scalars(select(ConversationMessageRow))
    text = terms_texts.terms_text(FACTS, "fr")
    time = leaf_time(NOW + timedelta(seconds=2))
    assert (message.provider_message_id, message.time, message.text) == ("wamid.notice", time, text)
    assert message.leaf_hash == message_leaf("wamid.notice", "out", time, text)
