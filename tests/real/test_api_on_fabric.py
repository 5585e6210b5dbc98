"""The tracker as a deployment runs it (gunicorn `tracker serve`, `tracker worker`, `tracker
follow`, the WhatsApp sandbox over real HTTP) in front of the real Fabric network: staff
registered at the orgs' real CAs, scans answered with their transaction and block, status
changes on WhatsApp exactly once, chat answers, and a burst that survives another org's peer
and the chaincode server being killed with nothing lost, doubled or wrongly rejected."""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from burst import Clients, Scan, plan_burst
from crash_stack import CrashStack, start_crash_stack
from fabric_net import FabricNet, org
from ledger_probe import LedgerProbe

from demo.fabric import connect_network
from demo.scenario import CONTACTS, FARM, Api, sscc_of
from demo.services import TRACKER_PROCESSES
from tracker.whatsapp.messages import status_label

RETAILER = org("RetailerMSP")
WAIT_S = 180.0  # an upper bound for anything to happen, never a measured duration
THREADS, SHIPMENTS, SCANS_PER_SHIPMENT = 4, 8, 15  # 120 scans


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll until `check()`; fail naming `what` once the deadline passes."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def stack(fabric: FabricNet, tmp_path: Path) -> Iterator[CrashStack]:
    """The tracker's processes on a SQLite read model, staff enrolled at the real CAs."""
    ledger = connect_network(fabric.root, fabric.env)
    running = start_crash_stack(tmp_path, f"sqlite:///{tmp_path / 'tracker.db'}", ledger)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def probe(fabric: FabricNet) -> Iterator[LedgerProbe]:
    """An auditor of the retailer, reading through the retailer's peer."""
    gateway = fabric.gateway(RETAILER, fabric.enrol(RETAILER, "auditor"))
    yield LedgerProbe(gateway)
    gateway.close()


def _fresh_ssccs(count: int) -> list[str]:
    base = secrets.randbelow(90_000) * 10_000
    return [sscc_of(base + n) for n in range(count)]


def _status_messages(stack: CrashStack, phone: str, sscc: str) -> list[tuple[str, str]]:
    found = []
    for message in stack.received(phone):
        if message.type != "template":
            continue
        body = next(c for c in message.content["components"] if c["type"] == "body")
        params = [p["text"] for p in body["parameters"]]
        if params[0] == sscc:
            found.append((params[0], params[1]))
    return found


def test_a_committed_scan_reaches_whatsapp_once_and_the_chat_answers_from_it(
    stack: CrashStack, probe: LedgerProbe
) -> None:
    (sscc,) = _fresh_ssccs(1)
    stack.subscribe_all([sscc])
    api = Api(stack.services.tracker_url, stack.demo.tokens)
    api.create(sscc, "Strawberries 250 g", "LOT-REAL")
    answer = api.post(
        "scanner",
        f"/shipments/{sscc}/checkpoints",
        json={
            "client_scan_id": f"real-{sscc}",
            "biz_step": "departing",
            "read_point": FARM,
            "event_time": "2026-11-21T06:00:00Z",
        },
    )
    assert len(answer["tx_id"]) == 64 and answer["block_number"] > 0
    assert probe.statuses()[answer["tx_id"]] == ("VALID", answer["block_number"])
    for _, phone, lang, _ in CONTACTS:
        want = [(sscc, status_label("in_transit", lang))]
        wait_for(lambda p=phone, w=want: _status_messages(stack, p, sscc) == w, "notification")
    time.sleep(2.0)  # anything sent twice would have arrived by now
    for _, phone, lang, _ in CONTACTS:
        assert _status_messages(stack, phone, sscc) == [(sscc, status_label("in_transit", lang))]
    phone = CONTACTS[0][1]
    before = len(stack.received(phone))
    sandbox = stack.sandbox.url + "/_sandbox"
    httpx.post(
        f"{sandbox}/inbound", json={"from": phone, "text": f"(00) {sscc}"}
    ).raise_for_status()
    wait_for(lambda: len(stack.received(phone)) > before, "the chat answer")
    text = json.dumps(stack.received(phone)[before].content, ensure_ascii=False)
    assert sscc in text and answer["tx_id"][:8] in text, text


def test_burst_survives_another_orgs_peer_and_the_chaincode_killed(
    stack: CrashStack, probe: LedgerProbe, fabric: FabricNet
) -> None:
    ssccs, clients = _start_burst(stack, "LOT-BURST")
    total = len(clients.scans)
    wait_for(lambda: clients.answered() >= total // 5, "the burst under way")
    fabric.kill("peer0-retailer")  # another org's peer: the gateway is the carrier's
    at_peer_kill = clients.answered()
    wait_for(lambda: clients.answered() >= at_peer_kill + total // 5, "scans without the peer")
    fabric.kill("chaincode")  # no endorsement anywhere: scans must queue (202), not fail
    wait_for(lambda: clients.answered(202) >= 5, "scans queued while the chaincode is down")
    fabric.up()  # restarts exactly what is missing: the retailer's peer and the chaincode
    clients.join()
    _assert_nothing_lost_or_doubled(stack, probe, fabric, ssccs, clients, "peer + chaincode")


def test_burst_survives_the_gateway_peer_and_the_whole_tracker_killed(
    stack: CrashStack, probe: LedgerProbe, fabric: FabricNet
) -> None:
    ssccs, clients = _start_burst(stack, "LOT-GATEWAY")
    wait_for(lambda: clients.answered() >= len(clients.scans) // 5, "the burst under way")
    fabric.kill("peer0-carrier")  # the tracker's own gateway peer (and its follower's)
    wait_for(lambda: clients.answered(202) >= 5, "scans queued while the gateway peer is down")
    clients.kills += 1
    stack.services.kill(TRACKER_PROCESSES)  # kill -9 of serve, worker and follow
    fabric.up()  # the carrier's peer back on its kept ledger
    stack.restart()
    clients.join()
    _assert_nothing_lost_or_doubled(stack, probe, fabric, ssccs, clients, "gateway + tracker")


def _start_burst(stack: CrashStack, lot: str) -> tuple[list[str], Clients]:
    """Fresh shipments, departed and followed by both contacts; the burst's clients running."""
    ssccs = _fresh_ssccs(SHIPMENTS)
    stack.subscribe_all(ssccs)
    api = Api(stack.services.tracker_url, stack.demo.tokens)
    for sscc in ssccs:
        api.create(sscc, "Strawberries 250 g", lot)
        api.scan(sscc, "departing", "2026-11-21T06:00:00Z", FARM)
    plan = plan_burst(ssccs, THREADS, SCANS_PER_SHIPMENT)
    for n, scans in enumerate(plan):  # scan ids unique to this run of the test
        for scan in scans:
            scan.body["client_scan_id"] = f"{ssccs[0]}-{n}-{scan.body['client_scan_id']}"
    clients = Clients(stack.services.tracker_url, stack.demo.tokens["scanner"], plan)
    clients.start()
    return ssccs, clients


def _assert_nothing_lost_or_doubled(
    stack: CrashStack,
    probe: LedgerProbe,
    fabric: FabricNet,
    ssccs: list[str],
    clients: Clients,
    what: str,
) -> None:
    """Every scan acknowledged, on the ledger once, the read model verified, each status
    change notified once per contact."""
    refused = [(s.scan_id, s.refusals) for s in clients.scans if s.status is None]
    assert not refused, refused
    first = _settled(stack, clients)
    _assert_once_on_ledger(probe, ssccs, clients.scans, first)
    height = fabric.height(org("CarrierMSP")) or 0
    wait_for(lambda: stack.next_block() >= height, f"the follower at block {height}")
    verdict = stack.services.run("verify")
    assert verdict.split()[0] == "PASS", verdict
    changes = ("in_transit", "at_hub")  # departed, then at the hub: once each
    for _, phone, lang, _ in CONTACTS:
        want = Counter({(s, status_label(c, lang)): 1 for s in ssccs for c in changes})
        wait_for(
            lambda p=phone, w=want: (
                Counter(m for s in ssccs for m in _status_messages(stack, p, s)) == w
            ),
            f"each status change once on {phone}",
        )
    cut = sum(1 for s in clients.scans if s.cut_off)
    sys.stdout.write(
        f"\nreal burst ({what}): {len(clients.scans)} scans, {clients.answered(201)} committed "
        f"at once, {clients.answered(202)} queued, {cut} cut off and sent again\n"
    )


def _settled(stack: CrashStack, clients: Clients) -> dict[str, Any]:
    """Each scan's committed answer: its 201, or the queued scan's final state (never rejected)."""
    first = {s.scan_id: s.answer for s in clients.scans if s.status == 201}
    with httpx.Client(timeout=30, headers=clients.headers) as http:

        def all_committed() -> bool:
            for scan in clients.scans:
                if scan.scan_id in first:
                    continue
                found = http.get(f"{clients.url}/scans/{scan.scan_id}").json()
                if found["state"] != "committed":
                    assert found["state"] == "pending", (
                        found
                    )  # an acknowledged scan is never rejected
                    return False
                first[scan.scan_id] = found["answer"]
            return True

        wait_for(all_committed, "every queued scan committed")
    return first


def _assert_once_on_ledger(
    probe: LedgerProbe, ssccs: list[str], scans: list[Scan], first: dict[str, Any]
) -> None:
    on_ledger = [c for sscc in ssccs for c in probe.checkpoints(sscc)]
    counts = Counter(str(c["client_scan_id"]) for c in on_ledger)
    burst = {s.scan_id for s in scans}
    assert {k: n for k, n in counts.items() if k in burst and n != 1} == {}
    assert sorted(burst - set(counts)) == []
    by_id = {str(c["client_scan_id"]): c for c in on_ledger}
    statuses = probe.statuses()
    for scan in scans:
        tx_id = first[scan.scan_id]["tx_id"]
        assert by_id[scan.scan_id]["tx_id"] == tx_id, scan.scan_id
        assert statuses[tx_id][0] == "VALID", scan.scan_id
