"""The SimulatedPeer (FAKE, not Fabric) makes a peer's checks and commits like one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fabricsim.callers import Caller
from fabricsim.peer import MVCC_READ_CONFLICT, VALID, SimulatedPeer
from fabricsim.pki import PEER_HOST, Enrolment, SimPki
from tracker.ledger.errors import EndorseError
from tracker.ledger.gateway import connect
from tracker.ledger.identity import load_enrolment


def test_signature_by_another_key_is_refused(
    peer: SimulatedPeer, pki: SimPki, people: dict[str, Enrolment]
) -> None:
    identity, _ = load_enrolment("CarrierMSP", people["scanner"].msp_dir)
    _, stranger = load_enrolment("RetailerMSP", people["receiver"].msp_dir)
    with connect(
        endpoint=peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=stranger,
        identity=identity,
    ) as gateway:
        contract = gateway.network("supplychain").contract("provenance")
        with pytest.raises(EndorseError, match="invalid signature"):
            contract.submit("RecordCheckpoint", "{}")
    assert len(peer.ledger.blocks) == 1  # only the genesis block


def test_stale_read_set_commits_as_mvcc_conflict(
    peer: SimulatedPeer, people: dict[str, Enrolment]
) -> None:
    world = peer.world
    who = Caller("CarrierMSP", people["scanner"].issued.cert_pem)
    first = world.simulate(who, "GetShipment", ["306141410000000019"], "a" * 64, datetime.now(UTC))
    first.stub.read_versions["k"] = None
    world.versions["k"] = "b" * 64  # another transaction wrote k after the simulation read it
    assert world.validate_and_commit(first) == MVCC_READ_CONFLICT
    first.stub.read_versions.clear()
    assert world.validate_and_commit(first) == VALID
