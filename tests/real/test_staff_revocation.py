"""Revoking a person on real Fabric: at the org's real Fabric CA, then on the channel.

A revocation at the Fabric CA alone changes nothing for the peers: they validate a creator
against the org's MSP in the channel configuration, so a revoked certificate is accepted until
the CA's CRL is in that MSP's `revocation_list` (Fabric's documented behaviour). After
`scripts/network crl producer` every peer refuses it, for submit and evaluate alike, with an
error the tracker treats as final; other people of the org keep working.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from network.topology import Org
from tests.chaincode.cc_samples import make_sscc, shipment_request
from tests.real.fabric_net import REPO, FabricNet, as_json, org
from tracker.ledger import ChaincodeError, EndorseError, LedgerError

PRODUCER, CARRIER = org("ProducerMSP"), org("CarrierMSP")
ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")  # fabric-ca's attribute extension
REFUSAL = "access denied: channel [supplychain] creator org [ProducerMSP]"
REVOKED_IN_LOG = "The certificate has been revoked"  # the endorser's cause, logged (not sent)


def _sscc() -> str:
    return make_sscc(secrets.randbelow(10**9))


def _attributes(msp_dir: Path) -> dict[str, str]:
    """The attributes fabric-ca put in the certificate (JSON in its own extension)."""
    cert = x509.load_pem_x509_certificate((msp_dir / "signcerts" / "cert.pem").read_bytes())
    extension = cert.extensions.get_extension_for_oid(ATTRIBUTE_OID).value
    assert isinstance(extension, x509.UnrecognizedExtension)
    attrs: dict[str, str] = json.loads(extension.value)["attrs"]
    return attrs


def _create(fabric: FabricNet, msp_dir: Path, sscc: str, via: Org | None = None) -> str:
    """CreateShipment as that Producer identity; the validation code."""
    with fabric.gateway(PRODUCER, msp_dir, via=via) as gateway:
        request = json.dumps(shipment_request(sscc))
        return fabric.contract(gateway).submit("CreateShipment", request).validation_code


def _read(fabric: FabricNet, msp_dir: Path, sscc: str, via: Org | None = None) -> Any:
    with fabric.gateway(PRODUCER, msp_dir, via=via) as gateway:
        return as_json(fabric.contract(gateway).evaluate("GetShipment", sscc))


def _publish_crl(fabric: FabricNet) -> str:
    started = time.monotonic()
    done = fabric.network("crl", "producer", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.stderr.write(f"scripts/network crl producer: {time.monotonic() - started:.1f} s\n")
    return done.stdout


def _assert_refused_as_revoked(fabric: FabricNet, msp_dir: Path, via: Org, colleague: Path) -> None:
    """Submit and evaluate by a revoked identity: refused by the endorser, finally."""
    sscc = _sscc()
    with pytest.raises(LedgerError) as submitted:
        _create(fabric, msp_dir, sscc, via)
    with pytest.raises(LedgerError) as evaluated:
        _read(fabric, msp_dir, sscc, via)
    submit, evaluate = submitted.value, evaluated.value
    assert type(submit) is EndorseError and submit.step == "endorse", repr(submit)
    assert submit.grpc_code is not None and submit.grpc_code.name == "ABORTED"
    assert type(evaluate) is LedgerError and evaluate.step == "evaluate", repr(evaluate)
    assert evaluate.grpc_code is not None and evaluate.grpc_code.name == "FAILED_PRECONDITION"
    for error in (submit, evaluate):
        assert REFUSAL in str(error), str(error)
        assert error.chaincode_code is None
        assert error.retriable is False, str(error)  # the queue must not retry it forever
        assert error.details and all(REFUSAL in d.message for d in error.details)
        assert {d.msp_id for d in error.details} == {via.msp_id}
        assert error.tx_id is not None
        _assert_logged_as_revoked(fabric, via, error.tx_id)
    with pytest.raises(ChaincodeError, match="SHIPMENT_NOT_FOUND"):  # nothing was written
        _read(fabric, colleague, sscc)


def _assert_logged_as_revoked(fabric: FabricNet, via: Org, tx_id: str) -> None:
    """The peer's own reason, in its log: the CRL, not some other access check."""
    log = fabric.layout.log(fabric.topology.peer_of(via).name)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = log.read_text(errors="replace").splitlines()
        if any(f"txID={tx_id[:8]}" in line and REVOKED_IN_LOG in line for line in lines):
            return
        time.sleep(0.2)
    raise AssertionError(f"{log} does not say why tx {tx_id} was refused: {REVOKED_IN_LOG!r}")


def _revoke_at_ca(fabric: FabricNet, name: str) -> None:
    """`fabric-ca-client revoke -e NAME` as the Producer CA's registrar."""
    layout, ca = fabric.layout, fabric.topology.ca_of(PRODUCER)
    argv = [fabric.tools.exe("fabric-ca-client"), "revoke", "-e", name]
    argv += ["--home", str(layout.identity(PRODUCER, "registrar")), "--caname", "ca-producer"]
    argv += ["--tls.certfiles", str(layout.ca_cert(PRODUCER)), "-u", f"https://{ca.address()}"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Successfully revoked certificates" in done.stderr, done.stderr


def test_a_ca_revocation_is_refused_by_every_peer_once_its_crl_is_published(
    fabric: FabricNet,
) -> None:
    name = f"dispatcher-{secrets.token_hex(4)}"
    revoked = fabric.enrol(PRODUCER, "dispatcher", name)
    colleague = fabric.enrol(PRODUCER, "dispatcher")
    attrs = _attributes(revoked)
    assert attrs["role"] == "dispatcher" and attrs["hf.EnrollmentID"] == name, attrs
    assert _create(fabric, revoked, _sscc()) == "VALID"

    _revoke_at_ca(fabric, name)
    # Fabric's documented behaviour: until the CRL is in the channel config, peers accept it.
    sscc = _sscc()
    assert _create(fabric, revoked, sscc) == "VALID"
    assert _read(fabric, revoked, sscc, via=CARRIER)["sscc"] == sscc

    published = _publish_crl(fabric)
    assert "ProducerMSP: the CRL of ca-producer" in published, published
    assert "every peer has it" in published, published
    for via in (PRODUCER, CARRIER):  # its own org's peer and another org's
        _assert_refused_as_revoked(fabric, revoked, via, colleague)
    # The org's other people are unaffected.
    sscc = _sscc()
    assert _create(fabric, colleague, sscc) == "VALID"
    assert _read(fabric, colleague, sscc, via=CARRIER)["sscc"] == sscc

    heights = fabric.heights()
    again = fabric.network("crl", "ProducerMSP")  # idempotent: nothing new to publish
    assert again.returncode == 0, again.stderr
    assert "already has the CRL of ca-producer" in again.stdout, again.stdout
    assert "nothing to do" in again.stdout
    assert fabric.heights() == heights  # no config transaction was sent


def test_crl_names_an_unknown_org_as_a_usage_error(fabric: FabricNet) -> None:
    done = fabric.network("crl", "wholesaler")
    assert done.returncode == 64, done.stderr
    assert "unknown organisation 'wholesaler'" in done.stderr
    assert "producer (ProducerMSP)" in done.stderr


def _tracker(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"tracker {' '.join(args)}:\n{done.stderr}{done.stdout}"
    return done.stdout


def test_tracker_staff_add_and_revoke_at_the_real_ca_reach_the_channel(
    fabric: FabricNet, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "WHATSAPP_"))}
    env.update(fabric.settings())  # TRACKER_CA_* of the network's three CAs, and the peer
    env.update(
        TRACKER_STATE_DIR=str(tmp_path / "tracker"),
        TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
        TRACKER_WALLET_DIR=str(tmp_path / "wallet"),
    )
    _tracker(env, "db", "upgrade")
    added = _tracker(
        env, "staff", "add", "--org", "ProducerMSP", "--name", "Dana Depot", "--role", "dispatcher"
    )
    found = re.search(r"^staff (\d+): .*enrolment id (dispatcher-[0-9a-f]{8})\)$", added, re.M)
    assert found, added
    staff_id, enrollment_id = found.groups()
    wallet = tmp_path / "wallet" / "ProducerMSP" / enrollment_id
    attrs = _attributes(wallet)
    assert attrs["role"] == "dispatcher" and attrs["hf.EnrollmentID"] == enrollment_id, attrs
    assert _create(fabric, wallet, _sscc()) == "VALID"  # a member of ProducerMSP on the channel

    revoked = _tracker(env, "staff", "revoke", staff_id)
    assert f"identity {enrollment_id} revoked at the Fabric CA (1 certificate(s))" in revoked
    assert "revoked (token and CA identity)" in _tracker(env, "staff", "list")
    assert _create(fabric, wallet, _sscc()) == "VALID"  # not yet on the channel

    assert "every peer has it" in _publish_crl(fabric)
    _assert_refused_as_revoked(fabric, wallet, PRODUCER, fabric.enrol(PRODUCER, "dispatcher"))
