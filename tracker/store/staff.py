"""Staff members, their wallet identities, their API tokens and the journal of their scans.

Wallet: one folder per identity under the wallet dir (`<msp>/<enrolment id>/`, mode 0700,
key file 0600) in the layout a Fabric CA enrolment produces (`signcerts/cert.pem`,
`keystore/<name>_sk`), imported from such an enrolment with `import_identity`. Registering
and enrolling at a Fabric CA is a separate step that is NOT implemented (`enrol_at_ca`).

Tokens: `secrets.token_urlsafe(32)` (256 bits), shown once, stored only as SHA-256. A slow
password hash is unnecessary here: it protects guessable secrets, and a 256-bit random token
cannot be brute-forced from its hash. Lookup is by hash, then a constant-time comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.ledger.facade_values import Actor
from tracker.ledger.identity import IdentityError, load_enrolment, signatory
from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import Base

TOKEN_BYTES = 32


# Names that become wallet folders: nothing that could climb out of the wallet.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._@-]{0,127}")


class StaffError(ValueError):
    """A staff or wallet operation was refused; the message says why."""


class CaEnrolmentNotAvailable(RuntimeError):
    """Fabric CA registration/enrolment is not implemented in this build."""


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
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


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
        )


class Wallet:
    """Identities on disk, readable by the service user only."""

    def __init__(self, root: Path) -> None:
        """Use (and create, mode 0700) the wallet folder."""
        self.root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)

    def import_identity(self, msp_id: str, enrolment_dir: Path) -> Path:
        """Copy a Fabric CA enrolment (cert + key) into the wallet; return its folder."""
        if not _SAFE_NAME.fullmatch(msp_id):
            raise StaffError(f"MSP id {msp_id!r} may hold only letters, digits, '.', '-', '_'")
        try:
            identity, _signer = load_enrolment(msp_id, enrolment_dir)
        except (IdentityError, OSError) as error:
            raise StaffError(f"cannot import {enrolment_dir}: {error}") from error
        enrollment_id = signatory(identity.cert_pem).enrollment_id
        if not _SAFE_NAME.fullmatch(enrollment_id):
            raise StaffError(f"certificate CN {enrollment_id!r} cannot name a wallet folder")
        target = self.root / msp_id / enrollment_id
        if target.exists():
            raise StaffError(f"wallet already holds {msp_id}/{enrollment_id}")
        (self.root / msp_id).mkdir(mode=0o700, exist_ok=True)
        key = next((enrolment_dir / "keystore").glob("*_sk"))
        for folder in (target, target / "signcerts", target / "keystore"):
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
        shutil.copyfile(enrolment_dir / "signcerts" / "cert.pem", target / "signcerts/cert.pem")
        key_copy = target / "keystore" / key.name
        # Created 0600 from the start, so the key is never readable by others even briefly.
        descriptor = os.open(key_copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key.read_bytes())
        return target

    def actor(self, msp_id: str, folder: Path) -> Actor:
        """The identity and signer stored in a wallet folder."""
        identity, signer = load_enrolment(msp_id, folder)
        return Actor(identity, signer)


def enrol_at_ca(enrollment_id: str, secret: str) -> Path:
    """Register and enrol an identity at the organisation's Fabric CA: NOT implemented."""
    raise CaEnrolmentNotAvailable(
        "Fabric CA enrolment is not implemented: no Fabric CA can run where this was built "
        "(its binaries were unavailable), so a client for it could not be tested. Enrol with "
        "`fabric-ca-client enroll` and import the result with Wallet.import_identity."
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_staff(
    session: Session, wallet: Wallet, *, msp_id: str, display_name: str, enrolment_dir: Path
) -> tuple[StaffMember, str]:
    """Import the person's enrolment and issue their first token (returned once)."""
    folder = wallet.import_identity(msp_id, enrolment_dir)
    who = signatory((folder / "signcerts" / "cert.pem").read_bytes())
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = StaffRow(
        msp_id=msp_id,
        display_name=display_name,
        role=who.role,
        enrollment_id=who.enrollment_id,
        wallet_path=str(folder),
        token_hash=_hash(token),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return StaffMember.of(row), token


def issue_token(session: Session, staff_id: int) -> str:
    """A new token for a member (the old one stops working); returned once, stored hashed."""
    row = session.get(StaffRow, staff_id)
    if row is None:
        raise StaffError(f"no staff member {staff_id}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row.token_hash, row.revoked_at = _hash(token), None
    return token


def revoke(session: Session, staff_id: int) -> None:
    """Revoke a member's token; effective for the next request (no caching anywhere)."""
    row = session.get(StaffRow, staff_id)
    if row is None:
        raise StaffError(f"no staff member {staff_id}")
    row.revoked_at = utcnow()


def authenticate(session: Session, token: str) -> StaffMember | None:
    """The member holding this token, or None for an unknown or revoked token."""
    digest = _hash(token)
    row = session.scalars(select(StaffRow).where(StaffRow.token_hash == digest)).one_or_none()
    if row is None or row.token_hash is None:
        return None
    if not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        return None
    return StaffMember.of(row)


def get_member(session: Session, staff_id: int) -> StaffMember | None:
    """A member by id, revoked or not."""
    row = session.get(StaffRow, staff_id)
    return None if row is None else StaffMember.of(row)
