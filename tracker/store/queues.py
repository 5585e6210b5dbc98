"""Durable queues in SQL: the inbox of webhook updates, the outbox of messages to send,
and the persistent "sending halted" flag.

Inbox: one row per inbound message, unique by WhatsApp message id (a redelivered webhook
is ignored), and one row per (message id, status) for delivery statuses. Outbox: one row
per message to send, unique by `dedupe_key`, moving pending -> sending -> sent ->
delivered -> read, or ending failed (the provider reported it) / dead (we gave up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import Base

# Forward-only ranks: a status webhook never moves a row back (failed/dead are final).
RANK = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4, "failed": 5, "dead": 5}
FINAL = frozenset({"failed", "dead"})
UNSENT = ("pending", "sending")


_CALLBACK_PREFIX = "outbox:"


def callback_data_for(outbox_id: int) -> str:
    """The `biz_opaque_callback_data` sent with an outbox row, echoed back on its statuses."""
    return f"{_CALLBACK_PREFIX}{outbox_id}"


def outbox_id_of(callback_data: str | None) -> int | None:
    """The outbox id in callback data we sent, or None for anything else."""
    if callback_data is None or not callback_data.startswith(_CALLBACK_PREFIX):
        return None
    number = callback_data[len(_CALLBACK_PREFIX) :]
    return int(number) if number.isascii() and number.isdigit() else None


class InboxMessageRow(Base):
    """An inbound WhatsApp message waiting for (or done with) processing."""

    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wa_message_id: Mapped[str] = mapped_column(String(128), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    # The sender's number only while unprocessed and only for strangers (to answer them).
    sender: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    content: Mapped[str] = mapped_column(Text)  # JSON: {"type": ..., ...}, never the phone
    state: Mapped[str] = mapped_column(String(12), index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class InboxStatusRow(Base):
    """A delivery status webhook for a message we sent."""

    __tablename__ = "inbox_statuses"
    __table_args__ = (UniqueConstraint("wa_message_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wa_message_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(12))
    callback_data: Mapped[str | None] = mapped_column(String(512), index=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxRow(Base):
    """A message to send (notification or reply) and where it stands."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str | None] = mapped_column(String(16))  # strangers only, until final
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    window_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    force_template: Mapped[bool] = mapped_column(Boolean, default=False)
    wamid: Mapped[str | None] = mapped_column(String(128), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    def payload(self) -> dict[str, Any]:
        """The JSON body as a dict."""
        data = json.loads(self.body)
        assert isinstance(data, dict)  # only `enqueue` writes bodies, always objects
        return data


class SendingControl(Base):
    """The single row saying whether all sending is halted, why and since when."""

    __tablename__ = "sending_control"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    halted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    generation: Mapped[int] = mapped_column(Integer, default=0)  # bumped by each resume


@dataclass(frozen=True, slots=True)
class Halt:
    """Why sending stopped, and when."""

    reason: str
    since: datetime


def enqueue(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    body: dict[str, Any],
    contact_id: int | None = None,
    recipient: str | None = None,
    window_from: datetime | None = None,
) -> bool:
    """Queue a message unless one with the same key exists; True when queued."""
    if session.scalar(select(OutboxRow.id).where(OutboxRow.dedupe_key == dedupe_key)):
        return False
    now = utcnow()
    row = OutboxRow(
        contact_id=contact_id,
        recipient=recipient,
        kind=kind,
        body=json.dumps(body, ensure_ascii=False, sort_keys=True),
        state="pending",
        attempts=0,
        next_attempt_at=now,
        window_from=window_from,
        force_template=False,
        dedupe_key=dedupe_key,
        created_at=now,
        updated_at=now,
    )
    return _insert_once(session, row)


def _insert_once(session: Session, row: Base) -> bool:
    # A savepoint keeps the caller's transaction alive when a concurrent writer won the race.
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False


def store_inbound(
    session: Session,
    *,
    wa_message_id: str,
    contact_id: int | None,
    sender: str | None,
    sent_at: datetime,
    content: dict[str, Any],
) -> bool:
    """Store an inbound message once; False for a redelivery of a known message id."""
    known = select(InboxMessageRow.id).where(InboxMessageRow.wa_message_id == wa_message_id)
    if session.scalar(known) is not None:
        return False
    row = InboxMessageRow(
        wa_message_id=wa_message_id,
        contact_id=contact_id,
        sender=None if contact_id is not None else sender,
        sent_at=sent_at,
        received_at=utcnow(),
        content=json.dumps(content, ensure_ascii=False),
        state="pending",
    )
    return _insert_once(session, row)


def store_status(
    session: Session,
    *,
    wa_message_id: str,
    status: str,
    callback_data: str | None,
    error_code: int | None,
    error_title: str | None,
    at: datetime,
) -> bool:
    """Store a status once per (message id, status); False for a redelivery."""
    known = select(InboxStatusRow.id).where(
        InboxStatusRow.wa_message_id == wa_message_id, InboxStatusRow.status == status
    )
    if session.scalar(known) is not None:
        return False
    row = InboxStatusRow(
        wa_message_id=wa_message_id,
        status=status,
        callback_data=callback_data,
        error_code=error_code,
        error_title=error_title,
        at=at,
        received_at=utcnow(),
    )
    return _insert_once(session, row)


def last_inbound_at(session: Session, contact_id: int) -> datetime | None:
    """When the contact last wrote to us: the start of their 24-hour window."""
    return session.scalar(
        select(func.max(InboxMessageRow.sent_at)).where(InboxMessageRow.contact_id == contact_id)
    )


def erase_contact_messages(session: Session, contact_id: int) -> None:
    """Delete a contact's inbound messages and its queued, unsent outbound ones."""
    session.execute(delete(InboxMessageRow).where(InboxMessageRow.contact_id == contact_id))
    session.execute(
        delete(OutboxRow).where(OutboxRow.contact_id == contact_id, OutboxRow.state.in_(UNSENT))
    )


def halted(session: Session) -> Halt | None:
    """The current halt, or None while sending is allowed."""
    row = session.get(SendingControl, 1)
    if row is None or not row.halted:
        return None
    return Halt(row.reason or "", row.since or utcnow())


def halt(session: Session, reason: str) -> None:
    """Stop all sending until `resume`; keeps the first reason if already halted."""
    row = session.get(SendingControl, 1, with_for_update=True)
    if row is None:
        session.add(SendingControl(id=1, halted=True, reason=reason, since=utcnow(), generation=0))
    elif not row.halted:
        row.halted, row.reason, row.since = True, reason, utcnow()


def resume(session: Session) -> bool:
    """Allow sending again; False when it was not halted."""
    row = session.get(SendingControl, 1, with_for_update=True)
    if row is None or not row.halted:
        return False
    row.halted, row.reason, row.since = False, None, None
    row.generation += 1
    return True


def resume_generation(session: Session) -> int:
    """Counts resumes, so a worker notices one and reloads its credentials."""
    row = session.get(SendingControl, 1)
    return 0 if row is None else row.generation


def depths(session: Session) -> dict[str, int]:
    """Queue depths: unprocessed inbox messages and outbox rows per state."""
    query = select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
    counts = dict(session.execute(query).tuples().all())
    inbox = session.scalar(
        select(func.count()).select_from(InboxMessageRow).where(InboxMessageRow.state == "pending")
    )
    result = {"inbox_pending": int(inbox or 0)}
    for state in RANK:
        result[f"outbox_{state}"] = int(counts.get(state, 0))
    return result


def dead_letters(session: Session, limit: int = 100) -> list[OutboxRow]:
    """Messages given up on (dead) or reported failed by the provider, newest first."""
    query = (
        select(OutboxRow)
        .where(OutboxRow.state.in_(FINAL))
        .order_by(OutboxRow.updated_at.desc(), OutboxRow.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
