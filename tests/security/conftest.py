"""Fixtures of the security tests: hostile text on a ledger, and the staff API in front of a
SimulatedPeer (FAKE, not Fabric: the real chaincode behind the real Gateway services)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fabricsim.blocks import config_envelope, tx_id_for
from fabricsim.consortium import Consortium, make_consortium
from fabricsim.peer import SimulatedPeer
from fabricsim.pki import Enrolment, SimPki
from records import Place, Product, ReadPoint
from records.keys import composite_key
from tests.api.api_stack import ApiStack, start_stack
from tests.security.hostile_text import (
    ANGLE_LOT,
    DESCRIPTION,
    FARM,
    GTIN,
    HUB_NAME,
    LINK_LOT,
    NOTES,
    QUOTED_NOTES,
    S1,
    S2,
    STORE_NAME,
    TAB_NOTES,
)
from tests.verify.verify_chain import FOLLOW, HUB, STORE, Journey, new_shipment
from tracker.follow.follower import Follower


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The usual umask (022): what a file mode test shows does not depend on the runner's."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _create(j: Journey, sscc: str, lot: str) -> bytes:
    """CreateShipment of a product and farm named with formulas (verify_chain's, otherwise)."""
    nonce, at = j._next()
    creator = j.consortium.dispatcher
    shipment = dataclasses.replace(
        new_shipment(sscc, tx_id_for(creator, nonce), at),
        product=Product(GTIN, lot, DESCRIPTION),
        origin=Place("0614141000012", FARM),
    )
    j.shipments[sscc] = shipment
    writes = [
        (composite_key("shipment", sscc), shipment),
        (composite_key("status~sscc", "created", sscc), sscc.encode()),
    ]
    return j._envelope(f"create {sscc}", creator, nonce, at, writes)


@pytest.fixture(scope="session")
def consortium() -> Consortium:
    """The verification tests' consortium (per-org CAs, enrolled members, orderer)."""
    return make_consortium()


@pytest.fixture(scope="session")
def hostile(consortium: Consortium) -> Journey:
    """S1 (lot A<B): shipped from a hub named like a formula, notes that are formulas,
    received at a store named like one; S2 (lot <a href…>) created. Negative longitudes."""
    j = Journey(consortium)
    scanner, receiver = consortium.scanner, consortium.receiver
    hub = ReadPoint(HUB.gln, HUB_NAME, 45.76, -4.83)
    store = ReadPoint(STORE.gln, STORE_NAME, 52.52, -13.4)
    j.block([config_envelope(consortium.orgs)])
    j.block([_create(j, S1, ANGLE_LOT), _create(j, S2, LINK_LOT)])
    j.block(
        [
            j.checkpoint(
                S1, scanner, role="scanner", biz_step="shipping", read_point=hub, notes=NOTES
            )
        ]
    )
    j.block(
        [
            j.checkpoint(
                S1,
                scanner,
                role="scanner",
                biz_step="departing",
                read_point=hub,
                notes=QUOTED_NOTES,
            )
        ]
    )
    j.block(
        [
            j.checkpoint(
                S1,
                receiver,
                role="receiver",
                biz_step="receiving",
                disposition="in_progress",
                status="delivered",
                custodian="RetailerMSP",
                read_point=store,
                notes=TAB_NOTES,
            )
        ]
    )
    return j


@pytest.fixture
def followed(hostile: Journey, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The read model after the real Follower applied every block of the hostile journey."""
    blocks = hostile.blocks
    Follower(config=FOLLOW, sessions=sessions, source=lambda start: iter(blocks[start:])).run()
    return sessions


# --- the staff API over HTTP in front of a SimulatedPeer (as tests/api/conftest.py) ---------


@pytest.fixture(scope="module")
def people(pki: SimPki) -> dict[str, Enrolment]:
    """A dispatcher, a scanner, a receiver and an auditor."""
    return {
        **pki.staff(),
        "auditor": pki.enrol("AuditorMSP", "auditor1", "auditor"),
    }


@pytest.fixture
def stack(tmp_path: Path, pki: SimPki, people: dict[str, Enrolment]) -> Iterator[ApiStack]:
    """The tracker API in front of a fresh SimulatedPeer, one token per person."""
    peer = SimulatedPeer(pki).start()
    running = start_stack(tmp_path / "stack", pki, peer, people)
    yield running
    running.close()
    peer.stop()
