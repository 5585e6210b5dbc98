"""`tracker staff` from the command line: add (import an enrolment), list, revoke, token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sim_pki import SimPki

from tracker.store import staff
from tracker.store.engine import open_database


def tracker(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{root / 'tracker.db'}",
        "TRACKER_WALLET_DIR": str(root / "wallet"),
    }
    command = [sys.executable, "-m", "tracker.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def token_of(output: str) -> str:
    return output.split("API token (shown once, stored hashed): ")[1].split()[0]


def test_add_list_revoke_and_rotate(tmp_path: Path) -> None:
    enrolment = SimPki(tmp_path / "pki").enrol("CarrierMSP", "scanner7", "scanner")
    assert tracker(tmp_path, "db", "upgrade").returncode == 0
    added = tracker(tmp_path, "staff", "add", "--org", "CarrierMSP", "--name", "Sam",
                    "--role", "scanner", "--msp-dir", str(enrolment.msp_dir))  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = token_of(added.stdout)
    sessions = open_database(f"sqlite:///{tmp_path / 'tracker.db'}")[1]
    with sessions() as session:
        member = staff.authenticate(session, token)
        assert member is not None and (member.role, member.enrollment_id) == ("scanner", "scanner7")

    listing = tracker(tmp_path, "staff", "list")
    assert "scanner7" in listing.stdout and token not in listing.stdout
    assert tracker(tmp_path, "staff", "revoke", str(member.id)).returncode == 0
    with sessions() as session:
        assert staff.authenticate(session, token) is None  # at once

    rotated = token_of(tracker(tmp_path, "staff", "token", str(member.id)).stdout)
    with sessions() as session:
        assert staff.authenticate(session, rotated) is not None
        assert staff.authenticate(session, token) is None


def test_role_must_match_the_certificate(tmp_path: Path) -> None:
    enrolment = SimPki(tmp_path / "pki").enrol("CarrierMSP", "scanner8", "scanner")
    assert tracker(tmp_path, "db", "upgrade").returncode == 0
    result = tracker(tmp_path, "staff", "add", "--org", "CarrierMSP", "--name", "Sam",
                     "--role", "receiver", "--msp-dir", str(enrolment.msp_dir))  # fmt: skip
    assert result.returncode == 65
    assert "role attribute is 'scanner', not 'receiver'" in result.stderr


def test_enrolment_at_the_ca_says_it_is_not_available(tmp_path: Path) -> None:
    result = tracker(tmp_path, "staff", "add", "--org", "CarrierMSP", "--name", "Sam",
                     "--role", "scanner")  # fmt: skip
    assert result.returncode == 69
    assert "Fabric CA enrolment is not implemented" in result.stderr
    assert "--msp-dir" in result.stderr
