"""Checks a shipment report's terms sections (agreement, settlement, disputes with their
anchors and resolution, certificate checks) against the ledger's records at its last block.

The expected sections are built from the blocks' values with the report's own functions
(tracker/reports/terms.py), so a difference is named by its path, e.g.
`settlement.refunded_to_buyer_minor` or `disputes.0.anchors.1.root`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from records import from_json
from records.deals import Agreement, Dispute, RegisteredCertificate, Settlement
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


T = TypeVar("T")


def _value(state: WorldState, cls: type[T], kind: str, *key: str) -> T | None:
    """The world state's value under `kind` `key`, decoded strictly as the record `cls`."""
    entry = state.records(kind).get(tuple(key))
    return None if entry is None else from_json(cls, entry.value, kind)


def expected_terms(sscc: str, shipment: Mapping[str, Any], state: WorldState) -> dict[str, Any]:
    """The terms sections the ledger implies for the shipment."""
    disputes = [
        from_json(Dispute, entry.value, "dispute")
        for (owner, *_), entry in state.records("dispute").items()
        if owner == sscc
    ]
    certificates = {
        sha: from_json(RegisteredCertificate, entry.value, "certificate")
        for (sha, *_), entry in state.records("certificate").items()
    }
    mine = sorted((seq, e) for (owner, seq), e in state.checkpoints.items() if owner == sscc)
    delivered = delivered_at(shipment, [json.loads(entry.value) for _, entry in mine])
    return records(
        _value(state, Agreement, "agreement", sscc),
        _value(state, Settlement, "settlement", sscc),
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
