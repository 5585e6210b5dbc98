"""The processes behind the scan → committed benchmark, each in its own process.

The ledger is a DemoLedger: either the SimulatedPeer (fabricsim, a FAKE peer: the real
chaincode behind the real Gateway and Deliver services, no ordering service) in `python -m
bench.peer_process`, or a real Fabric network (bench/fabric_network.py) with people enrolled at
its real CAs. The tracker runs in `tracker serve` (gunicorn, as deployed). The clients under
test are the bench's own threads (the project's ledger client), an HTTP client, and a Node
process; all of them sign with the enrolments in the DemoLedger's `msp_dirs`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from demo.ledger import DemoLedger
from demo.services import Services, free_port, prepare
from tracker.cli.service import SERVE_THREADS
from tracker.ledger.gateway import Gateway, connect
from tracker.ledger.identity import load_enrolment

CHANNEL, CHAINCODE = "supplychain", "provenance"
SCANNER_ORG, DISPATCHER_ORG = "CarrierMSP", "ProducerMSP"  # the demo's people (demo.ledger)
GUNICORN_WORKERS = 2  # `tracker serve`'s defaults
GUNICORN_THREADS = SERVE_THREADS
_TOKEN = re.compile(r"API token \(shown once, stored hashed\): (\S+)")


def connect_as(ledger: DemoLedger, org: str) -> Gateway:
    """The project's Gateway client to the ledger's gateway peer, signing as the person whose
    enrolment `ledger.msp_dirs[org]` holds."""
    identity, signer = load_enrolment(org, ledger.msp_dirs[org])
    return connect(
        endpoint=ledger.endpoint,
        tls_root_cert_path=ledger.tls_root,
        server_name_override=ledger.host_override,
        signer=signer,
        identity=identity,
    )


@dataclass
class _PeerProcess:
    """DemoLedger's `peer` for the SimulatedPeer's child process."""

    process: subprocess.Popen[str]

    def stop(self) -> None:
        """Close its standard input (it stops serving), then wait for it."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _height_elsewhere() -> int:
    raise RuntimeError("the SimulatedPeer's ledger is in its own process: no height here")


@contextmanager
def simulated_peer(root: Path) -> Iterator[DemoLedger]:
    """A SimulatedPeer in a child process, with a fresh PKI under `root`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.peer_process", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait()
        raise RuntimeError(f"the SimulatedPeer process exited with {process.returncode}")
    where = json.loads(line)
    ledger = DemoLedger(
        endpoint=where["endpoint"],
        host_override=where["host_override"],
        tls_root=Path(where["tls_root"]),
        msp_dirs={org: Path(folder) for org, folder in where["msp_dirs"].items()},
        follower_msp_dir=Path(where["follower_msp_dir"]),
        peer=_PeerProcess(process),
        height=_height_elsewhere,
    )
    try:
        yield ledger
    finally:
        ledger.stop()


def fresh_postgres(url: str, name: str) -> str:
    """An empty database `name` on the server of `url` (dropped first); its URL."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class ServedTracker:
    """`tracker serve` running: its base URL and the scanner's API token."""

    url: str
    scanner_token: str
    workers: int
    threads: int
    services: Services  # its processes and environment: more can be started beside it

    @property
    def server(self) -> str:
        """How gunicorn serves it, for the results."""
        if self.threads == 1:
            return f"{self.workers} sync workers"
        return f"{self.workers} gthread workers x {self.threads} threads"


@contextmanager
def served_tracker(
    state: Path, ledger: DemoLedger, database_url: str, threads: int = GUNICORN_THREADS
) -> Iterator[ServedTracker]:
    """`tracker db upgrade`, `tracker staff add --msp-dir` (the scanner), then `tracker serve`
    (gunicorn, GUNICORN_WORKERS x `threads`) in front of the ledger; the environment is the
    demo's, WhatsApp pointing at a sandbox port nobody serves until the caller starts it."""
    services: Services = prepare(state, ledger, free_port(), free_port())
    services.env["TRACKER_DATABASE_URL"] = database_url
    try:
        services.run("db", "upgrade")
        printed = services.run(
            "staff", "add", "--org", SCANNER_ORG, "--name", "bench scanner",
            "--role", "scanner", "--msp-dir", str(ledger.msp_dirs[SCANNER_ORG]),
        )  # fmt: skip
        found = _TOKEN.search(printed)
        if found is None:
            raise RuntimeError(f"tracker staff add printed no token:\n{printed}")
        bind = f"127.0.0.1:{services.tracker_port}"
        argv = [sys.executable, "-m", "tracker.cli", "serve", "--bind", bind]
        sizes = ["--workers", str(GUNICORN_WORKERS), "--threads", str(threads)]
        services.start("tracker-serve", [*argv, *sizes])
        services.wait_healthy("tracker-serve", f"{services.tracker_url}/healthz")
        yield ServedTracker(
            services.tracker_url, found.group(1), GUNICORN_WORKERS, threads, services
        )
    finally:
        services.stop()
