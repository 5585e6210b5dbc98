"""`tracker db upgrade` then `tracker report …` on a read model fed by the follower."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
from cc_samples import GTIN
from sim_ledger import CHAINCODE, CHANNEL, SimLedger
from test_report_source import BATCH, SSCC, journey

from tracker.ledger.follower import Follower, FollowerConfig
from tracker.store.db import make_engine, session_factory, transaction
from tracker.store.evidence import put_evidence

TRACKER = [sys.executable, "-m", "tracker.cli"]


def tracker(url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Runs the installed CLI against the given database."""
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    return subprocess.run([*TRACKER, *args], env=env, capture_output=True, timeout=120, check=False)


def test_reports_from_the_command_line(sim: SimLedger, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    upgraded = tracker(url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    tx_ids = journey(sim)
    sessions = session_factory(make_engine(url))
    Follower(
        config=FollowerConfig(CHANNEL, CHAINCODE), sessions=sessions, source=sim.source()
    ).run()
    with transaction(sessions) as session:
        put_evidence(session, BATCH.encode(), "application/json")

    as_json = tracker(url, "report", "shipment", SSCC, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert all(tx in as_json.stdout.decode() for tx in tx_ids)
    assert document["source"]["inputs_sha256"]

    pdf = tmp_path / "report.pdf"
    assert tracker(url, "report", "shipment", SSCC, "--out", str(pdf)).returncode == 0
    assert pdf.read_bytes().startswith(b"%PDF")

    epcis = json.loads(tracker(url, "report", "shipment", SSCC, "--format", "epcis").stdout)
    assert epcis["type"] == "EPCISDocument" and len(epcis["epcisBody"]["eventList"]) == 5

    lot = tracker(url, "report", "lot", "--gtin", GTIN, "--lot", "LOT-2025-03", "--format", "json")
    assert lot.returncode == 0, lot.stderr
    assert SSCC in lot.stdout.decode()

    sheet = tmp_path / "fsma.xlsx"
    fsma = tracker(url, "report", "fsma", "--from", "2025-03-01", "--to", "2025-03-03",
                   "--format", "xlsx", "--out", str(sheet))  # fmt: skip
    assert fsma.returncode == 0, fsma.stderr
    rows = list(openpyxl.load_workbook(sheet).active.iter_rows(values_only=True))
    assert [r[0] for r in rows] == ["Critical Tracking Event", "Shipping", "Receiving"]


def test_unknown_shipment_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert tracker(url, "db", "upgrade").returncode == 0
    result = tracker(url, "report", "shipment", "306141410000000011")
    assert result.returncode == 66
    assert b"no shipment 306141410000000011 in the read model" in result.stderr
