"""Fixtures for the pipeline tests: the simulated chaincode ledger and a followed read model."""

from __future__ import annotations

from pathlib import Path

import pytest

from fabricsim.ledger import SimLedger


@pytest.fixture
def sim(tmp_path: Path) -> SimLedger:
    """A fresh simulated ledger endorsed by a throwaway peer identity."""
    from fabricsim.pki import MSP_ID, SimPki
    from fabricsim.wire import Endorser

    pki = SimPki(tmp_path / "pki")
    return SimLedger(Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key))
