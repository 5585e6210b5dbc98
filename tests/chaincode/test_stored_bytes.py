"""Guard: every record the chaincode stores re-encodes to the very bytes it wrote.

The peers endorse the bytes of each write; the tracker decodes the same values with
`records`. If `encode(decode(stored))` ever differed from `stored`, a field would be lost,
renamed or retyped between the two, so the journey below writes every kind of record through
the in-memory stub (a fake, not Fabric) and checks each stored value byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

import records
from fabricsim.world import InMemoryWorldState
from records.deals import Agreement, Dispute, Settlement
from tests.chaincode.cc_samples import make_sscc, scan
from tests.chaincode.cc_terms import (
    SCANNER,
    TRACKER,
    agreed,
    breach,
    call,
    create,
    deliver,
    ok,
    to_last_mile,
)

# The chaincode's record types by the object type of their composite key (chaincode/state.py).
RECORD_TYPES: dict[str, type[Any]] = {
    "shipment": records.Shipment,
    "checkpoint": records.Checkpoint,
    "agreement": Agreement,
    "settlement": Settlement,
    "dispute": Dispute,
}


def _journey(world: InMemoryWorldState) -> None:
    """Writes shipments, checkpoints (custody, temperature, exception, delivery), an
    agreement, a dispute and a settlement."""
    settled, troubled = make_sscc(9001), make_sscc(9002)
    agreed(world, settled)
    to_last_mile(world, settled)
    breach(world, settled)
    dispute = {"sscc": settled, "dispute_id": "disp-0001", "subject": "late",
               "raised_for": "retailer"}  # fmt: skip
    ok(call(world, TRACKER, "OpenDispute", dispute))
    ok(deliver(world, settled, "2025-03-03T15:10:00Z", notes="ünïcode survives"))
    create(world, troubled)
    ok(world.invoke(SCANNER, "RecordCheckpoint", scan(troubled, "t-1", "departing")))
    exception = {"sscc": troubled, "reason": "pallet dropped", "notes": "2 cases wet",
                 "event_time": "2025-03-01T11:00:00+02:00", "client_scan_id": "t-2"}  # fmt: skip
    ok(call(world, SCANNER, "ReportException", exception))


def _object_type(key: str) -> str:
    return key.split("\x00")[1] if key.startswith("\x00") else ""


def test_every_stored_record_re_encodes_to_its_endorsed_bytes(world: InMemoryWorldState) -> None:
    _journey(world)
    checked: dict[str, int] = {}
    for key, stored in world.state.items():
        kind = _object_type(key)
        if kind in RECORD_TYPES:
            record = records.from_json(RECORD_TYPES[kind], stored, kind)
            assert records.encode(record) == stored, key
            checked[kind] = checked.get(kind, 0) + 1
    assert checked == {"shipment": 2, "checkpoint": 7, "agreement": 1, "settlement": 1,
                       "dispute": 1}  # fmt: skip


def test_every_history_version_of_a_shipment_re_encodes(world: InMemoryWorldState) -> None:
    _journey(world)
    versions = [
        bytes(mod.value)
        for key, mods in world.history.items()
        if _object_type(key) == "shipment"
        for mod in mods
    ]
    assert len(versions) > 2
    for stored in versions:
        assert records.encode(records.from_json(records.Shipment, stored)) == stored


def test_non_ascii_text_is_stored_as_utf8_not_escaped(world: InMemoryWorldState) -> None:
    _journey(world)
    notes = [
        json.loads(stored)["notes"]
        for key, stored in world.state.items()
        if _object_type(key) == "checkpoint" and "ünïcode".encode() in stored
    ]
    assert notes == ["ünïcode survives"]
