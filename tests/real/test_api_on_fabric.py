"""The tracker as a deployment runs it (gunicorn `tracker serve`, `tracker worker`, `tracker
follow`, the WhatsApp sandbox over real HTTP) in front of the real Fabric network: staff
registered at the orgs' real CAs, scans answered with their transaction and block, status
changes on WhatsApp exactly once, chat answers, and a burst that survives another org's peer
and the chaincode server being killed with nothing lost, doubled or wrongly rejected."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from demo.fabric import connect_network
from demo.scenario import CONTACTS, Api
from demo.services import TRACKER_PROCESSES
from demo.world import FARM
from tests.crash.crash_stack import CrashStack, start_crash_stack
from tests.real.burst_checks import (
    assert_nothing_lost_or_doubled,
    fresh_ssccs,
    start_burst,
    status_messages,
)
from tests.real.fabric_net import FabricNet, org, wait_for
from tests.real.ledger_probe import LedgerProbe
from tracker.whatsapp.messages import status_label

RETAILER = org("RetailerMSP")
BURST = dict(threads=4, shipments=10, scans_per_shipment=30)  # 300 scans, as issue 14 asks


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


def test_a_committed_scan_reaches_whatsapp_once_and_the_chat_answers_from_it(
    stack: CrashStack, probe: LedgerProbe
) -> None:
    (sscc,) = fresh_ssccs(1)
    stack.subscribe_all([sscc])
    api = Api(stack.services.tracker_url, stack.demo.tokens)
    with api.http:
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

        def notified(p: str = phone, w: list[tuple[str, str]] = want) -> bool:
            return status_messages(stack, p, sscc) == w

        wait_for(notified, "notification")
    time.sleep(2.0)  # anything sent twice would have arrived by now
    for _, phone, lang, _ in CONTACTS:
        assert status_messages(stack, phone, sscc) == [(sscc, status_label("in_transit", lang))]
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
    ssccs, clients = start_burst(stack, "LOT-BURST", **BURST)
    total = len(clients.scans)
    wait_for(lambda: clients.answered() >= total // 5, "the burst under way")
    fabric.kill("peer0-retailer")  # another org's peer: the gateway is the carrier's
    at_peer_kill = clients.answered()
    wait_for(lambda: clients.answered() >= at_peer_kill + total // 5, "scans without the peer")
    fabric.kill("chaincode")  # no endorsement anywhere: scans must queue (202), not fail
    wait_for(lambda: clients.answered(202) >= 5, "scans queued while the chaincode is down")
    fabric.up()  # restarts exactly what is missing: the retailer's peer and the chaincode
    clients.join()
    assert_nothing_lost_or_doubled(stack, probe, fabric, ssccs, clients, "peer + chaincode")


def test_burst_survives_the_gateway_peer_and_the_whole_tracker_killed(
    stack: CrashStack, probe: LedgerProbe, fabric: FabricNet
) -> None:
    ssccs, clients = start_burst(stack, "LOT-GATEWAY", **BURST)
    wait_for(lambda: clients.answered() >= len(clients.scans) // 5, "the burst under way")
    fabric.kill("peer0-carrier")  # the tracker's own gateway peer (and its follower's)
    wait_for(lambda: clients.answered(202) >= 5, "scans queued while the gateway peer is down")
    clients.kills += 1
    stack.services.kill(TRACKER_PROCESSES)  # kill -9 of serve, worker and follow
    fabric.up()  # the carrier's peer back on its kept ledger
    stack.restart()
    clients.join()
    assert_nothing_lost_or_doubled(stack, probe, fabric, ssccs, clients, "gateway + tracker")
