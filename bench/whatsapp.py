"""Commit → notification and chat message → reply latencies, over real HTTP.

`latencies`: the tracker app, its worker, the WhatsApp sandbox and a SQLite database run in
this process (tests/support/tracker_stack.py). Blocks come from tests/support/tracker_ledger.py
and are applied by the real follower; the clock starts when the block's transaction has
committed. `commit_to_received` and `chat_to_reply` are the timing loops; bench/chat_network.py
runs them on the real network, against `tracker worker`, `tracker follow` and the sandbox in
their own processes.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.stats import summary_ms
from fabricsim.pki import MSP_ID, SimPki
from fabricsim.wire import Endorser
from tests.support.tracker_ledger import CARRIER, PRODUCER, Ledger, sscc_with_check_digit
from tests.support.tracker_stack import Stack, start_stack
from tracker.chat.doorbell import parse_address, ring
from tracker.chat.notify import enqueue_changes
from tracker.follow.follower import Follower, FollowerConfig
from tracker.ledger.identity import load_enrolment

PHONE = "+33639989001"  # fictional range


def _stack(work: Path, poll_s: float) -> tuple[Stack, Ledger]:
    stack = start_stack(work, TRACKER_WORKER_POLL_SECONDS=str(poll_s))
    pki = SimPki(work / "pki")
    producer, _ = load_enrolment(PRODUCER, pki.msp_dir)
    ledger = Ledger(
        pki, producer, Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key), stack.sessions
    )
    # As `tracker follow` does: ring the worker's doorbell once a block's changes committed.
    ledger.follower = Follower(
        config=FollowerConfig("supplychain", "provenance"),
        sessions=stack.sessions,
        source=lambda start: iter(ledger.blocks[start:]),
        on_changes=enqueue_changes,
        after_commit=lambda _changes: ring(parse_address(stack.config.wake_address)),
    )
    return stack, ledger


def latencies(poll_s: float, samples: int) -> dict[str, Any]:
    """Both latencies with the worker polling every `poll_s` seconds."""
    with tempfile.TemporaryDirectory() as work:
        stack, ledger = _stack(Path(work), poll_s)
        try:
            sscc = sscc_with_check_digit("37612345000009001")
            ledger.create(sscc)
            stack.contact(CARRIER, PHONE, "en", sscc)
            stack.start_worker()
            return {
                "worker_poll_s": poll_s,
                "commit_to_notification": _notifications(stack, ledger, sscc, samples),
                "chat_to_reply": _chat(stack, sscc, samples),
            }
        finally:
            stack.close()


def _notifications(stack: Stack, ledger: Ledger, sscc: str, samples: int) -> dict[str, Any]:
    statuses = ["in_transit", "at_hub"]

    def received() -> int:
        return len(stack.received(PHONE))

    # Ledger.checkpoint returns once the block's transaction committed.
    return commit_to_received(lambda n: ledger.checkpoint(sscc, statuses[n % 2]), received, samples)


def _chat(stack: Stack, sscc: str, samples: int) -> dict[str, Any]:
    def received() -> int:
        return len(stack.received(PHONE))

    return chat_to_reply(lambda: stack.phone_writes(PHONE, text=sscc), received, samples)


def wait_for_message(received: Callable[[], int], before: int, limit_s: float = 30.0) -> None:
    """Until `received()` counts more than `before` messages to the phone."""
    deadline = time.monotonic() + limit_s
    while received() <= before:
        if time.monotonic() > deadline:
            raise TimeoutError("the expected WhatsApp message did not arrive")
        time.sleep(0.002)


def commit_to_received(
    commit: Callable[[int], object], received: Callable[[], int], samples: int
) -> dict[str, Any]:
    """`commit(n)` returns once its status-changing transaction committed; the clock runs
    from then until the sandbox holds one more message for the phone. The first round warms
    up connections and caches and is not a sample."""
    times = []
    for n in range(samples + 1):
        before = received()
        commit(n)
        start = time.perf_counter()
        wait_for_message(received, before)
        if n:
            times.append(time.perf_counter() - start)
    return summary_ms(times)


def chat_to_reply(
    write: Callable[[], object], received: Callable[[], int], samples: int
) -> dict[str, Any]:
    """From the phone's message (`write`) to the tracker's reply held by the sandbox."""
    times = []
    for n in range(samples + 1):
        before = received()
        start = time.perf_counter()
        write()
        wait_for_message(received, before)
        if n:
            times.append(time.perf_counter() - start)
    return summary_ms(times)
