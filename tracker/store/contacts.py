"""Contacts (who may be told about shipments over WhatsApp) and their subscriptions.

This table is the only place a phone number is kept (queued outbox rows to strangers hold
theirs only until sent). Logs show numbers through `redact_phone` only. `delete_contact`
is the erasure: the contact, its subscriptions, its inbound messages, its unsent
messages and the texts of its dispute conversations go together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import Base

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
_E164_MAX_DIGITS = 15
_E164_MIN_DIGITS = 8  # shortest real national numbers plus country code


class InvalidContact(ValueError):
    """A contact field does not have an acceptable value."""


class ContactRow(Base):
    """A person or desk of a consortium organisation who chats with the tracker."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_msp_id: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    language: Mapped[str] = mapped_column(String(2))
    opted_in_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SubscriptionRow(Base):
    """A contact follows one shipment's status changes."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("contact_id", "sscc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    sscc: Mapped[str] = mapped_column(String(18), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact as the chat services see it (a detached, immutable copy)."""

    id: int
    org_msp_id: str
    label: str
    phone: str
    language: Lang

    @classmethod
    def of(cls, row: ContactRow) -> Contact:
        """Copy a row into a frozen value."""
        return cls(row.id, row.org_msp_id, row.label, row.phone, cast(Lang, row.language))


def normalize_phone(raw: str) -> str:
    """Return the E.164 form (`+` and 8-15 digits) of a number typed with spaces or dashes."""
    compact = "".join(c for c in raw if c not in " -.()\u00a0")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact[1:]
    if not compact.startswith("+") or not digits.isascii() or not digits.isdigit():
        raise InvalidContact("phone must be in E.164 form, e.g. +33639985678")
    if not _E164_MIN_DIGITS <= len(digits) <= _E164_MAX_DIGITS or digits.startswith("0"):
        raise InvalidContact("phone must have 8 to 15 digits after +, not starting with 0")
    return compact


def phone_of_wa_id(wa_id: str) -> str:
    """The E.164 number of a WhatsApp id (Meta's wa_id is the number without `+`)."""
    return "+" + wa_id.lstrip("+")


def add_contact(
    session: Session, *, org_msp_id: str, phone: str, language: str, label: str = ""
) -> Contact:
    """Create a contact; the phone must be new. Opt-in is recorded as now."""
    if language not in LANGUAGES:
        raise InvalidContact("language must be fr or en")
    if not org_msp_id.strip():
        raise InvalidContact("org MSP id is required")
    number = normalize_phone(phone)
    if session.scalar(select(ContactRow.id).where(ContactRow.phone == number)) is not None:
        raise InvalidContact("a contact with this phone already exists")
    now = utcnow()
    row = ContactRow(
        org_msp_id=org_msp_id.strip(),
        label=label.strip()[:100],
        phone=number,
        language=language,
        opted_in_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return Contact.of(row)


def find_by_phone(session: Session, phone: str) -> Contact | None:
    """The contact owning an E.164 number, if any."""
    row = session.scalar(select(ContactRow).where(ContactRow.phone == phone))
    return Contact.of(row) if row else None


def get_contact(session: Session, contact_id: int) -> Contact | None:
    """The contact with this id, if any."""
    row = session.get(ContactRow, contact_id)
    return Contact.of(row) if row else None


def list_contacts(session: Session) -> list[Contact]:
    """Every contact, by id."""
    return [Contact.of(r) for r in session.scalars(select(ContactRow).order_by(ContactRow.id))]


def delete_contact(session: Session, contact_id: int) -> bool:
    """Erase a contact with its subscriptions, inbound and unsent messages, and the texts of
    its dispute conversations (their anchored hashes stay, meaningless without the texts)."""
    # Imported here: queues refers to contacts for its foreign keys, not the other way round.
    from tracker.store.conversations import erase_contact_texts
    from tracker.store.queues import erase_contact_messages

    if session.get(ContactRow, contact_id) is None:
        return False
    erase_contact_texts(session, contact_id)  # dispute transcripts: texts go, leaf hashes stay
    # Explicit deletes, not only ON DELETE: SQLite enforces foreign keys per connection only.
    session.execute(delete(SubscriptionRow).where(SubscriptionRow.contact_id == contact_id))
    erase_contact_messages(session, contact_id)
    session.execute(delete(ContactRow).where(ContactRow.id == contact_id))
    return True


def subscribe(session: Session, contact_id: int, sscc: str) -> bool:
    """Follow a shipment; False when the contact already follows it."""
    exists = session.scalar(
        select(SubscriptionRow.id).where(
            SubscriptionRow.contact_id == contact_id, SubscriptionRow.sscc == sscc
        )
    )
    if exists is not None:
        return False
    session.add(SubscriptionRow(contact_id=contact_id, sscc=sscc, created_at=utcnow()))
    session.flush()
    return True


def unsubscribe(session: Session, contact_id: int, sscc: str | None) -> int:
    """Stop following one shipment, or all when `sscc` is None; returns how many ended."""
    query = delete(SubscriptionRow).where(SubscriptionRow.contact_id == contact_id)
    if sscc is not None:
        query = query.where(SubscriptionRow.sscc == sscc)
    result = cast(CursorResult[Any], session.execute(query))
    return result.rowcount


def subscribers(session: Session, sscc: str) -> list[Contact]:
    """Contacts following a shipment, by contact id."""
    query = (
        select(ContactRow)
        .join(SubscriptionRow, SubscriptionRow.contact_id == ContactRow.id)
        .where(SubscriptionRow.sscc == sscc)
        .order_by(ContactRow.id)
    )
    return [Contact.of(r) for r in session.scalars(query)]
