"""A doorbell for the worker: a UDP datagram on loopback that ends its idle wait at once.

The web process (after storing a webhook's messages) and the follower (after committing a
block that queued notifications) ring it, so a reply or a notification leaves within
milliseconds instead of after up to one poll interval. It is only a hint: a lost datagram
costs at most one poll interval, because the worker still polls the database, which stays
the single source of truth. Several workers on one host share the port (SO_REUSEPORT);
the kernel hands each datagram to one of them.
"""

from __future__ import annotations

import logging
import select
import socket

log = logging.getLogger(__name__)

_RING = b"\x01"


def parse_address(text: str) -> tuple[str, int] | None:
    """`host:port` as a socket address; empty text disables the doorbell."""
    if not text:
        return None
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def ring(address: tuple[str, int] | None) -> None:
    """Best effort: tell a waiting worker there is work. Never raises."""
    if address is None:
        return
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(_RING, address)
    except OSError as error:  # no worker listening is normal; polling covers it
        log.debug("doorbell not rung: %s", error)


class Doorbell:
    """The worker's side: wait for a ring or a timeout, whichever comes first."""

    def __init__(self, address: tuple[str, int] | None) -> None:
        """Listen on `address`; without one (or if it cannot be bound) only timeouts end waits."""
        self._sock: socket.socket | None = None
        if address is None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
        except OSError as error:
            log.warning("doorbell %s:%d unavailable (%s); polling only", *address, error)
            sock.close()
            return
        sock.setblocking(False)
        self._sock = sock

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds; True when woken by a ring."""
        if self._sock is None:
            select.select([], [], [], timeout)
            return False
        readable, _, _ = select.select([self._sock], [], [], timeout)
        if not readable:
            return False
        self._drain()
        return True

    def _drain(self) -> None:
        assert self._sock is not None
        try:
            while self._sock.recv(16):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        """Stop listening."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
