"""Settings of the staff API, taken from the tracker's one `Config` (`ApiSettings.from_config`).

The variables (`TRACKER_PEER_*`, `TRACKER_WALLET_DIR`, `TRACKER_API_*`) are read and checked
by `tracker.config.Config.from_env`, with every other setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.config import Config
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
    timeouts: Timeouts = Timeouts(commit_status=30.0)
    # Failed bearer tokens per client address before a lockout (see tracker.api.throttle;
    # counted per web worker process).
    auth_failure_limit: int = 20
    auth_failure_window_s: float = 60.0
    auth_lockout_s: float = 60.0

    @classmethod
    def from_config(cls, config: Config) -> ApiSettings | None:
        """The API's settings, or None when no peer is configured (the API stays off)."""
        if config.ledger is None:
            return None
        tuning = config.api
        return cls(
            peer_endpoint=config.ledger.peer_endpoint,
            tls_ca_file=config.ledger.tls_ca_file,
            host_override=config.ledger.host_override,
            wallet_dir=config.wallet_dir,
            channel=config.channel,
            chaincode=config.chaincode,
            max_upload_bytes=tuning.max_upload_bytes,
            retry_seconds=tuning.retry_seconds,
            retry_thread=tuning.retry_thread,
            timeouts=Timeouts(commit_status=tuning.commit_timeout_s),
        )
