"""`kill -9` of the whole tracker during a burst of 300 scans from the staff API.

Claim: every scan acknowledged (201 committed, 202 queued) is on the ledger exactly once;
a scan sent again after a restart (same client_scan_id, as the scan page does) answers with
its first result; once the follower catches up, the read model equals the ledger (`tracker
verify`: PASS); every subscribed contact gets each status change exactly once.

Tier: the tracker side is real, as a deployment runs it: `tracker serve` (gunicorn, two
threaded workers), `tracker worker` and `tracker follow` as processes on a SQLite file (and on
PostgreSQL when TRACKER_TEST_POSTGRES_URL is set), staff and contacts added with the
`tracker` command. The ledger is the SimulatedPeer (fabricsim): a FAKE peer, NOT Fabric (the
real chaincode behind the real Gateway and Deliver gRPC services, one block per transaction,
no ordering service). It and the WhatsApp sandbox run in the test process, so they outlive
the kills. Its real-tier twins, on the Fabric network, are the bursts of
tests/real/test_api_on_fabric.py.

The burst: five client threads, each scanning its three shipments in turn, 20 hub scans
each (every one leads to at_hub). Each shipment was moved to in_transit just before, so
exactly one status change per shipment happens in the burst, in whatever order the scans
commit, queued or not: 2 changes x 15 shipments x 2 contacts = 60 notifications. The
tracker (gunicorn master and workers, the worker, the follower: their process groups) is
killed with SIGKILL twice and restarted each time: first just after the threads move on to
their second shipments (status changes being followed and notified), then after a peer
outage (scans queued with 202) as soon as the worker has begun submitting the queue.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from demo.scenario import CONTACTS, Api, sscc_of
from demo.services import TRACKER_PROCESSES
from demo.world import FARM
from tests.crash.burst import Clients, Scan, plan_burst, settled_answers
from tests.crash.crash_stack import CrashStack
from tracker.whatsapp.messages import status_label

THREADS, SHIPMENTS_PER_THREAD, SCANS_PER_SHIPMENT = 5, 3, 20
BURST = THREADS * SHIPMENTS_PER_THREAD * SCANS_PER_SHIPMENT  # 300
CHANGES = ("in_transit", "at_hub")  # the status changes each shipment goes through
FIRST_KILL_AT = THREADS * (SCANS_PER_SHIPMENT + 1)  # each thread on its second shipment
OUTAGE_AT, QUEUED_WANTED = 150, 30  # acknowledged before the peer goes; 202s while it is away
RESENT_PER_THREAD = 5  # scans acknowledged with 201 before each kill, sent again at the end
WAIT_S = 120.0  # upper bound for anything to happen, never a measured duration
VALID = 0  # Fabric's TxValidationCode


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll until `check()`; fail naming `what` once the deadline passes."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_kill_9_of_the_tracker_mid_burst_loses_and_doubles_nothing(
    crash_stack: CrashStack,
) -> None:
    stack = crash_stack
    ssccs = setup_shipments(stack)
    plan = plan_burst(ssccs, THREADS, SCANS_PER_SHIPMENT)
    clients = Clients(stack.services.tracker_url, stack.demo.tokens["scanner"], plan)
    scans = clients.scans
    assert len({s.scan_id for s in scans}) == BURST
    clients.start()
    busy = kill_while_busy(stack, clients)
    draining = kill_while_draining(stack, clients)
    clients.join()

    assert busy["acknowledged"] < draining["acknowledged"] < BURST, "a kill missed the burst"
    assert draining["queued (202)"] >= QUEUED_WANTED
    refused = [(s.scan_id, s.refusals) for s in scans if s.status is None]
    assert not refused, refused  # every scan ends acknowledged, some after being sent again
    with httpx.Client(timeout=30, headers=clients.headers) as http:
        first = settled_answers(http, clients.url, scans, wait_for)
        resent = resend_acknowledged(http, clients.url, plan, first)
    no_block = assert_once_on_ledger(stack, ssccs, scans, first)
    converged = converge(stack)
    notified = assert_each_notification_once(stack, ssccs)
    summary = {
        "first kill": busy,
        "second kill": draining,
        "scans cut off and sent again": sum(1 for s in scans if s.cut_off),
        "scans refused, then sent again": sum(1 for s in scans if s.refusals),
        "acknowledged scans sent again": resent,
        "replayed answers without a block yet": no_block,
        "notifications received": notified,
        **converged,
    }
    sys.stdout.write(f"\ncrash test counts: {summary}\n")


def setup_shipments(stack: CrashStack) -> list[str]:
    """15 shipments followed by both contacts, created and departed through the API."""
    ssccs = [sscc_of(3001 + n) for n in range(THREADS * SHIPMENTS_PER_THREAD)]
    stack.subscribe_all(ssccs)
    api = Api(stack.services.tracker_url, stack.demo.tokens)
    for sscc in ssccs:
        api.create(sscc, "Strawberries 250 g", "LOT-CRASH")
        api.scan(sscc, "departing", "2026-11-21T06:00:00Z", FARM)
    return ssccs


def kill_while_busy(stack: CrashStack, clients: Clients) -> dict[str, Any]:
    """The first kill: scans, status changes and notifications flowing."""
    wait_for(lambda: clients.answered() >= FIRST_KILL_AT, f"{FIRST_KILL_AT} scans acknowledged")
    return kill_and_restart(stack, clients)


def kill_while_draining(stack: CrashStack, clients: Clients) -> dict[str, Any]:
    """The second kill: after a peer outage, while the worker submits the queued scans."""
    wait_for(lambda: clients.answered() >= OUTAGE_AT, f"{OUTAGE_AT} scans acknowledged")
    queued, drained = clients.answered(202), stack.drained()
    stack.peer.stop()
    wait_for(lambda: clients.answered(202) >= queued + QUEUED_WANTED, "scans queued (202)")
    stack.peer.start()  # the same port and ledger
    wait_for(
        lambda: stack.drained() > drained or clients.answered() >= BURST - THREADS,
        "the worker submitting the queued scans",
    )
    return kill_and_restart(stack, clients)


def kill_and_restart(stack: CrashStack, clients: Clients) -> dict[str, Any]:
    """SIGKILL every tracker process group, note what was in flight, start them again."""
    clients.kills += 1
    stack.services.kill(TRACKER_PROCESSES)
    outbox = stack.outbox()
    seen = {
        "acknowledged": clients.answered(),
        "committed (201)": clients.answered(201),
        "queued (202)": clients.answered(202),
        "scan queue pending": stack.journal()["pending"],
        "notifications unsent": sum(n for (_, s), n in outbox.items() if s == "pending"),
        "notifications mid-send": sum(n for (_, s), n in outbox.items() if s == "sending"),
    }
    stack.restart()
    return seen


def resend_acknowledged(
    http: httpx.Client, url: str, plan: list[list[Scan]], first: dict[str, Any]
) -> int:
    """Send again scans acknowledged before a kill, same id: each answers its first result."""
    again = [s for scans in plan for kill in (0, 1) for s in _last_committed(scans, kill)]
    again += [s for scans in plan for s in scans if s.status == 202 and s.kills_before < 2]
    for scan in again:
        response = http.post(f"{url}/shipments/{scan.sscc}/checkpoints", json=scan.body)
        assert response.status_code == 201, response.text
        answer, original = response.json(), first[scan.scan_id]
        assert answer["tx_id"] == original["tx_id"], scan.scan_id
        assert answer["checkpoint"] == original["checkpoint"], scan.scan_id
        if original["block_number"] is not None:
            assert answer["block_number"] == original["block_number"], scan.scan_id
    return len(again)


def _last_committed(scans: list[Scan], kills: int) -> list[Scan]:
    before = [s for s in scans if s.status == 201 and s.kills_before == kills and not s.cut_off]
    return before[-RESENT_PER_THREAD:]


def assert_once_on_ledger(
    stack: CrashStack, ssccs: list[str], scans: list[Scan], first: dict[str, Any]
) -> int:
    """Each scan once on the ledger, in the VALID transaction (and block) its answer names.
    Returns how many answers had no block number (a replay whose block the tracker had not
    seen yet; `Committed.block_number` documents it)."""
    on_ledger = {
        str(c["client_scan_id"]): c for sscc in ssccs for c in stack.peer.checkpoints(sscc)
    }
    counts = Counter(str(c["client_scan_id"]) for s in ssccs for c in stack.peer.checkpoints(s))
    assert not {k: n for k, n in counts.items() if n != 1}, counts.most_common(3)
    missing = sorted({s.scan_id for s in scans} - set(on_ledger))
    assert not missing, missing
    statuses, no_block = stack.peer.gateway.statuses, 0
    for scan in scans:
        answer = first[scan.scan_id]
        assert answer["tx_id"] == on_ledger[scan.scan_id]["tx_id"], scan.scan_id
        code, block = statuses[answer["tx_id"]]
        assert code == VALID and answer["block_number"] in (block, None), scan.scan_id
        no_block += answer["block_number"] is None
    return no_block


def converge(stack: CrashStack) -> dict[str, int]:
    """Wait for the follower to reach the peer's newest block, then `tracker verify`."""
    blocks = len(stack.peer.ledger.blocks)
    wait_for(lambda: stack.next_block() >= blocks, f"the follower at block {blocks}")
    verdict = stack.services.run("verify")
    assert verdict.split()[0] == "PASS", verdict
    return {"blocks on the ledger": blocks, "blocks in the read model": stack.next_block()}


def assert_each_notification_once(stack: CrashStack, ssccs: list[str]) -> int:
    """Every contact got each status change of each shipment exactly once."""
    expected = len(ssccs) * len(CHANGES) * len(stack.demo.contacts)

    def outbox_settled() -> bool:
        rows = stack.outbox()
        queued = sum(n for (kind, _), n in rows.items() if kind == "notify.status")
        busy = sum(n for (_, state), n in rows.items() if state in ("pending", "sending"))
        return queued == expected and busy == 0

    wait_for(outbox_settled, f"{expected} notifications sent")
    total = 0
    for _, phone, lang, _ in CONTACTS:
        got = Counter(_status_of(m) for m in stack.received(phone))
        want = Counter({(s, status_label(c, lang)): 1 for s in ssccs for c in CHANGES})
        assert got == want, (phone, got - want, want - got)
        total += got.total()
    return total


def _status_of(message: Any) -> tuple[str, str]:
    """(SSCC, status label) of a status-change template as the sandbox received it."""
    assert message.type == "template", message
    body = next(c for c in message.content["components"] if c["type"] == "body")
    params = [p["text"] for p in body["parameters"]]
    return params[0], params[1]
