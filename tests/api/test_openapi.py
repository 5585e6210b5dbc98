"""The OpenAPI 3.1 document validates and lists every /api/v1 route.

openapi-spec-validator is not in the venv, so the structure is checked with jsonschema
against the minimal OpenAPI 3.1 schema below, and every component with the 2020-12 metaschema.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs
from flask import Flask

from tests.api.api_stack import ApiStack

OPERATION = {
    "type": "object",
    "required": ["responses"],
    "properties": {
        "summary": {"type": "string"},
        "parameters": {"type": "array", "items": {"$ref": "#/$defs/parameter"}},
        "requestBody": {
            "type": "object",
            "required": ["content"],
            "properties": {"content": {"type": "object", "minProperties": 1}},
        },
        "responses": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^([1-5][0-9]{2}|default)$"},
            "additionalProperties": {"type": "object", "required": ["description"]},
        },
        "security": {"type": "array"},
    },
}
OPENAPI_31_MINIMAL = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {
        "openapi": {"type": "string", "pattern": "^3\\.1\\.\\d+$"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
        },
        "servers": {"type": "array", "items": {"type": "object", "required": ["url"]}},
        "paths": {
            "type": "object",
            "propertyNames": {"pattern": "^/"},
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "parameters": {"type": "array", "items": {"$ref": "#/$defs/parameter"}},
                    **{m: {"$ref": "#/$defs/operation"} for m in ("get", "post", "put", "delete")},
                },
                "additionalProperties": False,
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "schemas": {"type": "object"},
                "securitySchemes": {"type": "object"},
            },
        },
    },
    "$defs": {
        "operation": OPERATION,
        "parameter": {
            "type": "object",
            "required": ["name", "in", "schema"],
            "properties": {"in": {"enum": ["path", "query", "header", "cookie"]}},
        },
    },
}


def refs(node: Any) -> list[str]:
    """Every $ref in the document."""
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_openapi_document_validates_and_lists_every_route(stack: ApiStack) -> None:
    response = stack.get(None, "/openapi.json")
    assert response.status_code == 200
    document = response.json()
    jsonschema.validate(document, OPENAPI_31_MINIMAL)
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)  # raises naming the problem
    for ref in refs(document):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in document["components"]["schemas"], ref
    app = stack.running.server.app
    assert isinstance(app, Flask)  # what start_stack serves; the server types it as any WSGI app
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods or ()
        if method in {"GET", "POST"}
    }
    documented = {
        (path, m) for path, item in document["paths"].items() for m in item if m != "parameters"
    }
    assert routes == documented
    for path, item in document["paths"].items():
        for name in re.findall(r"{(\w+)}", path):
            assert any(p["name"] == name for p in item.get("parameters", [])), path


def test_component_schemas_accept_real_bodies(stack: ApiStack) -> None:
    from tests.api.api_stack import checkpoint_body, create_body, new_sscc

    schemas = stack.get(None, "/openapi.json").json()["components"]["schemas"]
    registry = {"components": {"schemas": schemas}}

    def check(instance: Any, name: str) -> None:
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", **registry}
        )
        validator.validate(instance)

    check(create_body(new_sscc()), "CreateShipment")
    check(checkpoint_body("departing"), "Checkpoint")
    sscc = stack.created()
    answer = stack.post(
        "scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("departing")
    )
    check(answer.json(), "Committed")
    check(stack.get(None, "/shipments").json(), "Error")
