"""`tracker staff` from the command line: add (at the org's Fabric CA, or by importing an
enrolment), list, revoke (token at once, identity at the CA, retried when the CA is down),
token (rotate, expiry). The CA is the FAKE Fabric CA of tests/ca over real HTTPS; the API
is the real tracker app over HTTP in front of the SimulatedPeer (FAKE peer)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import select, update

from fabricsim.pki import SimPki
from tests.api.api_stack import ApiStack, create_body, new_sscc
from tests.ca.fake_ca import FakeFabricCa
from tracker.ledger.identity import load_enrolment, signatory
from tracker.store import staff
from tracker.store.columns import utcnow
from tracker.store.engine import open_database

ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


def tracker(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `tracker` with the database and wallet under `root`."""
    full = {
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{root / 'tracker.db'}",
        "TRACKER_WALLET_DIR": str(root / "wallet"),
        **(env or {}),
    }
    command = [sys.executable, "-m", "tracker.cli", *args]
    return subprocess.run(
        command, env=full, capture_output=True, text=True, timeout=60, check=False
    )


def token_of(output: str) -> str:
    return output.split("API token (shown once, stored hashed): ")[1].split()[0]


def staff_id_of(output: str) -> str:
    return output.split("staff ")[1].split(":")[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fake_ca(tmp_path: Path) -> Iterator[FakeFabricCa]:
    """The FAKE Fabric CA over HTTPS on 127.0.0.1."""
    running = FakeFabricCa(tmp_path / "fake-ca", ca_name="ca-org").start()
    yield running
    running.stop()


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


def test_without_a_ca_for_the_org_add_says_how_to_configure_one(tmp_path: Path) -> None:
    result = tracker(tmp_path, "staff", "add", "--org", "CarrierMSP", "--name", "Sam",
                     "--role", "scanner")  # fmt: skip
    assert result.returncode == 78
    assert "no Fabric CA is configured for CarrierMSP" in result.stderr
    assert "TRACKER_CA_CARRIERMSP_URL" in result.stderr and "--msp-dir" in result.stderr


def test_add_registers_and_enrols_at_the_orgs_ca(tmp_path: Path, fake_ca: FakeFabricCa) -> None:
    env = fake_ca.tracker_env("CarrierMSP")
    assert tracker(tmp_path, "db", "upgrade").returncode == 0
    added = tracker(tmp_path, "staff", "add", "--org", "CarrierMSP", "--name", "Sam Rivera",
                    "--role", "scanner", "--token-days", "30", env=env)  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = token_of(added.stdout)
    assert added.stdout.count(token) == 1  # shown once
    [(enrollment_id, registered)] = [
        (name, who) for name, who in fake_ca.identities.items() if name != "admin"
    ]
    assert enrollment_id.startswith("scanner-") and "Sam" not in enrollment_id  # off-ledger
    assert registered.attrs["role"] == ("scanner", True) and registered.enrollments == 1
    assert registered.secret not in added.stdout + added.stderr

    folder = tmp_path / "wallet" / "CarrierMSP" / enrollment_id
    [key] = (folder / "keystore").glob("*_sk")
    assert mode(key) == 0o600
    for path in (tmp_path / "wallet", tmp_path / "wallet" / "CarrierMSP", folder,
                 folder / "signcerts", folder / "keystore"):  # fmt: skip
        assert mode(path) == 0o700, path
    cert_pem = (folder / "signcerts" / "cert.pem").read_bytes()
    cert = x509.load_pem_x509_certificate(cert_pem)
    cert.verify_directly_issued_by(fake_ca.ca.cert)  # chains to the org's CA
    attrs = json.loads(cert.extensions.get_extension_for_oid(ATTRIBUTE_OID).value.value)  # type: ignore[attr-defined]
    assert attrs["attrs"]["role"] == "scanner"
    assert signatory(cert_pem).enrollment_id == enrollment_id
    load_enrolment("CarrierMSP", folder)  # the key is the certificate's

    sessions = open_database(f"sqlite:///{tmp_path / 'tracker.db'}")[1]
    with sessions() as session:
        row = session.scalars(select(staff.StaffRow)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in " ".join(str(value) for value in vars(row).values())
        assert abs(row.token_expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=5)
    listing = tracker(tmp_path, "staff", "list")
    assert f"{enrollment_id}\tSam Rivera\tactive" in listing.stdout
    assert token not in listing.stdout

    again = tracker(tmp_path, "staff", "add", "--org", "CarrierMSP", "--name", "Sam",
                    "--role", "scanner", "--enrollment-id", enrollment_id, env=env)  # fmt: skip
    assert again.returncode == 65 and "already" in again.stderr
    assert len(fake_ca.identities) == 2  # refused before anything was registered


def stack_env(stack: ApiStack, fake_ca: FakeFabricCa, msp_id: str) -> tuple[Path, dict[str, str]]:
    """The stack's folder (database, wallet) and the CA variables for `msp_id`."""
    root = stack.state.actors.wallet.root.parent
    return root, fake_ca.tracker_env(msp_id)


def test_a_ca_enrolled_person_writes_and_is_cut_off_at_once(
    stack: ApiStack, fake_ca: FakeFabricCa
) -> None:
    root, env = stack_env(stack, fake_ca, "ProducerMSP")
    added = tracker(root, "staff", "add", "--org", "ProducerMSP", "--name", "Dana",
                    "--role", "dispatcher", env=env)  # fmt: skip
    assert added.returncode == 0, added.stderr
    token, staff_id = token_of(added.stdout), staff_id_of(added.stdout)
    sscc = new_sscc()
    created = stack.post(token, "/shipments", json=create_body(sscc))
    assert created.status_code == 201, created.text  # signed with the CA-issued identity
    assert stack.get(token, f"/shipments/{sscc}").status_code == 200

    revoked = tracker(root, "staff", "revoke", staff_id, env=env)
    assert revoked.returncode == 0, revoked.stderr
    refused = stack.get(token, "/me")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "UNAUTHORIZED")
    [(enrollment_id, _)] = [(n, w) for n, w in fake_ca.identities.items() if n != "admin"]
    assert fake_ca.revocations == [(enrollment_id, "cessationofoperation")]
    assert all(record.status == "revoked" for record in fake_ca.certs.values()
               if record.enrollment_id == enrollment_id)  # fmt: skip
    assert "revoked (token and CA identity)" in tracker(root, "staff", "list").stdout
    rotated = tracker(root, "staff", "token", staff_id)
    assert rotated.returncode == 65 and "revoked at the Fabric CA" in rotated.stderr


def test_revoke_with_the_ca_down_cuts_the_token_and_can_be_retried(
    stack: ApiStack, fake_ca: FakeFabricCa
) -> None:
    root, env = stack_env(stack, fake_ca, "CarrierMSP")
    added = tracker(root, "staff", "add", "--org", "CarrierMSP", "--name", "Sam",
                    "--role", "scanner", env=env)  # fmt: skip
    token, staff_id = token_of(added.stdout), staff_id_of(added.stdout)
    assert stack.get(token, "/me").status_code == 200

    fake_ca.stop()
    down = tracker(root, "staff", "revoke", staff_id, env=env)
    assert down.returncode == 69
    assert f"retry with `tracker staff revoke {staff_id}`" in down.stderr
    assert "NOT revoked at the Fabric CA" in down.stderr
    assert stack.get(token, "/me").status_code == 401  # the token is dead anyway
    assert "CA revocation pending" in tracker(root, "staff", "list").stdout
    assert fake_ca.revocations == []

    fake_ca.start()  # same address
    retried = tracker(root, "staff", "revoke", staff_id, env=env)
    assert retried.returncode == 0, retried.stderr
    assert len(fake_ca.revocations) == 1
    assert "revoked (token and CA identity)" in tracker(root, "staff", "list").stdout
    assert tracker(root, "staff", "revoke", staff_id, env=env).returncode == 0
    assert len(fake_ca.revocations) == 1  # done once, not again


def test_an_expired_token_is_refused_and_a_fresh_one_replaces_it(
    stack: ApiStack, pki: SimPki
) -> None:
    root = stack.state.actors.wallet.root.parent
    enrolment = pki.enrol("CarrierMSP", "scanner-exp1", "scanner")
    added = tracker(root, "staff", "add", "--org", "CarrierMSP", "--name", "Kim",
                    "--role", "scanner", "--msp-dir", str(enrolment.msp_dir))  # fmt: skip
    token, staff_id = token_of(added.stdout), int(staff_id_of(added.stdout))
    assert stack.get(token, "/me").status_code == 200
    with stack.sessions.begin() as session:
        past = utcnow() - timedelta(seconds=1)
        session.execute(
            update(staff.StaffRow).where(staff.StaffRow.id == staff_id).values(
                token_expires_at=past)
        )  # fmt: skip
    expired = stack.get(token, "/me")
    assert (expired.status_code, expired.json()["error"]["code"]) == (401, "TOKEN_EXPIRED")
    assert "\texpired\t" in tracker(root, "staff", "list").stdout

    renewed = tracker(root, "staff", "token", "--org", "CarrierMSP", "--name", "Kim")
    assert renewed.returncode == 0, renewed.stderr
    fresh = token_of(renewed.stdout)
    assert stack.get(fresh, "/me").json()["enrollment_id"] == "scanner-exp1"
    old = stack.get(token, "/me")
    assert (old.status_code, old.json()["error"]["code"]) == (401, "UNAUTHORIZED")
