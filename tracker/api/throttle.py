"""A short lockout of clients that keep presenting bad bearer tokens.

Tokens are 256-bit random values, so guessing one is hopeless; this is hygiene: it keeps a
client that hammers the API with wrong tokens (a script, a misconfigured handheld) from
costing a database lookup per request, and shows up as 429 in the logs.

A client is its IP address as the server sees it (an IPv6 address counts by its /64, the
block one host usually holds). After `limit` failed tokens (unknown, revoked or expired)
within `window_s` seconds, every request of that client that presents a token is answered
429 with Retry-After for `lockout_s` seconds, WITHOUT checking the token: answering a right
token while locked out would let a guesser go on. A missing token is not counted.

The counts are kept IN THIS PROCESS: each gunicorn worker counts on its own, so a client
may fail up to `limit` times per worker per window (2 workers: 40 a minute by default), and
a restart forgets them. Behind a reverse proxy every client has the proxy's address: the
lockout would then hit everyone behind it; the tracker is served by gunicorn directly.
At most `max_clients` clients are remembered (the least recently failing are forgotten).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Client:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class FailureThrottle:
    """Per-client counts of failed bearer tokens, and the lockout they lead to."""

    def __init__(
        self,
        limit: int = 20,
        window_s: float = 60.0,
        lockout_s: float = 60.0,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """At most `limit` failures per client in `window_s`; then `lockout_s` of 429."""
        if limit < 1 or window_s <= 0 or lockout_s <= 0 or max_clients < 1:
            raise ValueError("limit, window, lockout and max_clients must be positive")
        self.limit, self.window_s, self.lockout_s = limit, window_s, lockout_s
        self._max_clients, self._clock = max_clients, clock
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Whole seconds the client must wait before presenting a token again (0: go on)."""
        with self._lock:
            found = self._clients.get(client)
            if found is None:
                return 0
            left = found.locked_until - self._clock()
            return max(1, math.ceil(left)) if left > 0 else 0

    def failed(self, client: str) -> int:
        """Count a failed token; returns the seconds of lockout it started (0: none)."""
        with self._lock:
            now = self._clock()
            found = self._clients.pop(client, None) or _Client()
            self._clients[client] = found  # most recently failing last
            while len(self._clients) > self._max_clients:
                self._clients.popitem(last=False)
            failures = found.failures
            failures.append(now)
            while failures and failures[0] <= now - self.window_s:
                failures.popleft()
            if len(failures) < self.limit:
                return 0
            failures.clear()
            found.locked_until = now + self.lockout_s
            return math.ceil(self.lockout_s)


def client_key(address: str | None) -> str:
    """The key a client is counted under: its IPv4 address, or the /64 of its IPv6 one."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
