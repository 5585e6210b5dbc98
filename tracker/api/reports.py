"""Auditor reports over HTTP: the files `tracker report` writes, for the auditor role only.

Reports are read from the read model (what `tracker follow` mirrored), like the command's; each
answer is the file itself, with its media type and a Content-Disposition file name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import Response, request
from flask.typing import ResponseReturnValue

from tracker.api.blueprint import api
from tracker.api.bodies import single_texts
from tracker.api.report_queries import (
    LotReportQuerySchema,
    PeriodReportQuerySchema,
    ShipmentReportQuerySchema,
)
from tracker.api.state import ApiState, api_state, signed_in
from tracker.api.writes import sscc_of
from tracker.errors import ApiError
from tracker.reports import outputs
from tracker.reports.source import ShipmentNotInReadModel

AUDITOR = "auditor"
NOT_FOLLOWED = "(the read model holds what `tracker follow` has mirrored so far)"


def _auditor() -> ApiState:
    """The API state, once the token is known to be an auditor's; else 401 or 403."""
    member = signed_in()
    if member.role != AUDITOR:
        message = (
            f"reports are for the auditor role; {member.msp_id} {member.role} may not read them"
        )
        raise ApiError(403, "AUDITOR_ROLE_REQUIRED", message)
    return api_state()


def _send(made: outputs.ReportFile) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{made.filename}"',
        "Cache-Control": "no-store",  # reports name people and organisations
    }
    return Response(made.content, content_type=made.media_type, headers=headers)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@api.get("/shipments/<sscc>/report")
def shipment_report(sscc: str) -> ResponseReturnValue:
    """A shipment's provenance report: PDF, CSV, JSON or EPCIS 2.0."""
    state = _auditor()
    sscc = sscc_of(sscc)
    query = ShipmentReportQuerySchema().load(single_texts(request.args))
    with state.sessions() as session:
        try:
            made = outputs.shipment_file(
                session, state.settings.channel, sscc, query["format"], datetime.now(UTC)
            )
        except ShipmentNotInReadModel:
            message = f"no shipment {sscc} in the read model {NOT_FOLLOWED}"
            raise ApiError(404, "SHIPMENT_NOT_FOUND", message) from None
    return _send(made)


@api.get("/reports/lot")
def lot_report() -> ResponseReturnValue:
    """The recall trace of a lot (GTIN + lot): CSV, JSON, PDF or EPCIS 2.0."""
    state = _auditor()
    query = LotReportQuerySchema().load(single_texts(request.args))
    with state.sessions() as session:
        try:
            made = outputs.lot_file(
                session,
                state.settings.channel,
                query["gtin"],
                query["lot"],
                query["format"],
                datetime.now(UTC),
            )
        except outputs.LotNotInReadModel as error:
            raise ApiError(404, "LOT_NOT_FOUND", f"{error} {NOT_FOLLOWED}") from None
    return _send(made)


@api.get("/reports/fsma")
def fsma_report() -> ResponseReturnValue:
    """The FSMA 204 sortable spreadsheet of a period (CSV or XLSX), or its EPCIS 2.0 events."""
    state = _auditor()
    query = PeriodReportQuerySchema().load(single_texts(request.args))
    start, end = _midnight(query["start"]), _midnight(query["end"])
    with state.sessions() as session:
        made = outputs.period_file(session, start, end, query["format"], datetime.now(UTC))
    return _send(made)
