"""Session-wide real HTTP servers: the WhatsApp sandbox and a receiver playing the tracker.

Both run with werkzeug's `make_server` on free 127.0.0.1 ports in daemon threads, so every
WhatsApp test goes through real HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.support.sandbox_server import (
    RunningSandbox,
    WebhookRecorder,
    start_recorder,
    start_sandbox,
)
from tracker.sandbox import SandboxConfig
from tracker.whatsapp.cloud_api import CloudApiConfig, CloudApiProvider

ACCESS_TOKEN = "test-access-token"
APP_SECRET = "test-app-secret"
PHONE_NUMBER_ID = "106540352242922"


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookRecorder]:
    """A real HTTP endpoint recording signed webhook deliveries."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request access lines
    recorder = start_recorder()
    yield recorder
    recorder.stop()


@pytest.fixture(scope="session")
def sandbox_server(receiver: WebhookRecorder) -> Iterator[RunningSandbox]:
    """The sandbox as a real HTTP server, once per session."""
    config = SandboxConfig(
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        phone_number_id=PHONE_NUMBER_ID,
        webhook_url=receiver.url,
        retry_delay_s=0.01,
        seed=7,
    )
    running = start_sandbox(config)
    yield running
    running.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client, closed after the test."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def sandbox(
    sandbox_server: RunningSandbox, receiver: WebhookRecorder, http: httpx.Client
) -> RunningSandbox:
    """The sandbox, reset to a blank state (no messages, no faults) for this test."""
    http.post(f"{sandbox_server.url}/_sandbox/reset").raise_for_status()
    receiver.clear()
    return sandbox_server


@pytest.fixture
def provider_for(sandbox: RunningSandbox, http: httpx.Client) -> Callable[..., CloudApiProvider]:
    """Build a Cloud API provider for the sandbox, with chosen token and phone number id."""

    def build(
        token: str = ACCESS_TOKEN, phone_number_id: str = PHONE_NUMBER_ID
    ) -> CloudApiProvider:
        config = CloudApiConfig(
            base_url=sandbox.url,
            api_version="v21.0",
            phone_number_id=phone_number_id,
            access_token=token,
            timeout=5.0,
        )
        return CloudApiProvider(config, client=http)

    return build


@pytest.fixture
def provider(provider_for: Callable[..., CloudApiProvider]) -> CloudApiProvider:
    """The Cloud API adapter talking to the sandbox over real HTTP."""
    return provider_for()


@pytest.fixture
def contact_writes(sandbox: RunningSandbox, http: httpx.Client) -> Callable[..., str]:
    """Make a contact's phone send a message (opens the 24-hour window); returns its id."""

    def write(phone: str, **message: object) -> str:
        body = {"from": phone, **(message or {"text": "hello"})}
        response = http.post(f"{sandbox.url}/_sandbox/inbound", json=body)
        response.raise_for_status()
        return str(response.json()["message_id"])

    return write
