"""Settings of the staff API, read once from the environment (`ApiSettings.from_env`).

| variable | default | meaning |
| --- | --- | --- |
| `TRACKER_PEER_ENDPOINT` | required | `host:port` of a peer's Gateway service |
| `TRACKER_PEER_TLS_CA_FILE` | required | PEM root CA of the peer's TLS certificate |
| `TRACKER_PEER_HOST_OVERRIDE` | none | TLS server name when it differs from the host |
| `TRACKER_CHANNEL` | `supplychain` | channel |
| `TRACKER_CHAINCODE` | `provenance` | chaincode |
| `TRACKER_WALLET_DIR` | `<TRACKER_STATE_DIR>/wallet` | staff identities (0700) |
| `TRACKER_API_MAX_UPLOAD_BYTES` | `10485760` | largest request body on /api/v1 (413 above) |
| `TRACKER_API_RETRY_SECONDS` | `5.0` | pause between rounds of the pending-scan retry loop |
| `TRACKER_API_RETRY_THREAD` | `1` | `0`: no retry thread in the web process (run it elsewhere) |
| `TRACKER_API_COMMIT_TIMEOUT_SECONDS` | `30.0` | longest wait for a write's commit status |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tracker.config import ConfigError
from tracker.ledger.gateway import Timeouts


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Where the peer is, where the wallet is, and the API's limits."""

    peer_endpoint: str
    tls_ca_file: Path
    host_override: str | None
    wallet_dir: Path
    channel: str = "supplychain"
    chaincode: str = "provenance"
    max_upload_bytes: int = 10 * 1024 * 1024
    retry_seconds: float = 5.0
    retry_thread: bool = True
    timeouts: Timeouts = Timeouts(evaluate=5.0, endorse=15.0, submit=5.0, commit_status=30.0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ApiSettings:
        """Read and check every variable; ConfigError lists all problems at once."""
        problems: list[str] = []

        def text(name: str, default: str | None = None) -> str:
            value = environ.get(name, "").strip()
            if not value and default is None:
                problems.append(f"{name} is required")
            return value or (default or "")

        def number(name: str, default: float) -> float:
            raw = environ.get(name, "").strip()
            try:
                value = float(raw) if raw else default
            except ValueError:
                value = -1.0
            if value <= 0:
                problems.append(f"{name} must be a number > 0")
                return default
            return value

        tls = Path(text("TRACKER_PEER_TLS_CA_FILE"))
        if str(tls) not in ("", ".") and not tls.is_file():
            problems.append("TRACKER_PEER_TLS_CA_FILE does not name a readable file")
        state_dir = Path(text("TRACKER_STATE_DIR", ".state/tracker"))
        commit = number("TRACKER_API_COMMIT_TIMEOUT_SECONDS", 30.0)
        settings = cls(
            peer_endpoint=text("TRACKER_PEER_ENDPOINT"),
            tls_ca_file=tls,
            host_override=text("TRACKER_PEER_HOST_OVERRIDE", "") or None,
            wallet_dir=Path(text("TRACKER_WALLET_DIR", str(state_dir / "wallet"))),
            channel=text("TRACKER_CHANNEL", "supplychain"),
            chaincode=text("TRACKER_CHAINCODE", "provenance"),
            max_upload_bytes=int(number("TRACKER_API_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
            retry_seconds=number("TRACKER_API_RETRY_SECONDS", 5.0),
            retry_thread=text("TRACKER_API_RETRY_THREAD", "1") != "0",
            timeouts=Timeouts(evaluate=5.0, endorse=15.0, submit=5.0, commit_status=commit),
        )
        if problems:
            raise ConfigError(problems)
        return settings
