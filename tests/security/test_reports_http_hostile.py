"""The attack end to end, over real HTTP: a dispatcher and a scanner write formulas and markup
through the staff API (the real chaincode takes them: it is legal text), and the auditor's
report downloads carry them as inert text. SimulatedPeer (FAKE, not Fabric)."""

from __future__ import annotations

import csv
import io

import openpyxl  # type: ignore[import-untyped]  # no stubs

from tests.api.api_stack import ApiStack, checkpoint_body, create_body, new_sscc
from tests.security.hostile_text import (
    ANGLE_LOT,
    DESCRIPTION,
    FARM,
    GTIN,
    HUB_NAME,
    LINK_LOT,
    NOTES,
)
from tests.security.test_pdf_markup import links, text_of

DAY = {"from": "2030-03-01", "to": "2030-03-02"}  # the checkpoints' event day (UTC)
HOSTILE_HUB = {"gln": "0614141000029", "name": HUB_NAME}


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def ship(stack: ApiStack, lot: str) -> str:
    """Created and shipped from a hub named like a formula, with a formula as notes."""
    sscc = new_sscc()
    body = create_body(sscc)
    body["product"] = {"gtin": GTIN, "lot": lot, "description": DESCRIPTION}
    body["origin"] = {"gln": "0614141000012", "name": FARM}
    shipped = checkpoint_body("shipping", read_point=HOSTILE_HUB, notes=NOTES)
    for who, path, json in (
        ("dispatcher", "/shipments", body),
        ("scanner", f"/shipments/{sscc}/checkpoints", shipped),
    ):
        response = stack.post(who, path, json=json)
        assert response.status_code == 201, response.text
    return sscc


def test_hostile_text_reaches_the_reports_inert(stack: ApiStack) -> None:
    angle, link = ship(stack, ANGLE_LOT), ship(stack, LINK_LOT)
    stack.follow()
    for lot, sscc in ((ANGLE_LOT, angle), (LINK_LOT, link)):
        query = {"gtin": GTIN, "lot": lot, "format": "pdf"}
        pdf = stack.get("auditor", "/reports/lot", params=query)
        assert pdf.status_code == 200, pdf.text  # 500 for A<B before
        assert links(pdf.content) == []  # a live link for <a href=…> before
        assert f"lot {lot}" in text_of(pdf.content) and sscc in text_of(pdf.content)
    xlsx = stack.get("auditor", "/reports/fsma", params={**DAY, "format": "xlsx"})
    assert xlsx.status_code == 200, xlsx.text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    column = header.index("Product Description") + 1
    cells = [sheet.cell(row, column) for row in range(2, sheet.max_row + 1)]
    assert len(cells) == 2
    assert all(c.data_type == "s" and c.value == "'" + DESCRIPTION for c in cells)
    for path, params in (
        ("/reports/fsma", DAY),
        ("/reports/lot", {"gtin": GTIN, "lot": ANGLE_LOT}),
        (f"/shipments/{angle}/report", {"format": "csv"}),
    ):
        answer = stack.get("auditor", path, params=params)
        assert answer.status_code == 200, answer.text
        cells = [c for row in csv.reader(io.StringIO(answer.text)) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
        assert not [c for c in cells if c.startswith("-") and not is_number(c)]
        assert any(c.startswith("'") for c in cells)
