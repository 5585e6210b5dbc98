"""The Fabric CA client's own errors, chosen by the CA's numeric error code, never its prose.

```
CaError                     anything that went wrong talking to a Fabric CA
├── CaUnreachable           no answer: connection refused, reset, timeout (retry later)
├── CaTlsError              the CA's TLS certificate does not chain to the configured root
├── CaProtocolError         an answer that is not Fabric CA's JSON envelope, or a wrong cert
├── CaEnrolmentIncomplete   registered, then enroll failed: the identity exists uncertified
└── CaRefused               the CA answered with `errors: [{code, message}]`
    ├── CaAuthenticationFailed   code 20: bad token, bad secret, unknown or revoked caller
    ├── CaAuthorizationFailed    code 71: caller lacks hf.Registrar.Roles / hf.Revoker
    └── CaIdentityNotFound       code 10: no such enrollment id (revoke)
```

Codes are those of fabric-ca `lib/caerrors/servererror.go`. For security the CA answers every
authentication failure with code 20 and every authorization failure with code 71; the precise
reason is only in the CA's own log.
"""

from __future__ import annotations

from dataclasses import dataclass

# fabric-ca lib/caerrors: the codes a client of register/enroll/revoke/cainfo can meet.
CODE_NAMES = {
    0: "UNKNOWN",
    1: "METHOD_NOT_ALLOWED",
    2: "NO_AUTH_HEADER",
    3: "READING_REQUEST_BODY",
    4: "EMPTY_REQUEST_BODY",
    5: "BAD_REQUEST_BODY",
    7: "NOT_REVOKER",
    8: "CERTIFICATE_NOT_FOUND",
    10: "IDENTITY_NOT_FOUND",
    14: "NO_CERTIFICATES_REVOKED",
    15: "MISSING_REVOKE_ARGUMENTS",
    19: "CA_NOT_FOUND",
    20: "AUTHENTICATION_FAILURE",
    22: "ENROLL_DISABLED",
    31: "BAD_CSR",
    42: "ATTRIBUTE_NOT_REGISTRABLE",
    44: "CALLER_NOT_AFFILIATED",
    54: "REGISTRAR_INVALID_TYPE",
    55: "REGISTRAR_NOT_AFFILIATED",
    66: "CERTIFICATE_ALREADY_REVOKED",
    70: "IDENTITY_REVOKED",
    71: "AUTHORIZATION_FAILURE",
}


class CaError(Exception):
    """A Fabric CA operation failed; `operation` names it (register, enroll, revoke, cainfo)."""

    transient = False

    def __init__(self, operation: str, message: str) -> None:
        """Describe the failure of one operation."""
        super().__init__(f"Fabric CA {operation}: {message}")
        self.operation = operation
        self.message = message


class CaUnreachable(CaError):
    """The CA did not answer (connection refused or reset, timeout); worth retrying."""

    transient = True


class CaTlsError(CaError):
    """The CA's TLS certificate was not trusted (wrong root file, wrong host name)."""


class CaProtocolError(CaError):
    """The CA answered something that is not Fabric CA's `{success, result, errors}` JSON,
    or a certificate that is not the one asked for."""

    def __init__(self, operation: str, message: str, *, status: int | None = None) -> None:
        """Keep the HTTP status of the odd answer, when there was one."""
        super().__init__(operation, message if status is None else f"{message} (HTTP {status})")
        self.status = status


class CaEnrolmentIncomplete(CaError):
    """Registration succeeded, enrolment did not: the CA now holds an identity with no
    certificate, and its one-time secret is gone (it was never stored)."""

    def __init__(self, enrollment_id: str, cause: CaError) -> None:
        """Wrap the enroll failure."""
        super().__init__(
            "enroll",
            f"{enrollment_id!r} was registered but not enrolled ({cause.message}); remove it at "
            f"the CA (fabric-ca-client identity remove {enrollment_id}) or use another "
            "enrollment id",
        )
        self.enrollment_id = enrollment_id
        self.cause = cause
        self.transient = cause.transient


@dataclass(frozen=True)
class CaMessage:
    """One entry of the CA's `errors` list."""

    code: int
    message: str

    @property
    def name(self) -> str:
        """A stable name for the code (`CA_ERROR_<n>` for codes not listed)."""
        return CODE_NAMES.get(self.code, f"CA_ERROR_{self.code}")


class CaRefused(CaError):
    """The CA refused the request: HTTP status and its first error's code and message."""

    def __init__(self, operation: str, status: int, errors: tuple[CaMessage, ...]) -> None:
        """Keep every error the CA listed; the first one names the failure."""
        first = errors[0]
        super().__init__(operation, f"{first.name} (code {first.code}): {first.message}")
        self.status = status
        self.errors = errors
        self.code = first.code
        self.name = first.name


class CaAuthenticationFailed(CaRefused):
    """Code 20: the CA did not accept the caller's token or secret."""


class CaAuthorizationFailed(CaRefused):
    """Code 71: the caller is authenticated but may not do this."""


class CaIdentityNotFound(CaRefused):
    """Code 10: the CA has no identity with that enrollment id."""


_BY_CODE: dict[int, type[CaRefused]] = {
    10: CaIdentityNotFound,
    20: CaAuthenticationFailed,
    71: CaAuthorizationFailed,
}


def refused(operation: str, status: int, errors: tuple[CaMessage, ...]) -> CaRefused:
    """The CaRefused subclass for the first error's code."""
    return _BY_CODE.get(errors[0].code, CaRefused)(operation, status, errors)
