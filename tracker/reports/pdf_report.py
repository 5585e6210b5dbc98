"""The shipment provenance PDF: facts, custody timeline, verdict, chart, hashes, ledger refs."""

from __future__ import annotations

import io
from collections.abc import Mapping

from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    Image,
    KeepTogether,
    Spacer,
)

from tracker.reports import pdf_common as pc
from tracker.reports.chart import MAX_DRAWN_POINTS, temperature_chart_png
from tracker.reports.facts import Scalar, ShipmentReport
from tracker.reports.model import ColdChainVerdict, ShipmentRecord
from tracker.reports.pdf_terms import terms_blocks

CHART_HEADING = "Temperature chart"
CUSTODY_HEADING = "Chain of custody"
MAX_LISTED_EXCURSIONS = 20
NO_PLACE = "—"  # an em dash: a logger batch is recorded without a read point


def title_pairs(report: ShipmentReport) -> list[tuple[str, Scalar]]:
    """The title page's facts: what was shipped, between whom, and which ledger range backs it."""
    s = report.shipment
    src = report.source
    return [
        ("SSCC", s.sscc),
        ("Product", f"{s.product.description} (GTIN {s.product.gtin}, lot {s.product.lot})"),
        ("Quantity", f"{s.quantity:g} {s.unit}"),
        ("Origin", f"{s.origin.name} (GLN {s.origin.gln})"),
        ("Destination", f"{s.destination.name} (GLN {s.destination.gln})"),
        (
            "Producer / carrier / retailer",
            f"{s.parties.producer} / {s.parties.carrier} / {s.parties.retailer}",
        ),
        ("Status", s.status),
        ("Current custodian", s.custodian),
        ("Promised delivery", pc.when_text(s.promised_delivery, one_line=True)),
        ("Cold chain (ledger verdict)", _verdict_text(s.verdict)),
        ("Ledger channel", src.channel),
        ("Block range", f"{src.first_block} to {src.last_block}"),
        ("Report inputs SHA-256", report.inputs_sha256),
    ]


def _notes_cell(fact: Mapping[str, Scalar]) -> Scalar:
    """The notes, after an exception's reason (labelled, so the two stay apart)."""
    reason, notes = fact["reason"], fact["notes"]
    if reason is None:
        return notes
    return f"Reason: {reason}" + (f"; notes: {notes}" if notes else "")


def custody_table(report: ShipmentReport, width: float) -> Flowable:
    """The chain of custody as a timeline table, one row per event in ledger order."""
    rows: list[list[Scalar]] = []
    for f in report.facts:
        step = pc.label(f["biz_step"] or f["event"])
        if f["disposition"] is not None:
            step += f" / {pc.label(f['disposition'])}"
        if f["validation_code"] != "VALID":
            # Shown, since it was submitted, but it changed nothing on the ledger.
            step += f"\nREJECTED: {f['validation_code']}"
        temp = (
            ""
            if f["temp_count"] is None
            else (
                f"{f['temp_min_c']}–{f['temp_max_c']} °C, "
                f"mean {f['temp_mean_c']} (n={f['temp_count']})"
            )
        )
        place = (
            NO_PLACE
            if f["location_name"] is None
            else f"{f['location_name']} ({f['location_gln']})"
        )
        rows.append(
            [
                f["row"],
                pc.when_text(str(f["event_time"])),
                step,
                place,
                f"{f['reporter_msp']} {f['reporter_role']}",
                temp,
                _notes_cell(f),
            ]
        )
    # Wide enough for a date, a time with its offset and the longest common words of each
    # column; a longer word is set smaller rather than broken (pdf_common.fitted_size).
    widths = [w * width for w in (0.04, 0.12, 0.18, 0.19, 0.13, 0.15, 0.19)]
    header = ["#", "event time", "step / disposition", "place", "reporter", "temperature", "notes"]
    return pc.data_table(header, rows, widths)


def chart_block(report: ShipmentReport, width: float) -> list[Flowable]:
    """The chart heading, the PNG image and a caption saying how it was drawn."""
    readings = report.readings
    if not readings:
        return [pc.heading(CHART_HEADING), pc.body("No temperature readings were recorded.")]
    png = temperature_chart_png(readings, report.shipment.cold_chain, report.analysis.excursions)
    image = Image(io.BytesIO(png), width=width, height=width * 3.2 / 7.0)
    drawn = (
        "all readings drawn"
        if len(readings) <= MAX_DRAWN_POINTS
        else (
            f"line drawn from a min/max decimation to about {MAX_DRAWN_POINTS} points; "
            "the verdict below uses every reading"
        )
    )
    band = report.shipment.cold_chain
    caption = (
        f"{len(readings)} readings, {drawn}. Green: allowed band "
        f"{band.min_celsius:g}..{band.max_celsius:g} °C; "
        "red: readings outside it and excursion intervals."
    )
    return [KeepTogether([pc.heading(CHART_HEADING), image, pc.paragraph(caption, pc.SMALL)])]


def _or_none(value: float | None) -> str:
    """A limit for display, 'none' when not set."""
    return "none" if value is None else f"{value:g} °C"


def _verdict_text(verdict: ColdChainVerdict | None) -> str:
    """One line for the ledger's verdict."""
    if verdict is None:
        return "none recorded"
    return (
        f"{verdict.status}: {verdict.minutes_outside:g} min outside, "
        f"min {verdict.min_celsius} °C, max {verdict.max_celsius} °C, MKT {verdict.mkt_celsius} °C"
    )


def verdict_block(report: ShipmentReport, width: float) -> list[Flowable]:
    """Ledger verdict next to the one recomputed from every reading, and the excursions."""
    s: ShipmentRecord = report.shipment
    a = report.analysis
    p = s.cold_chain
    agrees = s.verdict is not None and s.verdict.status == a.status
    pairs: list[tuple[str, Scalar]] = [
        (
            "Profile",
            f"{p.min_celsius:g}..{p.max_celsius:g} °C, {p.allowed_minutes_outside:g} min "
            f"allowed outside, MKT limit {_or_none(p.mkt_limit_celsius)}",
        ),
        ("Ledger verdict", _verdict_text(s.verdict)),
        (
            "Recomputed verdict",
            f"{a.status}: {a.minutes_outside:g} min outside, min {a.min_celsius} °C, "
            f"max {a.max_celsius} °C, MKT {a.mkt_celsius} °C over {a.reading_count} readings",
        ),
        ("Ledger and recomputation agree", "yes" if agrees else "NO - investigate"),
    ]
    out: list[Flowable] = [pc.heading("Cold-chain verdict"), pc.kv_table(pairs, width)]
    if a.excursions:
        rows: list[list[Scalar]] = [
            [
                pc.when_text(e.start, one_line=True),
                pc.when_text(e.end, one_line=True),
                f"{(e.end - e.start).total_seconds() / 60:g}",
                e.extreme_celsius,
            ]
            for e in a.excursions[:MAX_LISTED_EXCURSIONS]
        ]
        out += [
            Spacer(1, 3 * mm),
            pc.data_table(
                ["excursion start", "end", "minutes", "extreme °C"],
                rows,
                [w * width for w in (0.35, 0.35, 0.15, 0.15)],
            ),
        ]
        if len(a.excursions) > MAX_LISTED_EXCURSIONS:
            out.append(
                pc.body(
                    f"... and {len(a.excursions) - MAX_LISTED_EXCURSIONS} more excursions "
                    "(all are in the JSON report)."
                )
            )
    return out


def hashes_table(report: ShipmentReport, width: float) -> Flowable:
    """Certificates of the shipment and evidence hashes of each checkpoint."""
    rows: list[list[Scalar]] = [
        ["certificate", c.document_type, c.sha256] for c in report.shipment.certificates
    ]
    for f in report.facts:
        if f["event"] != "shipment_created" and f["evidence_sha256"]:
            for digest in str(f["evidence_sha256"]).split(";"):
                rows.append([f"event {f['row']}", pc.label(f["biz_step"]), digest])
    if not rows:
        rows = [["-", "none recorded", ""]]
    return pc.data_table(
        ["source", "document / step", "SHA-256"],
        rows,
        [w * width for w in (0.15, 0.3, 0.55)],
        mono=frozenset({2}),
    )


def ledger_table(report: ShipmentReport, width: float) -> Flowable:
    """Every event's tx id, block, signing org and role, and validation code."""
    rows = [
        [
            f["row"],
            f["tx_id"],
            f["block_number"],
            f["signer_msp"],
            f["signer_role"],
            f["validation_code"],
        ]
        for f in report.facts
    ]
    # Ids and codes are unwrapped Courier: a 64-character tx id needs 250 pt at 6.5 pt, just
    # over half the page width; a validation code longer than MVCC_READ_CONFLICT is set
    # smaller to stay in its column (pdf_common.data_table).
    widths = [w * width for w in (0.04, 0.52, 0.07, 0.14, 0.10, 0.13)]
    return pc.data_table(
        ["#", "tx id", "block", "signer org", "role", "validation"],
        rows,
        widths,
        mono=frozenset({1, 5}),
    )


def render_pdf(report: ShipmentReport) -> bytes:
    """Builds the whole shipment provenance report as PDF bytes."""
    width = pc.content_width()
    story: list[Flowable] = [
        pc.title_paragraph("Shipment provenance report"),
        pc.kv_table(title_pairs(report), width),
        Spacer(1, 2 * mm),
        pc.body(
            "Every fact below is read from the ledger range above. Re-run the report on the "
            "same blocks: the inputs SHA-256 must match. Times are shown to the second with "
            "their UTC offset; the JSON and CSV reports carry them exactly."
        ),
        # No page break: the custody timeline starts on page 1, under the summary.
        pc.heading(CUSTODY_HEADING),
        custody_table(report, width),
        # The verdict before the chart: it is short enough to follow the timeline on page 1,
        # where the chart (kept whole with its heading) often is not.
        *verdict_block(report, width),
        *chart_block(report, width),
        *terms_blocks(report.terms, width),
        pc.heading("Certificates and evidence hashes"),
        hashes_table(report, width),
        pc.heading("Ledger transactions"),
        ledger_table(report, width),
    ]
    footer = f"SSCC {report.shipment.sscc}  inputs SHA-256 {report.inputs_sha256}"
    return pc.build_pdf(story, f"Provenance {report.shipment.sscc}", footer)
