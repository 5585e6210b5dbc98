"""Staff members, the wallet folders of their identities, their API tokens and the journal of
their scans (the wallet itself is `tracker.identities.wallet`).

Tokens: `secrets.token_urlsafe(32)` (256 bits), shown once, stored only as SHA-256. A slow
password hash is unnecessary here: it protects guessable secrets, and a 256-bit random token
cannot be brute-forced from its hash. Lookup is by hash, then a constant-time comparison.
Every token expires (`DEFAULT_TOKEN_DAYS` unless told otherwise); a new one replaces the old.
`ca_revocation` is None, "pending" (the token is dead, the CA has not confirmed yet) or "done".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.identities.wallet import Wallet
from tracker.ledger.identity import signatory
from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import Base

if TYPE_CHECKING:  # the store needs only the values, not the CA client
    from tracker.ca.enrolment import Enrolment

TOKEN_BYTES = 32
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650


class StaffError(ValueError):
    """A staff operation was refused; the message says why."""


class TokenProblem(Enum):
    """Why a presented token was refused."""

    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"


class StaffRow(Base):
    """One staff member: organisation, name, role, enrolment and token hash."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("msp_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    msp_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    enrollment_id: Mapped[str] = mapped_column(String(128))
    wallet_path: Mapped[str] = mapped_column(String(500))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ca_revocation: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ScanJournalRow(Base):
    """One write a staff member sent: its exact argument, state and, once committed, the
    answer (the pending-scan queue of `tracker.api.pending`)."""

    __tablename__ = "scan_journal"
    __table_args__ = (UniqueConstraint("msp_id", "client_scan_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    msp_id: Mapped[str] = mapped_column(String(64))
    client_scan_id: Mapped[str] = mapped_column(String(100))
    staff_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    sscc: Mapped[str] = mapped_column(String(18))
    argument: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    tx_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    block_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class StaffMember:
    """A staff member as the API sees one (never the token hash)."""

    id: int
    msp_id: str
    display_name: str
    role: str
    enrollment_id: str
    wallet_path: Path
    revoked: bool
    ca_revocation: str | None = None

    @classmethod
    def of(cls, row: StaffRow) -> StaffMember:
        """Freeze a row."""
        return cls(
            row.id,
            row.msp_id,
            row.display_name,
            row.role,
            row.enrollment_id,
            Path(row.wallet_path),
            row.revoked_at is not None,
            row.ca_revocation,
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_staff(
    session: Session,
    wallet: Wallet,
    *,
    msp_id: str,
    display_name: str,
    enrolment_dir: Path,
    token_days: int = DEFAULT_TOKEN_DAYS,
) -> tuple[StaffMember, str]:
    """Import the person's enrolment and issue their first token (returned once)."""
    _token_lifetime(token_days)
    folder = wallet.import_identity(msp_id, enrolment_dir)
    return _new_member(session, msp_id, display_name, folder, token_days)


def ensure_new(session: Session, wallet: Wallet, msp_id: str, enrollment_id: str) -> None:
    """Refuse, before anything is registered at the CA, an identity the tracker already has."""
    wallet.folder(msp_id, enrollment_id)
    query = select(StaffRow.id).where(
        StaffRow.msp_id == msp_id, StaffRow.enrollment_id == enrollment_id
    )
    if session.scalars(query).first() is not None:
        raise StaffError(f"{msp_id}/{enrollment_id} is already a staff member")


def add_enrolled(
    session: Session,
    wallet: Wallet,
    *,
    msp_id: str,
    display_name: str,
    enrolment: Enrolment,
    token_days: int = DEFAULT_TOKEN_DAYS,
) -> tuple[StaffMember, str]:
    """Store an enrolment made at the CA in the wallet and issue the first token."""
    _token_lifetime(token_days)
    folder = wallet.store_enrolment(msp_id, enrolment)
    try:
        return _new_member(session, msp_id, display_name, folder, token_days)
    except Exception as error:
        # The CA will not enroll this identity again (one enrolment per registration), so the
        # key must not be thrown away: set it aside, out of the wallet's live folders, and say
        # where, so `tracker staff add --msp-dir` can import it once the cause is fixed.
        kept = folder.with_name(f".unstored-{folder.name}-{secrets.token_hex(4)}")
        folder.rename(kept)
        raise StaffError(
            f"{msp_id}/{folder.name} is enrolled at the CA but could not be stored ({error}); "
            f"its enrolment is kept in {kept}: fix the cause, then "
            f"tracker staff add --org {msp_id} --name ... --role ... --msp-dir {kept}"
        ) from error


def _new_member(
    session: Session, msp_id: str, display_name: str, folder: Path, token_days: int
) -> tuple[StaffMember, str]:
    who = signatory((folder / "signcerts" / "cert.pem").read_bytes())
    token, now = secrets.token_urlsafe(TOKEN_BYTES), utcnow()
    row = StaffRow(
        msp_id=msp_id,
        display_name=display_name,
        role=who.role,
        enrollment_id=who.enrollment_id,
        wallet_path=str(folder),
        token_hash=_hash(token),
        token_expires_at=now + _token_lifetime(token_days),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return StaffMember.of(row), token


def _token_lifetime(days: int) -> timedelta:
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise StaffError(f"a token lives 1 to {MAX_TOKEN_DAYS} days, not {days}")
    return timedelta(days=days)


def _row(session: Session, staff_id: int) -> StaffRow:
    row = session.get(StaffRow, staff_id)
    if row is None:
        raise StaffError(f"no staff member {staff_id}")
    return row


def issue_token(session: Session, staff_id: int, *, token_days: int = DEFAULT_TOKEN_DAYS) -> str:
    """A new token for a member (the old one stops working); returned once, stored hashed."""
    row = _row(session, staff_id)
    if row.ca_revocation is not None:
        raise StaffError(
            f"staff {staff_id}'s identity was revoked at the Fabric CA: add them again instead"
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row.token_hash, row.revoked_at = _hash(token), None
    row.token_expires_at = utcnow() + _token_lifetime(token_days)
    return token


def revoke(session: Session, staff_id: int, *, at_ca: bool = False) -> StaffMember:
    """Stop a member's token at once (no caching anywhere); with `at_ca`, also note that the
    identity's revocation at the Fabric CA is owed until `ca_revoked` records it."""
    row = _row(session, staff_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    if at_ca and row.ca_revocation is None:
        row.ca_revocation = "pending"
    return StaffMember.of(row)


def ca_revoked(session: Session, staff_id: int) -> None:
    """Record that the Fabric CA confirmed the identity's revocation."""
    _row(session, staff_id).ca_revocation = "done"


def check_token(
    session: Session, token: str, *, now: datetime | None = None
) -> StaffMember | TokenProblem:
    """The member holding this token, or why it is refused (unknown, revoked, expired)."""
    digest = _hash(token)
    row = session.scalars(select(StaffRow).where(StaffRow.token_hash == digest)).one_or_none()
    if row is None or row.token_hash is None or not hmac.compare_digest(row.token_hash, digest):
        return TokenProblem.UNKNOWN
    if row.revoked_at is not None:
        return TokenProblem.REVOKED
    if row.token_expires_at <= (now or utcnow()):
        return TokenProblem.EXPIRED
    return StaffMember.of(row)


def authenticate(session: Session, token: str) -> StaffMember | None:
    """The member holding this token, or None for an unknown, revoked or expired token."""
    found = check_token(session, token)
    return found if isinstance(found, StaffMember) else None


def get_member(session: Session, staff_id: int) -> StaffMember | None:
    """A member by id, revoked or not."""
    row = session.get(StaffRow, staff_id)
    return None if row is None else StaffMember.of(row)


def find_members(session: Session, msp_id: str, name: str) -> list[StaffMember]:
    """Members of an org whose enrolment id, else display name, is `name`."""
    for column in (StaffRow.enrollment_id, StaffRow.display_name):
        query = select(StaffRow).where(StaffRow.msp_id == msp_id, column == name)
        rows = session.scalars(query.order_by(StaffRow.id)).all()
        if rows:
            return [StaffMember.of(row) for row in rows]
    return []
