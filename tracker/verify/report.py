"""Compares a shipment provenance report (tracker/reports/json_report.py, format 1) with the
ledger as it stood at the report's `source.last_block`.

Checked: the report's channel; `shipment` (all fields); `cold_chain.profile` and
`cold_chain.ledger_verdict`; the `shipment_created` event's ledger reference, signer and
origin; and every `checkpoint` event, field by field, one per ledger checkpoint of the
shipment. Not checkable from the ledger, so not checked: `cold_chain.recomputed` and
`source.inputs_sha256` (both depend on off-chain logger files), and the `row` numbering.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tracker.ledger.identity import signatory
from tracker.reports.source import when
from tracker.verify.chain import LedgerEntry, TxFacts, WorldState
from tracker.verify.compare import ABSENT, Mismatch, json_diff, same, show

REPORT_TYPE, FORMAT_VERSION = "shipment-provenance", 1
CREATED, CHECKPOINT = "shipment_created", "checkpoint"


def iso(text: str) -> str:
    """A chaincode time (`Z` suffix) as the report writes it: ISO 8601 with its offset."""
    return when(text).isoformat()


def _place(place: Mapping[str, Any] | None) -> dict[str, Any]:
    if place is None:
        return {"gln": None, "name": None, "latitude": None, "longitude": None}
    return {
        "gln": place["gln"],
        "name": place["name"],
        "latitude": place.get("lat"),
        "longitude": place.get("lon"),
    }


def expected_shipment(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The report's `shipment` object as the ledger's Shipment value implies it."""
    origin, destination = _place(doc["origin"]), _place(doc["destination"])
    # The report names places without coordinates for the shipment's ends.
    origin.update(latitude=None, longitude=None)
    destination.update(latitude=None, longitude=None)
    return {
        "sscc": doc["sscc"],
        "product": doc["product"],
        "quantity": doc["quantity"],
        "unit": doc["unit"],
        "origin": origin,
        "destination": destination,
        "parties": doc["parties"],
        "promised_delivery": iso(doc["promised_delivery"]),
        "status": doc["status"],
        "custodian": doc["custodian"],
        "certificates": [
            {"document_type": c["doc_type"], "sha256": c["sha256"]} for c in doc["certificates"]
        ],
    }


def expected_cold_chain(doc: Mapping[str, Any]) -> dict[str, Any]:
    """`cold_chain.profile` and `cold_chain.ledger_verdict` from the Shipment value."""
    profile, state = doc["cold_chain"], doc["cold_chain_state"]
    return {
        "profile": {
            "min_celsius": profile["min_c"],
            "max_celsius": profile["max_c"],
            "allowed_minutes_outside": profile["allowed_minutes_outside"],
            "mkt_limit_celsius": profile.get("mkt_limit_c"),
        },
        "ledger_verdict": {
            "status": state["verdict"],
            "minutes_outside": state["minutes_outside"],
            "min_celsius": state["min_c"],
            "max_celsius": state["max_c"],
            "mkt_celsius": state["mkt_c"],
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


def expected_created(doc: Mapping[str, Any], tx: TxFacts) -> dict[str, Any]:
    """The `shipment_created` event: the creating transaction, located at the origin."""
    certificates = ";".join(c["sha256"] for c in doc["certificates"]) or None
    return {
        **signer_cells(tx),
        "location_gln": doc["origin"]["gln"],
        "location_name": doc["origin"]["name"],
        "evidence_sha256": certificates,
    }


def expected_checkpoint(entry: LedgerEntry, tx: TxFacts | None) -> dict[str, Any]:
    """A `checkpoint` event from the Checkpoint value and the transaction that wrote it."""
    doc = json.loads(entry.value)
    place, temp, reporter = _place(doc.get("read_point")), doc.get("temperature"), doc["reporter"]
    cells = {
        "sequence": doc["seq"],
        "biz_step": doc["biz_step"],
        "disposition": doc["disposition"],
        "event_time": iso(doc["event_time"]),
        **{f"location_{k}": place[k] for k in ("gln", "name")},
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "reporter_msp": reporter["msp_id"],
        "reporter_enrollment": reporter["enrollment_id"],
        "reporter_role": reporter["role"],
        **{f"temp_{k}_c": None if temp is None else temp[f"{k}_c"] for k in ("min", "max", "mean")},
        "temp_count": None if temp is None else temp["count"],
        "evidence_sha256": ";".join(doc.get("evidence", ())) or None,
        "reason": doc.get("reason") or None,
        "notes": doc.get("notes") or None,
    }
    # The ledger's own coordinates: the transaction that wrote this checkpoint key.
    return {**cells, **(signer_cells(tx) if tx else {"tx_id": entry.tx_id})}


def _cells(where: str, expected: Mapping[str, Any], event: Mapping[str, Any]) -> list[Mismatch]:
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
    report: Mapping[str, Any],
    state: WorldState,
    transactions: Mapping[str, TxFacts],
) -> list[Mismatch]:
    events = report.get("events", [])
    found: list[Mismatch] = []
    ledger = {seq: e for (s, seq), e in state.checkpoints.items() if s == sscc}
    reported: dict[int, Mapping[str, Any]] = {}
    for event in events:
        if event.get("event") == CHECKPOINT:
            seq = event.get("sequence")
            if seq in reported or seq not in ledger:
                found.append(Mismatch(f"checkpoint {sscc} #{seq}", "event", ABSENT, "present"))
            reported[seq] = event
    for seq, entry in sorted(ledger.items()):
        where = f"checkpoint {sscc} #{seq}"
        if seq not in reported:
            found.append(Mismatch(where, "event", "present", ABSENT))
        else:
            expected = expected_checkpoint(entry, transactions.get(entry.tx_id))
            found += _cells(where, expected, reported[seq])
    return found


def _created(
    sscc: str, doc: Mapping[str, Any], report: Mapping[str, Any], txs: Mapping[str, TxFacts]
) -> list[Mismatch]:
    where = f"shipment {sscc} creation"
    created = [e for e in report.get("events", []) if e.get("event") == CREATED]
    tx = txs.get(doc["created_tx"])
    if tx is None:
        return [Mismatch(where, "tx_id", f"{doc['created_tx']} (not on the chain)", ABSENT)]
    if len(created) != 1:
        return [Mismatch(where, "event", "one", str(len(created)))]
    return _cells(where, expected_created(doc, tx), created[0])


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
    found = []
    if source.get("channel") != channel:
        found.append(
            Mismatch("report", "source.channel", show(channel), show(source.get("channel")))
        )
    state = states.get(source.get("last_block", -1))
    if state is None:
        return found + [
            Mismatch(
                "report",
                "source.last_block",
                "a block of the chain",
                show(source.get("last_block")),
            )
        ]
    sscc = str(shipment.get("sscc"))
    entry = state.shipments.get(sscc)
    if entry is None:
        return found + [Mismatch(f"shipment {sscc}", "shipment", ABSENT, "present")]
    doc = json.loads(entry.value)
    where = f"shipment {sscc}"
    found += _objects(where, "shipment", expected_shipment(doc), shipment)
    cold = report.get("cold_chain", {})
    actual_cold = {k: cold.get(k) for k in ("profile", "ledger_verdict")}
    found += _objects(where, "cold_chain", expected_cold_chain(doc), actual_cold)
    found += _created(sscc, doc, report, transactions)
    return found + _events(sscc, report, state, transactions)
