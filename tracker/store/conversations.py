"""Disputes opened from the chat and their conversations, kept off-chain.

`DisputeChatRow`: a dispute a contact opened (`opening` until the ledger took it, then `open`,
or `refused`). `ConversationMessageRow`: one message of that contact's conversation about the
shipment, inbound or outbound; complete once its provider id, time and text are known, when
its leaf hash (`terms.merkle.leaf_hash`) is kept, then anchored at `leaf_index`. Only leaf
hashes and roots go on the ledger; the texts stay here, and `erase_contact_texts` drops them
(leaf hashes stay: the anchors remain, meaningless without the texts).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.columns import UtcDateTime
from tracker.store.db import Base

OPENING, OPEN, REFUSED = "opening", "open", "refused"


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
    source_message_id: Mapped[str] = mapped_column(String(128))  # the DISPUTE message
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
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    time: Mapped[str | None] = mapped_column(String(40))  # the leaf's UTC instant
    text: Mapped[str | None] = mapped_column(Text)  # None once erased
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    leaf_hash: Mapped[str | None] = mapped_column(String(64))  # set once complete
    leaf_index: Mapped[int | None] = mapped_column(Integer)  # set once anchored
    anchor_tx: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def active_disputes(session: Session, contact_id: int) -> list[DisputeChatRow]:
    """The contact's disputes still being opened or open, newest first."""
    query = (
        select(DisputeChatRow)
        .where(DisputeChatRow.contact_id == contact_id, DisputeChatRow.state.in_((OPENING, OPEN)))
        .order_by(DisputeChatRow.id.desc())
    )
    return list(session.scalars(query))


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
    """Forget the texts of a contact's conversations, and who it was; ids, times and leaf
    hashes stay (explicitly: SQLite applies ON DELETE SET NULL only where foreign keys are on)."""
    session.execute(
        update(ConversationMessageRow)
        .where(ConversationMessageRow.contact_id == contact_id)
        .values(text=None, contact_id=None)
    )
    session.execute(
        update(DisputeChatRow)
        .where(DisputeChatRow.contact_id == contact_id)
        .values(contact_id=None)
    )
