"""(d) 200 notifications through a flaky provider, the worker SIGKILLed mid-way and
restarted, the production server (gunicorn via `tracker serve`) receiving the webhooks:
every recipient gets its message exactly once."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.tracker_ledger import CARRIER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import Stack, free_port, start_stack, wait_until
from tracker.sandbox import Faults
from tracker.store.contacts import add_contact, subscribe
from tracker.store.db import transaction

SSCC = sscc_with_check_digit("37612345000000006")
RECIPIENTS = [f"+3363998{n:04d}" for n in range(200)]  # fictional range (ARCEP)


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_200_notifications_exactly_once_through_faults_and_kill_9(
    tmp_path: Path, ledger_for: Callable[[Stack], Ledger]
) -> None:
    port = free_port()
    faults = Faults(error_5xx_share=0.3, rate_limit_share=0.1, latency_ms=0)
    stack = start_stack(tmp_path, faults=faults, tracker_port=port)
    server = stack.spawn("serve", "--bind", f"127.0.0.1:{port}", "--workers", "2")
    workers = []
    try:
        wait_until(lambda: healthy(stack.tracker_url), "gunicorn serving /healthz")
        ledger = ledger_for(stack)
        ledger.create(SSCC)
        with transaction(stack.sessions) as session:
            for phone in RECIPIENTS:
                contact = add_contact(session, org_msp_id=CARRIER, phone=phone, language="en")
                subscribe(session, contact.id, SSCC)
        ledger.checkpoint(SSCC, "in_transit")
        assert stack.outbox_states() == {"pending": 200}

        workers.append(stack.spawn("worker"))
        sent = stack.sandbox.sandbox.state.outbound_to
        wait_until(lambda: len(sent(None)) >= 40, "the first worker to send some")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        assert len(sent(None)) < 200, "the worker finished before it could be killed"

        workers.append(stack.spawn("worker"))
        wait_until(
            lambda: stack.outbox_states()["read"] == 200,
            "all 200 messages read (status webhooks through gunicorn)",
            timeout=90,
        )
        counts = stack.per_recipient()
        assert sorted(counts) == sorted(p[1:] for p in RECIPIENTS)
        assert set(counts.values()) == {1}, {p: n for p, n in counts.items() if n != 1}

        workers[1].send_signal(signal.SIGTERM)  # graceful stop
        assert workers[1].wait(timeout=30) == 0
    finally:
        for process in [*workers, server]:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        stack.close()
