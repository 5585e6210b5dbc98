"""A burst of scans through the tracker on the real network, and the checks every fault
test makes afterwards: each scan acknowledged (201 or 202), on the ledger exactly once in its
VALID transaction, nothing rejected, the read model verified, each status change notified once
per contact."""

from __future__ import annotations

import secrets
import sys
from collections import Counter
from typing import Any

import httpx

from demo.scenario import CONTACTS, Api, sscc_of
from demo.world import FARM
from tests.crash.burst import Clients, Scan, plan_burst, settled_answers
from tests.crash.crash_stack import CrashStack
from tests.real.fabric_net import FabricNet, org, wait_for
from tests.real.ledger_probe import LedgerProbe
from tracker.whatsapp.messages import status_label


def fresh_ssccs(count: int) -> list[str]:
    base = secrets.randbelow(90_000) * 10_000
    return [sscc_of(base + n) for n in range(count)]


def status_messages(stack: CrashStack, phone: str, sscc: str) -> list[tuple[str, str]]:
    found = []
    for message in stack.received(phone):
        if message.type != "template":
            continue
        body = next(c for c in message.content["components"] if c["type"] == "body")
        params = [p["text"] for p in body["parameters"]]
        if params[0] == sscc:
            found.append((params[0], params[1]))
    return found


def start_burst(
    stack: CrashStack, lot: str, *, threads: int, shipments: int, scans_per_shipment: int
) -> tuple[list[str], Clients]:
    """Fresh shipments, departed and followed by both contacts; the burst's clients running."""
    ssccs = fresh_ssccs(shipments)
    stack.subscribe_all(ssccs)
    api = Api(stack.services.tracker_url, stack.demo.tokens)
    with api.http:  # closed now: its kept-alive socket would outlive the tracker's kill
        for sscc in ssccs:
            api.create(sscc, "Strawberries 250 g", lot)
            api.scan(sscc, "departing", "2026-11-21T06:00:00Z", FARM)
    plan = plan_burst(ssccs, threads, scans_per_shipment)
    for n, scans in enumerate(plan):  # scan ids unique to this run of the test
        for scan in scans:
            scan.body["client_scan_id"] = f"{ssccs[0]}-{n}-{scan.body['client_scan_id']}"
    clients = Clients(stack.services.tracker_url, stack.demo.tokens["scanner"], plan)
    clients.start()
    return ssccs, clients


def assert_nothing_lost_or_doubled(
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
    first = _settled(clients)
    _assert_once_on_ledger(probe, ssccs, clients.scans, first)
    height = fabric.height(org("CarrierMSP")) or 0
    wait_for(lambda: stack.next_block() >= height, f"the follower at block {height}")
    verdict = stack.services.run("verify")
    assert verdict.split()[0] == "PASS", verdict
    changes = ("in_transit", "at_hub")  # departed, then at the hub: once each
    for _, phone, lang, _ in CONTACTS:
        want = Counter({(s, status_label(c, lang)): 1 for s in ssccs for c in changes})

        def each_once(p: str = phone, w: Counter[tuple[str, str]] = want) -> bool:
            return Counter(m for s in ssccs for m in status_messages(stack, p, s)) == w

        wait_for(each_once, f"each status change once on {phone}")
    cut = sum(1 for s in clients.scans if s.cut_off)
    sys.stdout.write(
        f"\nreal burst ({what}): {len(clients.scans)} scans, {clients.answered(201)} committed "
        f"at once, {clients.answered(202)} queued, {cut} cut off and sent again\n"
    )


def _settled(clients: Clients) -> dict[str, Any]:
    """Each scan's committed answer: its 201, or the queued scan's final state (never rejected)."""
    with httpx.Client(timeout=30, headers=clients.headers) as http:
        return settled_answers(http, clients.url, clients.scans, wait_for)


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
