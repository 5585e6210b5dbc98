"""Checks a shipment report's terms sections (agreement, settlement, disputes with their
anchors and resolution, certificate checks) against the ledger's records at its last block.

The expected sections are built from the blocks' values with the report's own functions
(tracker/reports/terms.py), so a difference is named by its path, e.g.
`settlement.refunded_to_buyer_minor` or `disputes.0.anchors.1.root`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tracker.reports.terms import checks, delivered_at, records
from tracker.verify.chain import WorldState
from tracker.verify.compare import Mismatch, json_diff, show

# A report written before these sections existed reads as one with none.
DEFAULTS: dict[str, Any] = {
    "agreement": None,
    "settlement": None,
    "disputes": [],
    "certificate_checks": None,
}


def _value(state: WorldState, kind: str, *key: str) -> dict[str, Any] | None:
    entry = state.records(kind).get(tuple(key))
    return None if entry is None else dict(json.loads(entry.value))


def expected_terms(sscc: str, shipment: Mapping[str, Any], state: WorldState) -> dict[str, Any]:
    """The terms sections the ledger implies for the shipment."""
    disputes = [
        json.loads(entry.value)
        for (owner, *_), entry in state.records("dispute").items()
        if owner == sscc
    ]
    certificates = {
        sha: json.loads(entry.value) for (sha, *_), entry in state.records("certificate").items()
    }
    mine = sorted((seq, e) for (owner, seq), e in state.checkpoints.items() if owner == sscc)
    delivered = delivered_at(shipment, [json.loads(entry.value) for _, entry in mine])
    return records(
        _value(state, "agreement", sscc),
        _value(state, "settlement", sscc),
        disputes,
        checks(shipment, delivered, certificates),
    ).sections()


def compare_terms(
    sscc: str, shipment: Mapping[str, Any], report: Mapping[str, Any], state: WorldState
) -> list[Mismatch]:
    """Every difference between the report's terms sections and the ledger's records."""
    where = f"shipment {sscc} terms"
    expected = expected_terms(sscc, shipment, state)
    actual = {name: report.get(name, DEFAULTS[name]) for name in expected}
    return [Mismatch(where, path, show(a), show(b)) for path, a, b in json_diff(expected, actual)]
