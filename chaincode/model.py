"""Ledger records (frozen dataclasses) and their canonical JSON form.

Every peer must produce byte-identical writes for the same proposal, so
records are serialised one way only: sorted keys, compact separators.
"""

from __future__ import annotations

import dataclasses
import json
import types
from dataclasses import dataclass
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from chaincode.errors import state_error

T = TypeVar("T")


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


def to_plain(record: Any) -> Any:
    """Turn a record (or list of records) into JSON-ready dicts and lists."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_plain(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, list | tuple):
        return [to_plain(item) for item in record]
    if isinstance(record, dict):
        return {key: to_plain(value) for key, value in record.items()}
    return record


def canonical_json(value: Any) -> str:
    """The single serialisation used for ledger values, events and results."""
    return json.dumps(
        to_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _decode(hint: Any, value: Any, path: str) -> Any:
    """Rebuild one value of type ``hint`` from stored JSON."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        return None if value is None else _decode(options[0], value, path)
    if origin is tuple:
        if not isinstance(value, list):
            raise state_error(f"stored {path} is not a list")
        return tuple(_decode(get_args(hint)[0], item, path) for item in value)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise state_error(f"stored {path} is not an object of strings")
        return dict(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return decode(hint, value, path)
    if hint is bool and isinstance(value, bool):
        return value
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(hint, type) and isinstance(value, hint) and not isinstance(value, bool):
        return value
    raise state_error(f"stored {path} has an unexpected type")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """A record's field types, resolved once per class: get_type_hints evaluates every
    annotation string again on each call (from __future__ import annotations), which cost
    about 1 ms of the chaincode server's CPU per stored shipment read (bench/profile.py's
    py-spy samples)."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = get_type_hints(cls)
    return found


def decode(cls: type[T], data: Any, path: str = "record") -> T:
    """Rebuild a record from its stored JSON; corrupt data is a STATE_ERROR."""
    if not isinstance(data, dict):
        raise state_error(f"stored {path} is not an object")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in data:
            kwargs[field.name] = _decode(hints[field.name], data[field.name], field.name)
        elif field.default is dataclasses.MISSING:
            raise state_error(f"stored {path} lacks {field.name}")
    return cls(**kwargs)


def from_json(cls: type[T], raw: bytes | str, path: str = "record") -> T:
    """Parse canonical JSON bytes read from the ledger into a record."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise state_error(f"stored {path} is not JSON ({exc})") from None
    return decode(cls, data, path)
