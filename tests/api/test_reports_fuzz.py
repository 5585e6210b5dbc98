"""Hostile input on the report operations as the auditor (test_fuzz.py signs in as a scanner,
whom every report refuses with 403 before reading the query): schemathesis generates valid and
invalid queries and paths against a followed read model over real HTTP; no input may make a
server error."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from tests.api.api_stack import ApiStack, checkpoint_body


@pytest.fixture
def report_schema(stack: ApiStack) -> Any:
    """The served OpenAPI document, narrowed to the report operations."""
    sscc = stack.created()
    stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=checkpoint_body("shipping"))
    stack.follow()  # a read model with one shipment, so valid queries reach the renderers
    document = stack.http.get(f"{stack.url}/api/v1/openapi.json").json()
    config = SchemathesisConfig.from_dict({"generation": {"mode": "all"}})
    return schemathesis.openapi.from_dict(document, config=config)


# Filtered here: a lazy schema takes its operations from its own filters, not the fixture's.
schema = schemathesis.pytest.from_fixture("report_schema").include(path_regex="/report")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_report_query_makes_a_server_error(case: Any, stack: ApiStack) -> None:
    headers = {"Authorization": f"Bearer {stack.tokens['auditor']}"}
    response = case.call(base_url=f"{stack.url}/api/v1", headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
