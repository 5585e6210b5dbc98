"""Wallet (file modes, import and CA enrolments), API tokens (hashed, revocable, expiring),
the owed CA revocation, and migration 0004 on existing staff."""

from __future__ import annotations

import hashlib
import shutil
import stat
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fabricsim.pki import Enrolment, SimPki
from tracker import ca
from tracker.identities.wallet import Wallet, WalletError
from tracker.store import migrate, staff
from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import make_engine, transaction
from tracker.store.engine import open_database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_import_keeps_the_key_readable_by_the_service_user_only(
    tmp_path: Path, people: dict[str, Enrolment]
) -> None:
    wallet = Wallet(tmp_path / "wallet")
    folder = wallet.import_identity("CarrierMSP", people["scanner"].msp_dir)
    assert folder == tmp_path / "wallet" / "CarrierMSP" / "scanner1"
    [key] = (folder / "keystore").glob("*_sk")
    assert mode(key) == 0o600
    assert mode(folder) == mode(folder / "keystore") == mode(tmp_path / "wallet") == 0o700
    actor = wallet.actor("CarrierMSP", folder)
    assert actor.signer.matches(actor.identity)
    with pytest.raises(WalletError, match="already holds"):
        wallet.import_identity("CarrierMSP", people["scanner"].msp_dir)


def test_import_refuses_a_key_of_another_certificate(
    tmp_path: Path, pki: SimPki, people: dict[str, Enrolment]
) -> None:
    mixed = tmp_path / "mixed"
    shutil.copytree(people["scanner"].msp_dir, mixed)
    for old in (mixed / "keystore").glob("*_sk"):
        old.unlink()
    other = next(people["receiver"].msp_dir.joinpath("keystore").glob("*_sk"))
    shutil.copy(other, mixed / "keystore" / other.name)
    with pytest.raises(WalletError, match="does not match"):
        Wallet(tmp_path / "wallet").import_identity("CarrierMSP", mixed)


def _add_sam(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    people: dict[str, Enrolment],
    **options: int,
) -> tuple[staff.StaffMember, str]:
    """The carrier's scanner added from their enrolment: the member and their first token."""
    with transaction(sessions) as session:
        return staff.add_staff(
            session,
            Wallet(tmp_path / "wallet"),
            msp_id="CarrierMSP",
            display_name="Sam",
            enrolment_dir=people["scanner"].msp_dir,
            **options,
        )


def test_tokens_are_stored_hashed_and_revocation_is_immediate(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    people: dict[str, Enrolment],
) -> None:
    member, token = _add_sam(tmp_path, sessions, people)
    assert member.role == "scanner" and member.enrollment_id == "scanner1"
    assert len(token) >= 43  # 32 random bytes, base64url
    with sessions() as session:
        row = session.scalars(select(staff.StaffRow)).one()
        assert token not in (row.token_hash or "") and len(row.token_hash or "") == 64
        assert staff.authenticate(session, token) == member
        assert staff.authenticate(session, token + "x") is None
    with transaction(sessions) as session:
        staff.revoke(session, member.id)
    with sessions() as session:
        assert staff.authenticate(session, token) is None
    with transaction(sessions) as session:
        fresh = staff.issue_token(session, member.id)
    with sessions() as session:
        assert staff.authenticate(session, fresh) is not None
        assert staff.authenticate(session, token) is None


def test_tokens_expire_and_a_fresh_one_replaces_the_old(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    people: dict[str, Enrolment],
) -> None:
    member, token = _add_sam(tmp_path, sessions, people, token_days=7)
    later = utcnow() + timedelta(days=7, seconds=1)
    with sessions() as session:
        row = session.get(staff.StaffRow, member.id)
        assert row is not None
        assert timedelta(days=7) - (row.token_expires_at - utcnow()) < timedelta(minutes=1)
        assert staff.check_token(session, token) == member
        assert staff.check_token(session, token, now=later) is staff.TokenProblem.EXPIRED
        assert staff.check_token(session, "nope") is staff.TokenProblem.UNKNOWN
    with transaction(sessions) as session:
        fresh = staff.issue_token(session, member.id, token_days=30)
    with sessions() as session:
        assert staff.check_token(session, fresh, now=later) == member
        assert staff.check_token(session, token) is staff.TokenProblem.UNKNOWN
    with transaction(sessions) as session, pytest.raises(staff.StaffError, match="1 to 3650"):
        staff.issue_token(session, member.id, token_days=0)


def test_a_ca_revocation_stays_owed_until_confirmed(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    people: dict[str, Enrolment],
) -> None:
    member, token = _add_sam(tmp_path, sessions, people)
    with transaction(sessions) as session:
        assert staff.revoke(session, member.id, at_ca=True).ca_revocation == "pending"
    with sessions() as session:
        assert staff.check_token(session, token) is staff.TokenProblem.REVOKED
    with transaction(sessions) as session:
        staff.ca_revoked(session, member.id)
        assert staff.revoke(session, member.id, at_ca=True).ca_revocation == "done"
    with transaction(sessions) as session, pytest.raises(staff.StaffError, match="add them again"):
        staff.issue_token(session, member.id)


def test_a_ca_enrolment_is_stored_with_the_service_user_only_modes(
    tmp_path: Path, pki: SimPki
) -> None:
    issued = pki.enrol("RetailerMSP", "receiver-0a0b0c0d", "receiver").issued
    enrolment = ca.Enrolment(
        "receiver-0a0b0c0d", issued.cert_pem, pki.ca("RetailerMSP").cert_pem, issued.key_pem
    )
    wallet = Wallet(tmp_path / "wallet")
    folder = wallet.store_enrolment("RetailerMSP", enrolment)
    [key] = (folder / "keystore").glob("*_sk")
    assert mode(key) == 0o600 and key.read_bytes() == issued.key_pem
    for sub in ("", "signcerts", "keystore", "cacerts"):
        assert mode(folder / sub) == 0o700
    assert (folder / "cacerts" / "ca.pem").read_bytes() == pki.ca("RetailerMSP").cert_pem
    actor = wallet.actor("RetailerMSP", folder)
    assert actor.signer.matches(actor.identity)
    with pytest.raises(WalletError, match="already holds"):
        wallet.store_enrolment("RetailerMSP", enrolment)
    with pytest.raises(WalletError, match="cannot name a wallet folder"):
        wallet.store_enrolment("RetailerMSP", replace(enrolment, enrollment_id="../x"))


def test_an_enrolment_that_cannot_be_stored_is_kept_not_deleted(
    tmp_path: Path,
    pki: SimPki,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The CA enrolls a registration once: losing the key would strand the identity there.
    issued = pki.enrol("RetailerMSP", "receiver-1a1b1c1d", "receiver").issued
    enrolment = ca.Enrolment(
        "receiver-1a1b1c1d", issued.cert_pem, pki.ca("RetailerMSP").cert_pem, issued.key_pem
    )

    def broken(*_: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(staff, "_new_member", broken)
    wallet = Wallet(tmp_path / "wallet")
    with transaction(sessions) as session, pytest.raises(staff.StaffError, match="--msp-dir"):
        staff.add_enrolled(
            session, wallet, msp_id="RetailerMSP", display_name="Rae", enrolment=enrolment
        )
    [kept] = (tmp_path / "wallet").rglob(".unstored-receiver-1a1b1c1d-*")
    [key] = (kept / "keystore").glob("*_sk")
    assert key.read_bytes() == issued.key_pem and mode(key) == 0o600


def test_migration_0004_gives_existing_tokens_the_default_lifetime(database_url: str) -> None:
    migrate.upgrade(database_url, "0003")
    token = "a-token-issued-before-expiry-existed"
    old = sa.table(
        "staff",
        *(sa.column(name) for name in ("msp_id", "display_name", "role", "enrollment_id")),
        sa.column("wallet_path"),
        sa.column("token_hash"),
        sa.column("created_at", UtcDateTime()),
        sa.column("revoked_at", UtcDateTime()),
    )
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for name, hashed, revoked in (("a", token, None), ("b", "other", utcnow())):
            connection.execute(
                old.insert().values(
                    msp_id="CarrierMSP",
                    display_name=name.upper(),
                    role="scanner",
                    enrollment_id=name,
                    wallet_path=f"/wallet/{name}",
                    token_hash=hashlib.sha256(hashed.encode()).hexdigest(),
                    created_at=utcnow(),
                    revoked_at=revoked,
                )
            )
    engine.dispose()
    migrate.upgrade(database_url)
    engine, sessions = open_database(database_url)
    with sessions() as session:
        rows = session.scalars(select(staff.StaffRow).order_by(staff.StaffRow.id)).all()
        expected = utcnow() + timedelta(days=90)
        assert [abs(row.token_expires_at - expected) < timedelta(minutes=5) for row in rows] == [
            True,
            True,
        ]
        assert [row.ca_revocation for row in rows] == [None, None]
        member = staff.check_token(session, token)
        assert isinstance(member, staff.StaffMember) and member.enrollment_id == "a"
        late = utcnow() + timedelta(days=91)
        assert staff.check_token(session, token, now=late) is staff.TokenProblem.EXPIRED
        assert staff.check_token(session, "other") is staff.TokenProblem.REVOKED
    engine.dispose()
