"""Failed bearer tokens are counted per client address; too many in a minute lock that
client out for a while (429 with Retry-After), without the token being looked at. Over real
HTTP (the API stack, SimulatedPeer: a FAKE peer running the real chaincode), and the counter
on its own with a fake clock."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from fabricsim.peer import SimulatedPeer
from tests.api.api_stack import ApiStack

WRONG = "x" * 43  # shaped like a token, known to no one


def fail(stack: ApiStack, times: int, client: httpx.Client | None = None) -> list[int]:
    """`times` requests with a wrong token; their statuses."""
    http = client or stack.http
    headers = {"Authorization": f"Bearer {WRONG}"}
    return [http.get(f"{stack.url}/api/v1/me", headers=headers).status_code for _ in range(times)]


def test_twenty_bad_tokens_in_a_minute_lock_the_client_out(stack: ApiStack) -> None:
    assert fail(stack, 20) == [401] * 20
    locked = stack.get("scanner", "/me")  # a right token: not even looked at
    assert locked.status_code == 429, locked.text
    assert locked.json()["error"]["code"] == "TOO_MANY_FAILED_SIGN_INS"
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    assert fail(stack, 1) == [429]
    # Every route that takes a token answers the same.
    assert stack.get("scanner", "/shipments", params={"party": "CarrierMSP"}).status_code == 429
    # Asking without a token is no guess: it is not counted and still says why it is refused.
    assert stack.get(None, "/me").status_code == 401
    assert stack.get(None, "/openapi.json").status_code == 200


def test_missing_tokens_are_not_counted(stack: ApiStack) -> None:
    for _ in range(30):
        assert stack.get(None, "/me").status_code == 401
    assert stack.get("scanner", "/me").status_code == 200


def test_the_lockout_ends_and_other_clients_are_not_locked(
    stack_for: Callable[..., ApiStack], peer: SimulatedPeer
) -> None:
    stack = stack_for(peer, auth_failure_limit=3, auth_lockout_s=1.0)
    # Another host on the loopback network: 127.0.0.2 (Linux routes the whole 127/8).
    other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30)
    try:
        assert fail(stack, 3, other) == [401, 401, 401]
        assert fail(stack, 1, other) == [429]
        assert stack.get("scanner", "/me").status_code == 200  # 127.0.0.1: not locked
        time.sleep(1.2)
        headers = {"Authorization": f"Bearer {stack.tokens['scanner']}"}
        assert other.get(f"{stack.url}/api/v1/me", headers=headers).status_code == 200
    finally:
        other.close()


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_older_than_the_window_are_forgotten() -> None:
    from tracker.api.throttle import FailureThrottle

    clock = Clock()
    throttle = FailureThrottle(limit=3, window_s=60, lockout_s=30, clock=clock)
    assert [throttle.failed("a") for _ in range(2)] == [0, 0]
    clock.now += 61  # those two are out of the window
    assert [throttle.failed("a") for _ in range(2)] == [0, 0]
    assert throttle.retry_after("a") == 0
    assert throttle.failed("a") == 30  # third within the window
    assert throttle.retry_after("a") == 30
    clock.now += 29.5
    assert throttle.retry_after("a") == 1
    clock.now += 0.5
    assert throttle.retry_after("a") == 0
    assert throttle.failed("a") == 0  # counting starts afresh after a lockout


def test_memory_is_bounded_and_ipv6_counts_by_its_64() -> None:
    from tracker.api.throttle import FailureThrottle, client_key

    throttle = FailureThrottle(limit=1, window_s=60, lockout_s=60, max_clients=2, clock=Clock())
    for client in ("a", "b", "c"):
        throttle.failed(client)
    assert throttle.retry_after("a") == 0  # forgotten: the least recently failing
    assert throttle.retry_after("c") == 60
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "192.0.2.7"
    assert client_key(None) == "unknown"
    with pytest.raises(ValueError):
        FailureThrottle(limit=0)
