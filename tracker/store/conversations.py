"""Disputes opened from the chat and their conversations, kept off-chain.

`DisputeChatRow`: a dispute a contact opened: `opening` until the ledger took it, then `open`
(or `refused`); once the ledger says it is resolved, `closing` while its last messages (the
resolution notice among them) are sent and anchored, then `resolved`. Only `opening` and
`open` disputes the ledger has not resolved take new messages (`active_disputes`), so after a
resolution the contact's messages get the usual answers and a new DISPUTE opens a new dispute.
`ConversationMessageRow`: one message of that contact's conversation about the shipment,
inbound or outbound; complete once its provider id, time and text are known, when its leaf
hash (`terms.merkle.leaf_hash`) is kept, then anchored at `leaf_index`. Only leaf hashes and
roots go on the ledger; the texts stay here, and `erase_contact_texts` drops them with every
other trace of the message (provider ids, text hashes): only the leaf hashes stay, so the
anchors remain, meaningless without the texts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Integer, String, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.agreements import DisputeRow
from tracker.store.columns import UtcDateTime
from tracker.store.db import Base
from tracker.store.queues import UNSENT, OutboxRow

OPENING, OPEN, REFUSED = "opening", "open", "refused"
CLOSING, RESOLVED = "closing", "resolved"  # resolved on the ledger: last anchor, then closed
ON_LEDGER = (OPEN, CLOSING, RESOLVED)  # states whose conversation is anchored
LEDGER_RESOLVED = "resolved"  # DisputeRow.status of a resolved dispute


class DisputeChatRow(Base):
    """A dispute opened by a contact from the chat."""

    __tablename__ = "dispute_chats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(64), unique=True)
    sscc: Mapped[str] = mapped_column(String(18), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(16))
    raised_for: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    source_message_id: Mapped[str | None] = mapped_column(String(128))  # None once erased
    state: Mapped[str] = mapped_column(String(12), index=True)
    opened_tx: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConversationMessageRow(Base):
    """One message of a dispute's conversation."""

    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("dispute_chats.dispute_id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    outbox_id: Mapped[int | None] = mapped_column(Integer, index=True)  # outbound, until sent
    provider_message_id: Mapped[str | None] = mapped_column(String(128))  # None once erased
    time: Mapped[str | None] = mapped_column(String(40))  # the leaf's UTC instant
    text: Mapped[str | None] = mapped_column(Text)  # None once erased
    text_sha256: Mapped[str | None] = mapped_column(String(64))  # None once erased
    leaf_hash: Mapped[str | None] = mapped_column(String(64))  # set once complete
    leaf_index: Mapped[int | None] = mapped_column(Integer)  # set once anchored
    anchor_tx: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def resolved_on_ledger() -> ColumnElement[bool]:
    """True for a chat dispute whose mirrored ledger record (the read model) is resolved."""
    return (
        select(DisputeRow.dispute_id)
        .where(
            DisputeRow.sscc == DisputeChatRow.sscc,
            DisputeRow.dispute_id == DisputeChatRow.dispute_id,
            DisputeRow.status == LEDGER_RESOLVED,
        )
        .exists()
    )


def active_disputes(
    session: Session, contact_id: int, *, lock: bool = False
) -> list[DisputeChatRow]:
    """The contact's disputes still being opened or open, newest first; never one the ledger
    resolved, even before the worker closed it. `lock`: taken FOR UPDATE, so a message is
    never added to a dispute that a concurrent transaction is closing."""
    query = (
        select(DisputeChatRow)
        .where(
            DisputeChatRow.contact_id == contact_id,
            DisputeChatRow.state.in_((OPENING, OPEN)),
            ~resolved_on_ledger(),
        )
        .order_by(DisputeChatRow.id.desc())
    )
    if lock:
        query = query.with_for_update(of=DisputeChatRow)
    return list(session.scalars(query))


def waiting_messages() -> ColumnElement[bool]:
    """A conversation message its dispute still waits for: complete but not anchored yet, or
    outbound and still queued to be sent (one dead or erased unsent is never waited for)."""
    queued = (
        select(OutboxRow.id)
        .where(OutboxRow.id == ConversationMessageRow.outbox_id, OutboxRow.state.in_(UNSENT))
        .exists()
    )
    return and_(
        ConversationMessageRow.leaf_index.is_(None),
        or_(ConversationMessageRow.leaf_hash.is_not(None), queued),
    )


def anchored_messages(session: Session, dispute_id: str) -> list[ConversationMessageRow]:
    """A dispute's anchored messages, in leaf order (the transcript)."""
    query = (
        select(ConversationMessageRow)
        .where(
            ConversationMessageRow.dispute_id == dispute_id,
            ConversationMessageRow.leaf_index.is_not(None),
        )
        .order_by(ConversationMessageRow.leaf_index)
    )
    return list(session.scalars(query))


def erase_contact_texts(session: Session, contact_id: int) -> None:
    """Forget a contact's conversations and who it was: texts, provider message ids and text
    hashes (the SHA-256 of a short text can be guessed) go; times, directions and leaf hashes
    stay, enough for the anchors (explicitly: SQLite applies ON DELETE SET NULL only where
    foreign keys are on)."""
    session.execute(
        update(ConversationMessageRow)
        .where(ConversationMessageRow.contact_id == contact_id)
        .values(text=None, text_sha256=None, provider_message_id=None, contact_id=None)
    )
    session.execute(
        update(DisputeChatRow)
        .where(DisputeChatRow.contact_id == contact_id)
        .values(source_message_id=None, contact_id=None)
    )
