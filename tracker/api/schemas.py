"""Marshmallow schemas of the staff API: request bodies, form fields and answers.

Requests load into the facade's frozen request types (`post_load`); the OpenAPI document is
generated from these same schemas (`openapi.py`), so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

import gs1
from records import BIZ_STEPS, DISPOSITIONS, Status
from tracker.ledger.facade_values import ColdChain, Place, ReadPoint

# RecordCheckpoint's CBV bizSteps (RecordTemperatures records sensor_reporting; the chaincode
# checks them again).
CHECKPOINT_STEPS = tuple(step for step in BIZ_STEPS if step != "sensor_reporting")
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="must be a lowercase hex SHA-256")
STATUSES_ALL = tuple(status.value for status in Status)
STATUSES = tuple(status for status in STATUSES_ALL if status != Status.RETURNED)


def _gs1(check: Any) -> Any:
    def run(value: str) -> None:
        try:
            check(value)
        except gs1.InvalidIdentifier as error:
            raise ValidationError(str(error)) from None

    return run


def _text(max_len: int = 200, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_len), **kwargs)


class UtcDateTime(fields.AwareDateTime):
    """An ISO-8601 time with a UTC offset that also exists in UTC (the ledger's form)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)  # 9999-12-31T23:00:00-05:00 has no UTC form
        except OverflowError:
            raise ValidationError("is out of range once converted to UTC") from None


class PlaceSchema(Schema):
    """A GS1 location."""

    gln = fields.String(required=True, validate=_gs1(gs1.validate_gln))
    name = _text(required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> Place:
        """As a facade value."""
        return Place(**data)


class ReadPointSchema(PlaceSchema):
    """Where a scan happened."""

    lat = fields.Float(validate=validate.Range(-90, 90), allow_nan=False)
    lon = fields.Float(validate=validate.Range(-180, 180), allow_nan=False)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ReadPoint:
        """As a facade value."""
        return ReadPoint(**data)


class ProductSchema(Schema):
    """What is shipped."""

    gtin = fields.String(required=True, validate=_gs1(gs1.validate_gtin14))
    lot = _text(20, required=True)
    description = _text(load_default="")


class PartiesSchema(Schema):
    """The MSP ids of producer, carrier and retailer."""

    producer = _text(64, required=True)
    carrier = _text(64, required=True)
    retailer = _text(64, required=True)


class ColdChainSchema(Schema):
    """Temperature limits."""

    min_c = fields.Float(required=True, allow_nan=False)
    max_c = fields.Float(required=True, allow_nan=False)
    allowed_minutes_outside = fields.Float(required=True, validate=validate.Range(min=0))
    mkt_limit_c = fields.Float(allow_nan=False)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ColdChain:
        """As a facade value."""
        return ColdChain(**data)


class CertificateSchema(Schema):
    """A document attached at creation."""

    type = _text(64, required=True)
    sha256 = fields.String(required=True, validate=SHA256)


class CreateShipmentSchema(Schema):
    """POST /shipments body."""

    sscc = fields.String(required=True)
    client_scan_id = _text(100)
    product = fields.Nested(ProductSchema, required=True)
    quantity = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    unit = _text(20, required=True)
    origin = fields.Nested(PlaceSchema, required=True)
    destination = fields.Nested(PlaceSchema, required=True)
    parties = fields.Nested(PartiesSchema, required=True)
    cold_chain = fields.Nested(ColdChainSchema, required=True)
    promised_delivery = UtcDateTime(required=True)
    certificates = fields.List(fields.Nested(CertificateSchema), validate=validate.Length(max=20))
    # A delivery agreement proposed with the shipment (tracker/api/terms_schemas.py); by
    # name: that module builds on this one.
    agreement = fields.Nested("AgreementTermsSchema")


class ScanFieldsSchema(Schema):
    """Fields every scan shares."""

    client_scan_id = _text(100, required=True)
    event_time = UtcDateTime()
    disposition = fields.String(validate=validate.OneOf(DISPOSITIONS))
    evidence = fields.List(fields.String(validate=SHA256), validate=validate.Length(max=20))
    notes = _text(1000)


class CheckpointSchema(ScanFieldsSchema):
    """POST /shipments/{sscc}/checkpoints body."""

    biz_step = fields.String(required=True, validate=validate.OneOf(CHECKPOINT_STEPS))
    read_point = fields.Nested(ReadPointSchema, required=True)


class ExceptionSchema(ScanFieldsSchema):
    """POST /shipments/{sscc}/exceptions body."""

    reason = _text(1000, required=True)
    biz_step = fields.String(validate=validate.OneOf(CHECKPOINT_STEPS))
    read_point = fields.Nested(ReadPointSchema)


class UploadFormSchema(Schema):
    """Form fields sent beside an uploaded file (multipart/form-data)."""

    client_scan_id = _text(100, required=True)
    event_time = UtcDateTime()
    notes = _text(1000)
    device_id = _text(100)
    read_point_gln = fields.String(validate=_gs1(gs1.validate_gln))
    read_point_name = _text()


class TemperatureFormSchema(UploadFormSchema):
    """Fields beside a logger file; its event time is its last reading, so none is taken."""

    class Meta:
        """Fields refused (422 unknown field) rather than silently dropped."""

        exclude = ("event_time",)


class DeliveryFormSchema(UploadFormSchema):
    """Fields beside a proof-of-delivery photo; a delivery records no logger device."""

    class Meta:
        """Fields refused (422 unknown field) rather than silently dropped."""

        exclude = ("device_id",)


class ListQuerySchema(Schema):
    """GET /shipments query."""

    party = _text(64)
    status = fields.String(validate=validate.OneOf(STATUSES_ALL))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    bookmark = _text(1000)


class PlacesQuerySchema(Schema):
    """GET /places query."""

    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


# Answers (used for the OpenAPI document; the ledger documents are passed through as-is).


class LedgerDocument(fields.Dict):
    """A chaincode record (Shipment or Checkpoint) exactly as the ledger holds it."""


class CommittedSchema(Schema):
    """A write committed on the ledger."""

    tx_id = fields.String(required=True)
    # null only when a repeated scan's original block is not known here yet
    block_number = fields.Integer(required=True, allow_none=True)
    client_scan_id = fields.String(required=True)
    shipment = LedgerDocument(required=True)
    checkpoint = LedgerDocument(allow_none=True, required=True)
    # a delivery under an accepted agreement: the settlement written with it
    settlement = LedgerDocument()
    # the shipment page's path with its link token (opens the whole page)
    page = fields.String()


class QueuedSchema(Schema):
    """A write the ledger could not take now, queued durably; it will be submitted later."""

    queue_id = fields.Integer(required=True)
    client_scan_id = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("pending",)))
    message = fields.String(required=True)


class ScanStateSchema(Schema):
    """What became of a scan sent to this tracker."""

    client_scan_id = fields.String(required=True)
    state = fields.String(
        required=True, validate=validate.OneOf(("pending", "committed", "rejected"))
    )
    queue_id = fields.Integer(required=True)
    attempts = fields.Integer(required=True)
    answer = fields.Dict(allow_none=True, required=True)
    page = fields.String()  # once committed: the shipment page's path with its link token


class ProvenanceSchema(Schema):
    """A shipment with its checkpoints."""

    shipment = LedgerDocument(required=True)
    checkpoints = fields.List(LedgerDocument(), required=True)


class ShipmentListSchema(Schema):
    """One page of shipments."""

    shipments = fields.List(LedgerDocument(), required=True)
    bookmark = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(("read_model", "ledger")))


class UsedPlaceSchema(Schema):
    """A read point scanned before, as its latest checkpoint there named it."""

    gln = fields.String(required=True)
    name = fields.String(required=True)
    last_event_time = fields.String(required=True)


class PlaceListSchema(Schema):
    """Read points of recent checkpoints, newest first, one per GLN."""

    places = fields.List(fields.Nested(UsedPlaceSchema), required=True)


class ErrorDetailSchema(Schema):
    """The inside of every error answer."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    tx_id = fields.String()
    field = fields.String()


class ErrorSchema(Schema):
    """Every error answer."""

    error = fields.Nested(ErrorDetailSchema, required=True)
