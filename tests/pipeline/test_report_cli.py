"""`tracker db upgrade` then `tracker report …` on a read model fed by the follower."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]  # no stubs

from fabricsim.ledger import CHAINCODE, CHANNEL, SimLedger
from tests.chaincode.cc_samples import GTIN
from tests.pipeline.test_report_source import BATCH, SSCC, journey
from tracker.follow.follower import Follower, FollowerConfig
from tracker.store.db import make_engine, session_factory, transaction
from tracker.store.evidence import put_evidence

TRACKER = [sys.executable, "-m", "tracker.cli"]


def tracker(url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Runs the installed CLI against the given database."""
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    return subprocess.run([*TRACKER, *args], env=env, capture_output=True, timeout=120, check=False)


def followed(sim: SimLedger, tmp_path: Path) -> tuple[str, list[str]]:
    """An upgraded read model holding the journey (and its logger batch), and its tx ids."""
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
    return url, tx_ids


def test_reports_from_the_command_line(sim: SimLedger, tmp_path: Path) -> None:
    url, tx_ids = followed(sim, tmp_path)

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


def test_epcis_on_standard_output_is_the_document_alone(sim: SimLedger, tmp_path: Path) -> None:
    url, _ = followed(sim, tmp_path)
    # The default log level (INFO): the EPCIS hash generator's INFO lines must not show.
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    env.pop("TRACKER_LOG_LEVEL", None)
    command = [*TRACKER, "report", "shipment", SSCC, "--format", "epcis"]
    result = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["type"] == "EPCISDocument"
    assert result.stderr == b""


def on_a_terminal(url: str, *args: str) -> tuple[int, bytes, bytes]:
    """Runs the CLI with a pseudo-terminal as standard output: exit status, tty bytes, stderr."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    process = subprocess.Popen([*TRACKER, *args], env=env, stdout=terminal, stderr=subprocess.PIPE)
    os.close(terminal)
    shown: list[bytes] = []

    def drain() -> None:  # a full pty buffer would block a writer forever
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child's side is closed
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    _, stderr = process.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(controller)
    return process.returncode, b"".join(shown), stderr


def test_a_pdf_is_never_written_to_a_terminal(sim: SimLedger, tmp_path: Path) -> None:
    url, _ = followed(sim, tmp_path)
    code, shown, stderr = on_a_terminal(url, "report", "shipment", SSCC)
    assert code == 64, stderr
    assert b"%PDF" not in shown
    [line] = stderr.decode().splitlines()
    assert line == (
        f"tracker report: not writing a PDF to the terminal; add --out shipment-{SSCC}.pdf "
        f"(or redirect: > shipment-{SSCC}.pdf)"
    )
    sheet = on_a_terminal(url, "report", "fsma", "--from", "2025-03-01", "--to", "2025-03-03",
                          "--format", "xlsx")  # fmt: skip
    assert sheet[0] == 64 and b"--out fsma204-2025-03-01-2025-03-03.xlsx" in sheet[2]
    text = on_a_terminal(url, "report", "shipment", SSCC, "--format", "csv")
    assert text[0] == 0 and SSCC.encode() in text[1]  # text formats still print
