"""Auditor reports over real HTTP: the tracker served for real in front of a SimulatedPeer (FAKE
peer running the real chaincode), the read model filled by the real Follower, then each report
format fetched as the auditor and checked against the ledger's transactions and blocks."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped]  # no stubs
import pytest
from pypdf import PdfReader

from tests.api.api_stack import ApiStack, checkpoint_body, create_body, new_sscc, scan_id
from tracker.reports.epcis import EPCIS_CONTEXT, sscc_to_epc_uri

GTIN, LOT = "04006381333931", "LOT-1"
LOGGER = b"time,celsius\n2030-03-01T08:00:00Z,4.0\n2030-03-01T08:30:00Z,5.5\n"
DAY = {"from": "2030-03-01", "to": "2030-03-02"}  # the checkpoints' event day (UTC)


@dataclass(frozen=True)
class Traced:
    """A followed shipment and the (tx id, block number) of each of its writes, in order."""

    sscc: str
    writes: list[tuple[str, int]]


def _write(response: httpx.Response) -> tuple[str, int]:
    assert response.status_code == 201, response.text
    body = response.json()
    return body["tx_id"], body["block_number"]


def travel(stack: ApiStack, lot: str = LOT) -> Traced:
    """Created, shipped, a logger batch, received: four transactions on the ledger."""
    sscc = new_sscc()
    body = create_body(sscc)
    body["product"]["lot"] = lot
    path = f"/shipments/{sscc}"
    form, upload = {"client_scan_id": scan_id()}, {"file": ("log.csv", LOGGER, "text/csv")}
    received = checkpoint_body("receiving", event_time="2030-03-01T15:00:00+01:00")
    answers = [
        stack.post("dispatcher", "/shipments", json=body),
        stack.post("scanner", path + "/checkpoints", json=checkpoint_body("shipping")),
        stack.post("scanner", path + "/temperatures", data=form, files=upload),
        stack.post("scanner", path + "/checkpoints", json=received),
    ]
    writes = [_write(answer) for answer in answers]
    return Traced(sscc, writes)


@pytest.fixture
def traced(stack: ApiStack) -> Traced:
    """One shipment's journey, mirrored into the read model by the real Follower."""
    found = travel(stack)
    assert stack.follow() == len(stack.peer.ledger.blocks)
    return found


def report(stack: ApiStack, path: str, who: str = "auditor", **params: str) -> httpx.Response:
    """GET a report as `who`."""
    return stack.get(who, path, params=params)


def assert_file(response: httpx.Response, media_type: str, filename: str) -> None:
    """A 200 file answer with that media type and download name."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{filename}"'


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The API's one error body, with the expected status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


def test_shipment_report_csv_and_json_carry_the_ledger_events(
    stack: ApiStack, traced: Traced
) -> None:
    path = f"/shipments/{traced.sscc}/report"
    as_json = report(stack, path, format="json")
    assert_file(as_json, "application/json", f"shipment-{traced.sscc}.json")
    document = as_json.json()
    events = [(e["tx_id"], e["block_number"]) for e in document["events"]]
    assert events == traced.writes  # creation, then each checkpoint, with its own block
    assert [e["event"] for e in document["events"]] == ["shipment_created"] + ["checkpoint"] * 3
    assert {e["validation_code"] for e in document["events"]} == {"VALID"}
    assert document["shipment"]["sscc"] == traced.sscc
    as_csv = report(stack, path, format="csv")
    assert_file(as_csv, "text/csv", f"shipment-{traced.sscc}.csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["tx_id"], int(r["block_number"])) for r in rows] == traced.writes
    assert {r["sscc"] for r in rows} == {traced.sscc}
    assert {r["inputs_sha256"] for r in rows} == {document["source"]["inputs_sha256"]}


def test_shipment_report_pdf_names_the_shipment(stack: ApiStack, traced: Traced) -> None:
    response = report(stack, f"/shipments/{traced.sscc}/report")  # PDF is the default
    assert_file(response, "application/pdf", f"shipment-{traced.sscc}.pdf")
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert traced.sscc in text.replace(" ", "")
    assert traced.writes[-1][0][:16] in text.replace(" ", "").replace("\n", "")


def test_shipment_report_epcis_is_an_epcis_document(stack: ApiStack, traced: Traced) -> None:
    response = report(stack, f"/shipments/{traced.sscc}/report", format="epcis")
    assert_file(response, "application/ld+json", f"shipment-{traced.sscc}.epcis.jsonld")
    document = response.json()
    assert document["type"] == "EPCISDocument" and document["schemaVersion"] == "2.0"
    assert document["@context"] == [EPCIS_CONTEXT]
    events = document["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["shipping", "sensor_reporting", "receiving"]
    assert {tuple(e["epcList"]) for e in events} == {(sscc_to_epc_uri(traced.sscc),)}
    assert all(e["type"] == "ObjectEvent" and e["eventID"].startswith("ni:///") for e in events)


def test_http_and_command_line_give_the_same_report(stack: ApiStack, traced: Traced) -> None:
    url = str(stack.sessions.kw["bind"].url)
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    for fmt in ("json", "csv"):
        command = [sys.executable, "-m", "tracker.cli", "report", "shipment", traced.sscc]
        cli = subprocess.run(
            [*command, "--format", fmt], env=env, capture_output=True, timeout=120, check=False
        )
        assert cli.returncode == 0, cli.stderr
        assert report(stack, f"/shipments/{traced.sscc}/report", format=fmt).content == cli.stdout


def test_lot_report_traces_every_shipment_of_the_lot(stack: ApiStack) -> None:
    first, second = travel(stack), travel(stack)
    other = travel(stack, lot="LOT-2")
    stack.follow()
    as_json = report(stack, "/reports/lot", gtin=GTIN, lot=LOT, format="json")
    assert_file(as_json, "application/json", f"lot-{GTIN}-{LOT}.json")
    trace = as_json.json()
    assert [s["sscc"] for s in trace["shipments"]] == sorted([first.sscc, second.sscc])
    steps = {(r["sscc"], r["tx_id"], r["block_number"]) for r in trace["rows"]}
    expected = {(t.sscc, tx, block) for t in (first, second) for tx, block in t.writes}
    assert steps == expected and other.sscc not in {s for s, _, _ in steps}
    as_csv = report(stack, "/reports/lot", gtin="0 4006381 33393 1", lot=LOT)  # CSV default
    assert_file(as_csv, "text/csv", f"lot-{GTIN}-{LOT}.csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {(r["sscc"], r["tx_id"], int(r["block_number"])) for r in rows} == expected
    as_pdf = report(stack, "/reports/lot", gtin=GTIN, lot=LOT, format="pdf")
    assert_file(as_pdf, "application/pdf", f"lot-{GTIN}-{LOT}.pdf")
    assert as_pdf.content.startswith(b"%PDF")
    as_epcis = report(stack, "/reports/lot", gtin=GTIN, lot=LOT, format="epcis")
    assert_file(as_epcis, "application/ld+json", f"lot-{GTIN}-{LOT}.epcis.jsonld")
    epcs = {e["epcList"][0] for e in as_epcis.json()["epcisBody"]["eventList"]}
    assert epcs == {sscc_to_epc_uri(first.sscc), sscc_to_epc_uri(second.sscc)}


def test_fsma_report_lists_shipping_and_receiving_of_the_period(
    stack: ApiStack, traced: Traced
) -> None:
    as_csv = report(stack, "/reports/fsma", **DAY)
    assert_file(as_csv, "text/csv", "fsma204-2030-03-01-2030-03-02.csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["Critical Tracking Event"] for r in rows] == ["Shipping", "Receiving"]
    shipped, received = traced.writes[1], traced.writes[3]
    assert [(r["Reference Document Number"], int(r["Block Number"])) for r in rows] == [
        shipped,
        received,
    ]
    as_xlsx = report(stack, "/reports/fsma", **DAY, format="xlsx")
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert_file(as_xlsx, media, "fsma204-2030-03-01-2030-03-02.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [dict(zip(header, v, strict=True))["SSCC"] for v in values] == [traced.sscc] * 2
    as_epcis = report(stack, "/reports/fsma", **DAY, format="epcis")
    assert_file(as_epcis, "application/ld+json", "fsma204-2030-03-01-2030-03-02.epcis.jsonld")
    assert len(as_epcis.json()["epcisBody"]["eventList"]) == 3
    later = report(stack, "/reports/fsma", **{"from": "2030-03-02", "to": "2030-03-03"})
    assert list(csv.DictReader(io.StringIO(later.text))) == []


@pytest.mark.parametrize("who", ["dispatcher", "scanner", "receiver", "outsider"])
def test_only_auditors_get_reports(stack: ApiStack, traced: Traced, who: str) -> None:
    for path, params in (
        (f"/shipments/{traced.sscc}/report", {"format": "json"}),
        ("/reports/lot", {"gtin": GTIN, "lot": LOT}),
        ("/reports/fsma", DAY),
    ):
        error = error_of(report(stack, path, who, **params), 403, "AUDITOR_ROLE_REQUIRED")
        assert "auditor role" in error["message"]
        error_of(stack.get(None, path, params=params), 401, "UNAUTHORIZED")


def test_bad_input_is_refused_naming_the_problem(stack: ApiStack, traced: Traced) -> None:
    wrong_digit = traced.sscc[:-1] + str((int(traced.sscc[-1]) + 1) % 10)
    error = error_of(report(stack, f"/shipments/{wrong_digit}/report"), 422, "INVALID_SSCC")
    assert error["field"] == "sscc" and "check digit" in error["message"]
    unknown = error_of(report(stack, f"/shipments/{new_sscc()}/report"), 404, "SHIPMENT_NOT_FOUND")
    assert "read model" in unknown["message"]
    path = f"/shipments/{traced.sscc}/report"
    assert (
        error_of(report(stack, path, format="xlsx"), 422, "INVALID_ARGUMENT")["field"] == "format"
    )
    assert error_of(report(stack, path, colour="red"), 422, "INVALID_ARGUMENT")["field"] == "colour"
    gtin = error_of(
        report(stack, "/reports/lot", gtin="04006381333932", lot=LOT), 422, "INVALID_ARGUMENT"
    )
    assert gtin["field"] == "gtin" and "check digit" in gtin["message"]
    assert (
        error_of(report(stack, "/reports/lot", gtin=GTIN), 422, "INVALID_ARGUMENT")["field"]
        == "lot"
    )
    error_of(report(stack, "/reports/lot", gtin=GTIN, lot="LOT-9"), 404, "LOT_NOT_FOUND")
    for dates, field in (
        ({"from": "2030-02-30", "to": "2030-03-02"}, "from"),
        ({"from": "2030-03-01", "to": "tomorrow"}, "to"),
        ({"from": "2030-03-02", "to": "2030-03-02"}, "to"),
        ({"to": "2030-03-02"}, "from"),
    ):
        error = error_of(report(stack, "/reports/fsma", **dates), 422, "INVALID_ARGUMENT")
        assert error["field"] == field, error
    bad_format = report(stack, "/reports/fsma", **DAY, format="pdf")
    assert error_of(bad_format, 422, "INVALID_ARGUMENT")["field"] == "format"
