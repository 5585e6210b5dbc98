"""WhatsApp send errors, classified by what the caller should do next.

    WhatsAppError       base: code, title, message, details, fbtrace_id, http_status
    ├── TransientError  retry later with backoff (HTTP 5xx, timeouts, 130429, 131000, 131016)
    ├── PacingError     retry later for THAT recipient only (131056 pair rate limit)
    ├── PermanentError  do not retry this message (100, 131026, 131047, 132001, ...)
    └── FatalError      stop all sending and alert a human (190 token, 368 policy block)

`error_from_response` turns a Meta Graph error body into the right class by code;
`error_from_code` does the same for the value-level errors carried by webhooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

# Meta Cloud API codes, see developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
RATE_LIMIT = 130429
SOMETHING_WENT_WRONG = 131000
SERVICE_UNAVAILABLE = 131016
PAIR_RATE_LIMIT = 131056
UNDELIVERABLE = 131026
INVALID_PARAMETER = 100
REENGAGEMENT_REQUIRED = 131047
TEMPLATE_DOES_NOT_EXIST = 132001
ACCESS_TOKEN_INVALID = 190
POLICY_BLOCKED = 368

# Codes 1, 2, 4 and 80007 are Graph-level "unknown/service/throttled" errors: Meta says retry.
_TRANSIENT = frozenset({1, 2, 4, 80007, RATE_LIMIT, SOMETHING_WENT_WRONG, SERVICE_UNAVAILABLE})
_PACING = frozenset({PAIR_RATE_LIMIT})
_PERMANENT = frozenset(
    {
        INVALID_PARAMETER,
        UNDELIVERABLE,
        REENGAGEMENT_REQUIRED,
        TEMPLATE_DOES_NOT_EXIST,
        131008,  # required parameter missing
        131009,  # parameter value is not valid
        131021,  # recipient cannot be sender
        131051,  # unsupported message type
        132000,  # template parameter count mismatch
        132018,  # template parameter text (newline, tab, more than 4 consecutive spaces)
        133010,  # phone number not registered
    }
)
# 0 (AuthException), 3 (capability), 10 (permission), 131031 (account locked): no send can work.
_FATAL = frozenset({0, 3, 10, 131031, ACCESS_TOKEN_INVALID, POLICY_BLOCKED})


class WhatsAppError(Exception):
    """Base of every provider error; carries Meta's diagnostic fields."""

    is_transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        title: str = "",
        details: str = "",
        fbtrace_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.title = title or message
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.http_status = http_status

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"http_status={self.http_status!r}, fbtrace_id={self.fbtrace_id!r})"
        )


class TransientError(WhatsAppError):
    """The service hiccupped: the same request may succeed later."""

    is_transient = True


class PacingError(WhatsAppError):
    """Too many messages to one recipient: retry later for that recipient only."""

    is_transient = True


class PermanentError(WhatsAppError):
    """This message cannot be sent as is: retrying will not help."""


class FatalError(WhatsAppError):
    """The account cannot send at all: stop every send and alert an operator."""


def classify(code: int | None, http_status: int | None) -> type[WhatsAppError]:
    """Return the error class for a Meta error code, falling back on the HTTP status."""
    for codes, cls in (
        (_TRANSIENT, TransientError),
        (_PACING, PacingError),
        (_PERMANENT, PermanentError),
        (_FATAL, FatalError),
    ):
        if code in codes:
            return cls
    return _classify_status(http_status)


def _classify_status(http_status: int | None) -> type[WhatsAppError]:
    # Unknown code: the HTTP status is the only hint left about retry-ability.
    if http_status is None or http_status >= 500 or http_status in (408, 429):
        return TransientError
    if http_status in (401, 403):
        return FatalError
    return PermanentError


def error_from_code(
    code: int | None,
    message: str,
    *,
    title: str = "",
    details: str = "",
    fbtrace_id: str | None = None,
    http_status: int | None = None,
) -> WhatsAppError:
    """Build the right error class for a code and its texts."""
    cls = classify(code, http_status)
    return cls(
        message,
        code=code,
        title=title,
        details=details,
        fbtrace_id=fbtrace_id,
        http_status=http_status,
    )


def error_from_response(http_status: int, body: object) -> WhatsAppError:
    """Map a Meta error body `{"error": {...}}` (or garbage) to the right error class."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        # A proxy or load balancer answered, not the Graph API: only the status is meaningful.
        return error_from_code(
            None, f"HTTP {http_status} without a Graph error body", http_status=http_status
        )
    code = error.get("code")
    error_data = error.get("error_data")
    details = error_data.get("details") if isinstance(error_data, Mapping) else None
    trace = error.get("fbtrace_id")
    return error_from_code(
        code if isinstance(code, int) else None,
        str(error.get("message") or f"HTTP {http_status}"),
        title=str(error.get("error_user_title") or ""),
        details=str(details or ""),
        fbtrace_id=trace if isinstance(trace, str) else None,
        http_status=http_status,
    )
