"""Storing webhook updates: inbound messages into the inbox, statuses onto the outbox.

Called by the webhook view inside one transaction, after the signature was checked. Only
what the chat needs is kept: the message content (text, a media's caption, a button's
payload and text and the message it answers), never a location or the media itself, and a
phone number only for senders who are not contacts. A sender known only by a username
(Meta's business-scoped user id, no phone number) is never a contact: the user id is kept
in the content, under `USER_ID_KEY`, until the message is handled (see `chat.replies`).
Updates for another phone number id are ignored and reported in `Ingested.other_numbers`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.chat.recipient import forget_recipient
from tracker.store.contacts import find_by_phone, phone_of_wa_id
from tracker.store.queues import (
    FINAL,
    RANK,
    OutboxRow,
    outbox_id_of,
    store_inbound,
    store_status,
)
from tracker.whatsapp.provider import is_user_id, redact_phone
from tracker.whatsapp.updates import (
    ButtonReply,
    ErrorNotice,
    InboundMessage,
    ListReply,
    Media,
    MessageContent,
    QuickReply,
    StatusUpdate,
    Text,
    Update,
)

log = logging.getLogger(__name__)

USER_ID_KEY = "reply_to_user_id"  # in a stored content: a username-only sender's user id


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one webhook POST added."""

    messages: int
    statuses: int
    ignored: int  # redeliveries and other numbers' updates
    other_numbers: tuple[str, ...] = ()  # phone number id of each update for another number


def ingest(session: Session, updates: list[Update], phone_number_id: str | None) -> Ingested:
    """Store new messages and statuses; redeliveries and other numbers' updates are ignored."""
    messages = statuses = ignored = 0
    other: list[str] = []
    for update in updates:
        if isinstance(update, ErrorNotice):
            log.warning("whatsapp reported errors: %s", [e.code for e in update.errors])
            continue
        if phone_number_id is not None and update.phone_number_id != phone_number_id:
            ignored += 1  # another number of the same business account, or a misconfiguration
            other.append(update.phone_number_id)
            continue
        if isinstance(update, InboundMessage):
            new = _store_message(session, update)
            messages += new
        else:
            new = _store_status(session, update)
            statuses += new
        ignored += not new
    return Ingested(messages, statuses, ignored, tuple(other))


def _store_message(session: Session, message: InboundMessage) -> bool:
    content = content_json(message.content, message.context_message_id)
    phone: str | None = None
    if is_user_id(message.sender):
        # No phone number: never a contact; the user id (longer than the sender column) is
        # kept in the content until the message is handled, for the reply to go to.
        content[USER_ID_KEY] = message.sender
    else:
        phone = phone_of_wa_id(message.sender)
    contact = find_by_phone(session, phone) if phone is not None else None
    stored = store_inbound(
        session,
        wa_message_id=message.message_id,
        contact_id=contact.id if contact else None,
        sender=phone,
        sent_at=message.timestamp,
        content=content,
    )
    if stored:
        log.info("inbound message from %s stored", redact_phone(message.sender))
    return stored


def content_json(content: MessageContent, context_message_id: str | None = None) -> dict[str, Any]:
    """The part of a message the chat acts on, as JSON.

    A button keeps its payload, its text (for its language, and for payloads that are only
    the button's text) and the message it was under (a template's shipment, for "Stop").
    A media's caption is text the contact typed: it is kept, and read, as a text.
    """
    if isinstance(content, Text):
        return {"type": "text", "body": content.body}
    if isinstance(content, Media) and content.caption and content.caption.strip():
        return {"type": "text", "body": content.caption, "media": content.kind}
    button: dict[str, Any] | None = None
    if isinstance(content, ButtonReply | ListReply):
        button = {"type": "button", "payload": content.id, "text": content.title}
    elif isinstance(content, QuickReply):
        button = {"type": "button", "payload": content.payload, "text": content.text}
    if button is not None:
        if context_message_id:
            button["context"] = context_message_id
        return button
    # Locations and media without a caption may be personal and the chat has no use for
    # them: type only.
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
    forget_recipient(row)
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
