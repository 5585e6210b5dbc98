"""The worker's doorbell: a ring ends an idle wait; without one the wait runs out."""

from __future__ import annotations

import socket

from tracker.chat.doorbell import Doorbell, parse_address, ring
from tracker.config import Config


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_ring_wakes_the_waiting_worker() -> None:
    address = ("127.0.0.1", free_udp_port())
    bell = Doorbell(address)
    try:
        ring(address)
        assert bell.wait(30.0) is True  # returns on the ring, long before 30 s
        assert bell.wait(0.01) is False  # drained: nothing pending any more
    finally:
        bell.close()


def test_two_workers_share_the_port() -> None:
    address = ("127.0.0.1", free_udp_port())
    first, second = Doorbell(address), Doorbell(address)
    try:
        ring(address)
        assert first.wait(0.5) or second.wait(0.5)
    finally:
        first.close()
        second.close()


def test_disabled_doorbell_only_times_out() -> None:
    assert parse_address("") is None
    bell = Doorbell(None)
    assert bell.wait(0.01) is False
    ring(None)  # a no-op, never an error


def test_address_setting() -> None:
    base = {"TRACKER_PUBLIC_URL": "https://t.example.org"}
    assert Config.from_env(base, require_whatsapp=False).wake_address == "127.0.0.1:8719"
    off = {**base, "TRACKER_WORKER_WAKE_ADDRESS": ""}
    assert Config.from_env(off, require_whatsapp=False).wake_address == ""
    assert parse_address("127.0.0.1:9000") == ("127.0.0.1", 9000)
