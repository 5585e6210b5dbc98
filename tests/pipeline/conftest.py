"""Fixtures for the pipeline tests: the simulated chaincode ledger and a followed read model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sim_ledger import SimLedger  # noqa: E402


@pytest.fixture
def sim(tmp_path: Path) -> SimLedger:
    """A fresh simulated ledger endorsed by a throwaway peer identity."""
    from ledger_pki import MSP_ID, make_pki
    from ledger_wire import Endorser

    pki = make_pki(tmp_path / "pki")
    return SimLedger(Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key))
