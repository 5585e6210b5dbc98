"""The sandbox's media store and read receipts over real HTTP: what it keeps, shows and refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.support.sandbox_server import RunningSandbox
from tracker.whatsapp.cloud_api import CloudApiProvider
from tracker.whatsapp.provider import MediaRef

ACCESS_TOKEN, PHONE_NUMBER_ID = "test-access-token", "106540352242922"  # as in conftest
DORA = "33639984601"
PDF = b"%PDF-1.4\n% provenance 376123450000000078\n%%EOF\n"
AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


def graph(sandbox: RunningSandbox, edge: str) -> str:
    return f"{sandbox.url}/v21.0/{PHONE_NUMBER_ID}/{edge}"


def assert_meta_error(response: httpx.Response, status: int, code: int, detail: str) -> None:
    """Graph's error shape: message, type, code, error_data.details, fbtrace_id."""
    assert response.status_code == status
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "code", "error_data", "fbtrace_id"}
    assert (error["code"], error["type"]) == (code, "OAuthException")
    assert error["message"].startswith(f"(#{code})")
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert detail in error["error_data"]["details"]


def test_uploaded_bytes_are_kept_and_the_document_links_to_them(
    provider: CloudApiProvider,
    sandbox: RunningSandbox,
    http: httpx.Client,
    contact_writes: Callable[..., str],
) -> None:
    contact_writes(DORA)
    media_id = provider.upload_media(PDF, "application/pdf", "provenance-x.pdf")
    sent = provider.send_document(
        DORA, MediaRef.uploaded(media_id), filename="provenance-x.pdf", caption="Rapport"
    )
    [listed] = http.get(f"{sandbox.url}/_sandbox/messages", params={"to": DORA}).json()
    assert listed["id"] == sent.message_id and listed["type"] == "document"
    assert listed["document"] == {
        "id": media_id,
        "filename": "provenance-x.pdf",
        "caption": "Rapport",
    }
    assert listed["media_url"] == f"/_sandbox/media/{media_id}"
    media = http.get(sandbox.url + listed["media_url"])
    assert media.content == PDF
    assert media.headers["content-type"] == "application/pdf"
    assert media.headers["content-disposition"] == 'attachment; filename="provenance-x.pdf"'
    assert http.get(f"{sandbox.url}/_sandbox/media/1234567890123456").status_code == 404


def test_a_document_with_an_unknown_media_id_gets_metas_error_and_is_not_sent(
    sandbox: RunningSandbox, http: httpx.Client, contact_writes: Callable[..., str]
) -> None:
    contact_writes(DORA)
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": DORA,
        "type": "document",
        "document": {"id": "1234567890123456", "filename": "provenance-x.pdf"},
    }
    response = http.post(graph(sandbox, "messages"), json=body, headers=AUTH)
    assert_meta_error(response, 400, 100, "Media id 1234567890123456 is not valid")
    assert http.get(f"{sandbox.url}/_sandbox/messages", params={"to": DORA}).json() == []


def test_mark_as_read_is_recorded_per_call_and_unknown_ids_get_metas_error(
    sandbox: RunningSandbox, http: httpx.Client, contact_writes: Callable[..., str]
) -> None:
    inbound = contact_writes(DORA)

    def read_count() -> int:
        [message] = http.get(f"{sandbox.url}/_sandbox/conversation", params={"phone": DORA}).json()
        return int(message["read_count"])

    assert read_count() == 0
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": inbound}
    accepted = http.post(graph(sandbox, "messages"), json=read, headers=AUTH)
    assert (accepted.status_code, accepted.json()) == (200, {"success": True})
    assert read_count() == 1
    unknown = {**read, "message_id": "wamid.unknown"}
    refused = http.post(graph(sandbox, "messages"), json=unknown, headers=AUTH)
    assert_meta_error(refused, 400, 100, "Invalid message_id wamid.unknown")
    assert read_count() == 1
