"""Recall trace of a lot (GTIN + lot): every shipment of it, each custody step, holder, breaches."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.platypus import Flowable, Spacer  # type: ignore[import-untyped]

from records import canonical_json
from tracker.reports import pdf_common as pc
from tracker.reports.coldchain import analyse
from tracker.reports.csv_report import render_rows
from tracker.reports.facts import Scalar, build_facts, inputs_sha256
from tracker.reports.model import ReportSource, ShipmentHistory

SHIPMENT_FIELDS: tuple[str, ...] = (
    "sscc",
    "status",
    "current_custodian",
    "destination",
    "cold_chain_status",
    "cold_chain_breach",
    "minutes_outside",
)
STEP_FIELDS: tuple[str, ...] = (
    "sequence",
    "event",
    "biz_step",
    "disposition",
    "event_time",
    "location_gln",
    "location_name",
    "reporter_msp",
    "tx_id",
    "block_number",
)
RECALL_FIELDS: tuple[str, ...] = ("gtin", "lot") + SHIPMENT_FIELDS + STEP_FIELDS


@dataclass(frozen=True)
class RecallTrace:
    """The traced lot: one summary per shipment and one row per valid custody step."""

    gtin: str
    lot: str
    source: ReportSource
    inputs_sha256: str
    shipments: tuple[dict[str, Scalar], ...]
    rows: tuple[dict[str, Scalar], ...]


def _summary(history: ShipmentHistory) -> dict[str, Scalar]:
    """Who holds a shipment now, and its cold-chain state (ledger verdict, else recomputed)."""
    s = history.shipment
    recomputed = analyse(history.readings, s.cold_chain) if history.readings else None
    statuses = {v.status for v in (s.verdict, recomputed) if v is not None}
    status = s.verdict.status if s.verdict else (recomputed.status if recomputed else None)
    minutes = (
        s.verdict.minutes_outside
        if s.verdict
        else (recomputed.minutes_outside if recomputed else None)
    )
    return {
        "sscc": s.sscc,
        "status": s.status,
        "current_custodian": s.custodian,
        "destination": f"{s.destination.name} ({s.destination.gln})",
        "cold_chain_status": status,
        # A breach by either the ledger or the recomputation must surface in a recall.
        "cold_chain_breach": "yes" if "breach" in statuses else "no",
        "minutes_outside": minutes,
    }


def recall_trace(
    histories: Iterable[ShipmentHistory], gtin: str, lot: str, source: ReportSource
) -> RecallTrace:
    """Every shipment of the lot, ordered by SSCC, with its valid custody steps in order."""
    mine = sorted(
        (h for h in histories if h.shipment.product.gtin == gtin and h.shipment.product.lot == lot),
        key=lambda h: h.shipment.sscc,
    )
    summaries, rows, digests = [], [], []
    for h in mine:
        summary = _summary(h)
        summaries.append(summary)
        for fact in build_facts(h.shipment, h.checkpoints):
            # Invalid transactions changed nothing on the ledger: not a custody step.
            if fact["validation_code"] == "VALID":
                step = {k: fact[k] for k in STEP_FIELDS}
                rows.append({"gtin": gtin, "lot": lot, **summary, **step})
        digests.append(inputs_sha256(h.shipment, h.checkpoints, h.readings, source))
    return RecallTrace(gtin, lot, source, combined_sha256(digests), tuple(summaries), tuple(rows))


def combined_sha256(digests: Iterable[str]) -> str:
    """SHA-256 of the per-shipment inputs hashes (in SSCC order), one per line."""
    return hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()


def render_recall_csv(trace: RecallTrace) -> str:
    """The recall trace as CSV, one row per custody step."""
    return render_rows(RECALL_FIELDS, trace.rows)


def render_recall_json(trace: RecallTrace) -> str:
    """The recall trace as canonical JSON."""
    return canonical_json(
        {
            "report_type": "lot-recall-trace",
            "gtin": trace.gtin,
            "lot": trace.lot,
            "source": {
                "channel": trace.source.channel,
                "first_block": trace.source.first_block,
                "last_block": trace.source.last_block,
                "inputs_sha256": trace.inputs_sha256,
            },
            "shipments": [dict(s) for s in trace.shipments],
            "rows": [dict(r) for r in trace.rows],
        }
    )


# Short headers for the narrow custody-step columns of the PDF (the CSV keeps field names).
_STEP_HEADERS = {
    "sequence": "seq",
    "location_gln": "GLN",
    "location_name": "place",
    "reporter_msp": "reporter",
    "block_number": "block",
}


def _step_cell(row: dict[str, Scalar], key: str) -> Scalar:
    """A custody-step value as the PDF shows it: names readable, times unbroken."""
    if key == "biz_step":
        return pc.label(row[key] or row["event"])
    if key == "disposition":
        return "" if row[key] is None else pc.label(row[key])
    if key == "event_time":
        return pc.when_text(str(row[key]))
    return row[key]


def render_recall_pdf(trace: RecallTrace) -> bytes:
    """The recall trace as a landscape PDF: lot facts, shipments, then every custody step."""
    width = pc.content_width(wide=True)
    src = trace.source
    pairs: list[tuple[str, Scalar]] = [
        ("GTIN / lot", f"{trace.gtin} / {trace.lot}"),
        ("Shipments", len(trace.shipments)),
        ("Breached shipments", sum(1 for s in trace.shipments if s["cold_chain_breach"] == "yes")),
        ("Ledger", f"channel {src.channel}, blocks {src.first_block} to {src.last_block}"),
        ("Report inputs SHA-256", trace.inputs_sha256),
    ]
    shipment_rows = [[s[k] for k in SHIPMENT_FIELDS] for s in trace.shipments]
    shipment_header = [pc.label(k) for k in SHIPMENT_FIELDS]
    columns = ("sscc", *(k for k in STEP_FIELDS if k != "event"))
    step_rows = [[_step_cell(r, k) for k in columns] for r in trace.rows]
    step_header = [_STEP_HEADERS.get(k, pc.label(k)) for k in columns]
    # Identifiers are unwrapped Courier (the tx id needs 64 characters); text columns wrap
    # between words, each column wide enough for its longest usual word.
    step_widths = (0.11, 0.03, 0.07, 0.07, 0.10, 0.08, 0.08, 0.07, 0.35, 0.04)
    mono = frozenset(i for i, k in enumerate(columns) if k in ("sscc", "location_gln", "tx_id"))
    story: list[Flowable] = [
        pc.title_paragraph(f"Recall trace: lot {trace.lot}"),
        pc.kv_table(pairs, width),
        pc.heading("Shipments of the lot"),
        pc.data_table(shipment_header, shipment_rows, [width / len(SHIPMENT_FIELDS)] * 7),
        Spacer(1, 4),
        pc.heading("Custody steps"),
        pc.data_table(step_header, step_rows, [w * width for w in step_widths], mono),
    ]
    footer = f"lot {trace.gtin}/{trace.lot}  inputs SHA-256 {trace.inputs_sha256}"
    return pc.build_pdf(story, f"Recall {trace.gtin} {trace.lot}", footer, wide=True)
