"""Shipment links: the public page's URL carries a token only the tracker can make.

SSCCs are handed out in sequence, so `/shipments/<sscc>` alone can be guessed. The link the
tracker sends to a shipment's contacts (notifications, chat answers) is
`<TRACKER_PUBLIC_URL>/shipments/<sscc>?k=<token>`, where the token is
HMAC-SHA256(key, "shipment-page" NUL sscc) cut to 128 bits, URL-safe base64 without padding
(22 characters). Holding the link is what lets someone see the whole page; without a valid
token the page shows what `TRACKER_PUBLIC_PAGE` allows (see `tracker.views.shipments`).
Tokens are stateless: nothing is stored per shipment, and any process holding the key checks
them. Changing the key invalidates every link ever sent.

The key is the content of `TRACKER_LINK_SECRET_FILE`, or, when that is not set, of
`<TRACKER_STATE_DIR>/link_secret`, generated on first use (mode 0600) and reused afterwards:
the file appears complete or not at all (written aside, then hard-linked into place), so
gunicorn's workers and `tracker worker` starting together all end up with the same key.
Processes on several hosts must share one `TRACKER_LINK_SECRET_FILE`.

The same key also turns a client's IP address or phone number into the pseudonym under which
lookups are counted (`pseudonym`), so the rate-limit table never holds either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tracker.config import LINK_SECRET_MIN_CHARS, Config

TOKEN_PARAM = "k"  # the query parameter carrying the token
TOKEN_BYTES = 16  # 128 bits
_PAGE_DOMAIN = b"shipment-page\x00"
_CLIENT_DOMAIN = b"rate-limit\x00"

log = logging.getLogger(__name__)


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class ShipmentLinks:
    """Makes and checks the shipment page's links; `key` is never shown."""

    public_url: str
    key: bytes = field(repr=False)

    def token(self, sscc: str) -> str:
        """The 128-bit token of a shipment (its normalized 18-digit SSCC)."""
        mac = hmac.new(self.key, _PAGE_DOMAIN + sscc.encode("ascii"), hashlib.sha256)
        return _b64(mac.digest()[:TOKEN_BYTES])

    def path(self, sscc: str) -> str:
        """The page's path and query, for a link on one of the tracker's own pages."""
        return f"/shipments/{quote(sscc, safe='')}?{TOKEN_PARAM}={self.token(sscc)}"

    def url(self, sscc: str) -> str:
        """The full link sent to the shipment's contacts."""
        return self.public_url.rstrip("/") + self.path(sscc)

    def is_valid(self, sscc: str, token: str | None) -> bool:
        """Whether `token` opens the page of `sscc` (compared in constant time)."""
        if not token:
            return False
        expected = self.token(sscc).encode("ascii")
        return hmac.compare_digest(expected, token.encode("utf-8", "replace"))

    def pseudonym(self, scope: str, client: str) -> str:
        """A keyed hash of a client's address or number, to count its lookups under."""
        message = _CLIENT_DOMAIN + scope.encode() + b"\x00" + client.encode("utf-8", "replace")
        return _b64(hmac.new(self.key, message, hashlib.sha256).digest()[:TOKEN_BYTES])


def shipment_links(config: Config) -> ShipmentLinks:
    """The links of this deployment: its public URL and its key (generated if need be)."""
    return ShipmentLinks(config.public_url, link_key(config))


def link_key(config: Config) -> bytes:
    """The links' key: the configured secret file's content, else the generated one's."""
    configured = config.public.link_secret
    if configured is not None:
        return configured.read().encode("utf-8")
    return _generated(config.public.link_secret_file(config.state_dir)).encode("utf-8")


def _generated(path: Path) -> str:
    """The key in `path`, created there first when missing (atomically, mode 0600)."""
    if not path.exists():
        _create_once(path)
    return _read_generated(path)


def _create_once(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            # Atomic, and refuses to replace: the first process's key wins, complete.
            os.link(aside, path)
            log.info("generated the shipment links' key in %s", path)
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links: exclusive create, then write
            _create_in_place(path)
    finally:
        aside.unlink(missing_ok=True)


def _create_in_place(path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secrets.token_urlsafe(32) + "\n")


def _read_generated(path: Path) -> str:
    # Only the in-place fallback can show an empty file, for the instant before its write.
    for _ in range(50):
        key = path.read_text(encoding="utf-8").strip()
        if key:
            break
        time.sleep(0.02)
    if len(key) < LINK_SECRET_MIN_CHARS:
        raise RuntimeError(
            f"{path} holds no usable key (fewer than {LINK_SECRET_MIN_CHARS} characters): "
            "delete it to generate a new one (every link sent so far stops working), "
            "or set TRACKER_LINK_SECRET_FILE"
        )
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s can be read by other users: chmod 600 it", path)
    return key
