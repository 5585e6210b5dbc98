"""The read model and a report, compared with the ledger field by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from tests.verify.verify_chain import FOLLOW, S1, S2, Journey
from tests.verify.verify_report import edit_report, event, write_report
from tracker.follow.follower import Follower
from tracker.ledger.blocks import block_header_hash
from tracker.store.db import transaction
from tracker.store.readmodel import BlockRow, CheckpointRow, ShipmentRow
from tracker.verify.compare import Mismatch, json_diff
from tracker.verify.run import exit_code, render, verify


def edit_checkpoint(sessions: sessionmaker[Session], sscc: str, seq: int, change: Any) -> None:
    """Change a checkpoint's stored document directly in the database."""
    with transaction(sessions) as session:
        row = session.get(CheckpointRow, (sscc, seq))
        assert row is not None
        document = json.loads(row.document)
        change(document)
        row.document = json.dumps(document, sort_keys=True, separators=(",", ":"))


def test_untouched_read_model_and_report_pass(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    report = write_report(followed, S1, tmp_path / "report.json")
    result = verify(journey.blocks, sessions=followed, report_path=report)
    assert result.passed, render(result)
    assert result.read_model == () and result.report == ()
    assert render(result).splitlines()[0].endswith("compared with: read model, report")


def test_checkpoint_temperature_changed_in_the_database(
    journey: Journey, followed: sessionmaker[Session]
) -> None:
    edit_checkpoint(followed, S1, 2, lambda d: d["temperature"].update(max_c=12.5))
    result = verify(journey.blocks, sessions=followed)
    assert result.read_model == (
        Mismatch(f"checkpoint {S1} #2", "temperature.max_c", "7.25", "12.5"),
    )
    assert exit_code(result) == 1
    assert (
        f"read model: checkpoint {S1} #2: temperature.max_c: ledger 7.25, read model 12.5"
        in render(result)
    )


def test_checkpoint_read_point_name_changed_in_the_database(
    journey: Journey, followed: sessionmaker[Session]
) -> None:
    edit_checkpoint(followed, S1, 1, lambda d: d["read_point"].update(name="Hub Paris"))
    result = verify(journey.blocks, sessions=followed)
    assert result.read_model == (
        Mismatch(f"checkpoint {S1} #1", "read_point.name", '"Hub Lyon"', '"Hub Paris"'),
    )


def test_columns_coordinates_missing_rows_and_block_hashes(
    journey: Journey, followed: sessionmaker[Session]
) -> None:
    with transaction(followed) as session:
        shipment = session.get(ShipmentRow, S2)
        assert shipment is not None
        shipment.status = "delivered"  # a derived column, the document untouched
        checkpoint = session.get(CheckpointRow, (S1, 3))
        assert checkpoint is not None
        checkpoint.block_number = 3
        session.execute(delete(CheckpointRow).where(CheckpointRow.sscc == S2))
        block = session.get(BlockRow, 2)
        assert block is not None
        block.header_hash = bytes(32)
    found = set(verify(journey.blocks, sessions=followed).read_model or ())
    assert found == {
        Mismatch(f"shipment {S2}", "status column", '"in_transit"', '"delivered"'),
        Mismatch(f"checkpoint {S1} #3", "block_number", "4", "3"),
        Mismatch(f"checkpoint {S2} #1", "row", "present", "(absent)"),
        Mismatch("block 2", "header_hash", journey_hash(journey, 2), "00" * 32),
    }


def journey_hash(journey: Journey, number: int) -> str:
    return block_header_hash(journey.blocks[number].header).hex()


def test_a_lagging_follower_is_compared_at_its_own_height(
    journey: Journey, sessions: sessionmaker[Session]
) -> None:
    blocks = journey.blocks
    Follower(config=FOLLOW, sessions=sessions, source=lambda n: iter(blocks[n:])).run(until_block=2)
    result = verify(blocks, sessions=sessions)
    assert result.passed, render(result)


def test_report_edited_by_hand_names_checkpoint_and_field(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_report(followed, S1, tmp_path / "report.json")

    def tamper(document: dict[str, Any]) -> None:
        event(document, 2)["temp_max_c"] = 6.0
        event(document, 1)["location_name"] = "Hub Paris"
        document["shipment"]["status"] = "delivered"

    result = verify(journey.blocks, report_path=edit_report(path, tamper))
    assert set(result.report or ()) == {
        Mismatch(f"checkpoint {S1} #2", "temp_max_c", "7.25", "6.0"),
        Mismatch(f"checkpoint {S1} #1", "location_name", '"Hub Lyon"', '"Hub Paris"'),
        Mismatch(f"shipment {S1}", "shipment.status", '"at_hub"', '"delivered"'),
    }
    assert f"report: checkpoint {S1} #2: temp_max_c: ledger 7.25, report 6.0" in render(result)


def test_report_with_a_dropped_or_moved_event(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_report(followed, S1, tmp_path / "report.json")
    mvcc = journey.tx_ids["mvcc"]

    def tamper(document: dict[str, Any]) -> None:
        document["events"].remove(event(document, 3))
        event(document, 2)["tx_id"] = mvcc  # claims the rejected transaction's record
        document["cold_chain"]["ledger_verdict"]["max_celsius"] = 7.0

    found = set(verify(journey.blocks, report_path=edit_report(path, tamper)).report or ())
    assert found == {
        Mismatch(f"checkpoint {S1} #3", "event", "present", "(absent)"),
        Mismatch(
            f"checkpoint {S1} #2", "tx_id", json.dumps(journey.tx_ids[f"{S1} #2"]), json.dumps(mvcc)
        ),
        Mismatch(f"shipment {S1}", "cold_chain.ledger_verdict.max_celsius", "7.25", "7.0"),
    }


def test_an_older_report_is_checked_against_the_chain_at_its_last_block(
    journey: Journey, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    blocks = journey.blocks
    follower = Follower(config=FOLLOW, sessions=sessions, source=lambda n: iter(blocks[n:]))
    follower.run(until_block=2)
    path = write_report(sessions, S1, tmp_path / "at-block-2.json")
    follower.run()
    result = verify(blocks, sessions=sessions, report_path=path)
    assert result.passed, render(result)
    assert json.loads(path.read_text())["shipment"]["status"] == "in_transit"


def test_unreadable_or_foreign_reports(journey: Journey, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    [mismatch] = verify(journey.blocks, report_path=broken).report or ()
    assert (mismatch.where, mismatch.field) == ("report", "file")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"report_type": "recall", "format_version": 1}), encoding="utf-8")
    [mismatch] = verify(journey.blocks, report_path=other).report or ()
    assert (mismatch.where, mismatch.field) == ("report", "format")


def test_json_diff_names_leaves() -> None:
    ledger = {"a": {"b": 1, "c": [1, 2]}, "d": "x", "gone": True}
    other = {"a": {"b": 1.0, "c": [1, 3]}, "d": "x", "new": None}
    assert list(json_diff(ledger, other)) == [
        ("a.c[1]", 2, 3),
        ("gone", True, json_diff.__globals__["_MISSING"]),
        ("new", json_diff.__globals__["_MISSING"], None),
    ]
    assert list(json_diff({"flag": True}, {"flag": 1})) == [("flag", True, 1)]
