"""`tracker verify` as a command: blocks from a peer's Deliver service over TLS, exit codes.

The peer is the tests' FAKE Deliver service (fabricsim/gateway.py), serving the
verification journey's blocks; the command, the Gateway client and the checks are real.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fabricsim.gateway import FakeDeliver, serving
from fabricsim.pki import SimPki, tracker_peer_env
from tests.verify.verify_chain import FOLLOW, S1, Journey
from tests.verify.verify_report import write_format
from tests.verify.verify_tamper import copy
from tracker.follow.follower import Follower
from tracker.store import schema
from tracker.store.db import make_engine, session_factory


@pytest.fixture
def peer(journey: Journey, tmp_path: Path) -> Iterator[tuple[str, SimPki, FakeDeliver]]:
    """A TLS Deliver endpoint serving the journey's blocks (tests may alter `.blocks`)."""
    pki = SimPki(tmp_path / "pki")
    deliver = FakeDeliver()
    deliver.blocks = list(journey.blocks)
    with serving(pki.tls_server.key_pem, pki.tls_server.cert_pem, deliver=deliver) as endpoint:
        yield endpoint, pki, deliver


def run_verify(
    peer: tuple[str, SimPki, FakeDeliver], db: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    endpoint, pki, _ = peer
    return run_with(tracker_peer_env(endpoint, pki), db, *args)


def run_with(settings: dict[str, str], db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(settings, TRACKER_DATABASE_URL=f"sqlite:///{db}")
    command = [sys.executable, "-m", "tracker.cli", "verify", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def followed_database(journey: Journey, tmp_path: Path) -> Path:
    db = tmp_path / "tracker.db"
    engine = make_engine(f"sqlite:///{db}")
    schema.metadata.create_all(engine)
    blocks = journey.blocks
    source = lambda start: iter(blocks[start:])  # noqa: E731
    Follower(config=FOLLOW, sessions=session_factory(engine), source=source).run()
    engine.dispose()
    return db


def test_untouched_read_model_passes(
    journey: Journey, peer: tuple[str, SimPki, FakeDeliver], tmp_path: Path
) -> None:
    result = run_verify(peer, followed_database(journey, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS")
    assert "orderer signatures: etcdraft: every block after block 0 needs" in result.stdout


def test_block_without_orderer_signature_fails_naming_it(
    journey: Journey, peer: tuple[str, SimPki, FakeDeliver], tmp_path: Path
) -> None:
    blocks = copy(journey.blocks)
    blocks[3].metadata.metadata[0] = b""  # SIGNATURES: the orderer's signature removed
    peer[2].blocks = blocks
    result = run_verify(peer, followed_database(journey, tmp_path))
    assert result.returncode == 1
    assert "chain: block 3: carries no orderer signature" in result.stdout


def test_tampered_checkpoint_fails_naming_it(
    journey: Journey, peer: tuple[str, SimPki, FakeDeliver], tmp_path: Path
) -> None:
    db = followed_database(journey, tmp_path)
    with sqlite3.connect(db) as conn:
        query = "SELECT sscc, seq, document FROM checkpoints WHERE document LIKE ? LIMIT 1"
        sscc, seq, document = conn.execute(query, ('%"temperature":{%',)).fetchone()
        doc = json.loads(document)
        doc["temperature"]["max_c"] += 5
        conn.execute(
            "UPDATE checkpoints SET document = ? WHERE sscc = ? AND seq = ?",
            (json.dumps(doc, sort_keys=True, separators=(",", ":")), sscc, seq),
        )
    result = run_verify(peer, db)
    assert result.returncode == 1
    assert sscc in result.stdout and "temperature.max_c" in result.stdout


def test_missing_peer_settings_are_listed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    command = [sys.executable, "-m", "tracker.cli", "verify"]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 78
    for name in (
        "TRACKER_PEER_ENDPOINT",
        "TRACKER_PEER_TLS_CA_FILE",
        "TRACKER_MSP_ID",
        "TRACKER_MSP_DIR",
    ):
        assert name in result.stderr


def one_line(text: str) -> str:
    """The single line a refusal prints (never a traceback)."""
    assert "Traceback" not in text
    [line] = text.splitlines()
    return line


def test_csv_and_epcis_reports_are_verified(
    journey: Journey, peer: tuple[str, SimPki, FakeDeliver], tmp_path: Path
) -> None:
    db = followed_database(journey, tmp_path)
    sessions = session_factory(make_engine(f"sqlite:///{db}"))
    for fmt, kind in (("csv", "shipment CSV"), ("epcis", "EPCIS document")):
        report = write_format(sessions, S1, tmp_path / f"report.{fmt}", fmt)
        result = run_verify(peer, db, "--report", str(report))
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"compared with: report ({kind})" in result.stdout.splitlines()[0]


def test_a_pdf_report_is_refused_in_one_line_before_dialling_a_peer(
    journey: Journey, tmp_path: Path
) -> None:
    db = followed_database(journey, tmp_path)
    sessions = session_factory(make_engine(f"sqlite:///{db}"))
    pdf = write_format(sessions, S1, tmp_path / "report.pdf", "pdf")
    result = run_with({}, db, "--report", str(pdf))  # no peer settings: never read
    assert result.returncode == 64, result.stdout + result.stderr
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith(f"tracker verify: {pdf} is a PDF; it verifies shipment reports")
    assert "--format json" in line and "--format csv" in line and "--format epcis" in line
    missing = run_with({}, db, "--report", str(tmp_path / "nowhere.json"))
    assert missing.returncode == 66
    assert "No such file or directory" in one_line(missing.stderr)


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"  # nothing listens once it is closed


def test_peer_down_is_one_line_naming_the_endpoint(journey: Journey, tmp_path: Path) -> None:
    endpoint = closed_port()
    settings = tracker_peer_env(endpoint, SimPki(tmp_path / "pki"))
    result = run_with(settings, followed_database(journey, tmp_path))
    assert result.returncode == 69, result.stdout + result.stderr
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith(f"tracker verify: cannot reach the peer at {endpoint}: UNAVAILABLE: ")
    assert "Connection refused" in line


def test_an_ambiguous_msp_folder_is_one_line_naming_it(
    journey: Journey, peer: tuple[str, SimPki, FakeDeliver], tmp_path: Path
) -> None:
    signcerts = peer[1].msp_dir / "signcerts"
    (signcerts / "User1@org1.example.com-cert.pem").write_bytes(peer[1].client.cert_pem)
    result = run_verify(peer, followed_database(journey, tmp_path))
    assert result.returncode == 78, result.stdout + result.stderr
    line = one_line(result.stderr)
    assert line.startswith(f"TRACKER_MSP_DIR: {signcerts} must hold exactly one certificate")


def test_a_read_model_without_tables_is_one_line(
    peer: tuple[str, SimPki, FakeDeliver], tmp_path: Path
) -> None:
    result = run_verify(peer, tmp_path / "never-upgraded.db")
    assert result.returncode == 69, result.stdout + result.stderr
    line = one_line(result.stderr)
    assert "cannot read the read model at sqlite:///" in line and "no such table" in line
