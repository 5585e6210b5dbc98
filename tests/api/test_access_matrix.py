"""The access matrix through the project's own Gateway client: every role of every org, for
every transaction, on its own shipment and on a foreign one, signed with Fabric CA-shaped
certificates and evaluated by the real chaincode behind the SimulatedPeer (a FAKE peer, not
Fabric: it stands in for endorsement, where Fabric runs the same chaincode check)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import PEER_HOST, SimPki
from tests.chaincode.cc_samples import scan, shipment_request
from tests.chaincode.test_access import (  # the chaincode's own matrix, written out once
    FOREIGN,
    FOREIGN_CREATED,
    FOREIGN_OFD,
    ORGS,
    OWN_CREATED,
    OWN_OFD,
    READS,
    WRITES,
    _argument,
)
from tracker.ledger.errors import ChaincodeError
from tracker.ledger.gateway import Contract, connect
from tracker.ledger.identity import load_enrolment

ROLES = ("dispatcher", "scanner", "receiver", "auditor", "admin")
_SERIAL = itertools.count()  # the PKI lives for the session: one enrolment id per use


def contract_for(peer: SimulatedPeer, pki: SimPki, msp: str, role: str) -> Iterator[Contract]:
    enrolment = pki.enrol(msp, f"{role}-{msp.lower()}-{next(_SERIAL)}", role)
    identity, signer = load_enrolment(msp, enrolment.msp_dir)
    with connect(
        endpoint=peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=signer,
        identity=identity,
    ) as gateway:
        yield gateway.network("supplychain").contract("provenance")


@pytest.fixture
def baseline(peer: SimulatedPeer, pki: SimPki) -> SimulatedPeer:
    """Own and foreign shipments, one just created and one out for delivery, committed."""
    for parties, created, ofd in (
        (ORGS, OWN_CREATED, OWN_OFD),
        (FOREIGN, FOREIGN_CREATED, FOREIGN_OFD),
    ):
        for producer in contract_for(peer, pki, parties["producer"], "dispatcher"):
            for sscc in (created, ofd):
                producer.submit(
                    "CreateShipment", json.dumps(shipment_request(sscc, parties=parties))
                )
        for carrier in contract_for(peer, pki, parties["carrier"], "scanner"):
            for n, step in enumerate(("departing", "arriving", "loading")):
                carrier.submit("RecordCheckpoint", scan(ofd, f"b-{n}", step))
    return peer


def outcome(contract: Contract, tx: str, argument: str) -> str:
    """ "OK", or the chaincode's error code."""
    try:
        contract.evaluate(tx, argument)
    except ChaincodeError as error:
        return error.chaincode_code or "NO_CODE"
    return "OK"


def test_every_role_every_transaction_own_and_foreign(baseline: SimulatedPeer, pki: SimPki) -> None:
    mismatches: list[tuple[str, str, str, bool, str | bool, str]] = []
    seen: list[str] = []
    for kind, msp in ORGS.items():
        for role in ROLES:
            for contract in contract_for(baseline, pki, msp, role):
                for tx, allowed in WRITES.items():
                    for own in (True, False):
                        expected = "OK" if own and (kind, role) in allowed else "FORBIDDEN"
                        got = outcome(contract, tx, _argument(tx, own))
                        seen.append(got)
                        if got != expected:
                            mismatches.append((msp, role, tx, own, expected, got))
                for tx in READS:
                    for own in (True, False):
                        ok = own or role in ("auditor", "admin")
                        got = outcome(contract, tx, _argument(tx, own))
                        seen.append(got)
                        if got != ("OK" if ok else "FORBIDDEN"):
                            mismatches.append((msp, role, tx, own, ok, got))
    assert mismatches == []
    # 3 orgs x 5 roles x (5 writes + 3 reads) x own/foreign, both outcomes present
    assert len(seen) == 3 * 5 * 8 * 2 and {"OK", "FORBIDDEN"} <= set(seen)


def test_an_org_outside_the_channel_is_refused(baseline: SimulatedPeer, pki: SimPki) -> None:
    for contract in contract_for(baseline, pki, "OutsiderMSP", "dispatcher"):
        assert outcome(contract, "GetShipment", _argument("GetShipment", True)) == "FORBIDDEN"
        with pytest.raises(ChaincodeError) as refused:
            contract.submit("RecordCheckpoint", _argument("RecordCheckpoint", True))
        assert refused.value.chaincode_code == "FORBIDDEN" and refused.value.tx_id
