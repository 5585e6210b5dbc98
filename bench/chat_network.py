"""Follower catch-up, commit → WhatsApp and chat → reply on the REAL network, every part in
its own process as deployed: `tracker follow`, `tracker worker`, `tracker serve` (the webhook)
and the WhatsApp sandbox, spoken to over HTTP.

1. follower catch-up: `tracker follow` starts on an empty read model after the scan runs
   and applies the whole chain they left from block 0 (Deliver from the gateway peer,
   decoding, the read model's writes); the clock stops when its position reaches the
   height the peer had when it started;
2. commit → received: a contact of the carrier follows a shipment; the scanner records
   departing / arriving on it in turn (each a status change) with the project's client; the
   clock runs from the commit status to the message in the sandbox (follower, outbox, worker
   woken by its doorbell, the Cloud API call to the sandbox);
3. chat → reply: the contact's phone writes the SSCC (sandbox → signed webhook → inbox →
   worker → reply), the clock stops when the sandbox holds the reply.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from bench import whatsapp
from bench.scan_commit import create_shipments, new_ssccs
from bench.scan_stack import CHAINCODE, CHANNEL, SCANNER_ORG, ServedTracker, connect_as
from demo.ledger import DemoLedger
from tracker.follow.follower import position
from tracker.ledger.facade import prepare
from tracker.ledger.facade_values import CheckpointRequest, ReadPoint
from tracker.store.db import make_engine, session_factory
from tracker.store.readmodel import TransactionRow

PHONE = "+33639989002"  # fictional range
HUB = ReadPoint("0614141000029", "Hub Lyon")
STEPS = ("departing", "arriving")  # in_transit, at_hub: a status change each time
CATCH_UP_LIMIT_S = 900.0  # an upper bound, never a measured duration


def on_network(ledger: DemoLedger, tracker: ServedTracker, samples: int) -> dict[str, Any]:
    """The three figures; the sandbox, worker and follower are started here."""
    services = tracker.services
    engine = make_engine(services.env["TRACKER_DATABASE_URL"])
    sessions = session_factory(engine)
    try:
        catch_up = {**_catch_up(ledger, tracker, sessions), "database": engine.dialect.name}
        sandbox = [sys.executable, "-m", "tracker.sandbox", "--port", str(services.sandbox_port)]
        services.start("sandbox", sandbox)
        services.wait_healthy("sandbox", f"{services.sandbox_url}/_sandbox/faults")
        services.start("tracker-worker", [sys.executable, "-m", "tracker.cli", "worker"])
        return {
            "follower_catch_up": catch_up,
            **_messages(ledger, tracker, samples, sessions),
        }
    finally:
        engine.dispose()


def _catch_up(ledger: DemoLedger, tracker: ServedTracker, sessions: Any) -> dict[str, Any]:
    """`tracker follow` from block 0 to the height the peer has now."""
    services, height = tracker.services, ledger.height()
    started = time.perf_counter()
    first: float | None = None  # when block 0 was in: process start-up and connection done
    services.start("tracker-follow", [sys.executable, "-m", "tracker.cli", "follow"])
    while (at := position(sessions, CHANNEL)) < height:
        services.check_alive()
        if first is None and at > 0:
            first = time.perf_counter()
        if time.perf_counter() - started > CATCH_UP_LIMIT_S:
            raise TimeoutError("tracker follow did not catch up")
        time.sleep(0.02)
    end = time.perf_counter()
    first = first or started
    with sessions() as session:
        tx = session.scalar(select(func.count()).select_from(TransactionRow)) or 0
    return {
        "blocks": height,
        "transactions": tx,
        "seconds": round(end - started, 2),
        "seconds_after_block_0": round(end - first, 2),
        "blocks_per_s": round((height - 1) / (end - first), 1),
        "tx_per_s": round(tx / (end - first), 1),
        "clock": "rates from block 0 applied to the last block applied (process start-up, "
        "imports and connection excluded; `seconds` includes them)",
        "process": "tracker follow in its own process, from block 0 on an empty read model "
        "(Deliver from the gateway peer, decode, one database transaction per block)",
    }


def _messages(ledger: DemoLedger, tracker: ServedTracker, samples: int, sessions: Any) -> Any:
    services = tracker.services
    (sscc,) = new_ssccs(1)
    create_shipments(ledger, [sscc], 1)
    while position(sessions, CHANNEL) < ledger.height():  # the shipment is in the read model
        time.sleep(0.05)
    printed = services.run(
        "contacts", "add", "--org", SCANNER_ORG, "--phone", PHONE, "--lang", "en",
        "--label", "bench contact",
    )  # fmt: skip
    services.run("subscriptions", "add", printed.split()[1], sscc)
    sandbox = f"{services.sandbox_url}/_sandbox"
    with httpx.Client(timeout=10) as http, connect_as(ledger, SCANNER_ORG) as gateway:
        contract = gateway.network(CHANNEL).contract(CHAINCODE)

        def received() -> int:
            return len(http.get(f"{sandbox}/messages", params={"to": PHONE}).json())

        def commit(n: int) -> None:
            contract.submit("RecordCheckpoint", _scan(sscc, STEPS[n % 2]))

        def write() -> None:
            body = {"from": PHONE, "text": sscc}
            http.post(f"{sandbox}/inbound", json=body).raise_for_status()

        notes = whatsapp.commit_to_received(commit, received, samples)
        chat = whatsapp.chat_to_reply(write, received, samples)
    return {
        "commit_to_notification": notes,
        "chat_to_reply": chat,
        "path": "commit status at the client -> tracker follow (Deliver) -> outbox -> doorbell "
        "-> tracker worker -> sandbox Cloud API; chat: sandbox inbound -> signed webhook "
        "(tracker serve) -> inbox -> worker -> sandbox; the bench polls the sandbox's "
        "/_sandbox/messages every 2 ms over HTTP",
        "worker_poll_s": float(services.env.get("TRACKER_WORKER_POLL_SECONDS", "1.0")),
    }


def _scan(sscc: str, step: str) -> str:
    request = CheckpointRequest(
        sscc=sscc,
        client_scan_id=str(uuid.uuid4()),
        biz_step=step,
        read_point=HUB,
        event_time=datetime.now(UTC),
    )
    return prepare(request).argument
