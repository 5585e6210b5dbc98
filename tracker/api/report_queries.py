"""Query strings of the auditor report endpoints, as marshmallow schemas (OpenAPI comes from them).

Formats and their defaults are those of `tracker report`, from `tracker.reports.outputs`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

import gs1
from tracker.reports.outputs import LOT_FORMATS, PERIOD_FORMATS, SHIPMENT_FORMATS


def _gtin(value: str) -> None:
    try:
        gs1.validate_gtin14(value)
    except gs1.InvalidIdentifier as error:
        raise ValidationError(str(error)) from None


class ShipmentReportQuerySchema(Schema):
    """GET /shipments/{sscc}/report query."""

    format = fields.String(load_default="pdf", validate=validate.OneOf(SHIPMENT_FORMATS))


class LotReportQuerySchema(Schema):
    """GET /reports/lot query: the lot (GTIN + batch/lot number) to trace."""

    gtin = fields.String(required=True, validate=_gtin)
    lot = fields.String(required=True, validate=validate.Length(min=1, max=20))
    format = fields.String(load_default="csv", validate=validate.OneOf(LOT_FORMATS))

    @post_load
    def compact(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The GTIN without the spaces a printed one may carry."""
        return {**data, "gtin": gs1.validate_gtin14(data["gtin"])}


class PeriodReportQuerySchema(Schema):
    """GET /reports/fsma query: device event times from `from` (included) to `to` (excluded)."""

    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")
    format = fields.String(load_default="csv", validate=validate.OneOf(PERIOD_FORMATS))

    @validates_schema
    def ordered(self, data: dict[str, Any], **_: Any) -> None:
        """An empty or reversed period is a mistake, not an empty report."""
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("must be a later date than from", field_name="to")
