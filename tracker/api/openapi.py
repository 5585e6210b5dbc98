"""The OpenAPI 3.1 document of `/api/v1`, generated from the marshmallow schemas.

Component schemas are derived from the schema classes (types, required fields, lengths,
ranges, enums, patterns); the paths are written here as data.
"""

from __future__ import annotations

import functools
from typing import Any

from marshmallow import Schema, fields, validate

import tracker.api.report_queries as rq
import tracker.api.schemas as s
from tracker.api.openapi_terms import COMPONENTS as TERMS_COMPONENTS
from tracker.api.openapi_terms import terms_paths
from tracker.reports.outputs import LOT_FORMATS, MEDIA_TYPES, PERIOD_FORMATS, SHIPMENT_FORMATS

_TYPES: tuple[tuple[type[fields.Field[Any]], dict[str, Any]], ...] = (
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.AwareDateTime, {"type": "string", "format": "date-time"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.String, {"type": "string"}),
    (fields.Dict, {"type": "object"}),
)


def _name(schema: type[Schema]) -> str:
    return schema.__name__.removesuffix("Schema")


def _validators(field: fields.Field[Any], out: dict[str, Any]) -> None:
    array = out.get("type") == "array"
    for rule in field.validators:
        if isinstance(rule, validate.Length):
            lo, hi = ("minItems", "maxItems") if array else ("minLength", "maxLength")
            if rule.min is not None:
                out[lo] = rule.min
            if rule.max is not None:
                out[hi] = rule.max
        elif isinstance(rule, validate.Range):
            if rule.min is not None:
                out["minimum" if rule.min_inclusive else "exclusiveMinimum"] = rule.min
            if rule.max is not None:
                out["maximum" if rule.max_inclusive else "exclusiveMaximum"] = rule.max
        elif isinstance(rule, validate.OneOf):
            out["enum"] = list(rule.choices)
        elif isinstance(rule, validate.Regexp):
            out["pattern"] = rule.regex.pattern
        else:
            out["description"] = "GS1 identifier; the check digit is verified"


def field_schema(field: fields.Field[Any]) -> dict[str, Any]:
    """JSON Schema (2020-12, as OpenAPI 3.1 uses) of one marshmallow field."""
    out: dict[str, Any]
    if isinstance(field, fields.Nested):
        nested = field.schema.__class__
        out = {"$ref": f"#/components/schemas/{_name(nested)}"}
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner)}
    else:
        out = next((dict(t) for cls, t in _TYPES if isinstance(field, cls)), {})
        if isinstance(field, s.LedgerDocument):
            out["description"] = "the chaincode's record as committed (see chaincode/README.md)"
    _validators(field, out)
    if field.allow_none:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def schema_object(schema: type[Schema]) -> dict[str, Any]:
    """JSON Schema of a marshmallow schema (unknown fields are refused, as on load)."""
    instance = schema()
    # Named as on the wire (data_key: `from` is not a Python name).
    properties = {f.data_key or name: field_schema(f) for name, f in instance.fields.items()}
    required = [f.data_key or name for name, f in instance.fields.items() if f.required]
    out: dict[str, Any] = {
        "type": "object",
        "description": (schema.__doc__ or "").strip(),
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


_COMPONENTS: tuple[type[Schema], ...] = (
    s.PlaceSchema,
    s.ReadPointSchema,
    s.ProductSchema,
    s.PartiesSchema,
    s.ColdChainSchema,
    s.CertificateSchema,
    s.CreateShipmentSchema,
    s.CheckpointSchema,
    s.ExceptionSchema,
    s.CommittedSchema,
    s.QueuedSchema,
    s.ScanStateSchema,
    s.ProvenanceSchema,
    s.ShipmentListSchema,
    s.UsedPlaceSchema,
    s.PlaceListSchema,
    s.ErrorDetailSchema,
    s.ErrorSchema,
    *TERMS_COMPONENTS,
)
_ERRORS = {
    "401": "missing, unknown, revoked (UNAUTHORIZED) or expired (TOKEN_EXPIRED) token",
    "403": "FORBIDDEN: the person's organisation and role may not do this",
    "404": "SHIPMENT_NOT_FOUND (or another unknown resource)",
    "409": "INVALID_TRANSITION, SHIPMENT_EXISTS, SCAN_ID_CONFLICT, COMMIT_INVALID",
    "413": "PAYLOAD_TOO_LARGE: body above the upload limit",
    "415": "UNSUPPORTED_MEDIA_TYPE: JSON bodies must be application/json, uploads multipart",
    "422": "INVALID_ARGUMENT / INVALID_SSCC, naming the field",
    "429": "TOO_MANY_FAILED_SIGN_INS: this address sent too many bad tokens; the token was "
    "not checked: wait the Retry-After header's seconds",
    "503": "LEDGER_UNAVAILABLE: not acknowledged (not recorded, not queued)",
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*codes: str) -> dict[str, Any]:
    if "401" in codes:  # whatever takes a token may answer 429 (tracker.api.throttle)
        codes = (*codes, "429")
    return {code: _json("Error", _ERRORS[code]) for code in sorted(set(codes))}


def _write(summary: str, body: dict[str, Any], *extra: str) -> dict[str, Any]:
    responses = {
        "201": _json("Committed", "committed: tx id, block number and resulting state"),
        "202": _json(
            "Queued",
            "the ledger cannot take it now (peer unreachable, endorsing peers or chaincode "
            "down): queued durably, submitted later",
        ),
        **_errors("401", "403", "404", "409", "415", "422", "503", *extra),
    }
    return {"post": {"summary": summary, "requestBody": body, "responses": responses}}


def _upload(form_schema: type[Schema], file_field: str, media: str) -> dict[str, Any]:
    form = schema_object(form_schema)
    form["properties"][file_field] = {"type": "string", "contentMediaType": media}
    form["required"] = [*form.get("required", []), file_field]
    return {"required": True, "content": {"multipart/form-data": {"schema": form}}}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


_SSCC = {
    "name": "sscc",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "18-digit SSCC, optionally with (00) and spaces; check digit verified",
}


def _paths() -> dict[str, Any]:
    query = schema_object(s.ListQuerySchema)["properties"]
    listing = [{"name": n, "in": "query", "schema": q} for n, q in query.items()]
    scan_id = {
        "name": "client_scan_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    sha = {"name": "sha256", "in": "path", "required": True, "schema": {"type": "string"}}
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "/shipments": {
            **_write("Register a shipment (producer dispatcher)", _body("CreateShipment")),
            "get": {
                "summary": "List shipments (read model when followed, else the ledger)",
                "parameters": listing,
                "responses": {
                    "200": _json("ShipmentList", "a page"),
                    **_errors("401", "403", "422", "503"),
                },
            },
        },
        "/shipments/{sscc}": {
            "parameters": [_SSCC],
            "get": {
                "summary": "A shipment with its provenance, from the ledger",
                "responses": {
                    "200": _json("Provenance", "shipment and checkpoints"),
                    **_errors("401", "403", "404", "422", "503"),
                },
            },
        },
        "/shipments/{sscc}/checkpoints": {
            "parameters": [_SSCC],
            **_write("Record a custody scan", _body("Checkpoint")),
        },
        "/shipments/{sscc}/temperatures": {
            "parameters": [_SSCC],
            **_write(
                "Upload a logger file (CSV time,celsius or JSON readings)",
                _upload(s.TemperatureFormSchema, "file", "text/csv"),
                "413",
            ),
        },
        "/shipments/{sscc}/delivery": {
            "parameters": [_SSCC],
            **_write(
                "Confirm delivery with a photo",
                _upload(s.DeliveryFormSchema, "photo", "image/jpeg"),
                "413",
            ),
        },
        "/shipments/{sscc}/exceptions": {
            "parameters": [_SSCC],
            **_write("Report a problem", _body("Exception")),
        },
        "/places": {
            "get": {
                "summary": "Places (read points) recently scanned on shipments the caller's "
                "organisation is party to (every shipment for auditors and admins), newest "
                "first, one per GLN, from the read model (empty until it is followed); the "
                "scan page offers them",
                "parameters": _query(s.PlacesQuerySchema),
                "responses": {
                    "200": _json("PlaceList", "the places"),
                    **_errors("401", "422"),
                },
            },
        },
        "/scans/{client_scan_id}": {
            "parameters": [scan_id],
            "get": {
                "summary": "State of a scan sent here",
                "responses": {
                    "200": _json("ScanState", "pending, committed or rejected"),
                    **_errors("401", "404"),
                },
            },
        },
        "/evidence/{sha256}": {
            "parameters": [sha],
            "get": {
                "summary": "Off-chain evidence by its SHA-256",
                "responses": {
                    "200": {"description": "the stored bytes", "content": {"*/*": {}}},
                    **_errors("401", "403", "404", "422", "503"),
                },
            },
        },
        **_report_paths(),
        **terms_paths({"json": _json, "errors": _errors, "body": _body, "query": _query}, _SSCC),
        "/me": {"get": {"summary": "The token's staff member", "responses": {"200": ok}}},
        "/openapi.json": {
            "get": {"summary": "This document", "security": [], "responses": {"200": ok}}
        },
    }


def _query(schema: type[Schema]) -> list[dict[str, Any]]:
    """Query parameters from a query schema, with their defaults."""
    described = schema_object(schema)
    fields_by_name = {f.data_key or n: f for n, f in schema().fields.items()}
    found = []
    for name, sub in described["properties"].items():
        default = fields_by_name[name].load_default
        if isinstance(default, str):
            sub = {**sub, "default": default}
        required = name in described.get("required", ())
        found.append({"name": name, "in": "query", "required": required, "schema": sub})
    return found


def _report(
    summary: str, query: type[Schema], formats: tuple[str, ...], missing: str | None
) -> dict[str, Any]:
    """A report download: the file in one of the formats, or an error."""
    media = [MEDIA_TYPES[f].split(";")[0] for f in formats]
    content = {m: {"schema": {"type": "object" if "json" in m else "string"}} for m in media}
    errors = {
        "401": _ERRORS["401"],
        "429": _ERRORS["429"],
        "403": "AUDITOR_ROLE_REQUIRED: reports are for the auditor role only",
        "404": f"{missing}: not in the read model (yet)" if missing else None,
        "422": "INVALID_ARGUMENT / INVALID_SSCC, naming the field",
    }
    described = f"the report file ({', '.join(formats)}); Content-Disposition names it"
    responses = {
        "200": {"description": described, "content": content},
        **{code: _json("Error", text) for code, text in errors.items() if text},
    }
    return {"get": {"summary": summary, "parameters": _query(query), "responses": responses}}


def _report_paths() -> dict[str, Any]:
    shipment = _report(
        "Provenance report of a shipment (auditor role)",
        rq.ShipmentReportQuerySchema,
        SHIPMENT_FORMATS,
        "SHIPMENT_NOT_FOUND",
    )
    lot = _report(
        "Recall trace of a lot (auditor role)",
        rq.LotReportQuerySchema,
        LOT_FORMATS,
        "LOT_NOT_FOUND",
    )
    period = _report(
        "FSMA 204 sortable spreadsheet of the events from `from` to `to` (excluded; auditor role)",
        rq.PeriodReportQuerySchema,
        PERIOD_FORMATS,
        None,
    )
    return {
        "/shipments/{sscc}/report": {"parameters": [_SSCC], **shipment},
        "/reports/lot": lot,
        "/reports/fsma": period,
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Provenance tracker staff API",
            "version": "1.0.0",
            "description": "Writes answer once committed on the ledger (tx id, block number) "
            "or, when the ledger cannot take them now, once queued durably (202).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "schemas": {_name(c): schema_object(c) for c in _COMPONENTS},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
