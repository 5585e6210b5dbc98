"""Test X.509 identities shaped like Fabric CA enrolment certificates.

Fabric CA writes the enrolment attributes into extension 1.2.3.4.5.6.7.8.1 as
JSON; these certificates carry the same so access.py is tested on real DER.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fabricsim.pki import KeyPair, Validity, issue, subject_name

_NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)
_VALID: Validity = (_NOT_BEFORE, _NOT_BEFORE + timedelta(days=3650))


@dataclass(frozen=True)
class Caller:
    """An MSP id plus the PEM certificate the proposal creator would carry."""

    msp_id: str
    pem: bytes

    def creator(self) -> dict[str, object]:
        """The dict ChaincodeStub.get_creator() returns for this caller."""
        return {"mspid": self.msp_id, "idBytes": self.pem}


@functools.cache
def _ca(msp_id: str) -> KeyPair:
    """One CA per organisation."""
    return issue(subject_name(f"ca.{msp_id.lower()}"), None, is_ca=True, valid=_VALID)


@functools.cache
def make_caller(msp_id: str, enrollment_id: str, role: str | None) -> Caller:
    """A caller whose certificate has CN=enrollment_id and, if given, the role attr."""
    issued = issue(subject_name(enrollment_id), _ca(msp_id), role=role, valid=_VALID)
    return Caller(msp_id=msp_id, pem=issued.cert_pem)


def caller(msp_id: str, role: str | None, enrollment_id: str = "") -> Caller:
    """Shorthand with a readable default enrolment id."""
    return make_caller(msp_id, enrollment_id or f"{role or 'norole'}@{msp_id.lower()}", role)
