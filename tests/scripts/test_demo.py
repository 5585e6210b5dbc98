"""`scripts/demo`: without Fabric it says why and what runs instead; with
`--simulated-peer --check` the whole tracker side starts as real processes (gunicorn
`tracker serve`, `tracker worker`, `tracker follow`, the WhatsApp sandbox), is filled
through the staff API, notifies the contacts, answers a chat and passes `tracker verify`.

The ledger in the second test is the fast tier's SimulatedPeer: a FAKE peer (not Fabric)
running the real chaincode behind the real Gateway and Deliver services.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXIT_MISSING = 69


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _demo(tmp_path: Path, *args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PROVENANCE_STATE_DIR": str(tmp_path / "state"),
        "PROVENANCE_CACHE_DIR": str(tmp_path / "cache"),
        "GOPROXY": "off",  # no module download attempted: the Fabric step fails at once
    }
    env.pop("FABRIC_BIN_DIR", None)
    demo = subprocess.Popen(
        [str(REPO / "scripts" / "demo"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = demo.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        demo.terminate()  # SIGTERM: the demo stops its own children before exiting
        out, err = demo.communicate(timeout=60)
    return subprocess.CompletedProcess(demo.args, demo.returncode, out, err)


def test_demo_without_fabric_names_the_cause_and_the_alternative(tmp_path: Path) -> None:
    done = _demo(tmp_path, timeout=120)
    assert done.returncode == EXIT_MISSING, done.stderr
    assert "scripts/demo --simulated-peer" in done.stderr


def test_demo_on_the_simulated_peer_runs_the_whole_tracker_side(tmp_path: Path) -> None:
    ports = ("--tracker-port", str(_free_port()), "--sandbox-port", str(_free_port()))
    done = _demo(tmp_path, "--simulated-peer", "--check", *ports, timeout=600)
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert "SIMULATED PEER" in out and "NOT Hyperledger Fabric" in out
    assert re.search(r"Scan page +http://127\.0\.0\.1:\d+/scan", out)
    assert re.search(r"scanner +\S{20,}", out)  # a token to sign in with
    received = int(re.search(r"Notifications received in the sandbox so far: (\d+)", out)[1])  # type: ignore[index]
    assert received == 22  # status changes, settlements, the dispute and the chat's answers
    in_transit = re.search(r"in_transit +(\d{18})", out)[1]  # type: ignore[index]
    answer = out.split("Chat answer to the in-transit code:")[1].split("tracker verify:")[0]
    assert in_transit in answer.replace(" ", "")
    assert re.search(r"tracker verify: PASS", out)
    # One shipment of each kind of delivery agreement (demo/terms.py), with tx and block.
    settled = r" +released {} EUR to the seller, refunded {} EUR .*tx [0-9a-f]{{64}} block \d+"
    for story, released, refunded in (
        ("delivered", "2500.00", "0.00"),
        ("late", "2300.00", "200.00"),  # 3 h 10 min late: 4 started hours x 2 %
        ("breach_refund", "2125.00", "375.00"),  # cold-chain breach: 15 %
        ("disputed", "2350.00", "150.00"),  # the refund agreed in the dispute
    ):
        assert re.search(story + settled.format(released, refunded), out), story
    assert re.search(r"opened via WhatsApp chat: DISPUTE \d{18} damaged", out)
    assert re.search(r"resolved: refund 150\.00 EUR, tx [0-9a-f]{64} block \d+", out)
    assert "EXPIRED at" in out and "expired at the shipment's dates" in out
    assert re.search(r"tracker verify --report \S+ \(the disputed shipment's terms\): PASS", out)
    logs = tmp_path / "state" / "demo" / "logs"
    assert {p.name for p in logs.iterdir()} >= {
        "sandbox.log", "tracker-serve.log", "tracker-worker.log", "tracker-follow.log"
    }  # fmt: skip
