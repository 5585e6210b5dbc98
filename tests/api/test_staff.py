"""Wallet (file modes, import checks), API tokens (hashed, revocable) and the CA stub."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from sim_pki import Enrolment, SimPki
from sqlalchemy import select

from tracker.store import staff
from tracker.store.db import transaction


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_import_keeps_the_key_readable_by_the_service_user_only(
    tmp_path: Path, people: dict[str, Enrolment]
) -> None:
    wallet = staff.Wallet(tmp_path / "wallet")
    folder = wallet.import_identity("CarrierMSP", people["scanner"].msp_dir)
    assert folder == tmp_path / "wallet" / "CarrierMSP" / "scanner1"
    [key] = (folder / "keystore").glob("*_sk")
    assert mode(key) == 0o600
    assert mode(folder) == mode(folder / "keystore") == mode(tmp_path / "wallet") == 0o700
    actor = wallet.actor("CarrierMSP", folder)
    assert actor.signer.matches(actor.identity)
    with pytest.raises(staff.StaffError, match="already holds"):
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
    with pytest.raises(staff.StaffError, match="does not match"):
        staff.Wallet(tmp_path / "wallet").import_identity("CarrierMSP", mixed)


def test_tokens_are_stored_hashed_and_revocation_is_immediate(
    tmp_path: Path,
    sessions,
    people: dict[str, Enrolment],  # type: ignore[no-untyped-def]
) -> None:
    wallet = staff.Wallet(tmp_path / "wallet")
    with transaction(sessions) as session:
        member, token = staff.add_staff(
            session,
            wallet,
            msp_id="CarrierMSP",
            display_name="Sam",
            enrolment_dir=people["scanner"].msp_dir,
        )
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


def test_ca_enrolment_is_a_clear_not_implemented_step() -> None:
    with pytest.raises(staff.CaEnrolmentNotAvailable, match="Fabric CA"):
        staff.enrol_at_ca("scanner2", "secret")
