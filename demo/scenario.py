"""Demo data, made the way users make it: staff and contacts with the `tracker` command,
shipments and scans through /api/v1 with each person's own token."""

from __future__ import annotations

import re
import struct
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from demo.ledger import DemoLedger
from demo.services import ApiRefused, DemoError, Services
from demo.terms import accept, agreement
from demo.world import (
    ARRIVED_AGO,
    DC,
    DELIVERED_AGO,
    DEPARTED_AGO,
    FARM,
    HUB,
    LOADED_AGO,
    PROMISED_IN,
    READING_EVERY,
)
from tracker.config import Config, Lang
from tracker.follow.follower import position
from tracker.store.engine import open_database
from tracker.store.queues import UNSENT, depths

# Fictional numbers only: UK drama range (+44 7700 900xxx) and a French range unassigned
# to subscribers (+33 6 39 98 xx xx).
CONTACTS: tuple[tuple[str, str, Lang, str], ...] = (
    ("RetailerMSP", "+447700900123", "en", "buyer"),
    ("ProducerMSP", "+33639985678", "fr", "expéditions"),
)
SHIPMENTS = {  # serial reference → what happens to it
    "delivered": 1001,
    "cold_chain_breach": 1002,
    "in_transit": 1003,
    "ready_to_scan": 1004,
    # Delivery agreements (demo/terms.py); `delivered` carries one too, settled on time.
    "late": 1005,
    "breach_refund": 1006,
    "disputed": 1007,
}
WAIT_S = 60.0
_TOKEN = re.compile(r"API token \(shown once, stored hashed\): (\S+)")


def sscc_of(serial: int) -> str:
    """A valid SSCC (extension 0, GS1 company prefix 0614141) with its check digit."""
    body = f"00614141{serial:09d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@dataclass
class Demo:
    """What the demo made: tokens per role, contact ids and the SSCCs by story."""

    tokens: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    ssccs: dict[str, str] = field(default_factory=dict)
    delivered: dict[str, Any] = field(default_factory=dict)  # the on-time delivery's answer


def add_people(services: Services, ledger: DemoLedger, demo: Demo) -> None:
    """Demo staff (one per org) and contacts following the demo shipments."""
    for org, name, role in ledger.people:
        imported = ("--msp-dir", str(ledger.msp_dirs[org])) if org in ledger.msp_dirs else ()
        printed = services.run(
            "staff", "add", "--org", org, "--name", name, "--role", role, *imported
        )
        found = _TOKEN.search(printed)
        if found is None:
            raise DemoError(f"tracker staff add printed no token:\n{printed}")
        demo.tokens[role] = found.group(1)
    demo.ssccs = {
        story: sscc_of(ledger.serial_base + serial) for story, serial in SHIPMENTS.items()
    }
    for org, phone, lang, label in CONTACTS:
        printed = services.run(
            "contacts", "add", "--org", org, "--phone", phone, "--lang", lang, "--label", label
        )
        contact_id = int(printed.split()[1])
        demo.contacts[phone] = contact_id
        for story in ("delivered", "cold_chain_breach", "in_transit", "disputed"):
            services.run("subscriptions", "add", str(contact_id), demo.ssccs[story])


class Api:
    """/api/v1 as the demo staff."""

    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        self.base_url, self.tokens = base_url + "/api/v1", tokens
        self.http = httpx.Client(timeout=60)

    def post(self, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """POST as the demo person with that role; the committed answer."""
        return self._call("POST", role, path, **kwargs)

    def get(self, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """GET as the demo person with that role; the answer."""
        return self._call("GET", role, path, **kwargs)

    def _call(self, method: str, role: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        response = self.http.request(method, self.base_url + path, headers=headers, **kwargs)
        if response.status_code not in (200, 201):
            try:
                code = str(response.json()["error"]["code"])
            except (ValueError, KeyError, TypeError):
                code = ""
            message = f"{method} {path} as {role}: {response.status_code} {response.text}"
            raise ApiRefused(message, code)
        body: dict[str, Any] = response.json()
        return body

    def create(
        self,
        sscc: str,
        description: str,
        lot: str,
        promised: datetime | None = None,
        agreement: dict[str, Any] | None = None,
    ) -> None:
        """The producer's dispatcher creates a chilled shipment, promised by `promised`
        (PROMISED_IN from now when not given), with a delivery agreement if given."""
        promised = promised or datetime.now(UTC) + PROMISED_IN
        body = _shipment(sscc, description, lot, promised)
        if agreement is not None:
            body["agreement"] = agreement
        self.post("dispatcher", "/shipments", json=body)

    def scan(self, sscc: str, step: str, when: datetime | str, place: dict[str, str] = HUB) -> None:
        """The carrier's scanner records a checkpoint."""
        body = {
            "client_scan_id": _scan_id(),
            "biz_step": step,
            "read_point": place,
            "event_time": _instant(when),
        }
        self.post("scanner", f"/shipments/{sscc}/checkpoints", json=body)

    def temperatures(self, sscc: str, celsius: list[float], start: datetime) -> None:
        """A logger file with a reading every 15 minutes (READING_EVERY) from `start`."""
        lines = ["time,celsius"] + [
            f"{_instant(start + i * READING_EVERY)},{c}" for i, c in enumerate(celsius)
        ]
        self.post(
            "scanner",
            f"/shipments/{sscc}/temperatures",
            data={"client_scan_id": _scan_id(), "device_id": "LOGGER-7"},
            files={"file": ("logger.csv", "\n".join(lines).encode(), "text/csv")},
        )

    def deliver(self, sscc: str, photo: bytes, when: datetime) -> dict[str, Any]:
        """The retailer's receiver confirms delivery with a photo; the committed answer (with
        the settlement when the shipment has an accepted agreement)."""
        return self.post(
            "receiver",
            f"/shipments/{sscc}/delivery",
            data={
                "client_scan_id": _scan_id(),
                "read_point_gln": DC["gln"],
                "read_point_name": DC["name"],
                "event_time": _instant(when),
            },
            files={"photo": ("pod.png", photo, "image/png")},
        )


def _scan_id() -> str:
    return str(uuid.uuid4())


def _instant(when: datetime | str) -> str:
    """A time as the API takes it: ISO 8601 in UTC with a Z (a string is passed as given)."""
    if isinstance(when, str):
        return when
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shipment(sscc: str, description: str, lot: str, promised: datetime) -> dict[str, Any]:
    return {
        "sscc": sscc,
        "client_scan_id": _scan_id(),
        "product": {"gtin": "04006381333931", "lot": lot, "description": description},
        "quantity": 120,
        "unit": "case",
        "origin": FARM,
        "destination": DC,
        "parties": {"producer": "ProducerMSP", "carrier": "CarrierMSP", "retailer": "RetailerMSP"},
        "cold_chain": {"min_c": 2, "max_c": 8, "allowed_minutes_outside": 30, "mkt_limit_c": 8},
        "promised_delivery": _instant(promised),
    }


def record_stories(api: Api, demo: Demo, photo: bytes, now: datetime | None = None) -> None:
    """Four shipments: delivered, cold-chain breach, in transit, and one left to scan.

    Event times are relative to `now` (the current minute when not given; DEPARTED_AGO and
    the others), so each run, on a fresh ledger or one that keeps earlier runs' shipments,
    tells a journey that ends just before it ran, with delivery promised after it."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    departed = now - DEPARTED_AGO
    promised = now + PROMISED_IN
    s = demo.ssccs
    # The on-time delivery carries a delivery agreement from its creation, accepted by the
    # retailer before it leaves the farm: its delivery releases the full price.
    api.create(s["delivered"], "Strawberries 250 g", "LOT-2611-A", promised, agreement(promised))
    accept(api, s["delivered"])
    api.create(s["cold_chain_breach"], "Strawberries 250 g", "LOT-2611-A", promised)
    api.create(s["in_transit"], "Raspberries 125 g", "LOT-2611-B", promised)
    api.create(s["ready_to_scan"], "Blueberries 125 g", "LOT-2611-B", promised)
    for sscc in (s["delivered"], s["cold_chain_breach"], s["in_transit"]):
        api.scan(sscc, "departing", departed, FARM)
    api.temperatures(s["delivered"], [4.0, 4.5, 5.0, 4.8, 5.2, 4.9, 5.1, 4.7], departed)
    api.temperatures(s["in_transit"], [3.5, 3.9, 4.2, 4.0], departed)
    # Two hours at 11-12 °C: eight readings outside 2-8 °C, each holding 15 minutes until
    # the next one, so 120 minutes outside a 30-minute allowance.
    api.temperatures(
        s["cold_chain_breach"],
        [5.0, 11.0, 11.5, 12.0, 11.8, 11.2, 11.0, 11.6, 11.3, 6.0],
        departed,
    )
    for sscc in (s["delivered"], s["cold_chain_breach"]):
        api.scan(sscc, "arriving", now - ARRIVED_AGO)
    api.scan(s["delivered"], "loading", now - LOADED_AGO)
    demo.delivered = api.deliver(s["delivered"], photo, now - DELIVERED_AGO)


def wait_for_notifications(services: Services, demo: Demo, ledger: DemoLedger) -> int:
    """Wait until the follower has every block and the outbox nothing unsent; the number of
    messages the contacts received. Quiet first, so a late notification is never taken for
    the chat answer that comes next."""
    deadline = time.monotonic() + WAIT_S
    config = Config.from_env(services.env, require_whatsapp=False)  # as the tracker reads it
    engine, sessions = open_database(config.database_url)
    try:
        while not _quiet(sessions, config.channel, ledger.height()):
            services.check_alive()
            if time.monotonic() > deadline:
                raise DemoError("the follower or the outbox did not settle; see the logs")
            time.sleep(0.5)
    finally:
        engine.dispose()
    return sum(
        len(httpx.get(f"{services.sandbox_url}/_sandbox/messages", params={"to": phone}).json())
        for phone in demo.contacts
    )


def _quiet(sessions: sessionmaker[Session], channel: str, height: int) -> bool:
    """The read model holds every block and no inbox or outbox row awaits the worker."""
    with sessions() as session:
        waiting = depths(session)
    unsent = waiting["inbox_pending"] + sum(waiting[f"outbox_{state}"] for state in UNSENT)
    return position(sessions, channel) >= height and unsent == 0


def ask_in_chat(services: Services, phone: str, text: str) -> str:
    """Play the contact's phone: send `text`, return the tracker's first answer."""
    url = f"{services.sandbox_url}/_sandbox"
    before = len(httpx.get(f"{url}/messages", params={"to": phone}).json())
    httpx.post(f"{url}/inbound", json={"from": phone, "text": text}).raise_for_status()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        messages = httpx.get(f"{url}/messages", params={"to": phone}).json()
        if len(messages) > before:
            return str(messages[before]["text"])
        time.sleep(0.3)
    raise DemoError(f"no chat answer to {text!r} within {WAIT_S:.0f} s")


def tiny_png() -> bytes:
    """A real 1x1 PNG, standing in for a proof-of-delivery photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
