"""`verify --report` with each file `tracker report` writes: JSON, CSV and EPCIS compared with the
ledger; PDF, XLSX, recall traces and FSMA sheets refused with what they are."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.verify.verify_chain import S1, Journey
from tests.verify.verify_report import MADE, write_format
from tracker.reports import outputs
from tracker.verify.compare import Mismatch
from tracker.verify.run import render, verify
from tracker.verify.sources import UnsupportedReport, parse_report

GTIN, LOT = "04006381333931", "LOT-2026-11"


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_csv_report_is_compared_with_the_ledger(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_format(followed, S1, tmp_path / "report.csv", "csv")
    result = verify(journey.blocks, report_path=path)
    assert result.passed, render(result)
    assert result.report == ()
    assert render(result).splitlines()[0].endswith("compared with: report (shipment CSV)")


def test_csv_report_edited_cell_and_dropped_row_are_named(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = csv_rows(write_format(followed, S1, tmp_path / "report.csv", "csv"))
    [sensor] = [r for r in rows if r["sequence"] == "2"]
    sensor["temp_max_c"] = "6.0"
    rows = [r for r in rows if r["sequence"] != "3"]
    result = verify(journey.blocks, report_path=write_rows(tmp_path / "edited.csv", rows))
    assert set(result.report or ()) == {
        Mismatch(f"checkpoint {S1} #2", "temp_max_c", '"7.25"', '"6.0"'),
        Mismatch(f"checkpoint {S1} #3", "event", "present", "(absent)"),
    }


def test_csv_report_rows_must_agree_on_the_block_range(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = csv_rows(write_format(followed, S1, tmp_path / "report.csv", "csv"))
    rows[-1]["last_block"] = "2"
    [mismatch] = (
        verify(journey.blocks, report_path=write_rows(tmp_path / "x.csv", rows)).report or ()
    )
    assert (mismatch.where, mismatch.field) == ("report", "report columns")


@pytest.mark.parametrize("scope", ["shipment", "lot"])
def test_epcis_document_is_compared_with_the_ledger(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path, scope: str
) -> None:
    if scope == "shipment":
        path = write_format(followed, S1, tmp_path / "s1.jsonld", "epcis")
    else:
        with followed() as session:
            made = outputs.lot_file(session, "supplychain", GTIN, LOT, "epcis", MADE)
        path = tmp_path / "lot.jsonld"
        path.write_bytes(made.content)
        events = json.loads(made.content)["epcisBody"]["eventList"]
        assert len({e["epcList"][0] for e in events}) == 2  # S1's and S2's checkpoints
    result = verify(journey.blocks, report_path=path)
    assert result.passed, render(result)
    assert render(result).splitlines()[0].endswith("compared with: report (EPCIS document)")


def edit_epcis(path: Path, change: Any) -> Path:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document["epcisBody"]["eventList"])
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_epcis_edited_forged_and_dropped_events_are_named(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_format(followed, S1, tmp_path / "s1.jsonld", "epcis")
    events = json.loads(path.read_text(encoding="utf-8"))["epcisBody"]["eventList"]
    assert len(events) == 3

    def tamper(events: list[dict[str, Any]]) -> None:
        events[0]["disposition"] = "damaged"  # its eventID no longer hashes its content
        events.append({**events[0], "eventID": "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"})
        del events[1]  # the middle one: a shipment document lists every checkpoint

    found = set(verify(journey.blocks, report_path=edit_epcis(path, tamper)).report or ())
    edited = {m for m in found if m.field == "disposition"}
    assert len(edited) == 1 and edited.pop().other == '"damaged"'
    assert Mismatch("EPCIS document event 3", "eventID", "a checkpoint's event hash",
                    json.dumps("ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0")) in found  # fmt: skip
    dropped = {m for m in found if m.field == "event"}
    assert len(dropped) == 1 and dropped.pop().ledger == "present"
    assert len(found) == 3


def test_pdf_and_other_reports_are_refused_saying_what_they_are(
    journey: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    pdf = write_format(followed, S1, tmp_path / "report.pdf", "pdf")
    [mismatch] = verify(journey.blocks, report_path=pdf).report or ()
    assert (mismatch.where, mismatch.field, mismatch.other) == ("report", "format", "a PDF")
    with followed() as session:
        files = {
            "a lot recall trace (CSV)": outputs.lot_file(session, "c", GTIN, LOT, "csv", MADE),
            "a lot recall trace (JSON)": outputs.lot_file(session, "c", GTIN, LOT, "json", MADE),
            "an FSMA 204 spreadsheet (CSV)": outputs.period_file(session, MADE, MADE, "csv", MADE),
            "a ZIP file (an XLSX spreadsheet?)": outputs.period_file(
                session, MADE, MADE, "xlsx", MADE
            ),
        }
    for what, made in files.items():
        with pytest.raises(UnsupportedReport) as refused:
            parse_report(made.content)
        assert refused.value.what == what
