"""The demo's processes: started with their own log file, waited for, stopped in order."""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from demo.ledger import DemoLedger

PHONE_NUMBER_ID = "106540352242922"
TEMPLATES = (
    "shipment_status_update:fr,shipment_status_update:en_US,"
    "shipment_cold_chain_alert:fr,shipment_cold_chain_alert:en_US"
)
START_TIMEOUT_S = 60.0
TRACKER_PROCESSES = ("tracker-serve", "tracker-worker", "tracker-follow")


class DemoError(RuntimeError):
    """A demo step failed; the message says which and where its log is."""


class ApiRefused(DemoError):
    """The staff API answered an error; `code` is its error code (e.g. COMMIT_INVALID)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Services:
    """The demo's child processes and the environment they share."""

    state: Path
    env: dict[str, str]
    tracker_port: int
    sandbox_port: int
    running: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def tracker_url(self) -> str:
        """Base URL of the tracker."""
        return f"http://127.0.0.1:{self.tracker_port}"

    @property
    def sandbox_url(self) -> str:
        """Base URL of the WhatsApp sandbox."""
        return f"http://127.0.0.1:{self.sandbox_port}"

    def write_env_file(self) -> Path:
        """`<state>/env`: the tracker's variables, to `source` before running `tracker`, and
        the demo's virtualenv first on PATH, where the `tracker` command is installed."""
        path = self.state / "env"
        lines = [
            f"export {k}={shlex.quote(v)}"
            for k, v in self.env.items()
            if k.startswith(("TRACKER_", "WHATSAPP_"))
        ]
        # The interpreter's own folder, not its resolved target: .venv/bin/python is a link to
        # the base Python, whose folder holds no `tracker`.
        lines.append(f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"')
        _write_private(path, "\n".join(lines) + "\n")
        return path

    def start(self, name: str, argv: Sequence[str], extra: Mapping[str, str] = {}) -> None:
        """Start a process in the background, its output in `<state>/logs/<name>.log`."""
        logs = self.state / "logs"
        _private_folder(logs)  # logs name contacts' phone numbers
        descriptor = os.open(logs / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "ab") as log:
            process = subprocess.Popen(
                list(argv),
                env={**os.environ, **self.env, **extra},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the demo, which stops them in order
            )
        self.running.append((name, process))

    def run(self, *args: str) -> str:
        """Run `tracker ARGS` to completion; its standard output, or DemoError."""
        done = subprocess.run(
            [sys.executable, "-m", "tracker.cli", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise DemoError(f"tracker {' '.join(args)} failed:\n{done.stderr}{done.stdout}")
        return done.stdout

    def wait_healthy(self, name: str, url: str) -> None:
        """Wait until `url` answers 200, or fail naming the process's log."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise DemoError(f"{name} did not answer {url}; see {self.state / 'logs' / name}.log")

    def check_alive(self) -> None:
        """DemoError if a child process has exited."""
        for name, process in self.running:
            if process.poll() is not None:
                log = self.state / "logs" / f"{name}.log"
                raise DemoError(f"{name} exited with {process.returncode}; see {log}")

    def kill(self, names: Collection[str]) -> None:
        """`kill -9` the named children's whole process groups (a gunicorn master and its
        workers alike), reap them and forget them; `start` can run them again."""
        doomed = [(n, p) for n, p in self.running if n in names]
        for _, process in doomed:
            _kill_group(process.pid)
        for _, process in doomed:
            process.wait()
        self.running = [(n, p) for n, p in self.running if n not in names]

    def stop(self) -> None:
        """SIGTERM every child, newest first, then SIGKILL what is left after 10 s."""
        for _, process in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.running):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.wait()  # after the group's SIGKILL below
            finally:
                _kill_group(process.pid)  # what a child left behind, e.g. gunicorn workers
        self.running.clear()


def _kill_group(leader: int) -> None:
    """SIGKILL a child's whole process group (each child leads its own session)."""
    try:
        os.killpg(leader, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the whole group is gone already


def _private_folder(folder: Path) -> None:
    """A folder only its owner can enter (mode 0700 whatever the umask)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def _write_private(path: Path, text: str) -> None:
    """A file created mode 0600 (and set so, if an earlier run left it), then written."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(text)


def _secret(folder: Path, name: str) -> Path:
    _private_folder(folder)
    path = folder / name
    _write_private(path, secrets.token_urlsafe(24))
    return path


def prepare(state: Path, ledger: DemoLedger, tracker_port: int, sandbox_port: int) -> Services:
    """Secrets and the environment of the tracker and the sandbox, sharing them.

    The demo's state (staff keys, the database with contacts' phone numbers and token
    hashes, logs) is for its owner only: the state folder and the tracker's are made 0700
    before the tracker writes there (the database itself is 0600, tracker/store/db.py)."""
    _private_folder(state)
    _private_folder(state / "tracker")
    keys = state / "secrets"
    token, app_secret = _secret(keys, "access-token"), _secret(keys, "app-secret")
    tracker_url = f"http://127.0.0.1:{tracker_port}"
    env = {
        "TRACKER_STATE_DIR": str(state / "tracker"),
        "TRACKER_DATABASE_URL": f"sqlite:///{state / 'tracker' / 'tracker.db'}",
        "TRACKER_PUBLIC_URL": tracker_url,
        "TRACKER_WORKER_WAKE_ADDRESS": f"127.0.0.1:{free_port()}",
        "WHATSAPP_PROVIDER": "cloud",
        "WHATSAPP_API_BASE_URL": f"http://127.0.0.1:{sandbox_port}",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN_FILE": str(token),
        "WHATSAPP_APP_SECRET_FILE": str(app_secret),
        "WHATSAPP_VERIFY_TOKEN_FILE": str(_secret(keys, "verify-token")),
        "TRACKER_PEER_ENDPOINT": ledger.endpoint,
        "TRACKER_PEER_TLS_CA_FILE": str(ledger.tls_root),
        "TRACKER_PEER_HOST_OVERRIDE": ledger.host_override or "",
        "TRACKER_MSP_ID": "CarrierMSP",
        "TRACKER_MSP_DIR": str(ledger.follower_msp_dir),
        # The sandbox's own settings; the tracker ignores them.
        "SANDBOX_ACCESS_TOKEN": token.read_text(),
        "SANDBOX_APP_SECRET": app_secret.read_text(),
        "SANDBOX_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "SANDBOX_WEBHOOK_URL": f"{tracker_url}/webhook/whatsapp",
        "SANDBOX_TEMPLATES": TEMPLATES,
        **ledger.extra_env,
    }
    return Services(state, env, tracker_port, sandbox_port)


def start_all(services: Services) -> None:
    """The sandbox, `tracker serve`, `tracker worker` and `tracker follow`, healthy."""
    python = sys.executable
    services.start(
        "sandbox", [python, "-m", "tracker.sandbox", "--port", str(services.sandbox_port)]
    )
    services.wait_healthy("sandbox", f"{services.sandbox_url}/_sandbox/faults")
    start_tracker(services)


def start_tracker(services: Services) -> None:
    """`tracker serve`, `tracker worker` and `tracker follow` (TRACKER_PROCESSES), serving."""
    tracker = [sys.executable, "-m", "tracker.cli"]
    services.start(
        "tracker-serve", [*tracker, "serve", "--bind", f"127.0.0.1:{services.tracker_port}"]
    )
    services.start("tracker-worker", [*tracker, "worker"])
    services.start("tracker-follow", [*tracker, "follow"])
    services.wait_healthy("tracker-serve", f"{services.tracker_url}/healthz")
