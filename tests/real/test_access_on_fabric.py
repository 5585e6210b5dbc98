"""The access matrix of chaincode/README.md against the real peers: every role (and none) of
every org, enrolled at its org's real Fabric CA, × every transaction × own/foreign shipment,
through the project's Gateway client; the expected outcome and FORBIDDEN text are the chaincode
tier's own table (tests/chaincode/test_access.py). An identity of an org outside the channel
(made with cryptogen) is refused by the peer before any chaincode runs. A revoked certificate's
refusal is tests/real/test_staff_revocation.py."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from network.topology import Org
from tests.chaincode.cc_samples import make_sscc, scan, shipment_request
from tests.chaincode.test_access import READS, ROLES, WRITES, _expected, _refusal
from tests.real.fabric_net import FabricNet, as_json, org
from tracker.ledger import ChaincodeError, Gateway, LedgerError

ORGS = {
    "producer": org("ProducerMSP"),
    "carrier": org("CarrierMSP"),
    "retailer": org("RetailerMSP"),
}
PARTIES = {kind: o.msp_id for kind, o in ORGS.items()}
# Foreign to the caller's org: none of its parties is that org. Only a shipment's producer may
# create it, so the carrier's dispatcher creates the one foreign to the producer.
ELSEWHERE = {"carrier": "Carrier2MSP", "retailer": "Retailer2MSP"}
FOREIGN_TO_PRODUCER = {"producer": "CarrierMSP", **ELSEWHERE}
FOREIGN_TO_OTHERS = {"producer": "ProducerMSP", **ELSEWHERE}
FOREIGN_CREATE = {"producer": "Producer2MSP", **ELSEWHERE}
POD = "b" * 64
ATTEMPTS = 5  # sends of one row while the error is retriable (the same scan id: idempotent)
# The endorser's refusal of a creator whose MSP the channel does not know (Fabric's own text).
OUTSIDER_REFUSAL = "access denied: channel [supplychain] creator org unknown, creator is malformed"
Person = tuple[str, str | None]  # (org kind, role)


def _sscc() -> str:
    return make_sscc(secrets.randbelow(10**9))


@pytest.fixture(scope="module")
def gateways(fabric: FabricNet) -> Iterator[dict[Person, Gateway]]:
    """Each role (and no role) of each org, enrolled once, connected through its org's peer."""

    def enrol_org(kind: str) -> list[tuple[Person, Path]]:
        return [((kind, role), fabric.enrol(ORGS[kind], role)) for role in ROLES]

    with ThreadPoolExecutor(len(ORGS)) as pool:  # one registrar per org, one at a time
        enrolled = [item for found in pool.map(enrol_org, ORGS) for item in found]
    opened = {who: fabric.gateway(ORGS[who[0]], msp) for who, msp in enrolled}
    yield opened
    for gateway in opened.values():
        gateway.close()


@dataclass(frozen=True)
class Shipments:
    """What the rows act on: `own` takes every write the matrix allows (sequentially: one
    shipment, no MVCC conflict), `delivering` is out for delivery, `foreign` per org kind."""

    own: str
    delivering: str
    foreign: dict[str, str]


@pytest.fixture(scope="module")
def shipments(fabric: FabricNet, gateways: dict[Person, Gateway]) -> Shipments:
    """The shipments, created and moved by the parties' own people."""

    def submit(who: Person, tx: str, argument: str) -> None:
        assert fabric.contract(gateways[who]).submit(tx, argument).validation_code == "VALID"

    def create(who: Person, parties: dict[str, str]) -> str:
        sscc = _sscc()
        submit(who, "CreateShipment", json.dumps(shipment_request(sscc, parties=parties)))
        return sscc

    own = create(("producer", "dispatcher"), PARTIES)
    delivering = create(("producer", "dispatcher"), PARTIES)
    for step in ("departing", "arriving", "loading"):
        submit(("carrier", "scanner"), "RecordCheckpoint", scan(delivering, f"d-{step}", step))
    to_others = create(("producer", "dispatcher"), FOREIGN_TO_OTHERS)
    to_producer = create(("carrier", "dispatcher"), FOREIGN_TO_PRODUCER)
    foreign = {"producer": to_producer, "carrier": to_others, "retailer": to_others}
    return Shipments(own, delivering, foreign)


@dataclass(frozen=True)
class Row:
    """One cell of the matrix: who does what on whose shipment."""

    tx: str
    kind: str
    role: str | None
    own: bool

    @property
    def allowed(self) -> bool:
        """The chaincode tier's verdict for this cell."""
        return _expected(self.tx, self.kind, self.role, self.own)


ROWS = [
    Row(tx, kind, role, own)
    for tx in [*WRITES, *READS]
    for kind in ORGS
    for role in ROLES
    for own in (True, False)
]


def _argument(row: Row, ships: Shipments, n: int) -> str:
    """The row's argument; scan ids unique to the row (n) so that no write is a replay."""
    if row.tx == "CreateShipment":
        return json.dumps(shipment_request(_sscc(), parties=PARTIES if row.own else FOREIGN_CREATE))
    sscc = ships.own if row.own else ships.foreign[row.kind]
    scan_id, when = f"access-{n}-{secrets.token_hex(3)}", "2025-03-01T10:00:00Z"
    if row.tx == "RecordCheckpoint":
        return scan(sscc, scan_id, "departing")
    if row.tx == "RecordTemperatures":
        readings = [{"time": when, "celsius": 4}]
        return json.dumps({"sscc": sscc, "readings": readings, "client_scan_id": scan_id})
    if row.tx == "ConfirmDelivery":
        sscc = ships.delivering if row.own else sscc
        body = {"sscc": sscc, "proof_of_delivery_sha256": POD, "event_time": when}
        return json.dumps({**body, "client_scan_id": scan_id})
    if row.tx == "ReportException":
        body = {"sscc": sscc, "reason": "pallet damaged", "event_time": when}
        return json.dumps({**body, "client_scan_id": scan_id})
    return json.dumps({"sscc": sscc})


def _outcome(fabric: FabricNet, gateway: Gateway, row: Row, argument: str) -> str:
    """`ok`, or the chaincode's coded refusal as the endorsing peers sent it."""
    contract = fabric.contract(gateway)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if row.tx in READS:
                as_json(contract.evaluate(row.tx, argument))
            else:
                assert contract.submit(row.tx, argument).validation_code == "VALID"
            return "ok"
        except ChaincodeError as error:
            assert error.chaincode_code == "FORBIDDEN", str(error)
            return str(error)
        except LedgerError as error:
            # e.g. "ProposalResponsePayloads do not match": an endorser had not yet committed
            # the block with the lane's previous write. Sent again as the tracker's queue does.
            if not error.retriable or attempt == ATTEMPTS:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def test_every_role_transaction_and_ownership_on_the_real_peers(
    fabric: FabricNet, gateways: dict[Person, Gateway], shipments: Shipments
) -> None:
    arguments = [_argument(row, shipments, n) for n, row in enumerate(ROWS)]

    def run(n: int) -> str:
        row = ROWS[n]
        return _outcome(fabric, gateways[(row.kind, row.role)], row, arguments[n])

    allowed_writes = [n for n, r in enumerate(ROWS) if r.allowed and r.tx not in READS]
    others = [n for n, r in enumerate(ROWS) if n not in allowed_writes]
    with ThreadPoolExecutor(6) as pool:  # the allowed writes in one lane: no MVCC conflicts
        sequential = pool.submit(lambda: [run(n) for n in allowed_writes])
        outcomes = dict(zip(others, pool.map(run, others), strict=True))
        outcomes.update(zip(allowed_writes, sequential.result(), strict=True))
    wrong = []
    for n, row in enumerate(ROWS):
        msp_id = ORGS[row.kind].msp_id
        want = "ok" if row.allowed else _refusal(row.tx, msp_id, row.role)
        if not (outcomes[n] == want if row.allowed else want in outcomes[n]):
            wrong.append((row, want, outcomes[n][:300]))
    assert not wrong, "\n".join(map(str, wrong))
    _assert_refusals_wrote_nothing(fabric, gateways, shipments, allowed_writes)
    ok = sum(1 for o in outcomes.values() if o == "ok")
    sys.stdout.write(
        f"\naccess matrix on Fabric: {len(ROWS)} cells, {ok} allowed, "
        f"{len(ROWS) - ok} refused FORBIDDEN as documented\n"
    )


def _assert_refusals_wrote_nothing(
    fabric: FabricNet, gateways: dict[Person, Gateway], ships: Shipments, allowed: list[int]
) -> None:
    """Checkpoints only from the allowed writes; no shipment from a refused creation."""
    auditor = fabric.contract(gateways[("retailer", "auditor")])

    def count(sscc: str) -> int:
        found: int = as_json(auditor.evaluate("GetShipment", sscc))["checkpoint_count"]
        return found

    on_own = sum(1 for n in allowed if ROWS[n].tx not in ("CreateShipment", "ConfirmDelivery"))
    assert count(ships.own) == on_own
    assert count(ships.delivering) == 3 + 1  # departing, arriving, loading; the delivery
    assert {count(s) for s in ships.foreign.values()} == {0}


def test_listing_by_party_and_by_status_on_the_real_peers(
    fabric: FabricNet, gateways: dict[Person, Gateway]
) -> None:
    cases: list[tuple[Person, dict[str, str], bool]] = []
    for (kind, role), _ in gateways.items():
        msp_id, reader = ORGS[kind].msp_id, role in ("auditor", "admin")
        other = next(o.msp_id for k, o in ORGS.items() if k != kind)
        cases += [
            ((kind, role), {"party": msp_id}, True),
            ((kind, role), {"party": other}, reader),
            ((kind, role), {"status": "created"}, reader),
        ]

    def run(case: tuple[Person, dict[str, str], bool]) -> str:
        (kind, role), argument, _ = case
        contract = fabric.contract(gateways[(kind, role)])
        try:
            listed = as_json(contract.evaluate("ListShipments", json.dumps(argument)))
        except ChaincodeError as error:
            return str(error)
        assert isinstance(listed["shipments"], list)
        return "ok"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(run, cases))
    for ((kind, role), argument, allowed), outcome in zip(cases, outcomes, strict=True):
        scope = f"list shipments of {argument['party']}" if "party" in argument else None
        scope = scope or "list shipments of all parties"
        want = "ok" if allowed else f"FORBIDDEN: {ORGS[kind].msp_id} with role {role or '(none)'}"
        assert want in outcome and (allowed or scope in outcome), (kind, role, argument, outcome)


OUTSIDER_CRYPTO = """PeerOrgs:
  - Name: Outsider
    Domain: outsider.example.com
    EnableNodeOUs: true
    Template: {Count: 0}
    Users: {Count: 1}
"""


def _outsider(fabric: FabricNet, folder: Path) -> Path:
    """A user of OutsiderMSP, an org no channel configuration knows (cryptogen, as Fabric's
    test-network makes its orgs); its MSP folder."""
    config = folder / "crypto-config.yaml"
    config.write_text(OUTSIDER_CRYPTO)
    argv = [fabric.tools.exe("cryptogen"), "generate", "--config", str(config)]
    done = subprocess.run(
        [*argv, "--output", str(folder)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    org_dir = folder / "peerOrganizations" / "outsider.example.com"
    return org_dir / "users" / "User1@outsider.example.com" / "msp"


def test_an_org_outside_the_channel_is_refused_by_the_peer(
    fabric: FabricNet, gateways: dict[Person, Gateway], shipments: Shipments, tmp_path: Path
) -> None:
    outsider, msp_dir = Org("outsider", "OutsiderMSP"), _outsider(fabric, tmp_path)
    auditor = fabric.contract(gateways[("retailer", "auditor")])
    for via in (ORGS["producer"], ORGS["retailer"]):  # whichever peer it asks
        sscc = _sscc()
        with fabric.gateway(outsider, msp_dir, via=via) as gateway:
            contract = fabric.contract(gateway)
            with pytest.raises(LedgerError) as evaluated:
                contract.evaluate("GetShipment", shipments.own)
            with pytest.raises(LedgerError) as submitted:
                contract.submit("CreateShipment", json.dumps(shipment_request(sscc)))
        refusals = {"FAILED_PRECONDITION": evaluated.value, "ABORTED": submitted.value}
        for grpc_code, error in refusals.items():
            assert error.grpc_code is not None and error.grpc_code.name == grpc_code, str(error)
            assert error.chaincode_code is None, str(error)  # no chaincode ran
            assert error.retriable is False, str(error)  # the tracker would not queue it
            assert {d.msp_id for d in error.details} == {via.msp_id}, str(error)
            assert all(OUTSIDER_REFUSAL in d.message for d in error.details), str(error)
        with pytest.raises(ChaincodeError, match="SHIPMENT_NOT_FOUND"):  # nothing written
            auditor.evaluate("GetShipment", sscc)
    sys.stdout.write(f"\noutsider refused by every peer asked: {OUTSIDER_REFUSAL}\n")
