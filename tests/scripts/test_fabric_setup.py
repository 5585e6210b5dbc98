"""The Fabric setup step stops with a message naming the cause and the fix, never a hang.

These run the real `scripts/setup` and `scripts/network` with the machine's real `go`;
only the module proxy is varied (off, unreachable, refusing like a proxy that does not
serve Fabric), so each failure path is exercised for real.
"""

from __future__ import annotations

import http.server
import os
import socket
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXIT_MISSING = 69
TOOLS = (
    "peer orderer configtxgen configtxlator cryptogen osnadmin fabric-ca-server fabric-ca-client"
).split()


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Runs a project script with an isolated cache and state folder."""
    full = {
        **os.environ,
        "PROVENANCE_CACHE_DIR": str(tmp_path / "cache"),
        "PROVENANCE_STATE_DIR": str(tmp_path / "state"),
        "FABRIC_GO_TIMEOUT": "60",
        **env,
    }
    if "FABRIC_BIN_DIR" not in env:
        full.pop("FABRIC_BIN_DIR", None)  # an operator's setting must not leak into a test
    return subprocess.run(
        [str(REPO / "scripts" / args[0]), *args[1:]],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class _Refuse(http.server.BaseHTTPRequestHandler):
    """Answers every module request as a proxy that does not serve the module does."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = b"This module version is not available.\n"
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Keeps the test output quiet."""


@pytest.fixture
def refusing_proxy() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_proxy_refusing_fabric_names_cause_and_fix(refusing_proxy: str, tmp_path: Path) -> None:
    result = run(["setup"], {"GOPROXY": refusing_proxy, "GOFLAGS": ""}, tmp_path)
    assert result.returncode == EXIT_MISSING
    assert "refuses github.com/hyperledger/fabric@86c1172bec37" in result.stderr
    assert "403 Forbidden" in result.stderr
    assert "FABRIC_BIN_DIR" in result.stderr


def test_unreachable_proxy_is_named(tmp_path: Path) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"
    result = run(["setup"], {"GOPROXY": proxy}, tmp_path)
    assert result.returncode == EXIT_MISSING
    assert f"Go module proxy ({proxy}) is unreachable" in result.stderr


def test_proxy_off_is_named(tmp_path: Path) -> None:
    result = run(["setup"], {"GOPROXY": "off"}, tmp_path)
    assert result.returncode == EXIT_MISSING
    assert "GOPROXY=off" in result.stderr


def test_missing_go_is_named(tmp_path: Path) -> None:
    result = run(["setup"], {"PATH": "/usr/bin:/bin"}, tmp_path)
    assert result.returncode == EXIT_MISSING
    assert "Go is not installed" in result.stderr


def test_prebuilt_dir_lacking_binaries_lists_them(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "peer").write_text("#!/bin/sh\n")
    (bin_dir / "peer").chmod(stat.S_IRWXU)
    result = run(["setup"], {"FABRIC_BIN_DIR": str(bin_dir)}, tmp_path)
    assert result.returncode == EXIT_MISSING
    missing = result.stderr.split("lacks:")[1].splitlines()[0].split()
    assert missing == [t for t in TOOLS if t != "peer"]


def test_prebuilt_dir_without_configs_is_refused(tmp_path: Path) -> None:
    bin_dir = tmp_path / "release" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in TOOLS:
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(stat.S_IRWXU)
    result = run(["setup"], {"FABRIC_BIN_DIR": str(bin_dir)}, tmp_path)
    assert result.returncode == EXIT_MISSING
    assert "no core.yaml/orderer.yaml" in result.stderr


def test_network_up_without_fabric_fails_fast(tmp_path: Path) -> None:
    result = run(["network", "up"], {"GOPROXY": "off"}, tmp_path)
    assert result.returncode == EXIT_MISSING
    assert "GOPROXY=off" in result.stderr


def test_network_down_and_status_without_network(tmp_path: Path) -> None:
    status = run(["network", "status"], {}, tmp_path)
    assert status.returncode == 0
    assert "no network processes recorded" in status.stdout
    down = run(["network", "down"], {}, tmp_path)
    assert down.returncode == 0
    assert "0 process(es) stopped" in down.stderr


def test_network_down_stops_exactly_its_recorded_processes(tmp_path: Path) -> None:
    pids = tmp_path / "state" / "network" / "pids"
    pids.mkdir(parents=True)
    ours = subprocess.Popen(["sleep", "300"])
    other = subprocess.Popen(["sleep", "300"])
    try:
        (pids / "peer0.producer.pid").write_text(f"{ours.pid}\n")
        down = run(["network", "down"], {}, tmp_path)
        assert down.returncode == 0
        assert ours.wait(timeout=10) != 0  # terminated by the script
        assert other.poll() is None  # not recorded, left alone
        assert not list(pids.iterdir())
    finally:
        for proc in (ours, other):
            proc.kill()
            proc.wait()


def test_unknown_command_prints_usage(tmp_path: Path) -> None:
    result = run(["network", "sideways"], {}, tmp_path)
    assert result.returncode == 64
    assert "usage: scripts/network" in result.stderr
