"""Hostile input: schemathesis drives every /api/v1 operation of the OpenAPI document against
the running tracker over real HTTP; no input may produce a server error (5xx other than the
documented 503 for an unreachable ledger, which the simulated peer never is here)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from tests.api.api_stack import ApiStack


@pytest.fixture
def api_schema(stack: ApiStack) -> Any:
    """The API's own OpenAPI document, as the running app serves it."""
    document = stack.http.get(f"{stack.url}/api/v1/openapi.json").json()
    # Both schema-valid and deliberately invalid input (wrong types, missing fields, junk).
    config = SchemathesisConfig.from_dict({"generation": {"mode": "all"}})
    return schemathesis.openapi.from_dict(document, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_a_server_error(case: Any, stack: ApiStack) -> None:
    headers = {"Authorization": f"Bearer {stack.tokens['scanner']}"}
    response = case.call(base_url=f"{stack.url}/api/v1", headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
