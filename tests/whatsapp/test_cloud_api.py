"""The Meta Cloud API adapter against the sandbox, over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.sandbox_server import RunningSandbox
from tracker.whatsapp.cloud_api import CloudApiConfig, CloudApiProvider, redact_phone
from tracker.whatsapp.errors import (
    FatalError,
    PermanentError,
    TransientError,
    error_from_response,
)
from tracker.whatsapp.provider import MediaRef, ReplyButton

ALICE = "33639984501"
BOB = "33639984502"
ACCESS_TOKEN, PHONE_NUMBER_ID = "test-access-token", "106540352242922"  # conftest's sandbox


def sent_to(sandbox: RunningSandbox, http: httpx.Client, phone: str) -> list[dict[str, Any]]:
    response = http.get(f"{sandbox.url}/_sandbox/messages", params={"to": phone})
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()
    return result


def test_text_inside_the_window_is_sent(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
) -> None:
    contact_writes(ALICE, text="AIDE")
    sent = provider.send_text(ALICE, "Bonjour", callback_data="event:1")
    assert sent.message_id.startswith("wamid.")
    [record] = sent_to(sandbox, http, ALICE)
    assert (record["id"], record["type"], record["text"]) == (sent.message_id, "text", "Bonjour")
    assert record["callback_data"] == "event:1"


def test_text_outside_the_window_is_refused_with_131047(provider: CloudApiProvider) -> None:
    with pytest.raises(PermanentError) as caught:
        provider.send_text(BOB, "Bonjour")
    error = caught.value
    assert (error.code, error.http_status, error.is_transient) == (131047, 400, False)
    assert error.fbtrace_id and "24 hours" in error.details


def test_a_message_older_than_24_hours_does_not_open_the_window(
    provider: CloudApiProvider, contact_writes: Callable[..., str]
) -> None:
    contact_writes(BOB, text="hello", timestamp=int(time.time()) - 25 * 3600)
    with pytest.raises(PermanentError) as caught:
        provider.send_text(BOB, "Bonjour")
    assert caught.value.code == 131047


def test_interactive_buttons_inside_the_window(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
) -> None:
    contact_writes(ALICE)
    buttons = [ReplyButton("SUBSCRIBE:306141411234567891", "Suivre"), ReplyButton("HELP", "Aide")]
    provider.send_interactive_buttons(ALICE, "Que voulez-vous faire ?", buttons, footer="Tracker")
    [record] = sent_to(sandbox, http, ALICE)
    assert record["buttons"] == [{"id": b.id, "title": b.title} for b in buttons]
    assert record["interactive"]["footer"] == {"text": "Tracker"}


def test_interactive_is_also_bound_by_the_window(provider: CloudApiProvider) -> None:
    with pytest.raises(PermanentError) as caught:
        provider.send_interactive_buttons(BOB, "?", [ReplyButton("HELP", "Aide")])
    assert caught.value.code == 131047


def test_template_outside_the_window_is_sent(
    provider: CloudApiProvider, sandbox: RunningSandbox, http: httpx.Client
) -> None:
    sent = provider.send_template(
        BOB,
        "shipment_status_update",
        "fr",
        body_parameters=["306141411234567891", "livrée"],
        button_payloads=["REPORT:306141411234567891"],
        callback_data="event:2",
    )
    [record] = sent_to(sandbox, http, BOB)
    assert record["id"] == sent.message_id
    assert record["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "306141411234567891"},
                {"type": "text", "text": "livrée"},
            ],
        },
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "0",
            "parameters": [{"type": "payload", "payload": "REPORT:306141411234567891"}],
        },
    ]


def test_template_parameters_are_sent_on_one_line(
    provider: CloudApiProvider, sandbox: RunningSandbox, http: httpx.Client
) -> None:
    # A place name from the ledger with a line break, a tab and a run of spaces: Meta refuses
    # such a parameter (#132018) for good, so the adapter sends it as one line.
    place = " Hub\nLyon\tNord      quai 3\r\n"
    provider.send_template(
        BOB, "shipment_status_update", "fr", body_parameters=["306141411234567891", place]
    )
    [record] = sent_to(sandbox, http, BOB)
    [body] = [c for c in record["template"]["components"] if c["type"] == "body"]
    assert [p["text"] for p in body["parameters"]] == [
        "306141411234567891",
        "Hub Lyon Nord quai 3",
    ]


def _raw_template_send(sandbox: RunningSandbox, http: httpx.Client, text: str) -> httpx.Response:
    """A template send straight to the sandbox, as a client without the adapter would."""
    template = {
        "name": "shipment_status_update",
        "language": {"code": "fr"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
    }
    body = {"messaging_product": "whatsapp", "to": BOB, "type": "template", "template": template}
    url = f"{sandbox.url}/v21.0/{PHONE_NUMBER_ID}/messages"
    return http.post(url, json=body, headers={"Authorization": f"Bearer {ACCESS_TOKEN}"})


@pytest.mark.parametrize("text", ["Hub\nLyon", "Hub\r\nLyon", "Hub\tLyon", "Hub     Lyon"])
def test_the_sandbox_refuses_what_meta_refuses_in_a_parameter_with_132018(
    sandbox: RunningSandbox, http: httpx.Client, text: str
) -> None:
    response = _raw_template_send(sandbox, http, text)
    assert response.status_code == 400
    error = error_from_response(response.status_code, response.json())
    assert isinstance(error, PermanentError) and error.code == 132018
    assert error.details == (
        "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
    )
    assert sent_to(sandbox, http, BOB) == []


def test_the_sandbox_takes_up_to_four_consecutive_spaces(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    assert _raw_template_send(sandbox, http, "Hub    Lyon").status_code == 200


@pytest.mark.parametrize(
    ("name", "language"), [("no_such_template", "fr"), ("shipment_status_update", "de")]
)
def test_unregistered_template_is_refused_with_132001(
    provider: CloudApiProvider, name: str, language: str
) -> None:
    with pytest.raises(PermanentError) as caught:
        provider.send_template(BOB, name, language)
    assert caught.value.code == 132001
    assert name in caught.value.details


def test_bad_token_is_fatal_190(provider_for: Callable[..., CloudApiProvider]) -> None:
    with pytest.raises(FatalError) as caught:
        provider_for(token="expired").send_template(BOB, "hello_world", "en_US")
    error = caught.value
    assert (error.code, error.http_status, error.is_transient) == (190, 401, False)


def test_unknown_phone_number_id_is_invalid_parameter(
    provider_for: Callable[..., CloudApiProvider],
) -> None:
    with pytest.raises(PermanentError) as caught:
        provider_for(phone_number_id="999").send_template(BOB, "hello_world", "en_US")
    assert caught.value.code == 100


@pytest.mark.parametrize(
    ("knob", "code", "status"),
    [("error_5xx_share", 131000, 500), ("rate_limit_share", 130429, 429)],
)
def test_fault_knobs_give_transient_errors(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    knob: str,
    code: int,
    status: int,
) -> None:
    http.post(f"{sandbox.url}/_sandbox/faults", json={knob: 1.0}).raise_for_status()
    with pytest.raises(TransientError) as caught:
        provider.send_template(BOB, "hello_world", "en_US")
    assert (caught.value.code, caught.value.http_status, caught.value.is_transient) == (
        code,
        status,
        True,
    )
    assert sent_to(sandbox, http, BOB) == []


def test_reset_clears_the_fault_knobs(
    provider: CloudApiProvider, sandbox: RunningSandbox, http: httpx.Client
) -> None:
    http.post(f"{sandbox.url}/_sandbox/faults", json={"error_5xx_share": 1.0})
    http.post(f"{sandbox.url}/_sandbox/reset")
    assert provider.send_template(BOB, "hello_world", "en_US").message_id


def test_document_upload_then_send(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
) -> None:
    contact_writes(ALICE)
    media_id = provider.upload_media(b"%PDF-1.7 report", "application/pdf", "report.pdf")
    assert media_id.isdigit()
    provider.send_document(
        ALICE, MediaRef.uploaded(media_id), filename="report.pdf", caption="Provenance"
    )
    [record] = sent_to(sandbox, http, ALICE)
    assert record["document"] == {"id": media_id, "filename": "report.pdf", "caption": "Provenance"}


def test_document_with_unknown_media_id_is_refused(
    provider: CloudApiProvider, contact_writes: Callable[..., str]
) -> None:
    contact_writes(ALICE)
    with pytest.raises(PermanentError) as caught:
        provider.send_document(ALICE, MediaRef.uploaded("123"))
    assert caught.value.code == 100


def test_mark_as_read(
    provider: CloudApiProvider, sandbox: RunningSandbox, contact_writes: Callable[..., str]
) -> None:
    inbound_id = contact_writes(ALICE)
    provider.mark_as_read(inbound_id)
    assert sandbox.sandbox.state.is_read(inbound_id)
    with pytest.raises(PermanentError):
        provider.mark_as_read("wamid.unknown")


def _capturing_provider(
    handler: Callable[[httpx.Request], httpx.Response],
) -> CloudApiProvider:
    config = CloudApiConfig(base_url="https://graph.test", phone_number_id="42", access_token="tok")
    return CloudApiProvider(config, client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_request_shape_is_metas() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={"messages": [{"id": "wamid.X"}]})

    _capturing_provider(handler).send_text("33639980000", "hi", callback_data="cb")
    [req] = seen
    assert str(req.url) == "https://graph.test/v21.0/42/messages"
    assert req.headers["Authorization"] == "Bearer tok"
    assert json.loads(req.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "33639980000",
        "type": "text",
        "text": {"body": "hi", "preview_url": False},
        "biz_opaque_callback_data": "cb",
    }


@pytest.mark.parametrize(
    "handler",
    [
        lambda req: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=req)),
        lambda req: httpx.Response(502, text="<html>Bad gateway</html>"),
    ],
    ids=["timeout", "proxy-5xx-without-graph-body"],
)
def test_timeouts_and_bare_5xx_are_transient(
    handler: Callable[[httpx.Request], httpx.Response],
) -> None:
    with pytest.raises(TransientError) as caught:
        _capturing_provider(handler).send_text("33639980000", "hi")
    assert caught.value.is_transient and caught.value.code is None


def test_config_repr_hides_the_token() -> None:
    config = CloudApiConfig(phone_number_id="42", access_token="secret-token")
    assert "secret-token" not in repr(config)


@pytest.mark.parametrize(
    ("phone", "shown"),
    [("33639985678", "*********78"), ("+33 6 12 34 56 78", "*********78"), ("7", "7")],
)
def test_redact_phone_keeps_the_last_two_digits(phone: str, shown: str) -> None:
    assert redact_phone(phone) == shown
