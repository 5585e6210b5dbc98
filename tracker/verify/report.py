"""Compares a shipment provenance report (tracker/reports/json_report.py, format 1, or its CSV
rendering, tracker/reports/csv_report.py) with the ledger as it stood at the report's
`source.last_block`.

Checked: the report's channel; `shipment` (all fields); `cold_chain.profile` and
`cold_chain.ledger_verdict`; the `shipment_created` event's ledger reference, signer and
origin; every `checkpoint` event, field by field, one per ledger checkpoint of the
shipment; and the terms sections (`agreement`, `settlement`, `disputes` with their anchors
and resolution, `certificate_checks`: tracker/verify/terms_report.py). Not checkable from
the ledger, so not checked: `cold_chain.recomputed` and
`source.inputs_sha256` (both depend on off-chain logger files), and the `row` numbering.

The CSV holds the same events (one row each, every cell as text) and the block range on each
row, but neither the `shipment` object nor the cold chain: its events are checked, cell by
cell as the CSV writes them (tracker/reports/facts.py `cell_text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import records
from records import parse_instant, to_plain
from tracker.ledger.identity import signatory
from tracker.reports.csv_report import REPORT_FIELDS
from tracker.reports.facts import cell_text
from tracker.verify.chain import LedgerEntry, TxFacts, WorldState
from tracker.verify.compare import ABSENT, Mismatch, json_diff, same, show
from tracker.verify.terms_report import compare_terms

REPORT_TYPE, FORMAT_VERSION = "shipment-provenance", 1
CREATED, CHECKPOINT = "shipment_created", "checkpoint"


def iso(text: str) -> str:
    """A chaincode time (`Z` suffix) as the report writes it: ISO 8601 with its offset."""
    return parse_instant(text).isoformat()


def _place(place: records.Place | records.ReadPoint | None) -> dict[str, Any]:
    """A place as the report writes it; the shipment's ends have no coordinates."""
    point = place if isinstance(place, records.ReadPoint) else None
    return {
        "gln": None if place is None else place.gln,
        "name": None if place is None else place.name,
        "latitude": None if point is None else point.lat,
        "longitude": None if point is None else point.lon,
    }


def expected_shipment(shipment: records.Shipment) -> dict[str, Any]:
    """The report's `shipment` object as the ledger's Shipment value implies it."""
    return {
        "sscc": shipment.sscc,
        "product": to_plain(shipment.product),
        "quantity": shipment.quantity,
        "unit": shipment.unit,
        "origin": _place(shipment.origin),
        "destination": _place(shipment.destination),
        "parties": to_plain(shipment.parties),
        "promised_delivery": iso(shipment.promised_delivery),
        "status": shipment.status,
        "custodian": shipment.custodian,
        "certificates": [
            {"document_type": c.doc_type, "sha256": c.sha256} for c in shipment.certificates
        ],
    }


def expected_cold_chain(shipment: records.Shipment) -> dict[str, Any]:
    """`cold_chain.profile` and `cold_chain.ledger_verdict` from the Shipment value."""
    profile, state = shipment.cold_chain, shipment.cold_chain_state
    return {
        "profile": {
            "min_celsius": profile.min_c,
            "max_celsius": profile.max_c,
            "allowed_minutes_outside": profile.allowed_minutes_outside,
            "mkt_limit_celsius": profile.mkt_limit_c,
        },
        "ledger_verdict": {
            "status": state.verdict,
            "minutes_outside": state.minutes_outside,
            "min_celsius": state.min_c,
            "max_celsius": state.max_c,
            "mkt_celsius": state.mkt_c,
        },
    }


def signer_cells(tx: TxFacts) -> dict[str, Any]:
    """Who signed a transaction, when, where it is, and its flag, as report event cells."""
    who = signatory(tx.creator_cert_pem)
    return {
        "tx_id": tx.tx_id,
        "block_number": tx.block_number,
        "validation_code": tx.validation_code,
        "signer_msp": tx.creator_msp_id,
        "signer_enrollment": who.enrollment_id,
        "signer_role": who.role,
        "commit_time": tx.timestamp.isoformat(),
    }


def expected_created(shipment: records.Shipment, tx: TxFacts) -> dict[str, Any]:
    """The `shipment_created` event: the creating transaction, located at the origin."""
    certificates = ";".join(c.sha256 for c in shipment.certificates) or None
    return {
        **signer_cells(tx),
        "location_gln": shipment.origin.gln,
        "location_name": shipment.origin.name,
        "evidence_sha256": certificates,
    }


def expected_checkpoint(entry: LedgerEntry, tx: TxFacts | None) -> dict[str, Any]:
    """A `checkpoint` event from the Checkpoint value and the transaction that wrote it."""
    checkpoint = records.from_json(records.Checkpoint, entry.value, "checkpoint")
    place, temp = _place(checkpoint.read_point), checkpoint.temperature
    reporter = checkpoint.reporter
    cells = {
        "sequence": checkpoint.seq,
        "biz_step": checkpoint.biz_step,
        "disposition": checkpoint.disposition,
        "event_time": iso(checkpoint.event_time),
        **{f"location_{k}": place[k] for k in ("gln", "name")},
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "reporter_msp": reporter.msp_id,
        "reporter_enrollment": reporter.enrollment_id,
        "reporter_role": reporter.role,
        **_temperature_cells(temp),
        "evidence_sha256": ";".join(checkpoint.evidence) or None,
        "reason": checkpoint.reason or None,
        "notes": checkpoint.notes or None,
    }
    # The ledger's own coordinates: the transaction that wrote this checkpoint key.
    return {**cells, **(signer_cells(tx) if tx else {"tx_id": entry.tx_id})}


def _temperature_cells(temp: records.TemperatureSummary | None) -> dict[str, Any]:
    if temp is None:
        return dict.fromkeys(("temp_min_c", "temp_max_c", "temp_mean_c", "temp_count"))
    return {
        "temp_min_c": temp.min_c,
        "temp_max_c": temp.max_c,
        "temp_mean_c": temp.mean_c,
        "temp_count": temp.count,
    }


def _cells(
    where: str, expected: Mapping[str, Any], event: Mapping[str, Any], *, text: bool = False
) -> list[Mismatch]:
    """Expected event cells against the report's; `text` compares as the CSV writes them."""
    if text:
        expected = {name: cell_text(value) for name, value in expected.items()}
        event = {name: cell_text(value) for name, value in event.items()}
    return [
        Mismatch(where, name, show(value), show(event[name]) if name in event else ABSENT)
        for name, value in expected.items()
        if name not in event or not same(value, event[name])
    ]


def _objects(where: str, prefix: str, expected: Any, actual: Any) -> list[Mismatch]:
    return [
        Mismatch(where, f"{prefix}.{path}", show(a), show(b))
        for path, a, b in json_diff(expected, actual)
    ]


def _events(
    sscc: str,
    events: Sequence[Mapping[str, Any]],
    state: WorldState,
    transactions: Mapping[str, TxFacts],
    *,
    text: bool = False,
) -> list[Mismatch]:
    found: list[Mismatch] = []
    ledger = {seq: e for (s, seq), e in state.checkpoints.items() if s == sscc}
    reported: dict[int, Mapping[str, Any]] = {}
    for event in events:
        if event.get("event") == CHECKPOINT:
            seq: Any = event.get("sequence")
            if seq in reported or seq not in ledger:
                found.append(Mismatch(f"checkpoint {sscc} #{seq}", "event", ABSENT, "present"))
            reported[seq] = event
    for seq, entry in sorted(ledger.items()):
        where = f"checkpoint {sscc} #{seq}"
        if seq not in reported:
            found.append(Mismatch(where, "event", "present", ABSENT))
        else:
            expected = expected_checkpoint(entry, transactions.get(entry.tx_id))
            found += _cells(where, expected, reported[seq], text=text)
    return found


def _created(
    sscc: str,
    shipment: records.Shipment,
    events: Sequence[Mapping[str, Any]],
    txs: Mapping[str, TxFacts],
    *,
    text: bool = False,
) -> list[Mismatch]:
    where = f"shipment {sscc} creation"
    created = [e for e in events if e.get("event") == CREATED]
    tx = txs.get(shipment.created_tx)
    if tx is None:
        return [Mismatch(where, "tx_id", f"{shipment.created_tx} (not on the chain)", ABSENT)]
    if len(created) != 1:
        return [Mismatch(where, "event", "one", str(len(created)))]
    return _cells(where, expected_created(shipment, tx), created[0], text=text)


def _located(
    source: Mapping[str, Any], states: Mapping[int, WorldState], channel: str | None
) -> tuple[list[Mismatch], WorldState | None]:
    """The channel check, and the ledger state at the report's last block (None: not a block)."""
    found = []
    if source.get("channel") != channel:
        found.append(
            Mismatch("report", "source.channel", show(channel), show(source.get("channel")))
        )
    state = states.get(source.get("last_block", -1))
    if state is None:
        found.append(
            Mismatch(
                "report",
                "source.last_block",
                "a block of the chain",
                show(source.get("last_block")),
            )
        )
    return found, state


def compare_report(
    report: Any,
    states: Mapping[int, WorldState],
    transactions: Mapping[str, TxFacts],
    channel: str | None,
) -> list[Mismatch]:
    """Every mismatch between a report document and the ledger at its `source.last_block`."""
    kind = (report.get("report_type"), report.get("format_version"))
    if kind != (REPORT_TYPE, FORMAT_VERSION):
        return [Mismatch("report", "format", f"{REPORT_TYPE} v{FORMAT_VERSION}", show(kind))]
    source, shipment = report.get("source", {}), report.get("shipment", {})
    found, state = _located(source, states, channel)
    if state is None:
        return found
    sscc = str(shipment.get("sscc"))
    entry = state.shipments.get(sscc)
    if entry is None:
        return found + [Mismatch(f"shipment {sscc}", "shipment", ABSENT, "present")]
    record = records.from_json(records.Shipment, entry.value, "shipment")
    where = f"shipment {sscc}"
    found += _objects(where, "shipment", expected_shipment(record), shipment)
    cold = report.get("cold_chain", {})
    actual_cold = {k: cold.get(k) for k in ("profile", "ledger_verdict")}
    found += _objects(where, "cold_chain", expected_cold_chain(record), actual_cold)
    events = report.get("events", [])
    found += _created(sscc, record, events, transactions)
    found += _events(sscc, events, state, transactions)
    return found + compare_terms(sscc, to_plain(record), report, state)


def _csv_source(rows: list[Mapping[str, str]]) -> dict[str, Any] | Mismatch:
    """The report columns every row repeats (sscc, channel, block range, inputs hash)."""
    distinct = {tuple(row[name] for name in REPORT_FIELDS) for row in rows}
    if len(distinct) != 1:
        found = f"{len(distinct)} different"
        return Mismatch("report", "report columns", "the same on every row", found)
    source: dict[str, Any] = dict(zip(REPORT_FIELDS, distinct.pop(), strict=True))
    for name in ("first_block", "last_block"):
        text = source[name]
        source[name] = int(text) if text.isdigit() else text
    return source


def _csv_event(row: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row with its sequence as a number, to pair it with the ledger's checkpoint."""
    sequence = row["sequence"]
    return {**row, "sequence": int(sequence) if sequence.isdigit() else sequence}


def compare_csv_report(
    rows: list[Mapping[str, str]],
    states: Mapping[int, WorldState],
    transactions: Mapping[str, TxFacts],
    channel: str | None,
) -> list[Mismatch]:
    """Every mismatch between a shipment report's CSV rows and the ledger at their last block."""
    if not rows:
        return [Mismatch("report", "rows", "one per ledger event", "none")]
    source = _csv_source(rows)
    if isinstance(source, Mismatch):
        return [source]
    found, state = _located(source, states, channel or "")
    if state is None:
        return found
    sscc = source["sscc"]
    entry = state.shipments.get(sscc)
    if entry is None:
        return found + [Mismatch(f"shipment {sscc}", "shipment", ABSENT, "present")]
    record = records.from_json(records.Shipment, entry.value, "shipment")
    events = [_csv_event(row) for row in rows]
    found += _created(sscc, record, events, transactions, text=True)
    return found + _events(sscc, events, state, transactions, text=True)
