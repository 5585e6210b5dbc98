"""The shipment provenance report as canonical JSON (sorted keys), built from the shared facts."""

from __future__ import annotations

import dataclasses
from typing import Any

from records import canonical_json
from tracker.reports.coldchain import ColdChainAnalysis
from tracker.reports.facts import ShipmentReport, iso
from tracker.reports.model import ReportSource, ShipmentRecord

REPORT_TYPE = "shipment-provenance"
FORMAT_VERSION = 1


def source_dict(source: ReportSource, inputs_sha256: str) -> dict[str, Any]:
    """What an auditor needs to re-read the ledger and re-run the check."""
    return {**dataclasses.asdict(source), "inputs_sha256": inputs_sha256}


def shipment_dict(shipment: ShipmentRecord) -> dict[str, Any]:
    """The shipment's current state, without the ledger refs (those are in the facts)."""
    return {
        "sscc": shipment.sscc,
        "product": dataclasses.asdict(shipment.product),
        "quantity": shipment.quantity,
        "unit": shipment.unit,
        "origin": dataclasses.asdict(shipment.origin),
        "destination": dataclasses.asdict(shipment.destination),
        "parties": dataclasses.asdict(shipment.parties),
        "promised_delivery": iso(shipment.promised_delivery),
        "status": shipment.status,
        "custodian": shipment.custodian,
        "certificates": [dataclasses.asdict(c) for c in shipment.certificates],
    }


def analysis_dict(analysis: ColdChainAnalysis) -> dict[str, Any]:
    """The recomputed verdict with its excursion intervals."""
    return {
        "status": analysis.status,
        "minutes_outside": analysis.minutes_outside,
        "min_celsius": analysis.min_celsius,
        "max_celsius": analysis.max_celsius,
        "mkt_celsius": analysis.mkt_celsius,
        "reading_count": analysis.reading_count,
        "excursions": [
            {"start": iso(e.start), "end": iso(e.end), "extreme_celsius": e.extreme_celsius}
            for e in analysis.excursions
        ],
    }


def report_dict(report: ShipmentReport) -> dict[str, Any]:
    """The whole report as plain JSON-ready data."""
    shipment = report.shipment
    verdict = shipment.verdict
    return {
        "report_type": REPORT_TYPE,
        "format_version": FORMAT_VERSION,
        "source": source_dict(report.source, report.inputs_sha256),
        "shipment": shipment_dict(shipment),
        "cold_chain": {
            "profile": dataclasses.asdict(shipment.cold_chain),
            "ledger_verdict": None if verdict is None else dataclasses.asdict(verdict),
            "recomputed": analysis_dict(report.analysis),
        },
        "events": [dict(fact) for fact in report.facts],
        # Agreement, settlement, disputes (with anchors) and certificate checks, as the
        # ledger holds them (tracker/reports/terms.py; checked by `tracker verify --report`).
        **report.terms.sections(),
    }


def render_json(report: ShipmentReport) -> str:
    """The shipment provenance report as canonical JSON text."""
    return canonical_json(report_dict(report))
