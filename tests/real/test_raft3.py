"""The three-orderer profile (`PROVENANCE_NET_PROFILE=raft3`) on real Fabric: the Raft leader is
`kill -9`-ed during a burst of checkpoints sent through the project's Gateway client; a new
leader is elected within the election timeout, no acknowledged transaction is lost or written
twice, and the old node catches up once `scripts/network up` restarts it."""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from network.control import gauge
from tests.chaincode.cc_samples import make_sscc, scan, shipment_request
from tests.real.fabric_net import FabricNet, org, wait_for
from tests.real.ledger_probe import LedgerProbe
from tracker.ledger import Contract, LedgerError, Timeouts

PRODUCER, CARRIER = org("ProducerMSP"), org("CarrierMSP")
# TickInterval 500 ms x ElectionTick 10 (network/configs.py): a follower campaigns after 5 s
# without a heartbeat; the bound below leaves room for a failed first round.
ELECTION_BOUND_S = 15.0
THREADS, SCANS_PER_THREAD = 4, 30  # one shipment per thread: no MVCC conflicts between them
GIVE_UP_S = 120.0  # a scan unacknowledged after this long fails the test, never a timing
# A transaction the killed leader took but never ordered has no commit status to wait for:
# give up on it sooner than the 60 s default and send the same scan again (idempotent).
BURST_TIMEOUTS = Timeouts(endorse=15.0, submit=5.0, commit_status=20.0)


def _leaders(net: FabricNet) -> list[str]:
    orderers = net.topology.of_kind("orderer")
    return [o.name for o in orderers if gauge(o, "consensus_etcdraft_is_leader") == 1]


def _committed(net: FabricNet, name: str) -> int:
    return gauge(net.topology.node(name), "consensus_etcdraft_committed_block_number") or -1


@pytest.fixture(scope="module")
def raft3(fabric: FabricNet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FabricNet]:
    """A second network, three orderers, 500 ports above the session's (a network spans
    base..base+1254 without overlapping one 500 apart); cleaned at the end."""
    root = tmp_path_factory.mktemp("raft3") / "network"
    session_base = int(os.environ.get("PROVENANCE_TEST_NET_PORT_BASE", "17000"))
    base = os.environ.get("PROVENANCE_TEST_RAFT3_PORT_BASE", str(session_base + 500))
    env = {
        **fabric.env,
        "PROVENANCE_NETWORK_DIR": str(root),
        "PROVENANCE_NET_PROFILE": "raft3",
        "PROVENANCE_NET_PORT_BASE": base,
    }
    net = FabricNet(Path(root), env)
    try:
        net.up()
        yield net
    finally:
        net.network("clean")


@dataclass
class Submission:
    """One checkpoint of the burst and what the Gateway client answered."""

    sscc: str
    scan_id: str
    tx_id: str | None = None  # the checkpoint's transaction, once committed VALID
    attempts: int = 0
    failures: list[str] = field(default_factory=list)  # retriable errors, sent again
    refused: str | None = None  # a final refusal (fails the test)


class GatewayBurst:
    """Threads sending their checkpoints in order through one Gateway connection, each sent
    again with the same client_scan_id until committed VALID (a replay writes nothing)."""

    def __init__(self, contract: Contract, plan: list[list[Submission]]) -> None:
        """Nothing is sent until `start`."""
        self.contract, self.plan = contract, plan
        self.lock = threading.Lock()
        self.acknowledged = 0
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(s,)) for s in plan]

    @property
    def submissions(self) -> list[Submission]:
        """Every checkpoint of the plan."""
        return [s for thread in self.plan for s in thread]

    def start(self) -> None:
        """Start every thread."""
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        """Wait for every thread (each gives a checkpoint up after GIVE_UP_S)."""
        for thread in self.threads:
            thread.join()
        assert not self.errors, self.errors

    def _run(self, submissions: list[Submission]) -> None:
        try:
            for submission in submissions:
                self._send(submission)
        except BaseException as error:  # noqa: B036 - reported by join(), not lost in a thread
            self.errors.append(error)

    def _send(self, s: Submission) -> None:
        argument = scan(s.sscc, s.scan_id, "arriving")
        deadline = time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            s.attempts += 1
            try:
                done = self.contract.submit("RecordCheckpoint", argument, timeout=BURST_TIMEOUTS)
            except LedgerError as error:
                if not error.retriable:
                    s.refused = str(error)
                    return
                s.failures.append(f"{error.step}: {type(error).__name__}")
                time.sleep(0.2)
                continue
            s.tx_id = json.loads(done.result)["checkpoint"]["tx_id"]
            with self.lock:
                self.acknowledged += 1
            return


def _plan(dispatcher: Contract, scanner: Contract) -> list[list[Submission]]:
    """A departed shipment per thread, and its checkpoints at the hub."""
    plan = []
    for _ in range(THREADS):
        sscc = make_sscc(secrets.randbelow(10**9))
        dispatcher.submit("CreateShipment", json.dumps(shipment_request(sscc)))
        scanner.submit("RecordCheckpoint", scan(sscc, f"raft3-{sscc}-departing", "departing"))
        plan.append([Submission(sscc, f"raft3-{sscc}-{k:02d}") for k in range(SCANS_PER_THREAD)])
    return plan


def test_leader_killed_mid_burst_loses_nothing_and_the_old_one_catches_up(
    raft3: FabricNet,
) -> None:
    assert len(raft3.topology.of_kind("orderer")) == 3
    people = [(PRODUCER, "dispatcher"), (CARRIER, "scanner"), (CARRIER, "auditor")]
    with ExitStack() as opened:
        dispatcher, scanner, auditor = (
            opened.enter_context(raft3.gateway(o, raft3.enrol(o, r))) for o, r in people
        )
        contract = raft3.contract(scanner)
        burst = GatewayBurst(contract, _plan(raft3.contract(dispatcher), contract))
        (leader,) = _leaders(raft3)
        total = THREADS * SCANS_PER_THREAD
        burst.start()
        wait_for(lambda: burst.acknowledged >= total // 4, "the burst under way")
        at_kill = burst.acknowledged
        raft3.kill(leader)
        killed = time.monotonic()
        new: list[str] = []

        def elected() -> bool:
            new[:] = [n for n in _leaders(raft3) if n != leader]
            return bool(new)

        election_s = wait_for(elected, f"a new leader after killing {leader}", ELECTION_BOUND_S)
        burst.join()
        burst_s = time.monotonic() - killed
        refused = [(s.scan_id, s.refused) for s in burst.submissions if s.refused]
        assert not refused, refused
        lost = [s.scan_id for s in burst.submissions if s.tx_id is None]
        assert not lost, lost  # every checkpoint committed, with two orderers of three

        _assert_once_on_ledger(LedgerProbe(auditor), burst.submissions)
        raft3.up()  # restarts exactly the killed orderer, on its kept WAL and ledger
        survivor = new[0]
        catch_up_s = wait_for(
            lambda: _committed(raft3, leader) >= _committed(raft3, survivor) > 0,
            f"{leader} catching up with {survivor}",
        )
        resent = sum(1 for s in burst.submissions if s.attempts > 1)
        sys.stdout.write(
            f"\nraft3: {leader} killed after {at_kill} of {total} checkpoints, {new[0]} leader "
            f"after {election_s:.1f} s; all {total} committed VALID once ({resent} sent again "
            f"after {sum(len(s.failures) for s in burst.submissions)} retriable errors, "
            f"burst done {burst_s:.1f} s after the kill); {leader} at block "
            f"{_committed(raft3, leader)} {catch_up_s:.1f} s "
            "after its restart\n"
        )


def _assert_once_on_ledger(probe: LedgerProbe, submissions: list[Submission]) -> None:
    """Each acknowledged checkpoint on the ledger exactly once, in its VALID transaction."""
    ssccs = sorted({s.sscc for s in submissions})
    on_ledger = [c for sscc in ssccs for c in probe.checkpoints(sscc)]
    counts = Counter(str(c["client_scan_id"]) for c in on_ledger)
    assert {k: n for k, n in counts.items() if n != 1} == {}
    by_id = {str(c["client_scan_id"]): c for c in on_ledger}
    statuses = probe.statuses()
    for s in submissions:
        assert by_id[s.scan_id]["tx_id"] == s.tx_id, s.scan_id
        assert statuses[str(s.tx_id)][0] == "VALID", s.scan_id
