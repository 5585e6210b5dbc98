"""The `pki` and `peer` fixtures of every folder that runs a SimulatedPeer (FAKE, not Fabric)
over TLS. A folder's conftest imports them, so each folder keeps its own session PKI:
`from sim_fixtures import sim_peer_fixture, sim_pki_fixture  # noqa: F401`."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sim_peer import SimulatedPeer
from sim_pki import SimPki


@pytest.fixture(scope="session", name="pki")
def sim_pki_fixture(tmp_path_factory: pytest.TempPathFactory) -> SimPki:
    """One CA per organisation and the peer's TLS certificate, shared by the session."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return SimPki(tmp_path_factory.mktemp("simpki"))


@pytest.fixture(name="peer")
def sim_peer_fixture(pki: SimPki) -> Iterator[SimulatedPeer]:
    """A fresh SimulatedPeer running the real chaincode on an empty world state."""
    running = SimulatedPeer(pki).start()
    yield running
    running.stop()
