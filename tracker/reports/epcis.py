"""GS1 EPCIS 2.0 JSON-LD: checkpoints as ObjectEvents with CBV event hash ids, in EPCISDocuments."""

from __future__ import annotations

import copy
import threading
import warnings
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from epcis_event_hash_generator import hash_generator, json_to_py  # type: ignore[import-untyped]

import gs1
from tracker.reports.model import CheckpointRecord, ShipmentHistory, TemperatureSummary

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# GS1 company prefixes are 6 to 12 digits; the length is not encoded in the SSCC or GLN, so it
# must come from the GS1 member organisation. 7 is the most common length (and GS1's examples'),
# used unless the consortium configures its own.
DEFAULT_COMPANY_PREFIX_LENGTH = 7
DIGITAL_LINK_BASE = "https://id.gs1.org"
# Steps where the goods are moving: no business location applies after them.
_IN_TRANSIT = "in_transit"

Identifiers = Literal["urn", "digital_link"]
Event = dict[str, Any]

# The hash generator keeps module globals (namespaces, join string): one call at a time.
_HASH_LOCK = threading.Lock()


def _checked(key: str, value: str, length: int) -> str:
    """Validates a GS1 key's length, digits and check digit."""
    if len(value) != length or not value.isdigit():
        raise ValueError(f"{key} must be {length} digits, got {value!r}")
    if not gs1.has_valid_check_digit(value):
        raise ValueError(f"{key} {value} has a wrong check digit")
    return value


def _prefix_length(company_prefix_length: int) -> int:
    """Validates a company prefix length (6..12 digits)."""
    if not 6 <= company_prefix_length <= 12:
        raise ValueError(f"company prefix length must be 6..12, got {company_prefix_length}")
    return company_prefix_length


def sscc_to_epc_uri(sscc: str, company_prefix_length: int = DEFAULT_COMPANY_PREFIX_LENGTH) -> str:
    """urn:epc:id:sscc:CompanyPrefix.ExtensionDigitSerialReference (check digit dropped)."""
    _checked("SSCC", sscc, 18)
    n = _prefix_length(company_prefix_length)
    return f"urn:epc:id:sscc:{sscc[1 : 1 + n]}.{sscc[0]}{sscc[1 + n : 17]}"


def gln_to_sgln(gln: str, company_prefix_length: int = DEFAULT_COMPANY_PREFIX_LENGTH) -> str:
    """urn:epc:id:sgln:CompanyPrefix.LocationReference.0 (extension 0: no GLN extension)."""
    _checked("GLN", gln, 13)
    n = _prefix_length(company_prefix_length)
    return f"urn:epc:id:sgln:{gln[:n]}.{gln[n:12]}.0"


def sscc_digital_link(sscc: str) -> str:
    """The GS1 Digital Link URI of an SSCC (AI 00); needs no company prefix length."""
    return f"{DIGITAL_LINK_BASE}/00/{_checked('SSCC', sscc, 18)}"


def gln_digital_link(gln: str) -> str:
    """The GS1 Digital Link URI of a physical location GLN (AI 414)."""
    return f"{DIGITAL_LINK_BASE}/414/{_checked('GLN', gln, 13)}"


def epcis_time(value: datetime) -> str:
    """Millisecond ISO 8601 with the device's own offset, as EPCIS eventTime expects."""
    return value.isoformat(timespec="milliseconds")


def time_zone_offset(value: datetime) -> str:
    """The event's UTC offset as EPCIS eventTimeZoneOffset (+hh:mm / -hh:mm)."""
    offset = value.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _sensor_elements(summary: TemperatureSummary, at: str) -> list[Event]:
    """The temperature summary as one sensorElement with a gs1:Temperature report."""
    report = {
        "type": "gs1:Temperature",
        "minValue": summary.min_celsius,
        "maxValue": summary.max_celsius,
        "meanValue": summary.mean_celsius,
        "uom": summary.unit,
    }
    return [{"sensorMetadata": {"time": at}, "sensorReport": [report]}]


def _identifiers(
    cp: CheckpointRecord, company_prefix_length: int, identifiers: Identifiers
) -> tuple[str, str | None]:
    """The shipment's EPC and the read point's location id, in the chosen syntax."""
    gln = cp.read_point.gln if cp.read_point is not None else None
    if identifiers == "urn":
        place = None if gln is None else gln_to_sgln(gln, company_prefix_length)
        return sscc_to_epc_uri(cp.sscc, company_prefix_length), place
    return sscc_digital_link(cp.sscc), None if gln is None else gln_digital_link(gln)


def checkpoint_event(
    cp: CheckpointRecord,
    company_prefix_length: int = DEFAULT_COMPANY_PREFIX_LENGTH,
    identifiers: Identifiers = "urn",
) -> Event:
    """One checkpoint as an ObjectEvent, without its eventID (see with_event_ids)."""
    epc, place = _identifiers(cp, company_prefix_length, identifiers)
    event_time = epcis_time(cp.event_time)
    event: Event = {
        "type": "ObjectEvent",
        "eventTime": event_time,
        "eventTimeZoneOffset": time_zone_offset(cp.event_time),
        # The ledger commit is when the event was recorded; recordTime is outside the hash.
        "recordTime": epcis_time(cp.ledger.commit_time.astimezone(UTC)),
        "epcList": [epc],
        "action": "OBSERVE",
        "bizStep": cp.biz_step,
        "disposition": cp.disposition,
    }
    if place is not None:  # readPoint is optional in EPCIS 2.0; a bare logger batch has none
        event["readPoint"] = {"id": place}
        if cp.disposition != _IN_TRANSIT:
            event["bizLocation"] = {"id": place}
    if cp.temperature is not None:
        event["sensorElementList"] = _sensor_elements(cp.temperature, event_time)
    return event


def event_hash_ids(events: Sequence[Event]) -> list[str]:
    """CBV 2.0 event hash ids (ni:///sha-256;...?ver=CBV2.0) from GS1's reference implementation."""
    if not events:
        return []
    document = epcis_document(events, datetime(1970, 1, 1, tzinfo=UTC))
    with _HASH_LOCK, warnings.catch_warnings():
        # The generator loads its bundled JSON-LD context with importlib.resources.open_text,
        # deprecated in Python 3.11; ignore exactly that warning, here only.
        warnings.filterwarnings(
            "ignore", message="open_text is deprecated", category=DeprecationWarning
        )
        # It rewrites the document in place: give it a copy.
        parsed = json_to_py.event_list_from_epcis_document_json(copy.deepcopy(document))
        hashes: list[str] = hash_generator.epcis_hashes_from_events(parsed)
    # The generator logs and skips events it cannot parse: never hand out misaligned ids.
    if len(hashes) != len(events):
        raise ValueError(f"hashed {len(hashes)} of {len(events)} EPCIS events")
    return hashes


def with_event_ids(events: Sequence[Event]) -> list[Event]:
    """Copies of the events with eventID set to their CBV event hash id."""
    hashes = event_hash_ids([{k: v for k, v in e.items() if k != "eventID"} for e in events])
    return [{**event, "eventID": h} for event, h in zip(events, hashes, strict=True)]


def epcis_document(events: Sequence[Event], creation_date: datetime) -> Event:
    """An EPCIS 2.0 EPCISDocument holding the events in the given order."""
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": epcis_time(creation_date),
        "epcisBody": {"eventList": list(events)},
    }


def _events(
    checkpoints: Iterable[CheckpointRecord], company_prefix_length: int, identifiers: Identifiers
) -> list[Event]:
    """Valid checkpoints as hashed events in event-time order; invalid txs never took effect."""
    chosen = sorted(
        (c for c in checkpoints if c.ledger.is_valid),
        key=lambda c: (c.event_time, c.sscc, c.sequence),
    )
    return with_event_ids([checkpoint_event(c, company_prefix_length, identifiers) for c in chosen])


def shipment_document(
    history: ShipmentHistory,
    creation_date: datetime,
    company_prefix_length: int = DEFAULT_COMPANY_PREFIX_LENGTH,
    identifiers: Identifiers = "urn",
) -> Event:
    """The EPCISDocument of one shipment's checkpoints."""
    events = _events(history.checkpoints, company_prefix_length, identifiers)
    return epcis_document(events, creation_date)


def lot_document(
    histories: Iterable[ShipmentHistory],
    gtin: str,
    lot: str,
    creation_date: datetime,
    company_prefix_length: int = DEFAULT_COMPANY_PREFIX_LENGTH,
    identifiers: Identifiers = "urn",
) -> Event:
    """The EPCISDocument of every shipment of one lot (GTIN + lot number)."""
    checkpoints = [
        c
        for h in histories
        if h.shipment.product.gtin == gtin and h.shipment.product.lot == lot
        for c in h.checkpoints
    ]
    return epcis_document(_events(checkpoints, company_prefix_length, identifiers), creation_date)


def period_document(
    histories: Iterable[ShipmentHistory],
    start: datetime,
    end: datetime,
    creation_date: datetime,
    company_prefix_length: int = DEFAULT_COMPANY_PREFIX_LENGTH,
    identifiers: Identifiers = "urn",
) -> Event:
    """The EPCISDocument of all events with start <= eventTime < end, across shipments."""
    checkpoints = [c for h in histories for c in h.checkpoints if start <= c.event_time < end]
    return epcis_document(_events(checkpoints, company_prefix_length, identifiers), creation_date)
