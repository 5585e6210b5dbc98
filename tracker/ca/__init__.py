"""Fabric CA client: register, enroll and revoke staff identities at an org's fabric-ca-server.

`client` is the HTTP adapter (errors by code in `errors`), `token` the registrar's signed
authorization header, `csr` the locally generated key and request, `enrolment` the steps
`tracker staff` runs. Only this package speaks to a Fabric CA.
"""

from __future__ import annotations

from tracker.ca.client import CaInfo, FabricCaClient, Issued, Registration, Revocation
from tracker.ca.enrolment import Enrolment, connect, register_and_enrol, revoke
from tracker.ca.errors import (
    CaAuthenticationFailed,
    CaAuthorizationFailed,
    CaEnrolmentIncomplete,
    CaError,
    CaIdentityNotFound,
    CaProtocolError,
    CaRefused,
    CaTlsError,
    CaUnreachable,
)
from tracker.ca.token import Registrar

__all__ = [
    "CaAuthenticationFailed",
    "CaAuthorizationFailed",
    "CaEnrolmentIncomplete",
    "CaError",
    "CaIdentityNotFound",
    "CaInfo",
    "CaProtocolError",
    "CaRefused",
    "CaTlsError",
    "CaUnreachable",
    "Enrolment",
    "FabricCaClient",
    "Issued",
    "Registrar",
    "Registration",
    "Revocation",
    "connect",
    "register_and_enrol",
    "revoke",
]
