"""Twilio provider request shape and error mapping, and Twilio webhook signatures."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from tracker.whatsapp.errors import (
    FatalError,
    PacingError,
    PermanentError,
    TransientError,
    WhatsAppError,
)
from tracker.whatsapp.provider import MediaRef, ReplyButton
from tracker.whatsapp.twilio import TwilioConfig, TwilioProvider, verify_twilio_signature

# Twilio's documented example (request validation docs and its helper libraries' tests).
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12025550109",
    "Digits": "1234",
    "From": "+12025550109",
    "To": "+12025550112",
}
DOC_TOKEN = "12345"
# Twilio's documented example (token 12345) signs to RSOYDt4T1cUTdK1PDd93/VVr8B8=; its phone
# numbers are replaced here by fictional ones (+1 202 555 01xx), so the signature below was
# recomputed once with the documented algorithm: HMAC-SHA1(URL + sorted key+value), base64.
DOC_SIGNATURE = "EHbqrniIzEXLE2GQTYl20nPCb0o="


def test_documented_signature_is_accepted() -> None:
    assert verify_twilio_signature(DOC_URL, DOC_PARAMS, DOC_SIGNATURE, DOC_TOKEN)


@pytest.mark.parametrize(
    ("url", "params", "signature", "token"),
    [
        (DOC_URL, {**DOC_PARAMS, "Digits": "9999"}, DOC_SIGNATURE, DOC_TOKEN),
        (DOC_URL + "&x=1", DOC_PARAMS, DOC_SIGNATURE, DOC_TOKEN),
        (DOC_URL, DOC_PARAMS, DOC_SIGNATURE, "54321"),
        (DOC_URL, DOC_PARAMS, None, DOC_TOKEN),
        (DOC_URL, DOC_PARAMS, "", DOC_TOKEN),
    ],
    ids=["tampered-param", "other-url", "other-token", "missing", "empty"],
)
def test_wrong_signatures_are_rejected(
    url: str, params: dict[str, str], signature: str | None, token: str
) -> None:
    assert not verify_twilio_signature(url, params, signature, token)


Handler = Callable[[httpx.Request], httpx.Response]


def provider(handler: Handler, callback: str | None = None) -> TwilioProvider:
    config = TwilioConfig(
        account_sid="AC123",
        auth_token="tok",
        from_number="+12025550186",
        base_url="https://twilio.test",
        status_callback_url=callback,
    )
    return TwilioProvider(config, client=httpx.Client(transport=httpx.MockTransport(handler)))


def capture(seen: list[httpx.Request]) -> Handler:
    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(201, json={"sid": "SM0123", "status": "queued"})

    return handler


def form_of(req: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(req.content.decode()).items()}


def test_text_is_a_form_post_with_basic_auth() -> None:
    seen: list[httpx.Request] = []
    sent = provider(capture(seen), "https://tracker.test/twilio/status").send_text(
        "+33639985678", "Bonjour", callback_data="event:1"
    )
    [req] = seen
    assert sent.message_id == "SM0123"
    assert str(req.url) == "https://twilio.test/2010-04-01/Accounts/AC123/Messages.json"
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:tok").decode()
    assert form_of(req) == {
        "From": "whatsapp:+12025550186",
        "To": "whatsapp:+33639985678",
        "Body": "Bonjour",
        "StatusCallback": "https://tracker.test/twilio/status?cb=event%3A1",
    }


def test_template_uses_content_sid_and_variables() -> None:
    seen: list[httpx.Request] = []
    provider(capture(seen)).send_template(
        "+33639985678", "HXabc", "fr", body_parameters=["306141411234567891", "livrée"]
    )
    form = form_of(seen[0])
    assert form["ContentSid"] == "HXabc"
    assert json.loads(form["ContentVariables"]) == {"1": "306141411234567891", "2": "livrée"}


def test_template_variables_are_sent_on_one_line() -> None:
    # Twilio refuses a body variable with a newline, tab or long run of spaces (21656).
    seen: list[httpx.Request] = []
    provider(capture(seen)).send_template(
        "+33639985678", "HXabc", "fr", body_parameters=["Hub\nLyon\t  Nord"]
    )
    assert json.loads(form_of(seen[0])["ContentVariables"]) == {"1": "Hub Lyon Nord"}


def test_buttons_fall_back_to_text_and_documents_go_by_link() -> None:
    seen: list[httpx.Request] = []
    p = provider(capture(seen))
    p.send_interactive_buttons("+33639985678", "Choisir", [ReplyButton("HELP", "Aide")])
    p.send_document("+33639985678", MediaRef.at("https://x.test/r.pdf"), caption="Rapport")
    assert form_of(seen[0])["Body"] == "Choisir\n- Aide"
    assert form_of(seen[1])["MediaUrl"] == "https://x.test/r.pdf"
    with pytest.raises(PermanentError):
        p.send_document("+33639985678", MediaRef.uploaded("123"))


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, 20003, FatalError),
        (429, 20429, TransientError),
        (400, 63016, PermanentError),
        (400, 21211, PermanentError),
        (429, 63018, PacingError),
        (503, None, TransientError),
    ],
)
def test_twilio_errors_map_to_the_tree(
    status: int, code: int | None, cls: type[WhatsAppError]
) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        body = {
            "code": code,
            "message": "nope",
            "more_info": "https://www.twilio.com/docs/errors",
            "status": status,
        }
        return httpx.Response(status, json=body if code else None)

    with pytest.raises(cls) as caught:
        provider(handler).send_text("+33639985678", "x")
    assert (caught.value.code, caught.value.http_status) == (code, status)
