"""The demo's ledger: the fast tier's SimulatedPeer with its PKI (FAKE, not Fabric).

It is the `fabricsim` package on purpose: the same fake the fast tier names as such, not a
second implementation, and nothing under tracker/ depends on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
ORGS = ("ProducerMSP", "CarrierMSP", "RetailerMSP", "AuditorMSP")
# The person the demo signs in as, per organisation: (enrolment id, role).
PEOPLE = {
    "ProducerMSP": ("dispatcher1", "dispatcher"),
    "CarrierMSP": ("scanner1", "scanner"),
    "RetailerMSP": ("receiver1", "receiver"),
    "AuditorMSP": ("auditor1", "auditor"),
}
FOLLOWER = ("CarrierMSP", "tracker-follower")
# (organisation, name, role) of each demo person.
Person = tuple[str, str, str]


def _quiet_chaincode_shim() -> None:
    from chaincode.shim_fixes import apply_logging_fix

    # Importing the shim set the root logger to DEBUG (a library defect); put it back.
    apply_logging_fix(logging.WARNING)


class Stoppable(Protocol):
    """What the demo needs of the running peer."""

    def stop(self) -> None:
        """Stop serving."""


@dataclass(frozen=True)
class DemoLedger:
    """A running peer (simulated or Fabric) and where its TLS root and enrolments are on disk.

    `msp_dirs` holds enrolments made beforehand (the simulated PKI), imported with
    `tracker staff add --msp-dir`; a person of an org without one is registered and enrolled
    at that org's Fabric CA by `tracker staff add` itself (`extra_env` says where the CAs are).
    """

    endpoint: str
    host_override: str | None
    tls_root: Path
    msp_dirs: dict[str, Path]
    follower_msp_dir: Path
    peer: Stoppable
    height: Callable[[], int]  # blocks on the ledger
    people: tuple[Person, ...] = tuple((org, *person) for org, person in PEOPLE.items())
    extra_env: Mapping[str, str] = field(default_factory=dict)
    simulated: bool = True
    serial_base: int = 0  # a ledger that outlives the demo needs fresh SSCCs on each run

    def stop(self) -> None:
        """Stop serving (the in-memory ledger goes with the process)."""
        self.peer.stop()


def start_simulated_peer(root: Path) -> DemoLedger:
    """A fresh PKI under `root` and a SimulatedPeer serving on a free port of 127.0.0.1."""
    _quiet_chaincode_shim()
    from fabricsim.peer import SimulatedPeer
    from fabricsim.pki import PEER_HOST, SimPki

    pki = SimPki(root)
    msp_dirs = {org: pki.enrol(org, *PEOPLE[org]).msp_dir for org in ORGS}
    follower = pki.enrol(FOLLOWER[0], FOLLOWER[1], None).msp_dir
    peer = SimulatedPeer(pki).start()
    return DemoLedger(
        peer.endpoint,
        PEER_HOST,
        pki.tls_root_path,
        msp_dirs,
        follower,
        peer,
        lambda: len(peer.ledger.blocks),
    )
