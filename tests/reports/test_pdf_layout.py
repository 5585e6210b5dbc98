"""The shipment PDF as an auditor reads it: page 1 starts the content, every place reads as a
place, identifiers stay inside their columns, and no word or timestamp is broken in two (the
recall PDF, built from the same table helpers, too)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.reports.pdf_runs import crossing, layout, overlapping, page_runs, words
from tests.reports.test_recall_fsma import lot_split_over_shipments
from tracker.reports.facts import ShipmentReport, build_report
from tracker.reports.model import ReportSource, ShipmentHistory
from tracker.reports.pdf_report import CUSTODY_HEADING, render_pdf
from tracker.reports.recall import recall_trace, render_recall_pdf


def report_of(history: ShipmentHistory, source: ReportSource) -> ShipmentReport:
    """Builds the report of a fixture history."""
    return build_report(history.shipment, history.checkpoints, history.readings, source)


@pytest.fixture(params=["demo", "history"])
def report(request: pytest.FixtureRequest, source: ReportSource) -> ShipmentReport:
    """The demo-like shipment (breach, delivered) and the multi-leg salad shipment."""
    return report_of(request.getfixturevalue(request.param), source)


def test_page_one_holds_the_summary_and_the_start_of_the_custody_timeline(
    report: ShipmentReport,
) -> None:
    runs = page_runs(render_pdf(report))
    first = [r.text for r in runs if r.page == 1]
    assert "Shipment provenance report" in first and report.shipment.sscc in first
    assert CUSTODY_HEADING in first
    # The creation row and the first checkpoint are on page 1, under the summary.
    first_words = words(runs, page=1)
    for fact in report.facts[:2]:
        assert f"{datetime.fromisoformat(str(fact['event_time'])):%Y-%m-%d}" in first_words


def test_a_logger_batch_without_read_point_shows_a_dash(
    demo: ShipmentHistory, source: ReportSource
) -> None:
    report = report_of(demo, source)
    runs = page_runs(render_pdf(report))
    assert not [r.text for r in runs if "None" in r.text]
    (logger_row,) = [f for f in report.facts if f["biz_step"] == "sensor_reporting"]
    assert logger_row["location_gln"] is None
    # The custody row of the batch: its number, then an em dash in the place column.
    number = next(r for r in runs if r.text == str(logger_row["row"]) and r.x0 < 60)
    row_texts = [r.text for r in runs if r.page == number.page and abs(r.y - number.y) < 12]
    assert "—" in row_texts, row_texts


def test_no_text_runs_over_a_column_line_or_into_other_text(report: ShipmentReport) -> None:
    runs, rules = layout(render_pdf(report))
    assert len(rules) > 20  # the tables' column lines were found
    crossed = crossing(runs, rules)
    assert not crossed, [(run.text, rule.x) for run, rule in crossed][:5]
    collisions = overlapping(runs)
    assert not collisions, [(a.text, b.text) for a, b in collisions][:5]


def test_tx_ids_and_validation_codes_are_whole_and_inside_their_column(
    demo: ShipmentHistory, source: ReportSource
) -> None:
    report = report_of(demo, source)
    runs, rules = layout(render_pdf(report))
    for fact in report.facts:
        (tx_run,) = [r for r in runs if r.text == fact["tx_id"]]
        assert not [rule.x for rule in rules if rule.crosses(tx_run)], fact["tx_id"]
        # The block number sits right of the tx id on the same row, clear of it.
        block = next(
            r
            for r in runs
            if r.page == tx_run.page and r.text == str(fact["block_number"]) and r.x0 > tx_run.x0
        )
        assert tx_run.x1 < block.x0, (fact["tx_id"], tx_run.x1, block.x0)
        (code_run,) = [
            r
            for r in runs
            if r.page == tx_run.page
            and r.text == fact["validation_code"]
            and abs(r.y - tx_run.y) < 2
        ]
        assert not [rule.x for rule in rules if rule.crosses(code_run)], fact["validation_code"]
    assert "MVCC_READ_CONFLICT" in {f["validation_code"] for f in report.facts}


def test_words_and_timestamps_are_never_broken_across_lines(report: ShipmentReport) -> None:
    runs = page_runs(render_pdf(report))
    found = words(runs)
    for fact in report.facts:
        at = datetime.fromisoformat(str(fact["event_time"]))
        assert f"{at:%Y-%m-%d}" in found and f"{at:%H:%M:%S}" in found, fact["event_time"]
        for name in (fact["biz_step"], fact["disposition"]):
            for part in str(name or "").split("_"):
                assert not part or part in found, (part, name)
        for part in str(fact["location_name"] or "").split():
            assert part in found, part
    # What a mid-word break looked like: "complete" / "ness_verified", "…T06:00:00+" / "00:00".
    assert not [w for w in found if w.endswith("+") or w.startswith("ness")]


def test_the_recall_pdf_keeps_words_and_times_whole_inside_their_columns(
    source: ReportSource,
) -> None:
    histories, _ = lot_split_over_shipments()
    trace = recall_trace(histories, histories[0].shipment.product.gtin, "L2503A", source)
    runs, rules = layout(render_recall_pdf(trace))
    assert not crossing(runs, rules) and not overlapping(runs)
    found = words(runs)
    for row in trace.rows:
        at = datetime.fromisoformat(str(row["event_time"]))
        assert f"{at:%Y-%m-%d}" in found and f"{at:%H:%M:%S}" in found, row["event_time"]
        for part in str(row["biz_step"] or row["event"]).split("_"):
            assert part in found, part
    # Legible: nothing set below 6 pt but the identifiers' own Courier.
    assert min(r.size for r in runs if r.font != "Courier") >= 6
