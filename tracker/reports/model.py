"""Frozen input records of the auditor reports: the tracker's read model is adapted to these.

Product, parties and reporter are the ledger's own records (`records`), re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from records import Parties as Parties
from records import Product as Product
from records import Reporter as Reporter


def _require_aware(name: str, value: datetime) -> None:
    """Rejects naive datetimes: every report states times with their UTC offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class LedgerRef:
    """The Fabric transaction that recorded an event, and who signed it."""

    tx_id: str
    block_number: int
    msp_id: str
    role: str
    enrollment_id: str
    validation_code: str
    commit_time: datetime

    def __post_init__(self) -> None:
        """Checks the commit time carries an offset."""
        _require_aware("commit_time", self.commit_time)

    @property
    def is_valid(self) -> bool:
        """True when the peer marked the transaction VALID (its writes took effect)."""
        return self.validation_code == "VALID"


@dataclass(frozen=True)
class ReportSource:
    """The ledger range a report was built from, so an auditor can re-read exactly it."""

    channel: str
    first_block: int
    last_block: int


@dataclass(frozen=True)
class Location:
    """A place identified by its 13-digit GLN, with a readable name."""

    gln: str
    name: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class ColdChainProfile:
    """The allowed temperature band, tolerated minutes outside it, and optional MKT limit."""

    min_celsius: float
    max_celsius: float
    allowed_minutes_outside: float
    mkt_limit_celsius: float | None = None


@dataclass(frozen=True)
class ColdChainVerdict:
    """The cold-chain verdict as recorded on the ledger (ok, excursion or breach)."""

    status: str
    minutes_outside: float
    min_celsius: float | None
    max_celsius: float | None
    mkt_celsius: float | None


@dataclass(frozen=True)
class Certificate:
    """A certificate document referenced by type and the SHA-256 of its bytes."""

    document_type: str
    sha256: str


@dataclass(frozen=True)
class TemperatureSummary:
    """Summary of the readings a temperature record covers."""

    min_celsius: float
    max_celsius: float
    mean_celsius: float
    count: int
    unit: str = "CEL"


@dataclass(frozen=True)
class TemperatureReading:
    """One logger reading."""

    time: datetime
    celsius: float

    def __post_init__(self) -> None:
        """Checks the reading time carries an offset."""
        _require_aware("time", self.time)


@dataclass(frozen=True)
class ShipmentRecord:
    """One shipment (keyed by its SSCC) as the ledger holds it now."""

    sscc: str
    product: Product
    quantity: float
    unit: str
    origin: Location
    destination: Location
    parties: Parties
    cold_chain: ColdChainProfile
    promised_delivery: datetime
    status: str
    custodian: str
    created: LedgerRef
    certificates: tuple[Certificate, ...] = ()
    verdict: ColdChainVerdict | None = None

    def __post_init__(self) -> None:
        """Checks the promised delivery time carries an offset."""
        _require_aware("promised_delivery", self.promised_delivery)


@dataclass(frozen=True)
class CheckpointRecord:
    """One checkpoint of a shipment, with the ledger transaction that recorded it."""

    sscc: str
    sequence: int
    biz_step: str
    disposition: str
    read_point: Location | None  # a logger batch may have no scanned place
    event_time: datetime
    reporter: Reporter
    ledger: LedgerRef
    temperature: TemperatureSummary | None = None
    evidence: tuple[str, ...] = ()
    notes: str = ""
    reason: str = ""  # an exception's reason, apart from its notes

    def __post_init__(self) -> None:
        """Checks the device event time carries an offset."""
        _require_aware("event_time", self.event_time)


@dataclass(frozen=True)
class ShipmentHistory:
    """A shipment with its checkpoints and logger readings: the unit of multi-shipment reports."""

    shipment: ShipmentRecord
    checkpoints: tuple[CheckpointRecord, ...] = ()
    readings: tuple[TemperatureReading, ...] = field(default=())
