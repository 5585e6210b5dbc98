"""The provenance reports' terms: the agreement, the settlement with its reasons and numbers,
the disputes with their anchors and resolution, and the certificates with their check.

Built from the simulated ledger (the real chaincode on the in-memory stub, its writes cut
into blocks and followed into the read model: tests/pipeline/terms_journey.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from sqlalchemy.orm import Session, sessionmaker

from tests.pipeline.terms_journey import CERTIFICATE, DISPUTE_ID, SSCC, follow, new_sim, run_journey
from tests.reports.pdf_runs import crossing, layout, overlapping
from tracker.reports.facts import ShipmentReport, build_report
from tracker.reports.json_report import report_dict
from tracker.reports.outputs import shipment_report
from tracker.reports.pdf_report import render_pdf
from tracker.reports.terms import money, percent

CHANNEL = "supplychain"


def _report(tmp_path: Path, sessions: sessionmaker[Session]) -> ShipmentReport:
    sim = new_sim(tmp_path)
    run_journey(sim)
    follow(sim, sessions)
    with sessions() as session:
        return shipment_report(session, CHANNEL, SSCC)


def test_json_sections(tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    document = report_dict(_report(tmp_path, sessions))
    assert document["agreement"]["price_minor"] == 250_000
    reasons = {r["code"]: r["amount_minor"] for r in document["settlement"]["reasons"]}
    assert reasons == {"late": 20_000, "dispute_refund": 10_000}
    assert document["settlement"]["released_to_seller_minor"] == 220_000
    (dispute,) = document["disputes"]
    assert "leaves" not in dispute and dispute["leaf_count"] == 2
    assert dispute["resolution"]["outcome"] == "refund"
    rows = document["certificate_checks"]["certificates"]
    assert [r["check"] for r in rows if r["sha256"] == CERTIFICATE] == ["expired"]


def test_pdf_shows_the_figures_reasons_anchors_and_checks(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    pdf = render_pdf(_report(tmp_path, sessions))
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "Delivery agreement and settlement",
        "2500.00 EUR",  # the price
        "300.00 EUR",  # refunded: 8 % of the price and the 100.00 EUR agreed in the dispute
        "2200.00 EUR",  # released to the seller
        "late",
        "dispute refund",
        "Disputes",
        DISPUTE_ID,
        "Certificates checked at the shipment's dates",
        "EXPIRED",
        "UNREGISTERED",
    ):
        assert expected in text, expected
    runs, rules = layout(pdf)
    assert not crossing(runs, rules) and not overlapping(runs)


def test_a_shipment_without_terms_keeps_its_inputs_hash(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    report = _report(tmp_path, sessions)
    bare = build_report(report.shipment, (), report.readings, report.source)
    again = build_report(report.shipment, (), report.readings, report.source, None)
    assert bare.inputs_sha256 == again.inputs_sha256
    with_terms = build_report(report.shipment, (), report.readings, report.source, report.terms)
    assert with_terms.inputs_sha256 != bare.inputs_sha256
    assert report_dict(bare)["disputes"] == [] and report_dict(bare)["agreement"] is None


def test_money_and_percent_are_exact() -> None:
    assert money(123_456, "EUR") == "1234.56 EUR" and money(5, "USD") == "0.05 USD"
    assert percent(850) == "8.50 %" and percent(10_000) == "100.00 %"
