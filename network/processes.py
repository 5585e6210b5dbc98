"""Native processes of the network: started detached with a pid file and a log, probed, stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from network.layout import Layout
from network.topology import Node

STOP_GRACE_S = 10.0


def log_line(text: str) -> None:
    """A progress line on stderr, as the project's shell scripts print them."""
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
    sys.stderr.flush()


class NetworkError(RuntimeError):
    """A step of the network failed; the message names the node and its log."""


def pid_of(layout: Layout, name: str) -> int | None:
    """The recorded pid of a node when that process is alive."""
    try:
        pid = int(layout.pid(name).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    if _is_zombie(pid):
        return None
    return pid


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def check_ports_free(node: Node) -> None:
    """NetworkError naming the port and its setting when one of the node's ports is taken."""
    for kind, port in node.ports.items():
        if port_in_use(node.host, port):
            key = node.name.upper().replace("-", "_")
            raise NetworkError(
                f"{node.name}: {node.host}:{port} ({kind}) is already in use by another "
                f"process.\n  fix: stop that process, or move the network with "
                f"PROVENANCE_NET_PORT_BASE or PROVENANCE_NET_{key}_{kind.upper()}_PORT"
            )


def spawn(layout: Layout, name: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Start a detached process (its own session) logging to `<logs>/<name>.log`."""
    layout.logs.mkdir(parents=True, exist_ok=True)
    layout.pids.mkdir(parents=True, exist_ok=True)
    with layout.log(name).open("ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} start {name}\n".encode())
        log.flush()
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    layout.pid(name).write_text(f"{process.pid}\n")
    return process.pid


def stop(layout: Layout, name: str) -> bool:
    """SIGTERM the node, SIGKILL after the grace period; True when it was running."""
    pid = pid_of(layout, name)
    layout.pid(name).unlink(missing_ok=True)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    _signal_group(pid, signal.SIGKILL)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # reap it when it is our child (a node started in this process)
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    return not _is_zombie(pid) and _exists(pid)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(pid: int, signum: int) -> None:
    """Signal the node's whole group when it leads one (spawn starts a session), else it alone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


def http_ok(url: str) -> bool:
    """True when GET url answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_until(
    layout: Layout, name: str, ready: object, what: str, timeout_s: float = 60.0
) -> None:
    """Poll `ready()` until true; NetworkError naming the log if the node dies or times out."""
    assert callable(ready)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        if pid_of(layout, name) is None:
            raise NetworkError(
                f"{name} exited before {what}; last lines of its log:\n{tail(layout.log(name))}"
            )
        time.sleep(0.25)
    raise NetworkError(f"{name}: no {what} after {timeout_s:.0f} s; see {layout.log(name)}")


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def run(argv: Sequence[str], env: Mapping[str, str], what: str, timeout_s: float = 120.0) -> str:
    """Run a Fabric CLI command to completion; its output, or NetworkError with it."""
    try:
        done = subprocess.run(
            list(argv),
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise NetworkError(f"{what}: timed out after {timeout_s:.0f} s") from exc
    if done.returncode != 0:
        raise NetworkError(f"{what} failed:\n{done.stderr.strip() or done.stdout.strip()}")
    return done.stdout + done.stderr
