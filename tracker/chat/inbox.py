"""Storing webhook updates: inbound messages into the inbox, statuses onto the outbox.

Called by the webhook view inside one transaction, after the signature was checked. Only
what the chat needs is kept: the message content (text or button payload), never a
location or media, and a phone number only for senders who are not contacts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store.contacts import find_by_phone, phone_of_wa_id
from tracker.store.queues import (
    FINAL,
    RANK,
    OutboxRow,
    outbox_id_of,
    store_inbound,
    store_status,
)
from tracker.whatsapp.provider import redact_phone
from tracker.whatsapp.updates import (
    ButtonReply,
    ErrorNotice,
    InboundMessage,
    ListReply,
    MessageContent,
    QuickReply,
    StatusUpdate,
    Text,
    Update,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one webhook POST added."""

    messages: int
    statuses: int
    ignored: int


def ingest(session: Session, updates: list[Update], phone_number_id: str | None) -> Ingested:
    """Store new messages and statuses; redeliveries and other numbers' updates are ignored."""
    messages = statuses = ignored = 0
    for update in updates:
        if isinstance(update, ErrorNotice):
            log.warning("whatsapp reported errors: %s", [e.code for e in update.errors])
            continue
        if phone_number_id is not None and update.phone_number_id != phone_number_id:
            ignored += 1  # another number of the same business account
            continue
        if isinstance(update, InboundMessage):
            new = _store_message(session, update)
            messages += new
        else:
            new = _store_status(session, update)
            statuses += new
        ignored += not new
    return Ingested(messages, statuses, ignored)


def _store_message(session: Session, message: InboundMessage) -> bool:
    contact = find_by_phone(session, phone_of_wa_id(message.sender))
    stored = store_inbound(
        session,
        wa_message_id=message.message_id,
        contact_id=contact.id if contact else None,
        sender=phone_of_wa_id(message.sender),
        sent_at=message.timestamp,
        content=content_json(message.content),
    )
    if stored:
        log.info("inbound message from %s stored", redact_phone(message.sender))
    return stored


def content_json(content: MessageContent) -> dict[str, Any]:
    """The part of a message the chat acts on, as JSON."""
    if isinstance(content, Text):
        return {"type": "text", "body": content.body}
    if isinstance(content, ButtonReply | ListReply):
        return {"type": "button", "payload": content.id}
    if isinstance(content, QuickReply):
        return {"type": "button", "payload": content.payload}
    # Locations and media may be personal and the chat has no use for them: type only.
    return {"type": "unsupported"}


def _store_status(session: Session, status: StatusUpdate) -> bool:
    first = status.errors[0] if status.errors else None
    stored = store_status(
        session,
        wa_message_id=status.message_id,
        status=status.status,
        callback_data=status.callback_data,
        error_code=first.code if first else None,
        error_title=f"{first.title} {first.details}".strip() if first else None,
        at=status.timestamp,
    )
    if stored:
        apply_status(session, status)
    return stored


def apply_status(session: Session, status: StatusUpdate) -> None:
    """Move the outbox row the status is about forward (never back; failed is final)."""
    row = _outbox_row_for(session, status.callback_data, status.message_id)
    if row is None or row.state in FINAL or RANK[status.status] <= RANK[row.state]:
        return
    row.state = status.status
    row.wamid = row.wamid or status.message_id
    row.claimed_at = None
    row.recipient = None  # no longer queued: a stranger's number is not kept
    if status.status == "failed":
        error = status.errors[0] if status.errors else None
        row.last_error = (
            f"{error.code} {error.title} {error.details}".strip() if error else "failed"
        )
        log.warning("outbox %d failed at the provider: %s", row.id, row.last_error)


def _outbox_row_for(session: Session, callback_data: str | None, wamid: str) -> OutboxRow | None:
    # The callback data (our outbox id) also finds rows whose wamid we never recorded.
    outbox_id = outbox_id_of(callback_data)
    if outbox_id is not None:
        row = session.get(OutboxRow, outbox_id, with_for_update=True)
        if row is not None:
            return row
    return session.scalar(select(OutboxRow).where(OutboxRow.wamid == wamid))
