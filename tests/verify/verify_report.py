"""Builds a shipment report with the tracker's own report code, as an auditor would get it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tracker.reports import outputs
from tracker.reports.json_report import render_json

MADE = datetime(2026, 12, 1, tzinfo=UTC)  # after every commit of the journey


def write_report(sessions: sessionmaker[Session], sscc: str, path: Path) -> Path:
    """render_json of the shipment's report from the read model, written to `path`."""
    with sessions() as session:
        # As `tracker report` builds it: with the shipment's terms (agreement, certificates...).
        report = outputs.shipment_report(session, "supplychain", sscc)
    path.write_text(render_json(report), encoding="utf-8")
    return path


def edit_report(path: Path, change: Any) -> Path:
    """Apply `change(document)` to the report file by hand, keeping it JSON."""
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def event(document: dict[str, Any], sequence: int) -> dict[str, Any]:
    """The report's checkpoint event of that sequence number."""
    return next(
        e for e in document["events"] if e["event"] == "checkpoint" and e["sequence"] == sequence
    )


def write_format(sessions: sessionmaker[Session], sscc: str, path: Path, fmt: str) -> Path:
    """The shipment's report in `fmt` (pdf, csv, json, epcis) as `tracker report` writes it."""
    with sessions() as session:
        made = outputs.shipment_file(session, "supplychain", sscc, fmt, MADE)
    path.write_bytes(made.content)
    return path
