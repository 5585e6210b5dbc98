"""Formula (CSV) injection: ledger text that a spreadsheet would run never reaches a CSV or XLSX
the tracker writes as a formula, and `tracker verify --report` still passes on such a CSV."""

from __future__ import annotations

import ast
import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]  # no stubs
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.security.hostile_text import (
    ANGLE_LOT,
    DESCRIPTION,
    FARM,
    GTIN,
    HUB_NAME,
    NOTES,
    QUOTED_NOTES,
    S1,
    STORE_NAME,
    TAB_NOTES,
)
from tests.verify.verify_chain import Journey
from tests.verify.verify_report import MADE, write_format
from tracker.reports import outputs
from tracker.reports.cells import FORMULA_STARTS, neutralise, restore, spreadsheet_text
from tracker.verify.compare import Mismatch
from tracker.verify.run import render, verify

TRACKER = Path(__file__).resolve().parents[2] / "tracker"
DAY = (datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC))


def rows_of(made: outputs.ReportFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(made.content.decode("utf-8"), newline="")))


def assert_no_formula(rows: list[dict[str, str]]) -> None:
    """No cell a spreadsheet would run: a cell starting with = + - @ tab or CR is a number."""
    for row in rows:
        for name, cell in row.items():
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # a negative number (a longitude) is no formula
                assert name in ("latitude", "longitude"), (name, cell)


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "'=1", "''-1", "'", "'abc", "abc", "", "a=1"],
)
def test_neutralise_quotes_formula_starts_and_restore_undoes_it(text: str) -> None:
    quoted = neutralise(text)
    assert not quoted.startswith(FORMULA_STARTS)
    assert restore(quoted) == text
    assert quoted == (("'" + text) if text.lstrip("'")[:1] in FORMULA_STARTS else text)


def test_numbers_stay_numbers_and_text_is_quoted() -> None:
    assert spreadsheet_text(-4.83) == "-4.83"
    assert spreadsheet_text(-3) == "-3"
    assert spreadsheet_text("-3") == "'-3"
    assert spreadsheet_text(None) == ""


def test_fsma_xlsx_holds_text_cells_never_formulas(followed: sessionmaker[Session]) -> None:
    with followed() as session:
        made = outputs.period_file(session, *DAY, "xlsx", MADE)
    # What a spreadsheet program sees: no formula element anywhere in the workbook.
    with zipfile.ZipFile(io.BytesIO(made.content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in archive.read(n) for n in sheets)
    sheet = openpyxl.load_workbook(io.BytesIO(made.content)).active
    header, *rows = list(sheet.iter_rows())
    names = [c.value for c in header]
    assert len(rows) == 2  # shipping and receiving
    for row in rows:
        cells = dict(zip(names, row, strict=True))
        assert all(c.data_type in ("s", "n") for c in row if c.value is not None)
        assert cells["Product Description"].value == "'" + DESCRIPTION
        assert cells["Product Description"].data_type == "s"
        assert cells["Ship-From Location"].value == f"'{FARM}, GLN 0614141000012"
        assert isinstance(cells["Block Number"].value, int)
    receiving = dict(zip(names, rows[1], strict=True))
    assert receiving["Receiving Location"].value == f"'{STORE_NAME}, GLN 4006381000017"


def test_csv_reports_quote_text_that_would_run(followed: sessionmaker[Session]) -> None:
    with followed() as session:
        shipment = rows_of(outputs.shipment_file(session, "supplychain", S1, "csv", MADE))
        lot = rows_of(outputs.lot_file(session, "supplychain", GTIN, ANGLE_LOT, "csv", MADE))
        fsma = rows_of(outputs.period_file(session, *DAY, "csv", MADE))
    for rows in (shipment, lot, fsma):
        assert rows
        assert_no_formula(rows)
    by_seq = {r["sequence"]: r for r in shipment}
    assert by_seq["1"]["location_name"] == "'" + HUB_NAME
    assert by_seq["1"]["longitude"] == "-4.83"  # a number, left as written
    assert [by_seq[s]["notes"] for s in "123"] == [
        "'" + NOTES,
        "'" + QUOTED_NOTES,
        "'" + TAB_NOTES,
    ]
    assert {r["location_name"] for r in lot if r["location_name"]} == {
        "'" + FARM,
        "'" + HUB_NAME,
        "'" + STORE_NAME,
    }
    assert {r["Product Description"] for r in fsma} == {"'" + DESCRIPTION}


def test_verify_passes_on_the_honest_csv_and_names_an_edited_quoted_cell(
    hostile: Journey, followed: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_format(followed, S1, tmp_path / "report.csv", "csv")
    text = path.read_text(encoding="utf-8")
    assert "'" + NOTES in text and "'" + HUB_NAME in text  # the quoted forms are compared
    result = verify(hostile.blocks, report_path=path)
    assert result.passed, render(result)
    assert result.report == ()
    edited = text.replace("'" + NOTES, "'-2+3+cmd|'/C notepad'!A0")
    (tmp_path / "edited.csv").write_text(edited, encoding="utf-8")
    result = verify(hostile.blocks, report_path=tmp_path / "edited.csv")
    assert set(result.report or ()) == {
        Mismatch(f"checkpoint {S1} #1", "notes", f'"{NOTES}"', "\"-2+3+cmd|'/C notepad'!A0\"")
    }


def _calls(tree: ast.AST) -> list[str]:
    """Dotted names of the functions and methods a module calls."""
    return [ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)]


def test_every_spreadsheet_writer_goes_through_the_one_helper() -> None:
    """CSV rows are written only by csv_report.render_rows, XLSX rows only by append_xlsx_row:
    a new writer that bypassed tracker/reports/cells.py would fail here."""
    writers: dict[str, list[str]] = {}
    for path in sorted(TRACKER.rglob("*.py")):
        calls = _calls(ast.parse(path.read_text(encoding="utf-8")))
        found = [
            c
            for c in calls
            if c in ("csv.writer", "csv.DictWriter", "Workbook")
            or c.endswith((".writerow", ".writerows", "sheet.append", ".cell"))
        ]
        if found:
            writers[str(path.relative_to(TRACKER))] = sorted(set(found))
    assert writers == {
        "reports/csv_report.py": ["csv.writer", "writer.writerow"],
        "reports/cells.py": ["sheet.append"],
        "reports/fsma.py": ["Workbook"],
    }
    csv_report = (TRACKER / "reports" / "csv_report.py").read_text(encoding="utf-8")
    assert "writer.writerow([spreadsheet_text(" in csv_report
