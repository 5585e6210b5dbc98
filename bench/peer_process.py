"""`python -m bench.peer_process ROOT`: the SimulatedPeer (FAKE, not Fabric) in its own process.

The benchmark's clients run in other processes (the Node client, gunicorn) or in the bench's
own threads (the project's client): with the peer here, no client shares a GIL with it. It
writes a fresh test PKI and the demo's enrolments under ROOT, prints one JSON line saying
where they are and where the peer listens, and serves until its standard input closes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from demo.ledger import start_simulated_peer


def main(argv: list[str]) -> int:
    """Serve until stdin reaches end of file (the parent closed it or exited)."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m bench.peer_process ROOT\n")
        return 64
    ledger = start_simulated_peer(Path(argv[0]))
    where = {
        "endpoint": ledger.endpoint,
        "host_override": ledger.host_override,
        "tls_root": str(ledger.tls_root),
        "msp_dirs": {org: str(folder) for org, folder in ledger.msp_dirs.items()},
        "follower_msp_dir": str(ledger.follower_msp_dir),
    }
    sys.stdout.write(json.dumps(where) + "\n")
    sys.stdout.flush()
    try:
        sys.stdin.read()
    finally:
        ledger.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
