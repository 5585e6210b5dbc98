"""Meta error bodies mapped onto the error tree."""

from __future__ import annotations

import pytest

from tracker.whatsapp.errors import (
    FatalError,
    PacingError,
    PermanentError,
    TransientError,
    WhatsAppError,
    error_from_response,
)


def body(code: int, message: str = "m", details: str | None = None) -> dict[str, object]:
    error: dict[str, object] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf",
    }
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


@pytest.mark.parametrize(
    ("code", "status", "cls", "transient"),
    [
        (130429, 429, TransientError, True),
        (131000, 500, TransientError, True),
        (131016, 503, TransientError, True),
        (131056, 400, PacingError, True),
        (131026, 400, PermanentError, False),
        (100, 400, PermanentError, False),
        (131047, 400, PermanentError, False),
        (132001, 404, PermanentError, False),
        (190, 401, FatalError, False),
        (368, 403, FatalError, False),
        (999999, 503, TransientError, True),  # unknown code: the status decides
        (999999, 400, PermanentError, False),
        (999999, 403, FatalError, False),
    ],
)
def test_codes_map_to_classes(
    code: int, status: int, cls: type[WhatsAppError], transient: bool
) -> None:
    error = error_from_response(status, body(code, details="why"))
    assert type(error) is cls
    assert (error.code, error.http_status, error.is_transient) == (code, status, transient)
    assert (error.fbtrace_id, error.details) == ("AbCdEf", "why")


@pytest.mark.parametrize(
    ("status", "raw", "cls"),
    [(502, None, TransientError), (400, "oops", PermanentError), (401, {"error": 3}, FatalError)],
)
def test_bodies_without_a_graph_error(status: int, raw: object, cls: type[WhatsAppError]) -> None:
    error = error_from_response(status, raw)
    assert type(error) is cls and error.code is None and error.http_status == status


def test_error_keeps_the_message_and_title() -> None:
    error = error_from_response(400, body(131047, "(#131047) Re-engagement message"))
    assert str(error) == error.message == error.title == "(#131047) Re-engagement message"
    assert "131047" in repr(error)
