"""Files holding a key, a secret or personal data are 0600 in 0700 folders (umask 022): the
tracker's SQLite database and its -wal/-shm, the simulated PKI's keystores the demo uses, the
demo's state, and the real network's crypto material (its chmod helper, on a fake tree)."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from demo.ledger import DemoLedger, start_simulated_peer
from demo.services import prepare
from fabricsim.pki import SimPki
from network import chaincode, identities
from network.layout import Layout
from network.topology import Node
from tracker.store import migrate
from tracker.store.engine import create_schema, open_database

SQLITE_FILES = ("tracker.db", "tracker.db-wal", "tracker.db-shm")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes(folder: Path, names: tuple[str, ...]) -> dict[str, int]:
    return {name: mode(folder / name) for name in names}


def private_chain(key: Path, root: Path) -> None:
    """The key is 0600 and every folder from `root` down to it 0700."""
    assert mode(key) == 0o600, key
    folder = key.parent
    while True:
        assert mode(folder) == 0o700, folder
        if folder == root:
            return
        folder = folder.parent


# --- the tracker's database ---------------------------------------------------------------


def test_new_database_and_its_wal_are_private(tmp_path: Path) -> None:
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'tracker.db'}")
    create_schema(engine)
    with engine.connect() as connection:  # open: the -wal and -shm files exist meanwhile
        connection.execute(text("CREATE TABLE probe (phone TEXT)"))
        connection.execute(text("INSERT INTO probe VALUES ('+33612345678')"))
        connection.commit()
        assert modes(tmp_path, SQLITE_FILES) == dict.fromkeys(SQLITE_FILES, 0o600)
    engine.dispose()


def test_database_migrated_by_alembic_is_private(tmp_path: Path) -> None:
    """`tracker db upgrade` (Alembic, through tracker.store.migrate) on a new database."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    migrate.upgrade(url)
    assert migrate.current(url) is not None
    assert mode(tmp_path / "tracker.db") == 0o600
    for leftover in SQLITE_FILES[1:]:
        if (tmp_path / leftover).exists():
            assert mode(tmp_path / leftover) == 0o600


def test_world_readable_database_of_an_older_tracker_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    older = sqlite3.connect(path)  # as the tracker made it before: umask 022, mode 0644
    older.execute("PRAGMA journal_mode=WAL")
    older.execute("CREATE TABLE probe (phone TEXT)")
    older.execute("INSERT INTO probe VALUES ('+33612345678')")
    older.commit()
    assert modes(tmp_path, SQLITE_FILES) == dict.fromkeys(SQLITE_FILES, 0o644)
    engine, _sessions = open_database(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT phone FROM probe")).scalar() == "+33612345678"
        assert modes(tmp_path, SQLITE_FILES) == dict.fromkeys(SQLITE_FILES, 0o600)
    engine.dispose()
    older.close()


def test_in_memory_and_missing_folder_databases_are_left_to_sqlite(tmp_path: Path) -> None:
    engine, _sessions = open_database("sqlite://")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    engine, _sessions = open_database(f"sqlite:///{tmp_path / 'absent' / 'tracker.db'}")
    with pytest.raises(Exception, match="unable to open database file"):
        engine.connect()
    engine.dispose()
    assert not (tmp_path / "absent").exists()


# --- the simulated PKI and the demo ---------------------------------------------------------


def test_sim_pki_writes_keys_0600_in_0700_folders(tmp_path: Path) -> None:
    pki = SimPki(tmp_path / "pki")
    enrolment = pki.enrol("CarrierMSP", "scanner1", "scanner")
    (key,) = (enrolment.msp_dir / "keystore").glob("*_sk")
    private_chain(key, tmp_path / "pki")
    pki.enrol("CarrierMSP", "scanner1", "scanner")  # a new key beside an earlier run's
    keys = sorted((enrolment.msp_dir / "keystore").glob("*_sk"))
    assert len(keys) == 2
    for key in keys:
        private_chain(key, tmp_path / "pki")


@pytest.fixture
def demo_ledger(tmp_path: Path) -> Iterator[DemoLedger]:
    """The demo's simulated ledger (`python -m demo --simulated-peer`), as it starts it."""
    ledger = start_simulated_peer(tmp_path / "demo" / "pki")
    yield ledger
    ledger.stop()


def test_demo_staff_keys_and_state_are_private(tmp_path: Path, demo_ledger: DemoLedger) -> None:
    pki = tmp_path / "demo" / "pki"
    keys = sorted(pki.rglob("*_sk"))
    assert len(keys) == len(demo_ledger.msp_dirs) + 1  # each person, and the follower
    for key in keys:
        private_chain(key, pki)
    state = tmp_path / "demo"
    state.chmod(0o755)  # as demo/__main__.py makes it
    services = prepare(state, demo_ledger, 8000, 8710)
    env = services.write_env_file()
    services.start("probe", [sys.executable, "-c", "print('+33612345678')"])
    services.stop()
    assert mode(state) == mode(state / "tracker") == mode(state / "logs") == 0o700
    assert mode(state / "secrets") == 0o700
    assert {p.name: mode(p) for p in (state / "secrets").iterdir()} == {
        "access-token": 0o600,
        "app-secret": 0o600,
        "verify-token": 0o600,
    }
    assert mode(env) == mode(state / "logs" / "probe.log") == 0o600
    # The tracker's database in the demo's tracker folder is made by tracker code: 0600.
    assert services.env["TRACKER_DATABASE_URL"] == f"sqlite:///{state / 'tracker' / 'tracker.db'}"
    engine, _sessions = open_database(services.env["TRACKER_DATABASE_URL"])
    create_schema(engine)
    engine.dispose()
    assert mode(state / "tracker" / "tracker.db") == 0o600


# --- the real network's crypto material -----------------------------------------------------

# A fake state tree laid out as cryptogen, fabric-ca-server and fabric-ca-client leave it.
PRIVATE = (
    "crypto/peerOrganizations/carrier.example.com/ca/priv_sk",
    "crypto/peerOrganizations/carrier.example.com/tlsca/priv_sk",
    "crypto/peerOrganizations/carrier.example.com/peers/peer0.carrier.example.com/msp/keystore/priv_sk",
    "crypto/peerOrganizations/carrier.example.com/peers/peer0.carrier.example.com/tls/server.key",
    "crypto/peerOrganizations/carrier.example.com/users/Admin@carrier.example.com/tls/client.key",
    "data/ca-carrier/fabric-ca-server-config.yaml",  # holds the bootstrap admin's password
    "data/ca-carrier/fabric-ca-server.db",
    "data/ca-carrier/msp/keystore/IssuerSecretKey",
    "data/ca-carrier/msp/keystore/IssuerRevocationPrivateKey",
    "identities/carrier/tracker/msp/keystore/0a1b2c_sk",
)
PUBLIC = (
    "crypto/peerOrganizations/carrier.example.com/ca/ca.carrier.example.com-cert.pem",
    "crypto/peerOrganizations/carrier.example.com/msp/config.yaml",
    "crypto/peerOrganizations/carrier.example.com/peers/peer0.carrier.example.com/msp/signcerts/cert.pem",
    "data/ca-carrier/IssuerPublicKey",
    "identities/carrier/tracker/fabric-ca-client-config.yaml",
    "identities/carrier/tracker/msp/signcerts/cert.pem",
)


def fake_state(root: Path) -> None:
    for name in PRIVATE + PUBLIC:
        path = root / name
        path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        path.write_text("x")
        path.chmod(0o600 if name.endswith(("priv_sk", ".key")) else 0o644)  # as cryptogen


def test_network_make_private_on_a_fake_state_tree(tmp_path: Path) -> None:
    fake_state(tmp_path)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not ours")
    (tmp_path / "crypto" / "link_sk").symlink_to(outside)
    changed = identities.make_private(tmp_path)
    assert changed
    for name in PRIVATE:
        private_chain(tmp_path / name, (tmp_path / name).parent)
    for name in PUBLIC:
        assert mode(tmp_path / name) == 0o644, name
    assert mode(tmp_path / "identities/carrier/tracker/msp/signcerts") == 0o755
    assert mode(outside) == 0o644  # a symbolic link is not followed
    assert identities.make_private(tmp_path) == []  # idempotent
    assert identities.make_private(tmp_path / "absent") == []


def test_chaincode_tls_key_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    server = Node("chaincode", "chaincode", "127.0.0.1", {"listen": 9999})
    chaincode.ensure_tls(layout, server)
    tls = layout.chaincode / "tls"
    private_chain(tls / "server.key", tls)
    tls.chmod(0o755)  # a network made before: mended when it is used again
    chaincode.ensure_tls(layout, server)
    assert mode(tls) == 0o700
    assert os.access(tls / "ca.crt", os.R_OK)
