"""The shipment and checkpoint records the chaincode writes (frozen dataclasses).

Their one JSON form and its strict decoding are in ``records.codec``; the peers endorse the
bytes ``canonical_json`` gives, so a field added here needs a default for older values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    """What is shipped: GTIN-14, lot/batch number and a description."""

    gtin: str
    lot: str
    description: str


@dataclass(frozen=True)
class Place:
    """A GS1 location: 13-digit GLN plus a human name."""

    gln: str
    name: str


@dataclass(frozen=True)
class Parties:
    """The MSP ids of the three organisations of one shipment."""

    producer: str
    carrier: str
    retailer: str

    def members(self) -> frozenset[str]:
        """All MSP ids taking part in the shipment."""
        return frozenset((self.producer, self.carrier, self.retailer))


@dataclass(frozen=True)
class ColdChainProfile:
    """Allowed temperature range, excursion allowance and optional MKT limit."""

    min_c: float
    max_c: float
    allowed_minutes_outside: float
    mkt_limit_c: float | None = None


@dataclass(frozen=True)
class Certificate:
    """A document attached at creation, identified by type and SHA-256."""

    doc_type: str
    sha256: str


@dataclass(frozen=True)
class ColdChainTotals:
    """Running cold-chain totals over every batch of a shipment, plus the verdict."""

    readings: int = 0
    readings_outside: int = 0
    duration_minutes: float = 0.0
    minutes_outside: float = 0.0
    # Sum of duration * exp(-dH/(R*T)) so MKT can be recomputed over all batches.
    kinetic_weight_sum: float = 0.0
    sum_c: float = 0.0
    min_c: float | None = None
    max_c: float | None = None
    mkt_c: float | None = None
    verdict: str = "ok"


@dataclass(frozen=True)
class Shipment:
    """One logistic unit (SSCC) and its current state."""

    sscc: str
    product: Product
    quantity: float
    unit: str
    origin: Place
    destination: Place
    parties: Parties
    cold_chain: ColdChainProfile
    promised_delivery: str
    status: str
    custodian: str
    certificates: tuple[Certificate, ...]
    cold_chain_state: ColdChainTotals
    checkpoint_count: int
    created_tx: str
    updated_tx: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class ReadPoint:
    """Where an event was observed: GLN, name and optional coordinates."""

    gln: str
    name: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Reporter:
    """Who recorded an event: MSP id, enrolment id (cert CN) and role attribute."""

    msp_id: str
    enrollment_id: str
    role: str


@dataclass(frozen=True)
class TemperatureSummary:
    """Summary of one logger batch; the raw batch is kept off-chain, by hash."""

    min_c: float
    max_c: float
    mean_c: float
    count: int
    readings_outside: int
    minutes_outside: float
    duration_minutes: float
    mkt_c: float | None
    first_reading: str
    last_reading: str
    raw_sha256: str
    unit: str = "CEL"


@dataclass(frozen=True)
class Checkpoint:
    """One EPCIS-style event in a shipment's provenance, numbered from 1."""

    sscc: str
    seq: int
    kind: str
    biz_step: str
    disposition: str
    read_point: ReadPoint | None
    event_time: str
    recorded_at: str
    reporter: Reporter
    status: str
    temperature: TemperatureSummary | None
    evidence: tuple[str, ...]
    notes: str
    client_scan_id: str
    tx_id: str
    # ReportException's reason, kept apart from the notes so each survives exactly ("" for
    # other kinds). Defaulted: checkpoints stored before it existed still decode.
    reason: str = ""
